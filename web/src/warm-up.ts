/**
 * Compiling onnxruntime-web's WASM before the visitor presses Start.
 *
 * V8 compiles the 28 MB runtime lazily: each function first with its baseline compiler
 * (Liftoff) when first called, then again with TurboFan on background threads once it is
 * hot. In a run started on a fresh page all of that happened after Start: a Chromium trace
 * of a 128 px run on a 2-core machine showed ~48 s of background TurboFan work
 * (wasm.TopTierCompilation) before the first iteration and ~2.5 s more in iterations 0–3,
 * competing with the run for the cores, and the early iterations running Liftoff kernels
 * at 1–4 s an iteration against ~0.35 s once tiered up (bench/RESULTS.md, "The tab").
 *
 * So once the weights are loaded, the worker runs the real pipeline — graph, session,
 * style targets, a few Adam iterations — on a tiny synthetic image and throws the result
 * away: the same onnxruntime code paths and kernels get compiled and tiered up while the
 * visitor is choosing images. A run started meanwhile waits for it (the compiling would
 * happen in the run otherwise, and two runs at once would share the WASM threads).
 */
import { stylize, type OrtModule, type RgbImage } from '../../src/index.js';
import type { Loaded } from './weights.js';

/** Big enough that every VGG layer has a feature map; conv forms at small sizes are the ones small runs use. */
export const WARM_UP_SIZE = 64;
export const WARM_UP_ITERATIONS = 3;

/** A gradient image: any content will do, only the kernels' compilation matters. */
export function warmUpImage(size: number, phase: number): RgbImage {
  const data = new Float32Array(size * size * 3);
  for (let i = 0; i < data.length; i++) data[i] = ((i * (7 + phase)) % 251) / 250;
  return { width: size, height: size, data };
}

/** One throw-away WASM run of `model`; resolves (never rejects) when done, or at once when aborted. */
export async function warmUp(ort: OrtModule, model: Loaded['model'], signal: AbortSignal): Promise<void> {
  try {
    await stylize({
      ort,
      model,
      content: warmUpImage(WARM_UP_SIZE, 0),
      styles: [warmUpImage(WARM_UP_SIZE, 1)],
      options: { imageSize: WARM_UP_SIZE, numIterations: WARM_UP_ITERATIONS, optimizer: 'adam', backend: 'wasm' },
      signal,
    });
  } catch (err) {
    // Only a speed-up: a failure here shows again, and is reported, in the visitor's run.
    if (!signal.aborted) console.warn('WASM warm-up failed:', err);
  }
}
