/**
 * The gradient-graph forms the CPU runtime picks (src/runtime/ort.ts gradOptionsFor) and
 * the Gram special case of the MatMul rule, against finite differences like every rule.
 */
import { describe, expect, it } from 'vitest';
import { gradOptionsFor } from '../../src/runtime/ort.js';
import { gradcheck, randomConv, randomProjection } from '../helpers/gradcheck.js';

const N = [1, 2, 6, 5]; // odd width: the pool drops a column
const cpu = gradOptionsFor('cpu');

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
