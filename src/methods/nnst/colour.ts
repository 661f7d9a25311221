/**
 * NNST's colour match (Kolkin et al. 2022; utils/colorization.py of their MIT-licensed
 * code): the output keeps its lightness, and takes the content's chroma moved to the
 * style's palette — in Björn Ottosson's OkLab, with the 0–1 RGB values taken as linear
 * (as the authors do):
 *   1. each output channel clamped to the style's range of it
 *   2. the content's a, b whitened and coloured (ZCA) to the style's a, b mean and
 *      covariance, then smoothed by five rounds of a 3 × 3 filter guided by the output's
 *      lightness (weights e^(−10 |ΔL|)); when the style has no chroma to speak of
 *      (its a, b covariance below 6e-5), all three channels of the output are matched instead
 *   3. clamped to the style's ranges again, back to RGB, clamped to [0, 1]
 */
import type { RgbImage } from '../../image/types.js';

type Lab = [Float32Array, Float32Array, Float32Array];

function toOklab(img: RgbImage): Lab {
  const n = img.width * img.height;
  const [L, A, B] = [new Float32Array(n), new Float32Array(n), new Float32Array(n)];
  for (let p = 0; p < n; p++) {
    const [r, g, b] = [0, 1, 2].map((c) => Math.min(1, Math.max(0, img.data[3 * p + c]!))) as [number, number, number];
    const l = Math.cbrt(0.412165612 * r + 0.536275208 * g + 0.0514575653 * b);
    const m = Math.cbrt(0.211859107 * r + 0.6807189584 * g + 0.107406579 * b);
    const s = Math.cbrt(0.0883097947 * r + 0.2818474174 * g + 0.6302613616 * b);
    L[p] = 0.2104542553 * l + 0.793617785 * m - 0.0040720468 * s;
    A[p] = 1.9779984951 * l - 2.428592205 * m + 0.4505937099 * s;
    B[p] = 0.0259040371 * l + 0.7827717662 * m - 0.808675766 * s;
  }
  return [L, A, B];
}

function fromOklab([L, A, B]: Lab, width: number, height: number): RgbImage {
  const n = width * height;
  const data = new Float32Array(3 * n);
  for (let p = 0; p < n; p++) {
    const l = (L[p]! + 0.3963377774 * A[p]! + 0.2158037573 * B[p]!) ** 3;
    const m = (L[p]! - 0.1055613458 * A[p]! - 0.0638541728 * B[p]!) ** 3;
    const s = (L[p]! - 0.0894841775 * A[p]! - 1.291485548 * B[p]!) ** 3;
    const rgb = [4.0767245293 * l - 3.3072168827 * m + 0.2307590544 * s, -1.2681437731 * l + 2.6093323231 * m - 0.341134429 * s, -0.0041119885 * l - 0.7034763098 * m + 1.7068625689 * s];
    for (let c = 0; c < 3; c++) data[3 * p + c] = Math.min(1, Math.max(0, rgb[c]!));
  }
  return { width, height, data };
}

function range(v: Float32Array): [number, number] {
  let lo = Infinity, hi = -Infinity;
  for (const x of v) {
    lo = Math.min(lo, x);
    hi = Math.max(hi, x);
  }
  return [lo, hi];
}

function clampTo(v: Float32Array, [lo, hi]: [number, number]): void {
  for (let i = 0; i < v.length; i++) v[i] = Math.min(hi, Math.max(lo, v[i]!));
}

/** Mean and covariance (biased, 1/n) of the channels' values. */
function moments(channels: Float32Array[]): { mean: number[]; cov: number[][] } {
  const d = channels.length;
  const n = channels[0]!.length;
  const mean = channels.map((c) => c.reduce((a, b) => a + b, 0) / n);
  const cov = Array.from({ length: d }, () => new Array<number>(d).fill(0));
  for (let p = 0; p < n; p++) for (let i = 0; i < d; i++) for (let j = i; j < d; j++) cov[i]![j]! += (channels[i]![p]! - mean[i]!) * (channels[j]![p]! - mean[j]!);
  for (let i = 0; i < d; i++) for (let j = i; j < d; j++) cov[j]![i] = cov[i]![j]! /= n;
  return { mean, cov };
}

