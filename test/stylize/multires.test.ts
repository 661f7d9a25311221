/** Coarse-to-fine runs: stages in increasing size, iterations counted across stages. */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { randomVggModel } from '../../src/models/random-model.js';
import type { OrtModule } from '../../src/runtime/ort.js';
import { type Progress, stylize } from '../../src/stylize/stylize.js';
import { pattern } from '../helpers/pattern-image.js';

const content = pattern(48, 36, (x, y, c) => (c === 0 ? x / 47 : c === 1 ? y / 35 : 0.5));
const style = pattern(40, 40, (x, y, c) => (Math.floor((x + y) / 4) % 2 ? [0.9, 0.7, 0.1][c]! : [0.1, 0.2, 0.8][c]!));
const model = randomVggModel('vgg19', 0, [4, 8, 8, 8, 8]);
const base = { ort: ort as unknown as OrtModule, model, content, styles: [style] };

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
    // The fine stage starts from the coarse result, not from the content image: its
    // first reported loss is below the coarse stage's starting loss at the same weights.
    const coarseStart = seen[0]!.loss;
    expect(seen[6]!.loss).toBeLessThan(coarseStart);
  });

  it('refuses sizes that are not increasing and below imageSize, and mismatched counts', async () => {
    await expect(stylize({ ...base, options: { imageSize: 48, multires: [32, 24] } })).rejects.toThrow(UsageError);
    await expect(stylize({ ...base, options: { imageSize: 48, multires: [48] } })).rejects.toThrow(/multires sizes must increase and stay below imageSize 48/);
    await expect(stylize({ ...base, options: { imageSize: 48, multires: [24], multiresIterations: [1, 2] } })).rejects.toThrow(
      /multiresIterations has 2 count\(s\) for 1 multires size\(s\)/,
    );
  });
});
