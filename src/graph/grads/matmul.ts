import { GraphError } from '../../errors.js';
import type { GraphBuilder, StaticDims } from '../builder.js';
import { sumToShapeOf } from './broadcast.js';
import type { GradientRule } from './rule.js';

/** True when `b` is Transpose(a) with perm [1, 0] (a 2-D transpose). */
function isTransposeOf(g: GraphBuilder, b: string, a: string): boolean {
  const producer = g.producer(b);
  const perm = producer?.attrs.perm as number[] | undefined;
  return producer?.opType === 'Transpose' && producer.inputs[0] === a && perm?.length === 2 && perm[0] === 1 && perm[1] === 0;
}

// dA = dY · Bᵀ, dB = Aᵀ · dY (transposing the last two axes; batch axes broadcast as numpy
// does, so each gradient is summed over the batch axes its operand was broadcast along).
// Gram form Y = A·Aᵀ (B = Transpose(A), 2-D): dA = (dY + dYᵀ) · A in one product, where the
// generic rule would spend two products the size of A plus transposes of A-sized values.
export const matMulGrad: GradientRule = {
  opType: 'MatMul',
  backward: ({ g }, node, dY) => {
    const [a, b] = node.inputs as [string, string];
    const [da, db] = [g.dimsOf(a), g.dimsOf(b)];
    if (!da || !db || da.length < 2 || db.length < 2) {
      throw new GraphError(`${node.name}: MatMul's gradient needs both inputs' ranks, at least 2 (got ${da?.length ?? '?'} and ${db?.length ?? '?'})`);
    }
    if (da.length === 2 && db.length === 2) {
      if (isTransposeOf(g, b, a)) {
        // B's share is folded into A's, so B (the Transpose) gets no contribution from here.
        return [() => g.op('MatMul', [g.op('Add', [dY, g.op('Transpose', [dY], { perm: [1, 0] })]), a]), null];
      }
      return [
        () => g.op('MatMul', [dY, g.op('Transpose', [b], { perm: [1, 0] })]),
        () => g.op('MatMul', [g.op('Transpose', [a], { perm: [1, 0] }), dY]),
      ];
    }
    const swapLast = (v: string, rank: number) => g.op('Transpose', [v], { perm: [...[...Array(rank - 2).keys()], rank - 1, rank - 2] });
    const batch = g.dimsOf(node.outputs[0]!)?.slice(0, -2);
    const gradDims = (own: StaticDims) => (batch ? [...batch, ...own.slice(-2)] : undefined);
    return [
      () => sumToShapeOf(g, g.op('MatMul', [dY, swapLast(b, db.length)]), gradDims(da), a, node.name),
      () => sumToShapeOf(g, g.op('MatMul', [swapLast(a, da.length), dY]), gradDims(db), b, node.name),
    ];
  },
};

// dX = Transpose(dY, perm⁻¹)
export const transposeGrad: GradientRule = {
  opType: 'Transpose',
  backward: ({ g }, node, dY) => {
    const perm = node.attrs.perm as number[] | undefined;
    if (!perm) throw new GraphError(`${node.name}: Transpose needs an explicit perm for its gradient`);
    const inverse = perm.map((_, i) => perm.indexOf(i));
    return [() => g.op('Transpose', [dY], { perm: inverse })];
  },
};
