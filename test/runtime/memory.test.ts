import { describe, expect, it } from 'vitest';
import { vgg19Table } from '../../src/models/layers.js';
import type { ConvWeights } from '../../src/models/types.js';
import { DEFAULT_STYLIZE_OPTIONS } from '../../src/options/index.js';
import {
  estimateMemory,
  largestFittingSize,
  memoryQueryFor,
  RUNTIME_BYTES,
  TRANSIENT_COPIES,
  WEIGHT_COPIES,
} from '../../src/runtime/memory.js';

/** VGG19's real widths with tiny stand-in arrays: only dims and lengths matter here. */
function vgg19Shapes(): { weights: ConvWeights; weightBytes: number } {
  const widths = [64, 64, 128, 128, 256, 256, 256, 256, 512, 512, 512, 512, 512, 512, 512, 512];
  const weights: ConvWeights = new Map();
  let cin = 3;
  let bytes = 0;
  vgg19Table.layers
    .filter((l) => l.kind === 'conv')
    .forEach((l, i) => {
      const o = widths[i]!;
      const data = { length: o * cin * 9 } as Float32Array;
      weights.set(l.name, { weight: { dims: [o, cin, 3, 3], data }, bias: { dims: [o], data: { length: o } as Float32Array } });
      bytes += (o * cin * 9 + o) * 4;
      cin = o;
    });
  return { weights, weightBytes: bytes };
}

describe('estimateMemory', () => {
  const { weights, weightBytes } = vgg19Shapes();
  const query = (w: number, h: number) => memoryQueryFor({ table: vgg19Table, weights }, [...DEFAULT_STYLIZE_OPTIONS.contentLayers, ...DEFAULT_STYLIZE_OPTIONS.styleLayers], w, h);

  it('counts every ReLU output up to relu5_1 for the default objective', () => {
    const q = query(256, 256);
    expect(q.deepest).toBe('relu5_1');
    const e = estimateMemory(q);
    // relu1_*: 2·64·256², relu2_*: 2·128·128², relu3_*: 4·256·64², relu4_*: 4·512·32², relu5_1: 512·16²
    const floats = 2 * 64 * 256 ** 2 + 2 * 128 * 128 ** 2 + 4 * 256 * 64 ** 2 + 4 * 512 * 32 ** 2 + 512 * 16 ** 2;
    expect(e.activations).toBe(floats * 4);
    expect(e.gradients).toBe(TRANSIENT_COPIES * 64 * 256 ** 2 * 4);
    expect(e.weights).toBe(WEIGHT_COPIES * weightBytes);
    expect(e.total).toBe(e.activations + e.gradients + e.weights + RUNTIME_BYTES);
  });

  it('stops at the deepest layer used', () => {
    const shallow = memoryQueryFor({ table: vgg19Table, weights }, ['relu2_1', 'relu1_1'], 256, 256);
    expect(estimateMemory(shallow).activations).toBe((2 * 64 * 256 ** 2 + 128 * 128 ** 2) * 4);
  });

  it('grows with the pixel count', () => {
    const a = estimateMemory(query(256, 256)).total;
    const b = estimateMemory(query(512, 512)).total;
    const c = estimateMemory(query(1024, 512)).total;
    expect(b).toBeGreaterThan(a);
    expect(c).toBeGreaterThan(b);
    // the size-dependent part scales with the pixel count
    const fixed = estimateMemory(query(1, 1)).total;
    expect((c - fixed) / (b - fixed)).toBeCloseTo(2, 1);
  });

  it('largestFittingSize returns the largest multiple of 16 that fits, keeping the aspect ratio', () => {
    const q = query(1200, 800);
    const budget = estimateMemory(query(600, 400)).total;
    const side = largestFittingSize(q, budget);
    expect(side % 16).toBe(0);
    expect(side).toBeGreaterThanOrEqual(592);
    const at = (s: number) => estimateMemory(query(s, Math.round((s * 800) / 1200))).total;
    expect(at(side)).toBeLessThanOrEqual(budget);
    expect(at(side + 16)).toBeGreaterThan(budget);
    expect(largestFittingSize(q, 1)).toBe(0);
  });
});
