/**
 * The words under the result: one line per progress message and one for the end of a
 * run. The loss parts are listed from the run's own parts, through the same series the
 * chart and the CLI's plot use, so a new loss term shows up here without an edit.
 */
import { lossSeries, seriesValue } from '../../src/index.js';
import type { FromWorker } from './protocol.js';

type ProgressMessage = Extract<FromWorker, { type: 'progress' }>;
type DoneMessage = Extract<FromWorker, { type: 'done' }>;

export function seconds(ms: number): string {
  if (!Number.isFinite(ms)) return '?';
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const m = Math.floor(ms / 60_000);
  return `${m} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export function lossText(v: number): string {
  return Number.isFinite(v) ? v.toExponential(3) : String(v);
}

/** "content 1.2e+3, style 4.5e+4, tv 6.7e-1": every part the run reports, in its order. */
export function partsText(point: { loss: number; parts: Record<string, number> }): string {
  return lossSeries(Object.keys(point.parts))
    .filter((s) => s.key !== 'loss')
    .map((s) => `${s.label} ${lossText(seriesValue(point, s.key))}`)
    .join(', ');
}

/**
 * One progress line. A run in stages (a method's scales, coarse-to-fine sizes) names its
 * stage first: "scale 2/4 (128 px) · iteration 250/800 · …"; the iterations count on
 * across the stages.
 */
export function progressLine(p: Omit<ProgressMessage, 'type' | 'frame'>): string {
  const perIt = p.iteration > 0 ? p.elapsedMs / p.iteration : NaN;
  const parts = partsText(p);
  return (
    (p.stage ? `scale ${p.stage.index}/${p.stage.count} (${p.stage.size} px) · ` : '') +
    `iteration ${p.iteration}/${p.numIterations} · loss ${lossText(p.loss)}` +
    (parts ? ` (${parts})` : '') +
    (p.iteration > 0 ? ` · ${seconds(perIt)}/iteration · ${seconds(p.etaMs)} left` : '')
  );
}

export function doneLine(d: Omit<DoneMessage, 'type' | 'frame'>): string {
  return (
    `${d.interrupted ? 'Stopped after' : 'Finished'} ${d.iterations} iteration${d.iterations === 1 ? '' : 's'} ` +
    `in ${seconds(d.elapsedMs)} · final loss ${lossText(d.loss)}`
  );
}
