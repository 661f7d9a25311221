/** Every gradient rule against central finite differences of a float64 reference. */
import { describe, expect, it } from 'vitest';
import type { GraphBuilder } from '../../src/graph/builder.js';
import { GRADIENT_RULES } from '../../src/graph/grads/index.js';
import type { Rng } from '../../src/util/random.js';
import { coverageOf, uncovered } from '../helpers/coverage.js';
import {
  buildGradientGraph,
  gradcheck,
  randomConv,
  randomProjection,
  type GradcheckOptions,
  type GradcheckResult,
} from '../helpers/gradcheck.js';

type Case = {
  name: string;
  dims: number[];
  build: (g: GraphBuilder, x: string, rng: Rng) => string;
  options?: GradcheckOptions;
  /** What else this case's result must show. */
  also?: (res: GradcheckResult) => void;
};

const N = [1, 2, 6, 5]; // odd width exercises the pool rules' padding
const cases: Case[] = [
  { name: 'Conv (ConvTranspose form)', dims: N, build: (g, x, r) => randomProjection(g, randomConv(g, x, 2, 3, r), [1, 3, 6, 5], r) },
  { name: 'Relu', dims: N, build: (g, x, r) => randomProjection(g, g.op('Relu', [x]), N, r) },
  {
    name: 'MaxPool 2×2 (odd width)',
    dims: N,
    options: { symbolic: true },
    build: (g, x, r) => randomProjection(g, g.op('MaxPool', [x], { kernel_shape: [2, 2], strides: [2, 2] }), [1, 2, 3, 2], r),
  },
  {
    name: 'AveragePool 2×2 (odd width)',
    dims: N,
    options: { symbolic: true },
    build: (g, x, r) => randomProjection(g, g.op('AveragePool', [x], { kernel_shape: [2, 2], strides: [2, 2] }), [1, 2, 3, 2], r),
  },
  {
    // The Gram form folds the Transpose's share into A's: Transpose's own rule is not used here.
    name: 'MatMul, Gram form A·Transpose(A), + Reshape',
    dims: N,
    build: (g, x, r) => {
      const f = g.op('Reshape', [x, g.constantI64([2, -1])]);
      const gram = g.op('MatMul', [f, g.op('Transpose', [f], { perm: [1, 0] })]);
      return randomProjection(g, gram, [2, 2], r);
    },
  },
  {
    name: 'Transpose (a permutation that is not its own inverse)',
    dims: N,
    build: (g, x, r) => randomProjection(g, g.op('Transpose', [x], { perm: [0, 2, 3, 1] }), [1, 6, 5, 2], r),
  },
  {
    name: 'Sub, Mul, Div, ReduceMean (MSE to a target)',
    dims: N,
    build: (g, x, r) => {
      const t = g.constant(r.fillNormal(new Float32Array(60)), N);
      const d = g.op('Sub', [x, t]);
      const m = g.op('ReduceMean', [g.op('Mul', [d, d])], { keepdims: 0 });
      return g.op('Div', [g.op('Mul', [m, g.constant(3)]), g.constant(2)]);
    },
  },
  {
    name: 'Slice (TV differences) + Neg + Add + Sum',
    dims: N,
    options: { symbolic: true },
    build: (g, x, r) => {
      const a = g.op('Slice', [x, g.constantI64([0, 0]), g.constantI64([-1, -1]), g.constantI64([2, 3])]);
      const b = g.op('Slice', [x, g.constantI64([0, 1]), g.constantI64([-1, 2 ** 62]), g.constantI64([2, 3])]);
      const d = g.op('Add', [g.op('Neg', [a]), b]);
      const s = g.op('Sum', [d, a, g.op('Identity', [b])]);
      return randomProjection(g, s, [1, 2, 5, 4], r);
    },
  },
  {
    name: 'Conv gradient as flipped-weight Conv',
    dims: N,
    options: { grad: { convGrad: 'Conv' }, seed: 3 },
    build: (g, x, r) => randomProjection(g, randomConv(g, x, 2, 3, r), [1, 3, 6, 5], r),
    also: (res) => expect(res.opTypes).not.toContain('ConvTranspose'),
  },
  {
    name: 'a value used twice accumulates both contributions (x·x)',
    dims: N,
    options: { seed: 5 },
    build: (g, x, r) => randomProjection(g, g.op('Mul', [x, x]), N, r),
  },
  {
    name: 'Div with x as the divisor (|x| ≥ 0.5)',
    dims: N,
    // x away from 0, where t / x is smooth and its differences stay accurate.
    options: { input: (r, n) => r.fillNormal(new Float32Array(n)).map((v) => Math.sign(v || 1) * (0.5 + Math.abs(v))) },
    build: (g, x, r) => randomProjection(g, g.op('Div', [g.constant(r.fillNormal(new Float32Array(60)), N), x]), N, r),
  },
  {
    // Newton–Schulz divides a matrix by its Frobenius norm: a scalar that needs a gradient.
    name: 'Sqrt, and Mul/Div by a scalar that depends on x (summed gradient)',
    dims: N,
    build: (g, x, r) => {
      const norm = g.op('Sqrt', [g.op('ReduceSum', [g.op('Mul', [x, x])], { keepdims: 0 })]);
      const scaled = g.op('Mul', [g.op('Div', [x, norm]), g.op('ReduceMean', [x], { keepdims: 0 })]);
      const back = g.op('Mul', [g.op('ReduceSum', [scaled], { keepdims: 0 }), x]);
      return randomProjection(g, g.op('Add', [scaled, back]), N, r);
    },
  },
  {
    // crowsonkb's conv1_1 padding: edge cells are copied, so their gradients add up.
    name: 'Pad, edge mode (replicate padding), uneven pads',
    dims: N,
    build: (g, x, r) => randomProjection(g, g.op('Pad', [x, g.constantI64([0, 0, 1, 2, 0, 0, 2, 1])], { mode: 'edge' }), [1, 2, 9, 8], r),
  },
  {
    name: 'Sub with x as the subtrahend',
    dims: N,
    build: (g, x, r) => randomProjection(g, g.op('Sub', [g.constant(r.fillNormal(new Float32Array(60)), N), x]), N, r),
  },
];

