/**
 * The arithmetic of `npm run bench:web` (bench/web.ts), apart from the browser so it can be
 * tested: per-iteration times from progress reports, their medians, and the table.
 */

/** One progress report: the iteration just finished and the run's clock at that moment. */
export interface Tick {
  iteration: number;
  elapsedMs: number;
}

/**
 * The time of each iteration after the first `warmup`: the difference between its report
 * and the previous iteration's. Reports may arrive out of order or twice (the page and
 * the CLI both report iteration 0, the first evaluation); a missing iteration leaves no
 * time for it or for the one after it rather than a doubled one.
 */
export function iterationTimes(ticks: readonly Tick[], warmup: number): number[] {
  const at = new Map<number, number>();
  for (const t of ticks) if (!at.has(t.iteration)) at.set(t.iteration, t.elapsedMs);
  const out: number[] = [];
  for (const i of [...at.keys()].sort((a, b) => a - b)) {
    if (i <= warmup || !at.has(i - 1)) continue;
    out.push(at.get(i)! - at.get(i - 1)!);
  }
  return out;
}

/** The CLI's `--json` lines (one object per iteration, other lines ignored) as ticks. */
export function ticksFromJsonLines(stdout: string): Tick[] {
  const ticks: Tick[] = [];
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    const o = JSON.parse(line) as { iteration?: unknown; elapsedMs?: unknown };
    if (typeof o.iteration === 'number' && typeof o.elapsedMs === 'number') ticks.push({ iteration: o.iteration, elapsedMs: o.elapsedMs });
  }
  return ticks;
}

export interface Row {
  size: number;
  backend: string;
  tabMs: number;
  cliMs: number;
  note?: string;
}

/** A plain-text table: size, backend, tab ms/iteration, CLI ms/iteration, tab/CLI. */
export function formatTable(rows: readonly Row[], cliLabel: string): string {
  const head = ['size', 'backend', 'tab ms/it', `CLI ms/it (${cliLabel})`, 'tab/CLI'];
  const cells = rows.map((r) => [
    `${r.size} px`,
    r.backend,
    Number.isFinite(r.tabMs) ? r.tabMs.toFixed(0) : '—',
    Number.isFinite(r.cliMs) ? r.cliMs.toFixed(0) : '—',
    Number.isFinite(r.tabMs / r.cliMs) ? `${(r.tabMs / r.cliMs).toFixed(2)}×` : '—',
    ...(r.note ? [r.note] : []),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  const line = (c: string[]) => c.map((x, i) => (i < head.length ? x.padEnd(widths[i]!) : x)).join('  ').trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}
