/**
 * Iterate averaging (crowsonkb's EMA): what a run returns and shows is the bias-corrected
 * average of the iterates — checked against the iterates themselves, which the checkpoint
 * hook hands out after every step.
 */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { fromNetworkInput } from '../../src/models/preprocessing.js';
import { randomVggModel } from '../../src/models/random-model.js';
import type { OrtModule } from '../../src/runtime/ort.js';
import { IterateAverage } from '../../src/stylize/stylizer.js';
import { createStylizer } from '../../src/stylize/stylize.js';
import { pattern } from '../helpers/pattern-image.js';

describe('iterate averaging', () => {
  it('is exact on a constant sequence (the bias correction) and follows v ← d·v + (1 − d)·x', () => {
    const a = new IterateAverage(Float32Array.of(2, -1), 0.9);
    expect(Array.from(a.get())).toEqual([2, -1].map((v) => Math.fround(v)));
    a.update(Float32Array.of(4, 1));
    // (0.9·0.1·x0 + 0.1·x1) / (1 − 0.81)
    const expected = [(0.09 * 2 + 0.1 * 4) / 0.19, (0.09 * -1 + 0.1 * 1) / 0.19];
    a.get().forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 5));
  });

  it('the result is the average of the iterates, not the last one', async () => {
    const model = randomVggModel('vgg19', 0, [4, 8, 8, 8, 8]);
    const style = pattern(24, 24, (x, y, c) => (Math.floor((x + y) / 3) % 2 ? [0.9, 0.7, 0.1][c]! : [0.1, 0.2, 0.8][c]!));
    const content = pattern(24, 18, (x, y, c) => ((x + y + c * 3) % 5) / 4);
    const options = { imageSize: 24, numIterations: 6, init: 'image' as const, optimizer: 'adam' as const, averageIterates: 0.8 };
    const stylizer = await createStylizer({ ort: ort as unknown as OrtModule, model, styles: [style], options });
    const iterates: Float32Array[] = [];
    const result = await stylizer.run({ content, checkpointEvery: 1, onCheckpoint: (c) => void iterates.push(Float32Array.from(c.x)) });
    await stylizer.release();
    // x₀ is the content image in network space; the checkpoints hold x₁…x₆.
    const { toNetworkInput } = await import('../../src/models/preprocessing.js');
    const xs = [toNetworkInput(content, model.preprocessing), ...iterates];
    expect(xs).toHaveLength(7);
    const d = 0.8;
    const v = new Float64Array(xs[0]!.length);
    for (const x of xs) for (let i = 0; i < v.length; i++) v[i] = d * v[i]! + (1 - d) * x[i]!;
    const mean = Float32Array.from(v, (t) => t / (1 - d ** xs.length));
    const expected = fromNetworkInput(mean, 24, 18, model.preprocessing);
    const last = fromNetworkInput(xs.at(-1)!, 24, 18, model.preprocessing);
    const diff = (a: Float32Array, b: Float32Array) => a.reduce((m, t, i) => Math.max(m, Math.abs(t - b[i]!)), 0);
    expect(diff(result.image.data, expected.data)).toBeLessThan(1e-4);
    expect(diff(result.image.data, last.data)).toBeGreaterThan(1e-3);
  });
});