/** Eigenvalues and eigenvectors (columns) of a small symmetric matrix, by Jacobi rotations. */
export function symmetricEigen(matrix: number[][]): { values: number[]; vectors: number[][] } {
  const d = matrix.length;
  const a = matrix.map((r) => [...r]);
  const v: number[][] = Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => (i === j ? 1 : 0)));
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let i = 0; i < d; i++) for (let j = i + 1; j < d; j++) off += a[i]![j]! ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < d; p++) {
      for (let q = p + 1; q < d; q++) {
        if (Math.abs(a[p]![q]!) < 1e-300) continue;
        const theta = (a[q]![q]! - a[p]![p]!) / (2 * a[p]![q]!);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < d; k++) {
          const [akp, akq] = [a[k]![p]!, a[k]![q]!];
          a[k]![p] = c * akp - s * akq;
          a[k]![q] = s * akp + c * akq;
        }
        for (let k = 0; k < d; k++) {
          const [apk, aqk] = [a[p]![k]!, a[q]![k]!];
          a[p]![k] = c * apk - s * aqk;
          a[q]![k] = s * apk + c * aqk;
        }
        for (let k = 0; k < d; k++) {
          const [vkp, vkq] = [v[k]![p]!, v[k]![q]!];
          v[k]![p] = c * vkp - s * vkq;
          v[k]![q] = s * vkp + c * vkq;
        }
      }
    }
  }
  return { values: a.map((r, i) => r[i]!), vectors: v };
}

/** x's channels moved to y's mean and covariance (whitened by x's, coloured by y's), with 1e-4 added to each diagonal. */
function zca(x: Float32Array[], y: Float32Array[]): Float32Array[] {
  const d = x.length;
  const n = x[0]!.length;
  const mx = moments(x);
  const my = moments(y);
  const transform = (cov: number[][], power: number) => {
    const { values, vectors } = symmetricEigen(cov.map((r, i) => r.map((v, j) => v + (i === j ? 1e-4 : 0))));
    const scale = values.map((e) => Math.sqrt(Math.min(1e8, Math.max(1e-8, e))) ** power);
    return Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => vectors.reduce((acc, _v, k) => acc + vectors[i]![k]! * scale[k]! * vectors[j]![k]!, 0)));
  };
  const whiten = transform(mx.cov, -1);
  const colour = transform(my.cov, 1);
  const m = colour.map((row) => whiten[0]!.map((_, j) => row.reduce((acc, v, k) => acc + v * whiten[k]![j]!, 0)));
  const out = Array.from({ length: d }, () => new Float32Array(n));
  for (let p = 0; p < n; p++) {
    for (let i = 0; i < d; i++) {
      let v = my.mean[i]!;
      for (let j = 0; j < d; j++) v += m[i]![j]! * (x[j]![p]! - mx.mean[j]!);
      out[i]![p] = v;
    }
  }
  return out;
}

/** Five rounds of the 3 × 3 filter on a, b guided by L (replicate padding at the edges). */
function guidedSmooth(L: Float32Array, ab: Float32Array[], width: number, height: number): Float32Array[] {
  const at = (x: number, y: number) => Math.min(height - 1, Math.max(0, y)) * width + Math.min(width - 1, Math.max(0, x));
  let cur = ab.map((c) => Float32Array.from(c));
  for (let round = 0; round < 5; round++) {
    const next = cur.map(() => new Float32Array(width * height));
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const p = y * width + x;
        let total = 0;
        const sums = cur.map(() => 0);
        for (let dy = -1; dy <= 1; dy++) {
          for (let dx = -1; dx <= 1; dx++) {
            const q = at(x + dx, y + dy);
            const w = Math.exp(-5 * Math.abs(L[p]! - L[q]!)) ** 2;
            total += w;
            cur.forEach((c, k) => (sums[k]! += w * c[q]!));
          }
        }
        cur.forEach((_, k) => (next[k]![p] = sums[k]! / total));
      }
    }
    cur = next;
  }
  return cur;
}

/** The output's colours matched to the style's, from the content's chroma (see above). */
export function colourMatch(content: RgbImage, style: RgbImage, output: RgbImage): RgbImage {
  const { width, height } = output;
  if (content.width !== width || content.height !== height) throw new Error('colourMatch: the content must have the output\'s size');
  const c = toOklab(content);
  const s = toOklab(style);
  const o = toOklab(output);
  const ranges = s.map(range) as [number, number][];
  const next: Lab = [Float32Array.from(o[0]), Float32Array.from(o[1]), Float32Array.from(o[2])];
  next.forEach((ch, i) => clampTo(ch, ranges[i]!));
  const chroma = moments([s[1], s[2]]).cov;
  const flat = Math.max(...chroma.flat().map(Math.abs)) < 6e-5;
  let result: Lab;
  if (flat) {
    result = zca([next[0], o[1], o[2]], s) as Lab;
  } else {
    const ab = zca([c[1], c[2]], [s[1], s[2]]);
    const smooth = guidedSmooth(next[0], ab, width, height);
    result = [next[0], smooth[0]!, smooth[1]!];
  }
  result.forEach((ch, i) => clampTo(ch, ranges[i]!));
  return fromOklab(result, width, height);
}
