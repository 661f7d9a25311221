/**
 * RgbImage ↔ 8-bit bytes. Quantisation happens only here, at the edges: decoding divides
 * by 255, encoding clamps to [0, 1] and rounds to the nearest of 256 levels.
 */
import type { RgbImage } from './types.js';

/** Throws RangeError unless `img` is a well-formed RgbImage (a caller's bug otherwise). */
export function checkImage(img: RgbImage, what = 'image'): void {
  const { width, height, data } = img;
  if (!Number.isInteger(width) || width < 1 || !Number.isInteger(height) || height < 1) {
    throw new RangeError(`${what}: width and height must be integers ≥ 1, got ${width}×${height}`);
  }
  if (!(data instanceof Float32Array) || data.length !== width * height * 3) {
    throw new RangeError(
      `${what}: data must be a Float32Array of width×height×3 = ${width * height * 3} values, got ` +
        (data instanceof Float32Array ? `${data.length}` : typeof data),
    );
  }
}

/** A new black (or `fill`) image. */
export function createImage(width: number, height: number, fill = 0): RgbImage {
  const img = { width, height, data: new Float32Array(width * height * 3).fill(fill) };
  checkImage(img);
  return img;
}

/** One value in [0, 1] → a byte: clamp, then round half up. NaN becomes 0. */
export function toByte(v: number): number {
  if (!(v > 0)) return 0; // also NaN
  if (v >= 1) return 255;
  return Math.round(v * 255);
}

/** RgbImage → interleaved RGB bytes (length width×height×3). */
export function toRgbBytes(img: RgbImage): Uint8Array {
  checkImage(img);
  const out = new Uint8Array(img.data.length);
  for (let i = 0; i < out.length; i++) out[i] = toByte(img.data[i]!);
  return out;
}

/** RgbImage → interleaved 16-bit RGB samples (values clamped to [0, 1], scaled to 0…65535 and rounded): for prints. */
export function toRgb16(img: RgbImage): Uint16Array {
  checkImage(img);
  const out = new Uint16Array(img.data.length);
  for (let i = 0; i < out.length; i++) {
    const v = img.data[i]!;
    out[i] = Math.round(65535 * (v > 1 ? 1 : v > 0 ? v : 0));
  }
  return out;
}

/** RgbImage → interleaved RGBA bytes with opaque alpha, as a canvas ImageData wants. */
export function toRgbaBytes(img: RgbImage): Uint8ClampedArray {
  checkImage(img);
  const n = img.width * img.height;
  const out = new Uint8ClampedArray(n * 4);
  for (let p = 0; p < n; p++) {
    out[4 * p] = toByte(img.data[3 * p]!);
    out[4 * p + 1] = toByte(img.data[3 * p + 1]!);
    out[4 * p + 2] = toByte(img.data[3 * p + 2]!);
    out[4 * p + 3] = 255;
  }
  return out;
}

/**
 * Interleaved 8-bit pixels → RgbImage. `channels` 3 is RGB; 4 is RGBA (e.g. canvas
 * ImageData, not premultiplied), which is composited onto white, as decoding does.
 */
export function fromBytes(bytes: ArrayLike<number>, width: number, height: number, channels: 3 | 4 = 3): RgbImage {
  if (bytes.length !== width * height * channels) {
    throw new RangeError(
      `fromBytes: expected width×height×${channels} = ${width * height * channels} bytes for ${width}×${height}, got ${bytes.length}`,
    );
  }
  const img = { width, height, data: new Float32Array(width * height * 3) };
  checkImage(img);
  const d = img.data;
  if (channels === 3) {
    for (let i = 0; i < d.length; i++) d[i] = bytes[i]! / 255;
  } else {
    for (let p = 0; p < width * height; p++) {
      const a = bytes[4 * p + 3]! / 255;
      for (let c = 0; c < 3; c++) d[3 * p + c] = (bytes[4 * p + c]! / 255) * a + (1 - a);
    }
  }
  return img;
}
