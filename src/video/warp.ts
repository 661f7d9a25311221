/**
 * Images moved along a flow field, and the grey frames the flow is estimated on. Pure
 * arithmetic on typed arrays: the same in Node and browsers.
 */
import type { RgbImage } from '../image/types.js';
import type { FlowField, GrayImage } from './flow/types.js';

/** Rec. 601 luma, rounded to a byte: what the flow estimator sees. */
export function toGray(img: RgbImage): GrayImage {
  const n = img.width * img.height;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const v = 0.299 * img.data[3 * i]! + 0.587 * img.data[3 * i + 1]! + 0.114 * img.data[3 * i + 2]!;
    out[i] = Math.max(0, Math.min(255, Math.round(255 * v)));
  }
  return { width: img.width, height: img.height, data: out };
}

/**
 * out(p) = img(p + w(p)), bilinear (Ruder et al. warp the previous stylised frame so). With
 * w the flow from this frame to an earlier one, `img` that earlier frame, `out` is it as
 * seen from this frame. Samples outside are clamped to the border; such pixels are
 * unreliable anyway (the consistency check gives them 0).
 */
export function warpImage(img: RgbImage, flow: FlowField): RgbImage {
  const { width: w, height: h } = img;
  if (flow.width !== w || flow.height !== h) throw new Error(`warping a ${w}×${h} image with a ${flow.width}×${flow.height} flow`);
  const out = new Float32Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const sx = Math.min(w - 1, Math.max(0, x + flow.data[2 * i]!));
      const sy = Math.min(h - 1, Math.max(0, y + flow.data[2 * i + 1]!));
      const x0 = Math.min(w - 2, Math.floor(sx));
      const y0 = Math.min(h - 2, Math.floor(sy));
      const ax = w > 1 ? sx - x0 : 0;
      const ay = h > 1 ? sy - y0 : 0;
      const x1 = w > 1 ? x0 + 1 : x0;
      const y1 = h > 1 ? y0 + 1 : y0;
      for (let c = 0; c < 3; c++) {
        const at = (yy: number, xx: number) => img.data[3 * (yy * w + xx) + c]!;
        const top = (1 - ax) * at(y0, x0) + ax * at(y0, x1);
        const bottom = (1 - ax) * at(y1, x0) + ax * at(y1, x1);
        out[3 * i + c] = (1 - ay) * top + ay * bottom;
      }
    }
  }
  return { width: w, height: h, data: out };
}

/** Bilinear sample of a flow field at (x, y), inside [0, w−1] × [0, h−1]. */
export function sampleFlow(flow: FlowField, x: number, y: number): [number, number] {
  const { width: w, height: h, data } = flow;
  const x0 = Math.min(Math.max(0, w - 2), Math.floor(x));
  const y0 = Math.min(Math.max(0, h - 2), Math.floor(y));
  const x1 = Math.min(w - 1, x0 + 1);
  const y1 = Math.min(h - 1, y0 + 1);
  const ax = x - x0;
  const ay = y - y0;
  const at = (yy: number, xx: number, k: number) => data[2 * (yy * w + xx) + k]!;
  const lerp = (k: number) => (1 - ay) * ((1 - ax) * at(y0, x0, k) + ax * at(y0, x1, k)) + ay * ((1 - ax) * at(y1, x0, k) + ax * at(y1, x1, k));
  return [lerp(0), lerp(1)];
}
