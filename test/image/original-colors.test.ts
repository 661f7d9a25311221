import { describe, expect, it } from 'vitest';
import { createImage, fromBytes, toRgbBytes } from '../../src/image/convert.js';
import { originalColors, rgbToYuv, yuvToRgb } from '../../src/image/original-colors.js';
import { resize } from '../../src/image/resize.js';
import type { RgbImage } from '../../src/image/types.js';
import { Rng } from '../../src/util/random.js';

/** Random colours near mid-grey, so that mixing Y and UV of two of them stays in gamut. */
function mildImage(width: number, height: number, seed: number, spread: number): RgbImage {
  const rng = new Rng(seed);
  const img = createImage(width, height);
  for (let p = 0; p < width * height; p++) {
    const base = 0.35 + 0.3 * rng.next();
    for (let c = 0; c < 3; c++) img.data[3 * p + c] = base + spread * (rng.next() - 0.5);
  }
  return img;
}

function yuvAt(img: RgbImage, p: number): [number, number, number] {
  return rgbToYuv(img.data[3 * p]!, img.data[3 * p + 1]!, img.data[3 * p + 2]!);
}

describe('originalColors', () => {
  it('uses the torch-image matrices, which invert each other to 1e-4', () => {
    for (const rgb of [[1, 0, 0], [0, 1, 0], [0, 0, 1], [0.2, 0.5, 0.9]] as Array<[number, number, number]>) {
      const back = yuvToRgb(...rgbToYuv(...rgb));
      back.forEach((v, i) => expect(v).toBeCloseTo(rgb[i]!, 4));
    }
    expect(rgbToYuv(1, 1, 1)[0]).toBeCloseTo(1, 10);
  });

  it("after 8-bit output, Y is the result's and U, V are the content's (to 8-bit rounding)", () => {
    const w = 24;
    const h = 16;
    const result = mildImage(w, h, 1, 0.2);
    const content = mildImage(w, h, 2, 0.2);
    // What a user gets: the written 8-bit file, decoded again.
    const out = fromBytes(toRgbBytes(originalColors(result, content)), w, h);
    // Half a level on each channel, times the largest row sum of |coefficients|, plus the matrices' 1e-4.
    const tolY = (0.5 / 255) * 1 + 1e-4;
    const tolUV = (0.5 / 255) * (0.615 + 0.51499 + 0.10001) + 1e-4;
    for (let p = 0; p < w * h; p++) {
      const [y, u, v] = yuvAt(out, p);
      expect(Math.abs(y - yuvAt(result, p)[0])).toBeLessThanOrEqual(tolY);
      expect(Math.abs(u - yuvAt(content, p)[1])).toBeLessThanOrEqual(tolUV);
      expect(Math.abs(v - yuvAt(content, p)[2])).toBeLessThanOrEqual(tolUV);
    }
  });

  it('returns the content itself when result = content', () => {
    const content = mildImage(5, 4, 3, 0.3);
    const same = originalColors(content, content);
    same.data.forEach((v, i) => expect(v).toBeCloseTo(content.data[i]!, 4));
  });

  it('resizes the content to the result first', () => {
    const result = mildImage(20, 10, 4, 0.1);
    const content = mildImage(41, 23, 5, 0.2);
    const got = originalColors(result, content);
    expect([got.width, got.height]).toEqual([20, 10]);
    expect(got.data).toEqual(originalColors(result, resize(content, 20, 10, 'bilinear')).data);
  });

  it('clamps out-of-gamut mixes into [0, 1]', () => {
    const result = createImage(1, 1, 1); // white: Y = 1
    const content = createImage(1, 1);
    content.data.set([0, 0, 1]); // saturated blue: large U
    const out = originalColors(result, content);
    for (const v of out.data) {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(1);
    }
  });
});