const optionsOf = (c: Case): GradcheckOptions => ({ seed: 7, ...c.options });

describe('gradient rules vs finite differences', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const res = await gradcheck(c.build, c.dims, optionsOf(c));
      expect(res.cosine).toBeGreaterThan(0.99999);
      expect(res.maxAbsError).toBeLessThan(1e-3 * Math.max(1, res.maxAbsGrad));
      c.also?.(res);
    });
  }

  // The cases above are the finite-difference checks; this test sees which rules they
  // exercise (by building each case's gradient graph, without running it), so a rule
  // added to GRADIENT_RULES without a case, or an input of a rule whose gradient no case
  // reaches (Div's divisor once was), fails here.
  it('every rule in GRADIENT_RULES, and every input it gives a gradient for, is exercised by a case above', async () => {
    const offered = new Set<string>();
    const coverage = await coverageOf(cases, (c) => {
      const { rules } = buildGradientGraph(c.build, c.dims, optionsOf(c));
      const used: string[] = [];
      for (const [opType, use] of rules) {
        if (use.emitted.size > 0) used.push(opType);
        for (const k of use.offered) offered.add(`${opType} input ${k}`);
        for (const k of use.emitted) used.push(`${opType} input ${k}`);
      }
      return used;
    });
    expect(uncovered(Object.keys(GRADIENT_RULES), coverage), 'rules without a finite-difference case').toEqual([]);
    expect(uncovered(offered, coverage), 'rule inputs whose gradient no case checks').toEqual([]);
  });
});
