/**
 * `stylize()`: one image in one call — a Stylizer made, run once and released. For many
 * images with the same styles and options (video frames, tiles, a queue), keep a Stylizer
 * (stylizer.ts) instead: it compiles once.
 *
 * Platform-neutral: the caller hands in onnxruntime (node or web), decoded images and a
 * loaded model, and gets progress through a callback. Node and the browser worker both
 * run exactly this function.
 */
import type { RgbImage } from '../image/types.js';
import { createStylizer, type StylizerInput } from './stylizer.js';
import type { RunInput, StylizeResult } from './types.js';

export interface StylizeInput extends StylizerInput, Omit<RunInput, 'content'> {
  content: RgbImage;
}

export async function stylize(input: StylizeInput): Promise<StylizeResult> {
  const { ort, model, styles, options, terms, availableBytes, contentMasks, styleMasks, ...run } = input;
  const contentShape = { width: input.content.width, height: input.content.height };
  const stylizer = await createStylizer({ ort, model, styles, options, terms, availableBytes, contentMasks, styleMasks, contentShape });
  try {
    return await stylizer.run(run);
  } finally {
    await stylizer.release();
  }
}

export { createStylizer, makeOptimizer, Stylizer } from './stylizer.js';
export type { StylizerInput } from './stylizer.js';
export type { Checkpoint, Progress, ProgressData, RunInput, RunSettings, StageInfo, StylizeResult } from './types.js';
