/**
 * NNST and STROTSS through the library, on a narrow random VGG-16 (fast): a run stopped in
 * the middle of a scale resumes from its checkpoint to the uninterrupted run's result, bit
 * for bit; with content and style masks each region takes its own style.
 */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import type { Mask } from '../../src/masks/index.js';
import { torchvisionPreprocessing } from '../../src/models/preprocessing.js';
import { randomVggModel } from '../../src/models/random-model.js';
import type { StylizeOptions } from '../../src/options/index.js';
import type { OrtModule } from '../../src/runtime/ort.js';
import { type Checkpoint, type Progress, stylize } from '../../src/stylize/stylize.js';
import { pattern } from '../helpers/pattern-image.js';

const content = pattern(96, 72, (x, y, c) => 0.5 + 0.35 * Math.sin(x / 7 + c) * Math.cos(y / 5 - c));
const stripes = (a: number[], b: number[]) => pattern(80, 80, (x, y, c) => (Math.floor((x + y) / 6) % 2 ? a[c]! : b[c]!));
const warm = stripes([0.95, 0.55, 0.1], [0.7, 0.15, 0.05]);
const cool = stripes([0.1, 0.35, 0.9], [0.05, 0.7, 0.6]);
// torchvision's input scaling, as the methods' own network has (Caffe's 0–255 would swell the moments).
const model = { ...randomVggModel('vgg16', 0, [4, 6, 8, 10, 12]), preprocessing: torchvisionPreprocessing };
const base = { ort: ort as unknown as OrtModule, model, content, styles: [warm] };

async function run(options: Partial<StylizeOptions>, extra: Partial<Parameters<typeof stylize>[0]> = {}) {
  const reports: Progress[] = [];
  const result = await stylize({ ...base, options: { imageSize: 96, backend: 'cpu', ...options }, onProgress: (p) => void reports.push(p), ...extra });
  return { result, reports, losses: reports.map((p) => p.loss) };
}

describe.each(['nnst', 'strotss'] as const)('%s', (method) => {
  it('stopped in the middle of its second scale, resumes from the checkpoint to the same result, bit for bit', async () => {
    const options = { method, numIterations: 4 };
    const straight = await run(options);
    // 96 px: scales of 48 and 96 px (and NNST's last pass at 96), 4 steps each.
    expect(straight.reports[0]).toMatchObject({ iteration: 0, size: 48, stage: { index: 1 } });
    expect(straight.reports.map((p) => p.size)).toEqual([48, 48, 48, 48, 48, 96, 96, 96, 96, ...(method === 'nnst' ? [96, 96, 96, 96] : [])]);

    const stop = new AbortController();
    const saved: Checkpoint[] = [];
    const first = await run(options, {
      signal: stop.signal,
      onProgress: (p) => {
        if (p.iteration === 6) stop.abort();
      },
      onCheckpoint: (c) => void saved.push(c),
      checkpointEvery: 100,
    });
    expect(first.result.interrupted).toBe(true);
    const last = saved.at(-1)!;
    expect([last.stage, last.iteration]).toEqual([1, 3]); // the second scale's state after its third step
    const resumed = await run(options, { resume: last });
    expect(resumed.result.interrupted).toBe(false);
    expect(resumed.losses).toEqual(straight.losses.slice(7)); // from the checkpoint's state (iteration 4 + 3) on
    expect(resumed.result.image.data).toEqual(straight.result.image.data);
    expect(straight.losses[4]!).toBeLessThan(straight.losses[0]!);
  });

  it('stopped at the end of a scale, ends before the next scale\'s own phase (searches, feature maps) and its objective', async () => {
    const stop = new AbortController();
    // Sessions created after the stop: the next scale's feature or search passes and its objective.
    let createdAfterStop = 0;
    const counting = {
      ...ort,
      InferenceSession: {
        create: (...a: Parameters<typeof ort.InferenceSession.create>) => {
          if (stop.signal.aborted) createdAfterStop++;
          return ort.InferenceSession.create(...a);
        },
      },
    } as unknown as OrtModule;
    const reports: Progress[] = [];
    const { result } = await run(
      { method, numIterations: 4 },
      {
        ort: counting,
        signal: stop.signal,
        onProgress: (p) => {
          reports.push(p);
          // The first scale's last report: the next thing the run does is the second scale's phase.
          if (p.size === 48 && p.iteration === 4) stop.abort();
        },
      },
    );
    expect(result.interrupted).toBe(true);
    expect(reports.at(-1)).toMatchObject({ size: 48, iteration: 4 });
    expect(result.iterations).toBe(4);
    expect(createdAfterStop).toBe(0);
  });

  it('with content and style masks, each half of the content takes its own style', async () => {
    const half = (left: boolean): Mask => ({ width: 96, height: 72, data: Float32Array.from({ length: 96 * 72 }, (_, p) => ((p % 96 < 48) === left ? 1 : 0)) });
    const everywhere: Mask = { width: 80, height: 80, data: new Float32Array(80 * 80).fill(1) };
    const options = method === 'nnst' ? { method, numIterations: 3 } : { method, numIterations: 15 };
    const { result } = await run(options, { styles: [warm, cool], contentMasks: [half(true), half(false)], styleMasks: [everywhere, everywhere] });
    const { width, height } = result.image;
    const mean = (left: boolean) => {
      const sum = [0, 0, 0];
      let n = 0;
      for (let y = 0; y < height; y++) {
        for (let x = left ? 0 : width / 2 + 4; x < (left ? width / 2 - 4 : width); x++) {
          for (let c = 0; c < 3; c++) sum[c]! += result.image.data[3 * (y * width + x) + c]!;
          n++;
        }
      }
      return sum.map((v) => v / n);
    };
    const [l, r] = [mean(true), mean(false)];
    // Red over blue on the warm half, blue over red on the cool half, and far apart (unmasked, both halves take one palette).
    const seen = `left ${l.map((v) => v.toFixed(3))}, right ${r.map((v) => v.toFixed(3))}`;
    expect(l[0]! - l[2]!, seen).toBeGreaterThan(0);
    expect(r[2]! - r[0]!, seen).toBeGreaterThan(0);
    expect(l[0]! - l[2]! - (r[0]! - r[2]!), seen).toBeGreaterThan(0.4);
  });
});

