/** Every gradient rule against central finite differences of a float64 reference. */
import { describe, expect, it } from 'vitest';
import type { GraphBuilder } from '../../src/graph/builder.js';
import { exportedNodes } from '../../src/graph/encode.js';
import { GRADIENT_RULES } from '../../src/graph/grads/index.js';
import { addResize, halfSize, spatialSize } from '../../src/graph/resize.js';
import type { Rng } from '../../src/util/random.js';
import { coverageOf, uncovered } from '../helpers/coverage.js';
import { WEBGPU_OPS } from '../helpers/webgpu-ops.js';
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
  // --- for NNST and STROTSS: resizing, pyramids, sampling, reductions over axes, broadcasting ---
  {
    name: 'Resize bilinear half_pixel (PyTorch align_corners=False), down to runtime half size',
    dims: [1, 2, 7, 5],
    options: { symbolic: true },
    build: (g, x, r) => randomProjection(g, addResize(g, x, halfSize(g, x), 'half_pixel'), [1, 2, 3, 2], r),
  },
  {
    name: 'Resize bilinear align_corners, up, to (height, width) given separately',
    dims: [1, 2, 4, 3],
    options: { symbolic: true },
    build: (g, x, r) => randomProjection(g, addResize(g, x, [g.constantI64([7], []), g.constantI64([8])], 'align_corners'), [1, 2, 7, 8], r),
  },
  {
    name: 'Resize bilinear pytorch_half_pixel, up in one axis and down in the other',
    dims: [1, 2, 5, 9],
    build: (g, x, r) => randomProjection(g, addResize(g, x, g.constantI64([8, 4]), 'pytorch_half_pixel'), [1, 2, 8, 4], r),
  },
  {
    // decompose: small = Resize(x, ⌊h/2⌋, ⌊w/2⌋); lap = x − Resize(small, h, w); synthesise: cur = lap + Resize(cur, size of lap)
    name: 'Laplacian pyramid, 3 levels: decompose, weight the levels, synthesise (Resize, Sub, Add, Mul)',
    dims: [1, 2, 9, 7],
    options: { symbolic: true },
    build: (g, x, r) => {
      const down = (v: string) => addResize(g, v, halfSize(g, v), 'half_pixel');
      const up = (v: string, like: string) => addResize(g, v, spatialSize(g, like), 'half_pixel');
      const s1 = down(x);
      const s2 = down(s1);
      const levels = [g.op('Sub', [x, up(s1, x)]), g.op('Sub', [s1, up(s2, s1)]), s2];
      const weights = [0.5, 2, 3].map((w) => g.constant(w));
      let cur = g.op('Mul', [levels[2]!, weights[2]!]);
      for (const k of [1, 0]) cur = g.op('Add', [g.op('Mul', [levels[k]!, weights[k]!]), up(cur, levels[k]!)]);
      return randomProjection(g, cur, [1, 2, 9, 7], r);
    },
  },
  {
    name: 'Concat along channels (static offsets)',
    dims: N,
    build: (g, x, r) => randomProjection(g, g.op('Concat', [x, g.op('Mul', [x, x]), x], { axis: 1 }), [1, 6, 6, 5], r),
  },
  {
    name: 'Concat along a symbolic spatial axis (offsets from runtime shapes)',
    dims: N,
    options: { symbolic: true },
    build: (g, x, r) => {
      const part = g.op('Slice', [x, g.constantI64([1]), g.constantI64([2 ** 62]), g.constantI64([3])]);
      return randomProjection(g, g.op('Concat', [g.op('Exp', [part]), x], { axis: -1 }), [1, 2, 6, 9], r);
    },
  },
  {
    name: 'ReduceSum over an axis (keepdims 1), ReduceMean over two (keepdims 0), ReduceSum keepdims 1 over all',
    dims: N,
    build: (g, x, r) => {
      const s = g.op('ReduceSum', [x, g.constantI64([1])], { keepdims: 1 });
      const m = g.op('ReduceMean', [g.op('Mul', [x, x])], { axes: [-2, 3], keepdims: 0 });
      const all = g.op('ReduceSum', [x], {});
      return g.op('Add', [g.op('Add', [randomProjection(g, s, [1, 1, 6, 5], r), randomProjection(g, m, [1, 2], r)]), g.op('ReduceSum', [all], { keepdims: 0 })]);
    },
  },
  {
    name: 'ReduceMean over symbolic axes (count from the runtime shape)',
    dims: N,
    options: { symbolic: true },
    build: (g, x, r) => randomProjection(g, g.op('ReduceMean', [g.op('Mul', [x, x])], { axes: [2, 3], keepdims: 1 }), [1, 2, 1, 1], r),
  },
  {
    name: 'ReduceMax over one axis (keepdims 0) and ReduceMin over two (keepdims 1)',
    dims: N,
    build: (g, x, r) => {
      const max = g.op('ReduceMax', [x], { axes: [1], keepdims: 0 });
      const min = g.op('ReduceMin', [x], { axes: [1, 3], keepdims: 1 });
      return g.op('Add', [randomProjection(g, max, [1, 6, 5], r), randomProjection(g, min, [1, 1, 6, 1], r)]);
    },
  },
  {
    name: 'ReduceMax over everything to a scalar, ReduceMin over the last axis (symbolic)',
    dims: N,
    options: { symbolic: true },
    build: (g, x, r) => {
      const max = g.op('ReduceMax', [x], { keepdims: 0 });
      const min = g.op('ReduceMin', [x], { axes: [-1], keepdims: 1 });
      return g.op('Add', [g.op('Mul', [max, g.constant(3)]), g.op('ReduceSum', [g.op('Mul', [min, min])], { keepdims: 0 })]);
    },
  },
  {
    // A channel mean [1, 1, h, w] against [1, C, h, w], both from x: the mean's gradient sums over C.
    name: 'broadcasting: Mul and Div by a [1, 1, h, w] value of x, Add of a [w] row (leading axes)',
    dims: N,
    build: (g, x, r) => {
      const m = g.op('ReduceMean', [x], { axes: [1], keepdims: 1 });
      const row = g.op('ReduceSum', [x, g.constantI64([0, 1, 2])], { keepdims: 0 });
      const y = g.op('Add', [g.op('Div', [g.op('Mul', [x, m]), g.op('Add', [g.op('Mul', [m, m]), g.constant(1)])]), row]);
      return randomProjection(g, y, N, r);
    },
  },
  {
    name: 'broadcasting: [N, 1] and [1, M] against [N, M] (Sub, Add, Div), symbolic image',
    dims: N,
    options: { symbolic: true },
    build: (g, x, r) => {
      const f = g.op('Reshape', [x, g.constantI64([2, -1])]);
      const rows = g.op('ReduceMean', [f], { axes: [1], keepdims: 1 });
      const cols = g.op('ReduceMax', [f], { axes: [0], keepdims: 1 });
      const centred = g.op('Sub', [f, rows]);
      const y = g.op('Div', [g.op('Add', [cols, centred]), g.op('Add', [g.op('Mul', [rows, rows]), g.constant(0.5)])]);
      return g.op('ReduceSum', [g.op('Mul', [y, y])], { keepdims: 0 });
    },
  },
  {
    name: 'Gather axis 0 with repeated indices (contributions add up)',
    dims: [5, 3],
    build: (g, x, r) => randomProjection(g, g.op('Gather', [x, g.constantI64([3, 0, 3, 1, 3])], { axis: 0 }), [5, 3], r),
  },
  {
    // NNST samples positions of a flattened feature map: [1, C, h·w] gathered at computed indices.
    name: 'Gather axis 2 of a flattened map at computed positions (Range from the runtime shape), and axis 1 with 2-D indices',
    dims: N,
    options: { symbolic: true },
    build: (g, x, r) => {
      const flat = g.op('Reshape', [x, g.constantI64([1, 2, -1])]);
      const n = g.op('Gather', [g.op('Shape', [flat]), g.constantI64([2], [])], { axis: 0 });
      const positions = g.op('Range', [g.constantI64([1], []), n, g.constantI64([4], [])]);
      const sampled = g.op('Gather', [flat, positions], { axis: 2 });
      const picked = g.op('Gather', [x, g.constantI64([1, 0, 1, 1], [2, 2])], { axis: 1 });
      return g.op('Add', [randomProjection(g, g.op('Mul', [sampled, sampled]), [1, 2, 8], r), randomProjection(g, picked, [1, 2, 2, 6, 5], r)]);
    },
  },
  {
    name: 'Abs, Exp, Pow (constant exponents 2, 3 and a vector)',
    dims: N,
    build: (g, x, r) => {
      const a = g.op('Abs', [x]);
      const y = g.op('Add', [
        g.op('Add', [g.op('Pow', [x, g.constant(2)]), g.op('Pow', [x, g.constant(3)])]),
        g.op('Add', [g.op('Exp', [g.op('Mul', [x, g.constant(0.5)])]), g.op('Pow', [g.op('Add', [a, g.constant(0.5)]), g.constant([0.5, 1.5, -1, 2, 0.25], [5])])]),
      ]);
      return randomProjection(g, y, N, r);
    },
  },
  {
    name: 'Max and Min of two tensors of x (one broadcast)',
    dims: N,
    build: (g, x, r) => {
      const m = g.op('ReduceMean', [x], { axes: [1], keepdims: 1 });
      const y = g.op('Add', [g.op('Max', [g.op('Mul', [x, g.constant(0.5)]), g.op('Sub', [g.constant(0.3), x])]), g.op('Min', [m, x])]);
      return randomProjection(g, y, N, r);
    },
  },
  {
    name: 'Clip with constant bounds, and with bounds that depend on x',
    dims: N,
    build: (g, x, r) => {
      const fixed = g.op('Clip', [x, g.constant(-0.5), g.constant(0.7)]);
      const mean = g.op('ReduceMean', [x], { keepdims: 0 });
      const moving = g.op('Clip', [x, g.op('Sub', [mean, g.constant(0.4)]), g.op('Add', [mean, g.constant(0.6)])]);
      return g.op('Add', [randomProjection(g, fixed, N, r), randomProjection(g, moving, N, r)]);
    },
  },
  {
    name: 'Unsqueeze and Squeeze',
    dims: N,
    build: (g, x, r) => {
      const u = g.op('Unsqueeze', [x, g.constantI64([0, 3])]);
      return randomProjection(g, g.op('Squeeze', [g.op('Mul', [u, u]), g.constantI64([0])]), [1, 2, 6, 1, 5], r);
    },
  },
  {
    // NNST subsamples a feature map with a stride and a random offset.
    name: 'Slice with steps 2 and 3, a runtime start, a negative constant start, a positive end',
    dims: [1, 2, 9, 8],
    options: { symbolic: true },
    build: (g, x, r) => {
      // start = ⌊w/4⌋ (2 here): a runtime value
      const w = g.op('Slice', [g.op('Shape', [x]), g.constantI64([3]), g.constantI64([4])]);
      const start = g.op('Concat', [g.constantI64([1]), g.op('Div', [w, g.constantI64([4])])], { axis: 0 });
      const a = g.op('Slice', [x, start, g.constantI64([2 ** 62, 2 ** 62]), g.constantI64([2, 3]), g.constantI64([2, 3])]);
      const b = g.op('Slice', [x, g.constantI64([-7]), g.constantI64([8]), g.constantI64([2]), g.constantI64([3])]);
      // step 1 with a positive constant end: not the TV form, so padded back by runtime widths
      const c = g.op('Slice', [x, g.constantI64([1]), g.constantI64([4]), g.constantI64([3])]);
      const parts = [randomProjection(g, g.op('Mul', [a, a]), [1, 2, 4, 2], r), randomProjection(g, b, [1, 2, 2, 8], r), randomProjection(g, c, [1, 2, 9, 3], r)];
      return g.op('Sum', parts);
    },
  },
  {
    name: 'MatMul batched (rank 3), and against a broadcast batch and a 2-D matrix',
    dims: [2, 3, 4],
    build: (g, x, r) => {
      const batched = g.op('MatMul', [x, g.op('Transpose', [x], { perm: [0, 2, 1] })]);
      const shared = g.op('Transpose', [g.op('ReduceMean', [x], { axes: [0], keepdims: 1 })], { perm: [0, 2, 1] });
      const broadcast = g.op('MatMul', [x, shared]);
      const plain = g.op('MatMul', [x, g.constant(r.fillNormal(new Float32Array(8)), [4, 2])]);
      return g.op('Add', [g.op('Add', [randomProjection(g, batched, [2, 3, 3], r), randomProjection(g, broadcast, [2, 3, 3], r)]), randomProjection(g, plain, [2, 3, 2], r)]);
    },
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

  // The rules' ops must run on the WebGPU provider too (Max/Min's forward ops and CPU-only
  // forms aside): a gradient node outside its op list would fall back to the CPU or fail.
  it('every op a rule emits is in the WebGPU provider\'s op list', () => {
    const outside = new Set<string>();
    for (const c of cases) {
      const { g } = buildGradientGraph(c.build, c.dims, optionsOf(c));
      for (const node of exportedNodes(g)) {
        if (node.gradientOf && !WEBGPU_OPS.has(node.opType)) outside.add(`${node.opType} (${c.name})`);
      }
    }
    expect([...outside]).toEqual([]);
  });
});
