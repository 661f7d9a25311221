/**
 * Luminance-only transfer (Gatys et al. 2017, §5.1): the network sees luminance only, and
 * the result keeps the content's colours.
 *   Y = 0.299 R + 0.587 G + 0.114 B (0–1 RGB)
 *   style: Y_s' = (Y_s − μ_s) · σ_c / σ_s + μ_c, clipped to [0, 1] (means and standard
 *          deviations over pixels), so its luminance statistics are the content's
 *   content, style and init image are fed as (Y, Y, Y)
 *   result: Y from the result, I and Q from the content (YIQ), back to RGB, clipped.
 */
import type { RgbImage } from '../types.js';
import type { ColourControl } from './types.js';

/** RGB → YIQ rows (NTSC; Y as above). YIQ → RGB is this matrix's inverse, computed. */
export const RGB_TO_YIQ = [
  [0.299, 0.587, 0.114],
  [0.596, -0.274, -0.322],
  [0.211, -0.523, 0.312],
] as const;

export const YIQ_TO_RGB: number[][] = invert3(RGB_TO_YIQ.map((r) => [...r]));

function invert3(m: number[][]): number[][] {
  const [a, b, c] = m[0]!, [d, e, f] = m[1]!, [g, h, i] = m[2]!;
  const A = e * i - f * h, B = -(d * i - f * g), C = d * h - e * g;
  const det = a! * A + b! * B + c! * C;
  return [
    [A / det, -(b! * i! - c! * h!) / det, (b! * f! - c! * e!) / det],
    [B / det, (a! * i! - c! * g!) / det, -(a! * f! - c! * d!) / det],
    [C / det, -(a! * h! - b! * g!) / det, (a! * e! - b! * d!) / det],
  ].map((r) => r.map(Number));
}

export function luminanceOf(img: RgbImage): Float64Array {
  const n = img.width * img.height;
  const y = new Float64Array(n);
  const [r, g, b] = RGB_TO_YIQ[0];
  for (let k = 0; k < n; k++) y[k] = r * img.data[3 * k]! + g * img.data[3 * k + 1]! + b * img.data[3 * k + 2]!;
  return y;
}

function meanStd(v: Float64Array): { mean: number; std: number } {
  let s = 0;
  for (const x of v) s += x;
  const mean = s / v.length;
  let q = 0;
  for (const x of v) q += (x - mean) ** 2;
  return { mean, std: Math.sqrt(q / v.length) };
}

/** (Y, Y, Y) from a luminance plane. */
function grey(width: number, height: number, y: Float64Array): RgbImage {
  const data = new Float32Array(width * height * 3);
  for (let k = 0; k < y.length; k++) data[3 * k] = data[3 * k + 1] = data[3 * k + 2] = y[k]!;
  return { width, height, data };
}

const clip = (v: number) => Math.min(1, Math.max(0, v));

export const luminanceControl: ColourControl = {
  name: 'luminance',
  prepare(content, styles) {
    const yc = luminanceOf(content);
    const c = meanStd(yc);
    return {
      content: grey(content.width, content.height, yc),
      styles: styles.map((style) => {
        const ys = luminanceOf(style);
        const s = meanStd(ys);
        // A flat style (σ_s = 0) has nothing to scale: it is only shifted.
        const scale = s.std > 0 ? c.std / s.std : 1;
        return grey(style.width, style.height, ys.map((v) => clip((v - s.mean) * scale + c.mean)));
      }),
    };
  },
  prepareInit: (image) => grey(image.width, image.height, luminanceOf(image)),
  finish(result, content) {
    const y = luminanceOf(result);
    const out = new Float32Array(result.data.length);
    const [, iRow, qRow] = RGB_TO_YIQ;
    for (let k = 0; k < y.length; k++) {
      const [r, g, b] = [content.data[3 * k]!, content.data[3 * k + 1]!, content.data[3 * k + 2]!];
      const i = iRow[0] * r + iRow[1] * g + iRow[2] * b;
      const q = qRow[0] * r + qRow[1] * g + qRow[2] * b;
      for (let ch = 0; ch < 3; ch++) {
        const m = YIQ_TO_RGB[ch]!;
        out[3 * k + ch] = clip(m[0]! * y[k]! + m[1]! * i + m[2]! * q);
      }
    }
    return { width: result.width, height: result.height, data: out };
  },
};
