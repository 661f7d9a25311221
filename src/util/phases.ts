/**
 * Where a run's start-up goes, as User Timing measures (`performance.measure`, a global in
 * Node and in browsers): each phase the library times is one measure named
 * `neural-style:<phase>`. Recording costs microseconds, so it is always on; the CLI prints
 * the split when $NEURAL_STYLE_TIMING is set (src/cli/timing.ts), and a browser's
 * performance panel shows the same measures without any code of ours.
 */

export const PHASE_PREFIX = 'neural-style:';

/** Runs `work` and records how long it took as the phase `phase`, also when it throws. */
export async function timePhase<T>(phase: string, work: () => Promise<T> | T): Promise<T> {
  const start = performance.now();
  try {
    return await work();
  } finally {
    performance.measure(PHASE_PREFIX + phase, { start, end: performance.now() });
  }
}

/** The same, for work that is synchronous (building a graph). */
export function timePhaseSync<T>(phase: string, work: () => T): T {
  const start = performance.now();
  try {
    return work();
  } finally {
    performance.measure(PHASE_PREFIX + phase, { start, end: performance.now() });
  }
}

export interface PhaseTime {
  phase: string;
  /** Milliseconds since the process (or page) started. */
  start: number;
  duration: number;
}

/** The phases recorded so far, in the order they started. */
export function recordedPhases(): PhaseTime[] {
  return performance
    .getEntriesByType('measure')
    .filter((e) => e.name.startsWith(PHASE_PREFIX))
    .map((e) => ({ phase: e.name.slice(PHASE_PREFIX.length), start: e.startTime, duration: e.duration }))
    .sort((a, b) => a.start - b.start);
}

/** Forgets the recorded phases (a long-lived process that has printed them, or a test). */
export function clearPhases(): void {
  for (const e of performance.getEntriesByType('measure')) if (e.name.startsWith(PHASE_PREFIX)) performance.clearMeasures(e.name);
}
