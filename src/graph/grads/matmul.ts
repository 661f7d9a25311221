import { GraphError } from '../../errors.js';
import type { GradientRule } from './rule.js';

// 2-D only: dA = dY · Bᵀ, dB = Aᵀ · dY
export const matMulGrad: GradientRule = {
  opType: 'MatMul',
  backward: ({ g }, node, dY) => {
    const [a, b] = node.inputs as [string, string];
    for (const v of [a, b]) {
      const rank = g.rankOf(v);
      if (rank !== undefined && rank !== 2) throw new GraphError(`${node.name}: MatMul gradient needs 2-D inputs`);
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
