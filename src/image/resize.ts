/**
 * Resampling an RgbImage to a new size, and the size arithmetic of `-image_size`.
 *
 * Both methods are separable: a weight table per axis, applied to rows then columns, with
 * sums in float64.
 * - 'bilinear': the tent filter, sampled at pixel centres (align_corners = false). When
 *   shrinking, the tent is widened by the scale factor so every source pixel contributes
 *   (antialiasing, as PIL and torchvision's antialias=True do); when enlarging it is plain
 *   bilinear interpolation. Edges are clamped.
 * - 'area': each output pixel is the average of the source area it covers, with partial
 *   pixels weighted by their covered fraction (OpenCV INTER_AREA when shrinking).
 */
import { UsageError } from '../errors.js';
import { checkImage } from './convert.js';
import type { RgbImage } from './types.js';

export type ResizeMethod = 'bilinear' | 'area';

export interface Size {
  width: number;
  height: number;
}

/**
 * The size that makes the longer side exactly `maxSide` (enlarging or shrinking, as
 * neural-style's -image_size does), keeping the aspect ratio; the shorter side is
 * rounded to the nearest integer and is at least 1.
 */
export function fitMaxSide(width: number, height: number, maxSide: number): Size {
  if (!Number.isInteger(maxSide) || maxSide < 1) {
    throw new UsageError(`image size must be a whole number of pixels ≥ 1, got ${maxSide}`);
  }
  if (!Number.isInteger(width) || width < 1 || !Number.isInteger(height) || height < 1) {
    throw new RangeError(`fitMaxSide: width and height must be integers ≥ 1, got ${width}×${height}`);
  }
  if (width >= height) {
    return { width: maxSide, height: Math.max(1, Math.round((height * maxSide) / width)) };
  }
  return { width: Math.max(1, Math.round((width * maxSide) / height)), height: maxSide };
}

/** A new image of width × height resampled from `img` (a copy even when the size is unchanged). */
export function resize(img: RgbImage, width: number, height: number, method: ResizeMethod = 'bilinear'): RgbImage {
  checkImage(img, 'resize input');
  if (!Number.isInteger(width) || width < 1 || !Number.isInteger(height) || height < 1) {
    throw new RangeError(`resize: target size must be integers ≥ 1, got ${width}×${height}`);
  }
  if (method !== 'bilinear' && method !== 'area') {
    throw new UsageError(`unknown resize method ${JSON.stringify(method)}; allowed: bilinear, area`);
  }
  if (width === img.width && height === img.height) {
    return { width, height, data: img.data.slice() };
  }
  const wx = weights(img.width, width, method);
  const wy = weights(img.height, height, method);

  // Rows first: (img.height × width), then columns: (height × width).
  const src = img.data;
  const tmp = new Float64Array(img.height * width * 3);
  for (let y = 0; y < img.height; y++) {
    const rowIn = y * img.width * 3;
    const rowOut = y * width * 3;
    for (let x = 0; x < width; x++) {
      const { start, w } = wx[x]!;
      let r = 0;
      let g = 0;
      let b = 0;
      for (let k = 0; k < w.length; k++) {
        const i = rowIn + (start + k) * 3;
        const wk = w[k]!;
        r += src[i]! * wk;
        g += src[i + 1]! * wk;
        b += src[i + 2]! * wk;
      }
      const o = rowOut + x * 3;
      tmp[o] = r;
      tmp[o + 1] = g;
      tmp[o + 2] = b;
    }
  }
  const out = new Float32Array(width * height * 3);
  const stride = width * 3;
  const acc = new Float64Array(stride);
  for (let y = 0; y < height; y++) {
    const { start, w } = wy[y]!;
    acc.fill(0);
    for (let k = 0; k < w.length; k++) {
      const rowIn = (start + k) * stride;
      const wk = w[k]!;
      for (let i = 0; i < stride; i++) acc[i] += tmp[rowIn + i]! * wk;
    }
    out.set(acc, y * stride);
  }
  return { width, height, data: out };
}

interface Taps {
  /** First source index. */
  start: number;
  /** Normalised weights for source indices start, start+1, … */
  w: Float64Array;
}

/** For each of `outSize` output positions, the source taps along one axis. */
function weights(inSize: number, outSize: number, method: ResizeMethod): Taps[] {
  const scale = inSize / outSize; // source pixels per output pixel
  const taps: Taps[] = [];
  for (let o = 0; o < outSize; o++) {
    let lo: number;
    let hi: number;
    let weightOf: (j: number) => number;
    if (method === 'area') {
      // Output pixel o covers source interval [a, b).
      const a = o * scale;
      const b = (o + 1) * scale;
      lo = Math.floor(a);
      hi = Math.min(inSize - 1, Math.ceil(b) - 1);
      weightOf = (j) => Math.max(0, Math.min(b, j + 1) - Math.max(a, j));
    } else {
      // Tent of half-width `support` (in source pixels) centred on the output pixel's centre.
      const support = Math.max(1, scale);
      const centre = (o + 0.5) * scale - 0.5;
      lo = Math.ceil(centre - support);
      hi = Math.floor(centre + support);
      weightOf = (j) => Math.max(0, 1 - Math.abs(j - centre) / support);
    }
    // Accumulate weights on clamped indices (edge replication).
    const first = Math.max(0, Math.min(inSize - 1, lo));
    const last = Math.max(0, Math.min(inSize - 1, hi));
    const w = new Float64Array(last - first + 1);
    let sum = 0;
    for (let j = lo; j <= hi; j++) {
      const wj = weightOf(j);
      if (wj <= 0) continue;
      w[Math.max(0, Math.min(inSize - 1, j)) - first] += wj;
      sum += wj;
    }
    // sum > 0 always: the tap nearest the centre (or the covered interval) has weight > 0.
    for (let k = 0; k < w.length; k++) w[k]! /= sum;
    taps.push({ start: first, w });
  }
  return taps;
}
