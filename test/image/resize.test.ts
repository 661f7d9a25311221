import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { createImage } from '../../src/image/convert.js';
import { fitMaxSide, resize, type ResizeMethod } from '../../src/image/resize.js';
import type { RgbImage } from '../../src/image/types.js';

function fromGray(width: number, height: number, values: number[]): RgbImage {
  const data = new Float32Array(width * height * 3);
  values.forEach((v, p) => data.fill(v, 3 * p, 3 * p + 3));
  return { width, height, data };
}
const gray = (img: RgbImage) => Array.from({ length: img.width * img.height }, (_, p) => img.data[3 * p]!);

describe('fitMaxSide', () => {
  it('makes the longer side maxSide, keeps the aspect ratio, rounds, never 0', () => {
    expect(fitMaxSide(1024, 768, 512)).toEqual({ width: 512, height: 384 });
    expect(fitMaxSide(768, 1024, 512)).toEqual({ width: 384, height: 512 });
    expect(fitMaxSide(100, 100, 37)).toEqual({ width: 37, height: 37 });
    expect(fitMaxSide(300, 200, 1000)).toEqual({ width: 1000, height: 667 }); // enlarges too
    expect(fitMaxSide(1000, 3, 100)).toEqual({ width: 100, height: 1 }); // 0.3 → 1
    expect(fitMaxSide(3, 1000, 10)).toEqual({ width: 1, height: 10 });
    expect(fitMaxSide(999, 2, 1)).toEqual({ width: 1, height: 1 });
  });

  it('refuses a bad maxSide with UsageError', () => {
    expect(() => fitMaxSide(10, 10, 0)).toThrow(UsageError);
    expect(() => fitMaxSide(10, 10, 12.5)).toThrow(/image size.*12\.5/);
    expect(() => fitMaxSide(0, 10, 10)).toThrow(RangeError);
  });
});

describe('resize', () => {
  it('bilinear enlargement interpolates between pixel centres, clamping at the edges', () => {
    const out = resize(fromGray(2, 1, [0, 1]), 4, 1, 'bilinear');
    expect(gray(out)).toEqual([0, 0.25, 0.75, 1]);
    expect(out.height).toBe(1);
  });

  it('area shrinking averages whole blocks exactly', () => {
    const img = fromGray(4, 2, [0, 1, 2, 3, 4, 5, 6, 7]);
    expect(gray(resize(img, 2, 1, 'area'))).toEqual([(0 + 1 + 4 + 5) / 4, (2 + 3 + 6 + 7) / 4]);
    // 3 → 2: output pixel 0 covers source [0, 1.5).
    expect(gray(resize(fromGray(3, 1, [0, 3, 6]), 2, 1, 'area'))).toEqual([1, 5]);
  });

  it('bilinear shrinking by 2 is antialiased (every source pixel counts)', () => {
    // A checkerboard of period 2 must come out flat grey (away from the edges, which
    // are replicated), not a copy of one phase as point-sampled bilinear would give.
    const n = 16;
    const vals = Array.from({ length: n * n }, (_, p) => ((p % n) + Math.floor(p / n)) % 2);
    const out = resize(fromGray(n, n, vals), 8, 8, 'bilinear');
    for (let y = 1; y < 7; y++) for (let x = 1; x < 7; x++) expect(out.data[3 * (y * 8 + x)]).toBeCloseTo(0.5, 6);
  });

  it('keeps the channels apart and returns a copy for the same size', () => {
    const img = createImage(3, 2);
    for (let p = 0; p < 6; p++) img.data.set([0.1, 0.5, 0.9], 3 * p);
    const same = resize(img, 3, 2);
    expect(same.data).not.toBe(img.data);
    expect(same.data).toEqual(img.data);
    const big = resize(img, 7, 5, 'area');
    for (let p = 0; p < 35; p++) {
      expect(big.data[3 * p]).toBeCloseTo(0.1, 6);
      expect(big.data[3 * p + 1]).toBeCloseTo(0.5, 6);
      expect(big.data[3 * p + 2]).toBeCloseTo(0.9, 6);
    }
  });

  it('outputs stay within the input range, constants stay constant (any sizes, both methods)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 1, max: 13 }),
        fc.integer({ min: 1, max: 13 }),
        fc.constantFrom<ResizeMethod>('bilinear', 'area'),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        (w, h, W, H, method, seed) => {
          let s = seed;
          const img = createImage(w, h);
          for (let i = 0; i < img.data.length; i++) img.data[i] = (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
          const out = resize(img, W, H, method);
          expect(out.data.length).toBe(W * H * 3);
          const range = (d: Float32Array) => d.reduce(([lo, hi], v) => [Math.min(lo, v), Math.max(hi, v)], [Infinity, -Infinity]);
          const [lo, hi] = range(img.data);
          const [outLo, outHi] = range(out.data);
          expect(outLo).toBeGreaterThanOrEqual(lo - 1e-6);
          expect(outHi).toBeLessThanOrEqual(hi + 1e-6);
          const [cLo, cHi] = range(resize(createImage(w, h, 0.25), W, H, method).data);
          expect(cHi - cLo).toBeLessThan(1e-6);
          expect(cLo).toBeCloseTo(0.25, 6);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('area shrinking by whole factors preserves the mean', () => {
    const img = createImage(12, 8);
    for (let i = 0; i < img.data.length; i++) img.data[i] = (i * 7919) % 101 / 100;
    const mean = (d: Float32Array) => d.reduce((a, b) => a + b, 0) / d.length;
    expect(mean(resize(img, 3, 2, 'area').data)).toBeCloseTo(mean(img.data), 5);
    expect(mean(resize(img, 6, 4, 'bilinear').data)).toBeCloseTo(mean(img.data), 5);
  });

  it('refuses bad sizes and methods', () => {
    expect(() => resize(createImage(2, 2), 0, 2)).toThrow(RangeError);
    expect(() => resize(createImage(2, 2), 2, 2.5)).toThrow(RangeError);
    expect(() => resize(createImage(2, 2), 3, 3, 'cubic' as ResizeMethod)).toThrow(/allowed: bilinear, area/);
    expect(() => resize({ width: 2, height: 2, data: new Float32Array(5) }, 3, 3)).toThrow(/width×height×3 = 12/);
  });
});
