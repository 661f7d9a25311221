/**
 * Colour histogram matching (Gatys et al. 2017, §5.2, the linear variant): before anything
 * else, each style image's colours are mapped so their mean and covariance over pixels
 * equal the content's:
 *   x' = A·(x − μ_s) + μ_c,  A = Σ_c^½ · Σ_s^−½, clipped to [0, 1]
 * with population covariances (1/N) and symmetric square roots by eigendecomposition
 * (eigenvalues below 1e-5 clamped to 1e-5). The result is left as it is.
 */
import type { RgbImage } from '../types.js';
import type { ColourControl } from './types.js';

export const EIGENVALUE_FLOOR = 1e-5;

type M3 = number[][];

function moments(img: RgbImage): { mean: number[]; cov: M3 } {
  const n = img.width * img.height;
  const mean = [0, 0, 0];
  for (let k = 0; k < n; k++) for (let c = 0; c < 3; c++) mean[c]! += img.data[3 * k + c]! / n;
  const cov = [[0, 0, 0], [0, 0, 0], [0, 0, 0]];
  for (let k = 0; k < n; k++) {
    for (let a = 0; a < 3; a++) {
      for (let b = 0; b < 3; b++) cov[a]![b]! += ((img.data[3 * k + a]! - mean[a]!) * (img.data[3 * k + b]! - mean[b]!)) / n;
    }
  }
  return { mean, cov };
}

/** Eigenvalues and eigenvectors (columns of v) of a symmetric 3×3, by cyclic Jacobi rotations. */
export function symmetricEigen(m: M3): { values: number[]; vectors: M3 } {
  const a = m.map((r) => [...r]);
  const v = [[1, 0, 0], [0, 1, 0], [0, 0, 1]];
  for (let sweep = 0; sweep < 50; sweep++) {
    const off = a[0]![1]! ** 2 + a[0]![2]! ** 2 + a[1]![2]! ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < 2; p++) {
      for (let q = p + 1; q < 3; q++) {
        if (Math.abs(a[p]![q]!) < 1e-300) continue;
        const theta = (a[q]![q]! - a[p]![p]!) / (2 * a[p]![q]!);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1), s = t * c;
        for (let k = 0; k < 3; k++) {
          const akp = a[k]![p]!, akq = a[k]![q]!;
          a[k]![p] = c * akp - s * akq;
          a[k]![q] = s * akp + c * akq;
        }
        for (let k = 0; k < 3; k++) {
          const apk = a[p]![k]!, aqk = a[q]![k]!;
          a[p]![k] = c * apk - s * aqk;
          a[q]![k] = s * apk + c * aqk;
        }
        for (let k = 0; k < 3; k++) {
          const vkp = v[k]![p]!, vkq = v[k]![q]!;
          v[k]![p] = c * vkp - s * vkq;
          v[k]![q] = s * vkp + c * vkq;
        }
      }
    }
  }
  return { values: [a[0]![0]!, a[1]![1]!, a[2]![2]!], vectors: v };
}

/** V · diag(f(max(λ, floor))) · Vᵀ. */
function spectral(m: M3, f: (l: number) => number): M3 {
  const { values, vectors: v } = symmetricEigen(m);
  const d = values.map((l) => f(Math.max(l, EIGENVALUE_FLOOR)));
  return [0, 1, 2].map((i) => [0, 1, 2].map((j) => v[i]![0]! * d[0]! * v[j]![0]! + v[i]![1]! * d[1]! * v[j]![1]! + v[i]![2]! * d[2]! * v[j]![2]!));
}

const mul = (a: M3, b: M3): M3 => [0, 1, 2].map((i) => [0, 1, 2].map((j) => a[i]![0]! * b[0]![j]! + a[i]![1]! * b[1]![j]! + a[i]![2]! * b[2]![j]!));

/** The style's colours with the content's mean and covariance. */
export function matchColours(style: RgbImage, content: RgbImage): RgbImage {
  const c = moments(content), s = moments(style);
  const a = mul(spectral(c.cov, Math.sqrt), spectral(s.cov, (l) => 1 / Math.sqrt(l)));
  const out = new Float32Array(style.data.length);
  for (let k = 0; k < style.width * style.height; k++) {
    const d = [0, 1, 2].map((ch) => style.data[3 * k + ch]! - s.mean[ch]!);
    for (let ch = 0; ch < 3; ch++) {
      const v = a[ch]![0]! * d[0]! + a[ch]![1]! * d[1]! + a[ch]![2]! * d[2]! + c.mean[ch]!;
      out[3 * k + ch] = Math.min(1, Math.max(0, v));
    }
  }
  return { width: style.width, height: style.height, data: out };
}

export const histogramControl: ColourControl = {
  name: 'histogram',
  prepare: (content, styles) => ({ content, styles: styles.map((s) => matchColours(s, content)) }),
  prepareInit: (image) => image,
  finish: (result) => result,
};
