/**
 * The conv forms follow the photo's shape (issue 27): a Stylizer told the content's shape
 * picks each conv's form for its feature map there — a landscape photo's maps are not
 * squares — and without it, for a square of imageSize. Seen in the models handed to
 * onnxruntime: a Winograd F(2×2) conv reads the initializer `winograd_F2_B`.
 */
import * as ort from 'onnxruntime-node';
import type { InferenceSession } from 'onnxruntime-common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpuBackend, registerBackend, unregisterBackend } from '../../src/backends/index.js';
import { row, rowWH, type ConvFormRow } from '../../src/graph/winograd/index.js';
import { randomVggModel } from '../../src/models/random-model.js';
import type { OrtModule } from '../../src/runtime/ort.js';
import { stylize } from '../../src/stylize/stylize.js';
import { pattern } from '../helpers/pattern-image.js';

const WIDTHS = [4, 8, 8, 8, 8];
const model = randomVggModel('vgg19', 0, WIDTHS);

/**
 * Every channel pair of the tiny network: F2 on a 3:2 landscape map at each depth of a
 * 48×32 image, direct on the squares of a 48×48 one (each map of either run is a row).
 */
function landscapeRows(): ConvFormRow[] {
  const channels = [3, ...new Set(WIDTHS)];
  const rows: ConvFormRow[] = [];
  for (const c of channels) {
    for (const k of channels) {
      for (const scale of [1, 2, 4, 8, 16]) {
        rows.push(rowWH(c, k, 48 / scale, 32 / scale, 'F2'), row(c, k, 48 / scale, 'direct'));
      }
    }
  }
  return rows;
}

const probe = { ...cpuBackend, name: 'shape-probe', label: 'shape probe', convForms: { rows: landscapeRows(), unmeasured: 'direct' as const } };

/** onnxruntime that remembers whether any model it was given holds an F(2×2) Winograd conv. */
function watchingOrt() {
  const seen = { f2: 0, models: 0 };
  const create = async (model: Uint8Array, options?: InferenceSession.SessionOptions): Promise<InferenceSession> => {
    seen.models++;
    if (Buffer.from(model.buffer, model.byteOffset, model.byteLength).includes('winograd_F2_B')) seen.f2++;
    return ort.InferenceSession.create(model, options);
  };
  return { module: { Tensor: ort.Tensor, InferenceSession: { create } } as unknown as OrtModule, seen };
}

const styles = [pattern(20, 20, (x, y, c) => (Math.floor((x + y) / 3) % 2 ? [0.9, 0.7, 0.1][c]! : [0.1, 0.2, 0.8][c]!))];
const photo = (w: number, h: number) => pattern(w, h, (x, y, c) => ((x + 2 * y + c * 3) % 5) / 4);
const options = { imageSize: 48, numIterations: 1, init: 'image' as const, backend: 'shape-probe' };

describe('conv forms by the content image\'s shape', () => {
  beforeAll(() => registerBackend(probe));
  afterAll(() => unregisterBackend(probe.name));

  it('a landscape photo gets the forms measured on landscape maps; a square one those of squares', async () => {
    const landscape = watchingOrt();
    const a = await stylize({ ort: landscape.module, model, styles, options, content: photo(72, 48) });
    expect(a.image.width).toBe(48);
    expect(a.image.height).toBe(32);
    expect(landscape.seen.models).toBeGreaterThanOrEqual(2);
    // Both graphs, the features (targets) and the objective, were built for 48×32's maps.
    expect(landscape.seen.f2).toBe(landscape.seen.models);

    const square = watchingOrt();
    await stylize({ ort: square.module, model, styles, options, content: photo(60, 60) });
    expect(square.seen.models).toBeGreaterThanOrEqual(2);
    expect(square.seen.f2).toBe(0);
  });
});
