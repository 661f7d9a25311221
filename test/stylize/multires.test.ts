/** Coarse-to-fine runs: stages in increasing size, iterations counted across stages. */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { randomVggModel } from '../../src/models/random-model.js';
import type { OrtModule } from '../../src/runtime/ort.js';
import type { RgbImage } from '../../src/image/types.js';
import type { StylizeOptions } from '../../src/options/index.js';
import { type Progress, stylize } from '../../src/stylize/stylize.js';
import { pattern } from '../helpers/pattern-image.js';

const content = pattern(48, 36, (x, y, c) => (c === 0 ? x / 47 : c === 1 ? y / 35 : 0.5));
const style = pattern(40, 40, (x, y, c) => (Math.floor((x + y) / 4) % 2 ? [0.9, 0.7, 0.1][c]! : [0.1, 0.2, 0.8][c]!));
const model = randomVggModel('vgg19', 0, [4, 8, 8, 8, 8]);
const base = { ort: ort as unknown as OrtModule, model, content, styles: [style] };
const relative = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

describe('stylize with multires', () => {
  it('runs each size in turn, numbering iterations across stages, and ends at imageSize', async () => {
    const seen: Progress[] = [];
    const result = await stylize({
      ...base,
      options: { imageSize: 48, multires: [24], multiresIterations: [6], numIterations: 4, init: 'image' },
      onProgress: (p) => void seen.push(p),
    });
    expect(seen.map((p) => p.iteration)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(new Set(seen.map((p) => p.numIterations))).toEqual(new Set([10]));
    expect(result.iterations).toBe(10);
    expect([result.image.width, result.image.height]).toEqual([48, 36]);
  });

  it('starts the fine stage from the coarse result upsampled, not from the content image', async () => {
    const run = async (options: Partial<StylizeOptions>, initImage?: RgbImage) => {
      const losses: number[] = [];
      const result = await stylize({ ...base, initImage, options, onProgress: (p) => void losses.push(p.loss) });
      return { losses, result };
    };
    const multires = await run({ imageSize: 48, multires: [24], multiresIterations: [6], numIterations: 4, init: 'image' });
    // The fine stage's iteration 0 is not reported, so replay both stages on their own:
    // the coarse one at 24 px, then 48 px from its result (stylize upsamples initImage).
    const coarse = await run({ imageSize: 24, numIterations: 6, init: 'image' });
    const fine = await run({ imageSize: 48, numIterations: 4, init: 'image' }, coarse.result.image);
    const fresh = await run({ imageSize: 48, numIterations: 4, init: 'image' });
    expect(multires.losses.slice(0, 7)).toEqual(coarse.losses);
    // Every reported fine-stage loss (iterations 1..4) is the replay's, which starts elsewhere
    // than a run from the content image: its iteration-0 objective differs by far more than
    // the tolerance, and so does each later loss.
    expect(relative(fine.losses[0]!, fresh.losses[0]!)).toBeGreaterThan(0.01);
    for (let k = 1; k <= 4; k++) {
      expect(relative(multires.losses[6 + k]!, fine.losses[k]!)).toBeLessThan(1e-6);
      expect(relative(multires.losses[6 + k]!, fresh.losses[k]!)).toBeGreaterThan(0.01);
    }
  });

  it('refuses sizes that are not increasing and below imageSize, and mismatched counts', async () => {
    await expect(stylize({ ...base, options: { imageSize: 48, multires: [32, 24] } })).rejects.toThrow(UsageError);
    await expect(stylize({ ...base, options: { imageSize: 48, multires: [48] } })).rejects.toThrow(/multires sizes must increase and stay below imageSize 48/);
    await expect(stylize({ ...base, options: { imageSize: 48, multires: [24], multiresIterations: [1, 2] } })).rejects.toThrow(
      /multiresIterations has 2 count\(s\) for 1 multires size\(s\)/,
    );
  });
});
