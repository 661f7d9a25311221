import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import {
  caffePreprocessing,
  frossardPreprocessing,
  fromNetworkInput,
  preprocessingFor,
  toNetworkInput,
  torchvisionPreprocessing,
} from '../../src/models/preprocessing.js';
import { Rng } from '../../src/util/random.js';

const FAMILIES = [caffePreprocessing, torchvisionPreprocessing, frossardPreprocessing];

describe('preprocessing', () => {
  it('describes the three families', () => {
    expect(caffePreprocessing).toMatchObject({ channelOrder: [2, 1, 0], scale: 255, mean: [103.939, 116.779, 123.68], std: [1, 1, 1] });
    expect(torchvisionPreprocessing).toMatchObject({ channelOrder: [0, 1, 2], scale: 1, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] });
    expect(frossardPreprocessing).toMatchObject({ channelOrder: [0, 1, 2], scale: 255, mean: [123.68, 116.779, 103.939], std: [1, 1, 1] });
    for (const p of FAMILIES) expect(preprocessingFor(p.family)).toBe(p);
  });

  it('writes NCHW planes in network channel order', () => {
    // 2×1 image: pixel 0 = (0.1, 0.2, 0.3), pixel 1 = (1, 0, 0.5)
    const img = { width: 2, height: 1, data: Float32Array.of(0.1, 0.2, 0.3, 1, 0, 0.5) };
    const caffe = toNetworkInput(img, caffePreprocessing);
    const f = Math.fround;
    // channel 0 is blue
    expect(Array.from(caffe)).toEqual([
      f(f(0.3) * 255 - 103.939), f(0.5 * 255 - 103.939),
      f(f(0.2) * 255 - 116.779), f(0 - 116.779),
      f(f(0.1) * 255 - 123.68), f(255 - 123.68),
    ]);
    const tv = toNetworkInput(img, torchvisionPreprocessing);
    expect(tv[0]).toBe(f((f(0.1) - 0.485) / 0.229));
    expect(tv[5]).toBe(f((0.5 - 0.406) / 0.225));
  });

  it.each(FAMILIES)('round trip $family: within float32 rounding, no clamping', (p) => {
    const rng = new Rng(7);
    const w = 61;
    const h = 37;
    const data = new Float32Array(w * h * 3);
    for (let i = 0; i < data.length; i++) data[i] = rng.next() * 1.6 - 0.3; // includes values outside [0, 1]
    const back = fromNetworkInput(toNetworkInput({ width: w, height: h, data }, p), w, h, p);
    expect(back.width).toBe(w);
    expect(back.height).toBe(h);
    let worst = 0;
    for (let i = 0; i < data.length; i++) worst = Math.max(worst, Math.abs(back.data[i]! - data[i]!));
    // One float32 ulp at 1.0: the network-side value is rounded to float32 once.
    expect(worst).toBeLessThanOrEqual(2 ** -23);
    expect(Math.min(...back.data)).toBeLessThan(0);
    expect(Math.max(...back.data)).toBeGreaterThan(1);
  });

  it.each(FAMILIES)('round trip $family: every 8-bit level comes back exactly', (p) => {
    const data = new Float32Array(256 * 3);
    for (let k = 0; k < 256; k++) data.fill(k / 255, k * 3, k * 3 + 3);
    const back = fromNetworkInput(toNetworkInput({ width: 256, height: 1, data }, p), 256, 1, p);
    for (let i = 0; i < data.length; i++) expect(Math.round(back.data[i]! * 255) + 0).toBe(Math.round(data[i]! * 255));
  });

  it.each(FAMILIES)('network → image → network is exact to float32 rounding ($family)', (p) => {
    const rng = new Rng(3);
    const x = new Float32Array(20 * 10 * 3);
    // values of the network's own range
    for (let i = 0; i < x.length; i++) x[i] = (rng.next() * 1.2 - 0.1) * p.scale - p.mean[0]!;
    const again = toNetworkInput(fromNetworkInput(x, 20, 10, p), p);
    for (let i = 0; i < x.length; i++) expect(Math.abs(again[i]! - x[i]!)).toBeLessThanOrEqual(p.scale * 2 ** -22 / Math.min(...p.std));
  });

  it('refuses data that does not match the size', () => {
    expect(() => toNetworkInput({ width: 2, height: 2, data: new Float32Array(11) }, caffePreprocessing)).toThrow(InputError);
    expect(() => fromNetworkInput(new Float32Array(12), 3, 2, caffePreprocessing)).toThrow(/12 values do not make a 3×2×3 image/);
  });
});
