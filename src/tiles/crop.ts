/** Copying rectangles in and out of channel-major (C, H, W) float maps. */
import type { Box } from './layout.js';

/** The C × box rectangle of a C × height × width map, as a new array. */
export function cropMap(src: Float32Array, channels: number, width: number, height: number, box: Box): Float32Array {
  const bw = box.x1 - box.x0;
  const bh = box.y1 - box.y0;
  const out = new Float32Array(channels * bw * bh);
  for (let c = 0; c < channels; c++) {
    for (let y = 0; y < bh; y++) {
      const from = (c * height + box.y0 + y) * width + box.x0;
      out.set(src.subarray(from, from + bw), (c * bh + y) * bw);
    }
  }
  return out;
}

/** dst[box] += src, with src the C × box rectangle. */
export function addIntoMap(dst: Float32Array, channels: number, width: number, height: number, box: Box, src: Float32Array): void {
  const bw = box.x1 - box.x0;
  const bh = box.y1 - box.y0;
  for (let c = 0; c < channels; c++) {
    for (let y = 0; y < bh; y++) {
      const to = (c * height + box.y0 + y) * width + box.x0;
      const from = (c * bh + y) * bw;
      for (let x = 0; x < bw; x++) dst[to + x]! += src[from + x]!;
    }
  }
}

/** dst[box] = src, with src the C × box rectangle. */
export function writeIntoMap(dst: Float32Array, channels: number, width: number, height: number, box: Box, src: Float32Array): void {
  const bw = box.x1 - box.x0;
  const bh = box.y1 - box.y0;
  for (let c = 0; c < channels; c++) {
    for (let y = 0; y < bh; y++) dst.set(src.subarray((c * bh + y) * bw, (c * bh + y + 1) * bw), (c * height + box.y0 + y) * width + box.x0);
  }
}
