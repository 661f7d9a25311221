/**
 * Matrix square root of a symmetric positive (semi-)definite C × C value by the coupled
 * Newton–Schulz iteration (Higham, "Functions of Matrices", 2008, eq. 6.35), built from
 * MatMul, Mul and Div only, so it runs (and differentiates) on every backend:
 *   n = ‖A‖_F,  Y₀ = A / n,  Z₀ = I
 *   T_k = ½ (3I − Z_k Y_k),  Y_{k+1} = Y_k T_k,  Z_{k+1} = T_k Z_k
 *   sqrtm(A) ≈ Y_K · √n
 * Dividing by the Frobenius norm puts every eigenvalue in (0, 1], where it converges.
 */
import type { GraphBuilder } from '../graph/builder.js';

export const NEWTON_SCHULZ_ITERATIONS = 12;

export function identity(g: GraphBuilder, c: number): string {
  const data = new Float32Array(c * c);
  for (let i = 0; i < c; i++) data[i * c + i] = 1;
  return g.constant(data, [c, c]);
}

export function addSqrtm(g: GraphBuilder, a: string, channels: number, iterations = NEWTON_SCHULZ_ITERATIONS): string {
  const eye = identity(g, channels);
  const threeEye = g.constant(identity3(channels), [channels, channels]);
  const norm = g.op('Sqrt', [g.op('ReduceSum', [g.op('Mul', [a, a])], { keepdims: 0 })]);
  let y = g.op('Div', [a, norm]);
  let z = eye;
  for (let k = 0; k < iterations; k++) {
    const t = g.op('Mul', [g.op('Sub', [threeEye, g.op('MatMul', [z, y])]), g.constant(0.5)]);
    y = g.op('MatMul', [y, t]);
    z = g.op('MatMul', [t, z]);
  }
  return g.op('Mul', [y, g.op('Sqrt', [norm])]);
}

function identity3(c: number): Float32Array {
  const data = new Float32Array(c * c);
  for (let i = 0; i < c; i++) data[i * c + i] = 3;
  return data;
}
