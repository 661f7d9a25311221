/**
 * A method's own phases (nearest-neighbour searches, feature maps of the style and the
 * content) take seconds per scale at large sizes; a stop asked for during one ends the run
 * there, as a stop during the Gatys style targets does, instead of after the phase and
 * the next objective's compilation.
 */
import type { RgbImage } from '../image/types.js';
import type { StageResult } from '../stylize/stage.js';
import { StopRequested, untilStopped } from '../util/abort.js';

/** `work`'s value, or undefined once `signal` aborts: not started when it already has, else finished on its own, unwaited. */
export async function unlessStopped<T>(work: () => Promise<T>, signal: AbortSignal | undefined): Promise<T | undefined> {
  if (signal?.aborted) return undefined;
  try {
    return await untilStopped(work(), signal);
  } catch (err) {
    if (err instanceof StopRequested) return undefined;
    throw err;
  }
}

/**
 * The run's result when it stops between scales: the last finished scale's, or the
 * content as it came when no scale has run (no iteration, no loss).
 */
export function stoppedBetweenScales(last: StageResult | undefined, content: RgbImage): StageResult {
  if (last) return { ...last, interrupted: true };
  return { image: content, iterations: 0, loss: NaN, parts: {}, interrupted: true, elapsedMs: 0 };
}
