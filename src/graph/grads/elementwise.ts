/**
 * Elementwise arithmetic. Convention that keeps these rules short: broadcasting is only
 * used against values that need no gradient (constants, targets, sizes), so a gradient
 * always has its input's shape and never needs un-broadcasting.
 */
import type { GradientRule } from './rule.js';

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

// dA = dY · B, dB = dY · A
export const mulGrad: GradientRule = {
  opType: 'Mul',
  backward: ({ g }, node, dY) => {
    const [a, b] = node.inputs as [string, string];
    return [() => g.op('Mul', [dY, b]), () => g.op('Mul', [dY, a])];
  },
};

// dA = dY / B, dB = −dY · A / B²  (= −dY · Y / B)
export const divGrad: GradientRule = {
  opType: 'Div',
  backward: ({ g }, node, dY) => {
    const [, b] = node.inputs as [string, string];
    const y = node.outputs[0]!;
    return [() => g.op('Div', [dY, b]), () => g.op('Neg', [g.op('Div', [g.op('Mul', [dY, y]), b])])];
  },
};

// dX = dY
export const identityGrad: GradientRule = {
  opType: 'Identity',
  backward: (_ctx, _node, dY) => [() => dY],
};
