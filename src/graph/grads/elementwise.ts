/**
 * Elementwise arithmetic. Convention that keeps these rules short: broadcasting is only
 * used against values that need no gradient (constants, targets, sizes, masks) or against
 * a scalar (rank 0, e.g. a matrix norm that Newton–Schulz divides by): a gradient then
 * has its input's shape, or is summed to the scalar.
 */
import type { GraphBuilder } from '../builder.js';
import type { GradientRule } from './rule.js';

/** The gradient for `input` from a broadcast product: summed to a scalar when `input` is one and `other` is not. */
function toShapeOf(g: GraphBuilder, grad: string, input: string, other: string): string {
  // Summing is exact when both are scalars too, so an unknown rank for `other` is safe.
  return g.rankOf(input) === 0 && g.rankOf(other) !== 0 ? g.op('ReduceSum', [grad], { keepdims: 0 }) : grad;
}

// dA = dY, dB = dY
export const addGrad: GradientRule = {
  opType: 'Add',
  backward: (_ctx, _node, dY) => [() => dY, () => dY],
};

// d(each input) = dY
export const sumGrad: GradientRule = {
  opType: 'Sum',
  backward: (_ctx, node, dY) => node.inputs.map(() => () => dY),
};

// dA = dY, dB = −dY
export const subGrad: GradientRule = {
  opType: 'Sub',
  backward: ({ g }, _node, dY) => [() => dY, () => g.op('Neg', [dY])],
};

// dX = −dY
export const negGrad: GradientRule = {
  opType: 'Neg',
  backward: ({ g }, _node, dY) => [() => g.op('Neg', [dY])],
};

// dA = dY · B, dB = dY · A  (each summed when it is a scalar against a tensor)
export const mulGrad: GradientRule = {
  opType: 'Mul',
  backward: ({ g }, node, dY) => {
    const [a, b] = node.inputs as [string, string];
    return [() => toShapeOf(g, g.op('Mul', [dY, b]), a, b), () => toShapeOf(g, g.op('Mul', [dY, a]), b, a)];
  },
};

// dA = dY / B, dB = −dY · A / B²  (= −dY · Y / B; summed when B is a scalar and A is not)
export const divGrad: GradientRule = {
  opType: 'Div',
  backward: ({ g }, node, dY) => {
    const [a, b] = node.inputs as [string, string];
    const y = node.outputs[0]!;
    return [
      () => toShapeOf(g, g.op('Div', [dY, b]), a, b),
      () => toShapeOf(g, g.op('Neg', [g.op('Div', [g.op('Mul', [dY, y]), b])]), b, a),
    ];
  },
};

// dX = dY · ½ / Y
export const sqrtGrad: GradientRule = {
  opType: 'Sqrt',
  backward: ({ g }, node, dY) => [() => g.op('Div', [g.op('Mul', [dY, g.constant(0.5)]), node.outputs[0]!])],
};

// dX = dY
export const identityGrad: GradientRule = {
  opType: 'Identity',
  backward: (_ctx, _node, dY) => [() => dY],
};
