import type { GradientRule } from './rule.js';

// dX = dY · (X > 0), and X > 0 exactly where Y = max(X, 0) > 0.
export const reluGrad: GradientRule = {
  opType: 'Relu',
  backward: ({ g, options }, node, dY) => [
    () => {
      const positive = g.op('Greater', [node.outputs[0]!, g.constant(0)]);
      if (options.reluGrad === 'mul') return g.op('Mul', [dY, g.op('Cast', [positive], { to: 1 })]);
      return g.op('Where', [positive, dY, g.constant(0)]);
    },
  ],
};
