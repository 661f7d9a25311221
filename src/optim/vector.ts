/**
 * The few vector operations the optimisers need. Vectors are Float32Array, like the
 * float32 tensors torch's optimisers work on: every stored element is rounded to float32
 * exactly as a float32 tensor op would round it. Reductions accumulate in float64 (two
 * partial sums, so the adds do not wait on each other; four measured slower in V8),
 * which keeps dot products of image-sized vectors (10⁶ elements) accurate.
 *
 * L-BFGS's two-loop recursion is memory-bound: with 100 corrections on a 512×512 image it
 * streams 1.2 GB of history per step. The fused `…Dot` helpers update a vector and take
 * the next dot product with it in the same pass, so the working vector is read once per
 * correction instead of twice. They compute the same values as the separate operations.
 */

/** Σ a[i]·b[i]. */
export function dot(a: Float32Array, b: Float32Array): number {
  const n = a.length;
  let s0 = 0;
  let s1 = 0;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    s0 += a[i]! * b[i]!;
    s1 += a[i + 1]! * b[i + 1]!;
  }
  for (; i < n; i++) s0 += a[i]! * b[i]!;
  return s0 + s1;
}

/** Σ |a[i]|. */
export function sumAbs(a: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i]!);
  return s;
}

/** max |a[i]|; NaN if any element is NaN (as torch's abs().max() is). */
export function maxAbs(a: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const v = Math.abs(a[i]!);
    if (v > m) m = v;
    else if (v !== v) return NaN;
  }
  return m;
}

/** y[i] += alpha·x[i] (alpha rounded to float32 first, as torch passes scalars to float kernels). */
export function axpy(y: Float32Array, alpha: number, x: Float32Array): void {
  const a = Math.fround(alpha);
  for (let i = 0; i < y.length; i++) y[i] = y[i]! + a * x[i]!;
}

/** out[i] = alpha·x[i] (in place when out === x). */
export function scaleInto(out: Float32Array, alpha: number, x: Float32Array): void {
  const a = Math.fround(alpha);
  for (let i = 0; i < out.length; i++) out[i] = a * x[i]!;
}

/** out[i] = alpha·x[i], then return Σ z[i]·out[i]. */
export function scaleIntoDot(out: Float32Array, alpha: number, x: Float32Array, z: Float32Array): number {
  const a = Math.fround(alpha);
  const n = out.length;
  let s0 = 0;
  let s1 = 0;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    const v0 = Math.fround(a * x[i]!);
    const v1 = Math.fround(a * x[i + 1]!);
    out[i] = v0;
    out[i + 1] = v1;
    s0 += z[i]! * v0;
    s1 += z[i + 1]! * v1;
  }
  for (; i < n; i++) {
    const v = Math.fround(a * x[i]!);
    out[i] = v;
    s0 += z[i]! * v;
  }
  return s0 + s1;
}

/** y[i] += alpha·x[i], then return Σ z[i]·y[i]. */
export function axpyDot(y: Float32Array, alpha: number, x: Float32Array, z: Float32Array): number {
  const a = Math.fround(alpha);
  const n = y.length;
  let s0 = 0;
  let s1 = 0;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    const v0 = Math.fround(y[i]! + a * x[i]!);
    const v1 = Math.fround(y[i + 1]! + a * x[i + 1]!);
    y[i] = v0;
    y[i + 1] = v1;
    s0 += z[i]! * v0;
    s1 += z[i + 1]! * v1;
  }
  for (; i < n; i++) {
    const v = Math.fround(y[i]! + a * x[i]!);
    y[i] = v;
    s0 += z[i]! * v;
  }
  return s0 + s1;
}

/** y[i] = (y[i] + alpha·x[i])·h, each op rounded to float32, then return Σ z[i]·y[i]. */
export function axpyScaleDot(y: Float32Array, alpha: number, x: Float32Array, h: number, z: Float32Array | null): number {
  const a = Math.fround(alpha);
  const hf = Math.fround(h);
  const n = y.length;
  let s = 0;
  for (let i = 0; i < n; i++) {
    const v = Math.fround(Math.fround(y[i]! + a * x[i]!) * hf);
    y[i] = v;
    if (z !== null) s += z[i]! * v;
  }
  return s;
}

/**
 * L-BFGS's curvature pair in one pass: y = g − gPrev and s = t·d (each element rounded to
 * float32), then gPrev ← g. Returns y·s and y·y, summed as dot() sums them.
 */
export function curvaturePair(y: Float32Array, s: Float32Array, g: Float32Array, gPrev: Float32Array, t: number, d: Float32Array): { ys: number; yy: number } {
  const a = Math.fround(t);
  const n = y.length;
  let ys0 = 0;
  let ys1 = 0;
  let yy0 = 0;
  let yy1 = 0;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    const y0 = Math.fround(g[i]! - gPrev[i]!);
    const y1 = Math.fround(g[i + 1]! - gPrev[i + 1]!);
    const s0 = Math.fround(a * d[i]!);
    const s1 = Math.fround(a * d[i + 1]!);
    y[i] = y0;
    y[i + 1] = y1;
    s[i] = s0;
    s[i + 1] = s1;
    gPrev[i] = g[i]!;
    gPrev[i + 1] = g[i + 1]!;
    ys0 += y0 * s0;
    ys1 += y1 * s1;
    yy0 += y0 * y0;
    yy1 += y1 * y1;
  }
  for (; i < n; i++) {
    const y0 = Math.fround(g[i]! - gPrev[i]!);
    const s0 = Math.fround(a * d[i]!);
    y[i] = y0;
    s[i] = s0;
    gPrev[i] = g[i]!;
    ys0 += y0 * s0;
    yy0 += y0 * y0;
  }
  return { ys: ys0 + ys1, yy: yy0 + yy1 };
}
