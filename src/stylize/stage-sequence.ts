/**
 * A run of several stages (coarse-to-fine sizes, a method's scales) reported as one: the
 * iterations count on across stages, each report names its stage, a stage's checkpoint
 * names it too, and a resumed run skips the stages before its checkpoint's. Each later
 * stage's iteration 0 (the last result at a new size, or on a new objective) is not
 * reported, so the numbers run on without repeating.
 */
import { msg, opt, UsageError } from '../errors.js';
import type { RunInput, StageInfo } from './types.js';

export interface StageSequence {
  /** Each stage's size (its image's longer side) and iteration count. */
  sizes: readonly number[];
  counts: readonly number[];
  /** The stage to start at (a resumed run's), and the run's start time. */
  first: number;
  start: number;
  total: number;
}

/** The sequence for a run's stages, checking a resumed run's checkpoint names one of them. */
export function stageSequence(input: RunInput, sizes: readonly number[], counts: readonly number[], option = 'multires'): StageSequence {
  const first = input.resume?.stage ?? 0;
  if (input.resume && (input.resume.stage === undefined || first >= sizes.length)) {
    throw new UsageError(msg`the checkpoint is not from a run with these stages; resume with the same ${opt(option)}`);
  }
  return { sizes, counts, first, start: Date.now() - (input.resume?.elapsedMs ?? 0), total: counts.reduce((a, b) => a + b, 0) };
}

/** The iterations done before stage `i` (its first report's number). */
export function iterationsBefore(seq: StageSequence, i: number): number {
  return seq.counts.slice(0, i).reduce((a, b) => a + b, 0);
}

/** The run's input as stage `i` of the sequence sees it: progress, tiles and checkpoints renumbered and named. */
export function stageInput(input: RunInput, seq: StageSequence, i: number, base = iterationsBefore(seq, i)): RunInput {
  const stage: StageInfo = { index: i + 1, count: seq.sizes.length, size: seq.sizes[i]! };
  return {
    ...input,
    resume: i === seq.first ? input.resume : undefined,
    onCheckpoint: input.onCheckpoint ? (c) => input.onCheckpoint!({ ...c, stage: i }) : undefined,
    onTile: input.onTile ? (t) => input.onTile!({ ...t, iteration: base + t.iteration, stage }) : undefined,
    onProgress: async (p) => {
      if (i > seq.first && p.iteration === 0) return;
      const elapsedMs = Date.now() - seq.start;
      const doneSoFar = base + p.iteration;
      await input.onProgress?.({
        ...p,
        iteration: doneSoFar,
        numIterations: seq.total,
        elapsedMs,
        etaMs: doneSoFar > 0 ? (elapsedMs / doneSoFar) * (seq.total - doneSoFar) : 0,
        stage,
      });
    },
  };
}
