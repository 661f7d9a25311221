import type { GradientRule } from './rule.js';

// dX = dY · (X > 0), and X > 0 exactly where Y = max(X, 0) > 0.
export const reluGrad: GradientRule = {
  opType: 'Relu',
  backward: ({ g }, node, dY) => [
    () => g.op('Where', [g.op('Greater', [node.outputs[0]!, g.constant(0)]), dY, g.constant(0)]),
  ],
};
