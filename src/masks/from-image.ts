/** Masks from decoded images, and resized like images. */
import { resize } from '../image/resize.js';
import type { RgbImage } from '../image/types.js';
import type { Mask } from './types.js';

/** A greyscale reading of an image: its luminance (Y = 0.299 R + 0.587 G + 0.114 B), in [0, 1]. */
export function maskFromImage(img: RgbImage): Mask {
  const data = new Float32Array(img.width * img.height);
  for (let i = 0; i < data.length; i++) {
    const y = 0.299 * img.data[3 * i]! + 0.587 * img.data[3 * i + 1]! + 0.114 * img.data[3 * i + 2]!;
    data[i] = Math.min(1, Math.max(0, y));
  }
  return { width: img.width, height: img.height, data };
}

/** Resize with the image resampler (antialiased bilinear), clipped to [0, 1]. */
export function resizeMask(m: Mask, width: number, height: number): Mask {
  if (m.width === width && m.height === height) return m;
  const rgb = new Float32Array(m.data.length * 3);
  for (let i = 0; i < m.data.length; i++) rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = m.data[i]!;
  const out = resize({ width: m.width, height: m.height, data: rgb }, width, height);
  const data = new Float32Array(width * height);
  for (let i = 0; i < data.length; i++) data[i] = Math.min(1, Math.max(0, out.data[3 * i]!));
  return { width, height, data };
}

/** True when no pixel has weight: such a mask selects nothing. */
export function isEmptyMask(m: Mask): boolean {
  return m.data.every((v) => v <= 0);
}
