/**
 * The library call's reliability contract, on a narrow random VGG (fast): an AbortSignal
 * stops at an iteration boundary and the last state goes to onCheckpoint; resuming from
 * any checkpoint reproduces the uninterrupted run; NaN/Inf gives a NumericalError naming
 * the cause, with the last good image.
 */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { NumericalError } from '../../src/errors.js';
import { randomVggModel } from '../../src/models/random-model.js';
import type { OrtModule } from '../../src/runtime/ort.js';
import type { StylizeOptions } from '../../src/options/index.js';
import { type Checkpoint, stylize } from '../../src/stylize/stylize.js';
import type { RgbImage } from '../../src/image/types.js';
import { pattern } from '../helpers/pattern-image.js';

const content = pattern(24, 18, (x, y, c) => (c === 0 ? x / 23 : c === 1 ? y / 17 : 0.5));
const style = pattern(20, 20, (x, y, c) => (Math.floor((x + y) / 3) % 2 ? [0.9, 0.7, 0.1][c]! : [0.1, 0.2, 0.8][c]!));
const model = randomVggModel('vgg19', 0, [4, 8, 8, 8, 8]);
const base = { ort: ort as unknown as OrtModule, model, content, styles: [style] };

async function run(options: Partial<StylizeOptions>, extra: Partial<Parameters<typeof stylize>[0]> = {}) {
  const losses: number[] = [];
  const result = await stylize({ ...base, options: { imageSize: 24, ...options }, onProgress: (p) => void losses.push(p.loss), ...extra });
  return { result, losses };
}

describe('stylize: interruption and checkpoints', () => {
  const runs = [
    { optimizer: 'lbfgs' },
    { optimizer: 'adam' },
    // Over a Laplacian pyramid (src/parameterisations): the checkpoint holds the levels.
    { optimizer: 'adam', parameterization: 'pyramid', learningRate: 2, optimizeSpace: 'network' },
    { optimizer: 'rmsprop', parameterization: 'pyramid', pyramidLevels: 3, learningRate: 1 },
  ] as const;
  for (const settings of runs) {
    const label = Object.entries(settings).map(([k, v]) => (k === 'optimizer' ? v : `${k} ${v}`)).join(', ');
    it(`${label}: an abort checkpoints the state, and resuming from it gives the uninterrupted run`, async () => {
      const options = { ...settings, numIterations: 10, init: 'image' as const };
      const straight = await run(options);

      const stop = new AbortController();
      const saved: Checkpoint[] = [];
      const first = await run(options, {
        signal: stop.signal,
        onProgress: (p) => {
          if (p.iteration === 4) stop.abort();
        },
        onCheckpoint: (c) => void saved.push(c),
        checkpointEvery: 3,
      });
      expect(first.result.interrupted).toBe(true);
      // Every 3 iterations, then the state after step 4 when the abort was seen.
      expect(saved.map((c) => c.iteration)).toEqual([3, 5]);

      const resumed = await run(options, { resume: saved.at(-1)! });
      expect(resumed.result.interrupted).toBe(false);
      expect(resumed.losses).toEqual(straight.losses.slice(5));
      expect(resumed.result.image.data).toEqual(straight.result.image.data);
      // The run moved: the losses fell.
      expect(straight.losses.at(-1)!).toBeLessThan(straight.losses[0]!);
      // What the checkpoint holds is the parameters: the image's 3·24·18 values, or a pyramid's levels.
      const levels = 'parameterization' in settings ? Math.min('pyramidLevels' in settings ? settings.pyramidLevels : 8, 4) : 0;
      const expected = [[24, 18], [12, 9], [6, 4], [3, 2], [1, 1]].slice(0, levels + 1).reduce((n, [w, h]) => n + 3 * w! * h!, 0);
      expect(saved[0]!.x.length).toBe(levels === 0 ? 3 * 24 * 18 : expected);
    });
  }

  it('a finished run checkpoints its last state, from which more iterations continue it', async () => {
    const saved: Checkpoint[] = [];
    await run({ numIterations: 4, init: 'image' }, { onCheckpoint: (c) => void saved.push(c), checkpointEvery: 100 });
    expect(saved.map((c) => c.iteration)).toEqual([4]);
    const more = await run({ numIterations: 8, init: 'image' }, { resume: saved[0]! });
    const straight = await run({ numIterations: 8, init: 'image' });
    expect(more.losses).toEqual(straight.losses.slice(4));
  });
});

describe('stylize: numerical faults', () => {
  it('NaN/Inf stops the run with the likely cause and the last good image', async () => {
    const err = await run({ optimizer: 'adam', learningRate: 1e30, numIterations: 10 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NumericalError);
    const e = err as NumericalError;
    // The core names options by key; advice is data too. Random VGG: Caffe preprocessing, 0…255.
    expect(e.message).toMatch(/^numerical breakdown at iteration 1: .*\(learningRate 1e\+30\) is likely too large: try learningRate 26$/);
    expect(e.suggestion).toEqual({ option: 'learningRate', value: 26 });
    const partial = e.partial as RgbImage;
    expect([partial.width, partial.height]).toEqual([24, 18]);
    expect(partial.data.every((v) => Number.isFinite(v))).toBe(true);
  });
});
