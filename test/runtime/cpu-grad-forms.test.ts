/**
 * The gradient-graph forms the CPU runtime picks (src/backends/cpu.ts) and
 * the Gram special case of the MatMul rule, against finite differences like every rule.
 */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { exportedNodes, encodeModel } from '../../src/graph/encode.js';
import { cpuBackend } from '../../src/backends/index.js';
import { buildGradientGraph, gradcheck, randomConv, randomProjection } from '../helpers/gradcheck.js';

const N = [1, 2, 6, 5]; // odd width: the pool drops a column
const cpu = cpuBackend.gradients;

describe('CPU gradient forms vs finite differences', () => {
  it('MaxPool 2×2 via Indices + MaxUnpool (odd width)', async () => {
    const res = await gradcheck(
      (g, x, r) => randomProjection(g, g.op('MaxPool', [x], { kernel_shape: [2, 2], strides: [2, 2] }), [1, 2, 3, 2], r),
      N,
      { symbolic: true, seed: 9, grad: { maxPoolGrad: 'indices' } },
    );
    expect(res.opTypes).toContain('MaxUnpool');
    expect(res.cosine).toBeGreaterThan(0.99999);
    expect(res.maxAbsError).toBeLessThan(1e-3 * Math.max(1, res.maxAbsGrad));
  });

  it('Relu mask as Mul', async () => {
    const res = await gradcheck((g, x, r) => randomProjection(g, g.op('Relu', [x]), N, r), N, { seed: 4, grad: { reluGrad: 'mul' } });
    expect(res.opTypes).toContain('Cast');
    expect(res.opTypes).not.toContain('Where');
    expect(res.cosine).toBeGreaterThan(0.99999);
    // The cosine alone passes a mask that scales the gradient (e.g. Cast to 2 instead of 1):
    // hold the size too, entry by entry (1e-3 of the largest entry, as the other cases) and
    // in norm (within 0.1%).
    expect(res.maxAbsError).toBeLessThan(1e-3 * Math.max(1, res.maxAbsGrad));
    expect(Math.abs(res.normRatio - 1)).toBeLessThan(1e-3);
  });

  it('conv → relu → pool chain with all CPU forms at once', async () => {
    const res = await gradcheck(
      (g, x, r) => {
        const y = g.op('Relu', [randomConv(g, x, 2, 3, r)]);
        return randomProjection(g, g.op('MaxPool', [y], { kernel_shape: [2, 2], strides: [2, 2] }), [1, 3, 3, 2], r);
      },
      N,
      { seed: 6, grad: cpu },
    );
    expect(res.opTypes).not.toContain('ConvTranspose');
    expect(res.cosine).toBeGreaterThan(0.99999);
    expect(res.maxAbsError).toBeLessThan(1e-3 * Math.max(1, res.maxAbsGrad));
  });

  for (const reluGrad of ['mul', 'where'] as const) {
    it(`relu → max pool (${reluGrad}): the ReLU mask is applied to the pooled gradient before the one scatter, with PyTorch's ties`, async () => {
      // Windows (2×2, one channel, 2×6): all negative (max of relu 0: no gradient), a tie of
      // positive values (the first wins), a tie at 0 with a negative (no gradient).
      const xData = Float32Array.of(-1, -2, 3, 3, 0, -5, /**/ -3, -4, 3, 1, 0, 0);
      const weights = [2, 5, 7];
      const { g } = buildGradientGraph(
        (b, x) => b.op('ReduceSum', [b.op('Mul', [b.op('MaxPool', [b.op('Relu', [x])], { kernel_shape: [2, 2], strides: [2, 2] }), b.constant(weights, [1, 1, 1, 3])])], { keepdims: 0 }),
        [1, 1, 2, 6],
        { grad: { ...cpu, reluGrad } },
      );
      const exported = exportedNodes(g);
      expect(exported.filter((n) => n.opType === 'MaxUnpool')).toHaveLength(1);
      // The mask reads the pool's values, not the full-size ReLU output.
      const pool = exported.find((n) => n.opType === 'MaxPool' && n.outputs.length === 2)!;
      expect(exported.find((n) => n.opType === 'Greater')!.inputs[0]).toBe(pool.outputs[0]);
      const session = await ort.InferenceSession.create(encodeModel(g));
      const grad = (await session.run({ x: new ort.Tensor('float32', xData, [1, 1, 2, 6]) }))['x_grad']!.data as Float32Array;
      await session.release();
      expect([...grad]).toEqual([0, 0, 5, 0, 0, 0, /**/ 0, 0, 0, 0, 0, 0]);
    });
  }

  it('MatMul of two different matrices keeps the generic rule', async () => {
    const res = await gradcheck(
      (g, x, r) => {
        const f = g.op('Reshape', [x, g.constantI64([2, -1])]);
        const other = g.op('Mul', [f, g.constant(r.fillNormal(new Float32Array(30)), [2, 15])]);
        const prod = g.op('MatMul', [f, g.op('Transpose', [other], { perm: [1, 0] })]);
        return randomProjection(g, prod, [2, 2], r);
      },
      [1, 2, 3, 5],
      { seed: 8 },
    );
    expect(res.cosine).toBeGreaterThan(0.99999);
    expect(res.maxAbsError).toBeLessThan(1e-3 * Math.max(1, res.maxAbsGrad));
  });
});
