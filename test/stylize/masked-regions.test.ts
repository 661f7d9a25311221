/**
 * Spatial control end to end: two styles on two halves of the image. After a short run,
 * each region's guided Gram (at every style layer) has moved toward its own style's Gram
 * and is nearer to it than to the other style's. Measured on statistics, not pixels.
 */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import type { RgbImage } from '../../src/image/types.js';
import type { Mask } from '../../src/masks/index.js';
import { caffePreprocessing, toNetworkInput } from '../../src/models/preprocessing.js';
import { randomVggModel } from '../../src/models/random-model.js';
import { resolveOptions } from '../../src/options/index.js';
import { FeatureExtractor } from '../../src/runtime/features.js';
import type { OrtModule } from '../../src/runtime/ort.js';
import { createStylizer } from '../../src/stylize/stylize.js';
import { pattern } from '../helpers/pattern-image.js';

const W = 32, H = 24;
const model = randomVggModel('vgg19', 0, [4, 8, 8, 8, 8]);
const styles = [
  pattern(32, 32, (x, y, c) => (Math.floor(x / 2) % 2 ? [0.95, 0.8, 0.1][c]! : [0.05, 0.1, 0.6][c]!)),
  pattern(32, 32, (x, y, c) => (((x >> 2) + (y >> 2)) % 2 ? [0.1, 0.9, 0.3][c]! : [0.8, 0.05, 0.5][c]!)),
];
const content = pattern(W, H, (x, y, c) => 0.3 + 0.4 * Math.sin((x + 2 * y + c) / 5) ** 2);
const half = (left: boolean): Mask => {
  const data = new Float32Array(W * H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) data[y * W + x] = (x < W / 2) === left ? 1 : 0;
  return { width: W, height: H, data };
};
const masks = [half(true), half(false)];

describe('a masked run with two styles', () => {
  it("moves each region's Gram statistics toward its own style and not the other's", async () => {
    // (Measured here: region 0 own 3.8 → 0.56, other 1.8 → 123; region 1 own 2.3 → 0.80, other 4.1 → 3.7.)
    const options = { imageSize: W, numIterations: 100, init: 'image' as const, optimizer: 'adam' as const, learningRate: 5, tvWeight: 0 };
    const stylizer = await createStylizer({ ort: ort as unknown as OrtModule, model, styles, options, contentMasks: masks });
    const result = await stylizer.run({ content, });
    await stylizer.release();

    // Guided Grams with the same statistic the objective uses: region r of an image = the image under mask r.
    const o = resolveOptions(options, 2);
    const extractor = await FeatureExtractor.create(ort as unknown as OrtModule, model, o, { run: { styles: 2, masked: true } });
    const grams = async (img: RgbImage, mask?: Mask) => (await extractor.extract(toNetworkInput(img, caffePreprocessing), img.width, img.height, 'style', mask)).style!;
    const distance = (a: Map<string, { data: Float32Array }>, b: Map<string, { data: Float32Array }>) => {
      let d = 0;
      for (const [layer, t] of a) {
        const u = b.get(layer)!.data;
        let s = 0, n = 0;
        t.data.forEach((v, i) => {
          s += (v - u[i]!) ** 2;
          n += u[i]! ** 2;
        });
        d += s / n; // relative per layer, so no layer dominates by scale
      }
      return d;
    };
    const targets = [await grams(styles[0]!), await grams(styles[1]!)];
    for (const r of [0, 1]) {
      const before = await grams(content, masks[r]);
      const after = await grams(result.image, masks[r]);
      const own = targets[r]!, other = targets[1 - r]!;
      expect(distance(after, own), `region ${r}: nearer its own style than before`).toBeLessThan(0.5 * distance(before, own));
      expect(distance(after, own), `region ${r}: nearer its own style than the other`).toBeLessThan(0.5 * distance(after, other));
      // And it is its own style it moved toward: that distance shrank by a far larger factor.
      const ownRatio = distance(after, own) / distance(before, own);
      expect(ownRatio, `region ${r}: own vs other's ratio`).toBeLessThan(0.5 * (distance(after, other) / distance(before, other)));
    }
    await extractor.release();
  });
});
