/**
 * jcjohnson/neural-style's `-original_colors 1`: keep the luminance of the stylised result
 * and the colour of the content image. In YUV (the matrices of torch-image's
 * image.rgb2yuv / image.yuv2rgb, so results match the Lua original), Y comes from the
 * result and U, V from the content.
 */
import { checkImage } from './convert.js';
import { resize } from './resize.js';
import type { RgbImage } from './types.js';

/** RGB → YUV rows (torch-image image.rgb2yuv). */
export const RGB_TO_YUV = [
  [0.299, 0.587, 0.114],
  [-0.14713, -0.28886, 0.436],
  [0.615, -0.51499, -0.10001],
] as const;

/** YUV → RGB rows (torch-image image.yuv2rgb). */
export const YUV_TO_RGB = [
  [1, 0, 1.13983],
  [1, -0.39465, -0.5806],
  [1, 2.03211, 0],
] as const;

/** Pixel (r, g, b) → [y, u, v]. */
export function rgbToYuv(r: number, g: number, b: number): [number, number, number] {
  const [m0, m1, m2] = RGB_TO_YUV;
  return [
    m0[0] * r + m0[1] * g + m0[2] * b,
    m1[0] * r + m1[1] * g + m1[2] * b,
    m2[0] * r + m2[1] * g + m2[2] * b,
  ];
}

/** Pixel (y, u, v) → [r, g, b] (not clamped). */
export function yuvToRgb(y: number, u: number, v: number): [number, number, number] {
  const [m0, m1, m2] = YUV_TO_RGB;
  return [m0[0] * y + m0[2] * v, m1[0] * y + m1[1] * u + m1[2] * v, m2[0] * y + m2[1] * u];
}

/**
 * A new image with the luminance (Y) of `result` and the chrominance (U, V) of `content`.
 * `content` is first resized (bilinear) to the result's size if it differs. Values are
 * clamped to [0, 1], where an 8-bit encoder would clamp them anyway.
 */
export function originalColors(result: RgbImage, content: RgbImage): RgbImage {
  checkImage(result, 'originalColors result');
  checkImage(content, 'originalColors content');
  const c =
    content.width === result.width && content.height === result.height
      ? content
      : resize(content, result.width, result.height, 'bilinear');
  const out = new Float32Array(result.data.length);
  const rd = result.data;
  const cd = c.data;
  for (let i = 0; i < out.length; i += 3) {
    const [y] = rgbToYuv(rd[i]!, rd[i + 1]!, rd[i + 2]!);
    const [, u, v] = rgbToYuv(cd[i]!, cd[i + 1]!, cd[i + 2]!);
    const [r, g, b] = yuvToRgb(y, u, v);
    out[i] = clamp01(r);
    out[i + 1] = clamp01(g);
    out[i + 2] = clamp01(b);
  }
  return { width: result.width, height: result.height, data: out };
}

function clamp01(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : v;
}
