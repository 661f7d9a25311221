/**
 * The curves of a loss plot (the CLI's --plot and the web app's chart): one per loss part
 * the run has, in the objective's order, then the total — dashed, drawn last so it stays
 * visible over the part that dominates it. Colours by position, so the built-in parts keep
 * theirs (content blue, style red, tv green) and a new term gets the next one.
 */
const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf'];

export interface LossSeries {
  /** A part's name, or 'loss' for the total. */
  key: string;
  label: string;
  colour: string;
  dash?: string;
}

export function lossSeries(parts: readonly string[]): LossSeries[] {
  return [
    ...parts.map((key, i) => ({ key, label: key, colour: PALETTE[i % PALETTE.length]! })),
    { key: 'loss', label: 'total', colour: '#111111', dash: '6 4' },
  ];
}

/** A point's value on a series: the total, or one part. */
export function seriesValue(point: { loss: number; parts: Record<string, number> }, key: string): number {
  return key === 'loss' ? point.loss : (point.parts[key] ?? NaN);
}
