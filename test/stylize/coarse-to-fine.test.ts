/** crowsonkb's coarse-to-fine schedule and the Adam warm start between sizes. */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { randomVggModel } from '../../src/models/random-model.js';
import type { OrtModule } from '../../src/runtime/ort.js';
import { sqrt2Sizes, warmStart } from '../../src/stylize/coarse-to-fine.js';
import { createStylizer } from '../../src/stylize/stylize.js';
import { pattern } from '../helpers/pattern-image.js';

describe('coarse-to-fine in steps of √2', () => {
  it("gives crowsonkb's gen_scales(128, end) without the end itself", () => {
    // Python: sorted({512, round(512/2**0.5), 256, round(512/2**1.5), 128}) = [128, 181, 256, 362, 512]
    expect(sqrt2Sizes(128, 512)).toEqual([128, 181, 256, 362]);
    expect(sqrt2Sizes(128, 1024)).toEqual([128, 181, 256, 362, 512, 724]);
    // round() is half-to-even in Python: 513/4 = 128.25, 513/2 = 256.5 → 256.
    expect(sqrt2Sizes(128, 513)).toEqual([128, 181, 256, 363]);
    expect(sqrt2Sizes(128, 100)).toEqual([]);
  });

  it("resizes Adam's moments to the next size, the second clipped at 0, the step count kept", () => {
    const m = Float32Array.from({ length: 3 * 4 * 2 }, (_, i) => i - 10);
    const v = Float32Array.from({ length: 3 * 4 * 2 }, (_, i) => (i % 2 ? 1 : 0));
    type Moments = { stepCount: number; m: Float32Array; v: Float32Array };
    const adam = { kind: 'adam', lr: 0.02, beta1: 0.9, beta2: 0.99, eps: 1e-8, stepCount: 7, m, v };
    const s = warmStart(adam as never, { width: 4, height: 2 }, { width: 8, height: 4 }) as unknown as Moments;
    expect(s.stepCount).toBe(7);
    expect(s.m).toHaveLength(3 * 8 * 4);
    expect(s.v.every((t) => t >= 0)).toBe(true);
    expect(warmStart({ kind: 'lbfgs' } as never, { width: 4, height: 2 }, { width: 8, height: 4 })).toBeUndefined();
  });

  it('a run from 32 px to 64 px with the warm start: three stages, the first with its own count, the end size', async () => {
    const model = randomVggModel('vgg19', 0, [4, 8, 8, 8, 8]);
    const style = pattern(32, 32, (x, y, c) => (Math.floor((x + y) / 3) % 2 ? [0.9, 0.7, 0.1][c]! : [0.1, 0.2, 0.8][c]!));
    const content = pattern(64, 48, (x, y, c) => ((x + y + c * 3) % 5) / 4);
    const options = { imageSize: 64, numIterations: 2, multiresFrom: 32, multiresFirstIterations: 3, multiresWarmStart: true, optimizer: 'adam' as const, init: 'image' as const };
    const stylizer = await createStylizer({ ort: ort as unknown as OrtModule, model, styles: [style], options });
    const seen: number[] = [];
    const result = await stylizer.run({ content, onProgress: (p) => void seen.push(p.numIterations) });
    await stylizer.release();
    // √2 steps from 32 to 64: 32, 45, 64 → two earlier stages (3 then 2 iterations) and the last (2).
    expect(result.iterations).toBe(3 + 2 + 2);
    expect(new Set(seen)).toEqual(new Set([7]));
    expect([result.image.width, result.image.height]).toEqual([64, 48]);
  });
});
