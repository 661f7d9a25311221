/**
 * Coarse-to-fine schedules and the warm start between stages.
 * - `multires`: jcjohnson-style explicit sizes; `multiresFrom`: crowsonkb's schedule, from
 *   that size up to the image size in steps of √2 (his gen_scales: end / 2^(i/2), rounded
 *   half to even as Python's round does).
 * - `multiresWarmStart`: the optimiser's state carried to the next size (his scale_adam),
 *   its image-sized vectors resized here and chosen by its record (src/optim: Adam's
 *   moments, the second clipped at 0; RMSprop's square average likewise; L-BFGS none).
 */
import { resize } from '../image/resize.js';
import { optimizerRecords, type OptimizerState } from '../optim/index.js';
import type { StylizeOptions } from '../options/stylize-options.js';

/** Python's round(): half to even. */
function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** crowsonkb's gen_scales(start, end), without `end` itself: the sizes before the last stage. */
export function sqrt2Sizes(start: number, end: number): number[] {
  const sizes = new Set<number>();
  for (let i = 0, s = end; s >= start; i++, s = roundHalfEven(end / 2 ** (i / 2))) sizes.add(s);
  sizes.delete(end);
  return [...sizes].sort((a, b) => a - b);
}

/** The sizes (the last is imageSize) and iteration counts of a run's stages. */
export function stagesOf(o: StylizeOptions): { sizes: number[]; counts: number[] } {
  const before = o.multires && o.multires.length > 0 ? o.multires : o.multiresFrom !== undefined ? sqrt2Sizes(o.multiresFrom, o.imageSize) : [];
  const sizes = [...before, o.imageSize];
  const counts = sizes.map((_, i) => {
    if (i === sizes.length - 1) return o.numIterations;
    return o.multiresIterations?.[i] ?? (i === 0 && o.multiresFirstIterations !== undefined ? o.multiresFirstIterations : o.numIterations);
  });
  return { sizes, counts };
}

/** planar [3, h, w] → [3, H, W], through the image resampler. */
function resizePlanes(data: Float32Array, w: number, h: number, W: number, H: number): Float32Array {
  const hwc = new Float32Array(w * h * 3);
  for (let c = 0; c < 3; c++) for (let i = 0; i < w * h; i++) hwc[3 * i + c] = data[c * w * h + i]!;
  const out = resize({ width: w, height: h, data: hwc }, W, H).data;
  const planar = new Float32Array(W * H * 3);
  for (let c = 0; c < 3; c++) for (let i = 0; i < W * H; i++) planar[c * W * H + i] = out[3 * i + c]!;
  return planar;
}

/** The optimiser's state for the next size, resized by its record; undefined (a fresh optimiser) when it carries none. */
export function warmStart(state: OptimizerState, from: { width: number; height: number }, to: { width: number; height: number }): OptimizerState | undefined {
  const record = optimizerRecords().find((r) => r.kind === state.kind);
  return record?.warmStart?.(state, (v) => resizePlanes(v, from.width, from.height, to.width, to.height));
}
