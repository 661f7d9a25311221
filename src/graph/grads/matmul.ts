import { GraphError } from '../../errors.js';
import type { GraphBuilder } from '../builder.js';
import type { GradientRule } from './rule.js';

/** True when `b` is Transpose(a) with perm [1, 0] (a 2-D transpose). */
function isTransposeOf(g: GraphBuilder, b: string, a: string): boolean {
  const producer = g.producer(b);
  const perm = producer?.attrs.perm as number[] | undefined;
  return producer?.opType === 'Transpose' && producer.inputs[0] === a && perm?.length === 2 && perm[0] === 1 && perm[1] === 0;
}

// 2-D only: dA = dY · Bᵀ, dB = Aᵀ · dY
// Gram form Y = A·Aᵀ (B = Transpose(A)): dA = (dY + dYᵀ) · A in one product, where the
// generic rule would spend two products the size of A plus transposes of A-sized values.
export const matMulGrad: GradientRule = {
  opType: 'MatMul',
  backward: ({ g }, node, dY) => {
    const [a, b] = node.inputs as [string, string];
    for (const v of [a, b]) {
      const rank = g.rankOf(v);
      if (rank !== undefined && rank !== 2) throw new GraphError(`${node.name}: MatMul gradient needs 2-D inputs`);
    }
    if (isTransposeOf(g, b, a)) {
      // B's share is folded into A's, so B (the Transpose) gets no contribution from here.
      return [() => g.op('MatMul', [g.op('Add', [dY, g.op('Transpose', [dY], { perm: [1, 0] })]), a]), null];
    }
    return [
      () => g.op('MatMul', [dY, g.op('Transpose', [b], { perm: [1, 0] })]),
      () => g.op('MatMul', [g.op('Transpose', [a], { perm: [1, 0] }), dY]),
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
