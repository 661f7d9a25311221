/**
 * `NEURAL_STYLE_TIMING=1 neural-style …`: where the run's time went, on stderr at the end —
 * process start, imports (bin/neural-style.js records both), then each phase the library
 * timed (src/util/phases.ts), summed by name, and what no phase covers. The numbers are
 * milliseconds of wall time, so they add up to the total.
 */
import { recordedPhases } from '../util/phases.js';
import type { OutStream } from './progress.js';

export const TIMING_ENV = 'NEURAL_STYLE_TIMING';

export function timingWanted(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = env[TIMING_ENV];
  return v !== undefined && v !== '' && v !== '0';
}

/** The split as lines: phase, milliseconds, and how many times it ran when more than once. */
export function formatPhases(now: number = performance.now()): string {
  const sums = new Map<string, { ms: number; count: number }>();
  for (const p of recordedPhases()) {
    const s = sums.get(p.phase) ?? { ms: 0, count: 0 };
    s.ms += p.duration;
    s.count++;
    sums.set(p.phase, s);
  }
  const covered = [...sums.values()].reduce((a, s) => a + s.ms, 0);
  const rows: Array<[string, number, number]> = [...sums].map(([phase, s]) => [phase, s.ms, s.count]);
  rows.push(['other', now - covered, 1], ['total', now, 1]);
  const width = Math.max(...rows.map(([p]) => p.length));
  const lines = rows.map(([p, ms, n]) => `  ${p.padEnd(width)} ${Math.round(ms).toString().padStart(6)} ms${n > 1 ? ` (${n}×)` : ''}`);
  return `time since the process started (${TIMING_ENV}):\n${lines.join('\n')}\n`;
}

export function printPhases(stderr: OutStream): void {
  if (timingWanted()) stderr.write(formatPhases());
}
