/**
 * Where a function has no derivative (ties, bounds, 0), the rules follow PyTorch's choices;
 * finite differences cannot see these points, so they are checked here value by value
 * (the expected values are what torch 2.13 gives for the same functions).
 */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import type { GraphBuilder } from '../../src/graph/builder.js';
import { encodeModel } from '../../src/graph/encode.js';
import { buildGradientGraph } from '../helpers/gradcheck.js';

/** ∂(Σ build(x))/∂x at `x`. */
async function gradientAt(x: number[], dims: number[], build: (g: GraphBuilder, x: string) => string): Promise<number[]> {
  const { g } = buildGradientGraph((b, v) => b.op('ReduceSum', [build(b, v)], { keepdims: 0 }), dims);
  const session = await ort.InferenceSession.create(encodeModel(g));
  const out = await session.run({ x: new ort.Tensor('float32', Float32Array.from(x), dims) });
  await session.release();
  return [...(out['x_grad']!.data as Float32Array)];
}

describe('gradient conventions at ties and bounds (as PyTorch)', () => {
  it('ReduceMax / ReduceMin over an axis: the first of tied values takes the gradient (torch.max(x, dim))', async () => {
    const x = [1, 3, 3, /**/ 2, 2, 0];
    expect(await gradientAt(x, [2, 3], (g, v) => g.op('ReduceMax', [v], { axes: [1], keepdims: 0 }))).toEqual([0, 1, 0, 1, 0, 0]);
    expect(await gradientAt(x, [2, 3], (g, v) => g.op('ReduceMin', [v], { axes: [0], keepdims: 1 }))).toEqual([1, 0, 0, 0, 1, 1]);
  });

  it('ReduceMax over several axes: the first tie in row-major order (torch.amax would split it)', async () => {
    expect(await gradientAt([1, 3, 3, 2, 2, 0], [2, 3], (g, v) => g.op('ReduceMax', [v], { keepdims: 0 }))).toEqual([0, 1, 0, 0, 0, 0]);
  });

  it('Max / Min of two tensors split ties evenly (torch.maximum / minimum)', async () => {
    const pair = (op: string) => (g: GraphBuilder, v: string) => g.op(op, [v, g.constant([1, 3, 2], [3])]);
    expect(await gradientAt([1, 2, 3], [3], pair('Max'))).toEqual([0.5, 0, 1]);
    expect(await gradientAt([1, 2, 3], [3], pair('Min'))).toEqual([0.5, 1, 0]);
  });

  it('Clip passes the gradient at its bounds, not beyond (torch.clamp)', async () => {
    const clip = (g: GraphBuilder, v: string) => g.op('Clip', [v, g.constant(-0.5), g.constant(0.75)]);
    expect(await gradientAt([-1, -0.5, 0, 0.75, 1], [5], clip)).toEqual([0, 1, 1, 1, 0]);
  });

  it('Abs has gradient 0 at 0 (torch.abs)', async () => {
    expect(await gradientAt([-1, 0, 2], [3], (g, v) => g.op('Abs', [v]))).toEqual([-1, 0, 1]);
  });
});
