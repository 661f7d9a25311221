/**
 * When the CLI keeps onnxruntime's optimised models (src/runtime/optimized-model-cache-node.ts):
 * for short runs, unless the environment says otherwise.
 *
 * Why not always: a kept model saves 1.5–3 s of every later run's start-up on this 2-core
 * machine (bench/RESULTS.md, "kept-default"), but in fresh processes it evaluated a median
 * 7% slower at 512 px (5 alternating pairs, 0.85–1.11; the same sessions alternating in one
 * process showed no difference, and the cause is not found). A run gains while
 *   saved start-up  >  slowdown × evaluation time × iterations,
 * with the evaluation time about proportional to the pixels. With 1.6 s saved, 7% slower and
 * 6.1 µs per pixel (1.2 s at 512×384), that is pixels × iterations < 3.7 million. The
 * image's pixels are taken as imageSize², an upper bound, so a doubtful run keeps nothing:
 * a 64 px run keeps models up to 976 iterations, 256 px up to 61, 512 px up to 15; the
 * default 1000 iterations at 512 px pays the start-up (2 s of 20 minutes) instead of the risk.
 */
import type { StylizeOptions } from '../options/index.js';

/** `1` keeps the optimised models for every run, `0` for none; unset: short runs only (keepOptimized). */
export const KEEP_OPTIMIZED_ENV = 'NEURAL_STYLE_KEEP_OPTIMIZED';

/** Pixels × iterations up to which a run keeps optimised models by default (the break-even above). */
export const SHORT_RUN_PIXEL_ITERATIONS = 3.7e6;

/** Whether this run keeps (and loads) optimised models. */
export function keepOptimized(options: Pick<StylizeOptions, 'imageSize' | 'numIterations'>, env: NodeJS.ProcessEnv = process.env): boolean {
  const set = env[KEEP_OPTIMIZED_ENV];
  if (set === '1') return true;
  if (set === '0') return false;
  return options.imageSize * options.imageSize * options.numIterations <= SHORT_RUN_PIXEL_ITERATIONS;
}
