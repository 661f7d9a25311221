import type { GraphBuilder, GradOptions } from '../builder.js';
import type { GradientRule } from './rule.js';

// dX = dY · (X > 0), and X > 0 exactly where Y = max(X, 0) > 0.
// (Where Y only feeds a max pool, src/graph/passes/relu-mask-before-unpool.ts moves this
// mask before the pool gradient's scatter, onto a tensor 4× smaller.)
export const reluGrad: GradientRule = {
  opType: 'Relu',
  backward: ({ g, options }, node, dY) => [() => reluMask(g, options, node.outputs[0]!, dY)],
};

/** dY · (Y > 0), in the options' form. */
export function reluMask(g: GraphBuilder, options: GradOptions, y: string, dY: string): string {
  const positive = g.op('Greater', [y, g.constant(0)]);
  if (options.reluGrad === 'mul') return g.op('Mul', [dY, g.op('Cast', [positive], { to: 1 })]);
  return g.op('Where', [positive, dY, g.constant(0)]);
}
