/**
 * Which CLI runs keep onnxruntime's optimised models (src/cli/keep-optimized.ts): short ones
 * by default, where the start-up they save outweighs a possibly slower evaluation; the
 * environment forces either way.
 */
import { expect, it } from 'vitest';
import { KEEP_OPTIMIZED_ENV, keepOptimized, SHORT_RUN_PIXEL_ITERATIONS } from '../../src/cli/keep-optimized.js';
import { DEFAULT_STYLIZE_OPTIONS } from '../../src/options/index.js';

const run = (imageSize: number, numIterations: number) => ({ imageSize, numIterations });

it('keeps them for a short run and not for a long one, by pixels × iterations', () => {
  expect(keepOptimized(run(64, 1), {})).toBe(true);
  // At the break-even and just past it.
  const side = 100;
  const atLimit = Math.floor(SHORT_RUN_PIXEL_ITERATIONS / (side * side));
  expect(keepOptimized(run(side, atLimit), {})).toBe(true);
  expect(keepOptimized(run(side, atLimit + 1), {})).toBe(false);
  // The same work as a larger image for fewer iterations.
  expect(keepOptimized(run(2 * side, Math.floor(atLimit / 4) + 1), {})).toBe(false);
  // The defaults are a long run.
  expect(keepOptimized(DEFAULT_STYLIZE_OPTIONS, {})).toBe(false);
});

it('NEURAL_STYLE_KEEP_OPTIMIZED=1 keeps them for every run, =0 for none', () => {
  expect(keepOptimized(DEFAULT_STYLIZE_OPTIONS, { [KEEP_OPTIMIZED_ENV]: '1' })).toBe(true);
  expect(keepOptimized(run(64, 1), { [KEEP_OPTIMIZED_ENV]: '0' })).toBe(false);
});
