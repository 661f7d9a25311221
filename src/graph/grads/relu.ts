import type { GraphBuilder, GraphNode, GradOptions } from '../builder.js';
import type { GradientRule } from './rule.js';

// dX = dY · (X > 0), and X > 0 exactly where Y = max(X, 0) > 0.
//
// When Y's gradient comes through a max pool of Y alone, as the max-unpool of dP (the CPU
// provider's form; with other uses of Y on the path, dY would be a sum), dY is zero off the
// pool's arg-max positions, and at those Y equals the pooled value P: so
// dX = unpool(dP · (P > 0)) — the mask applied to a tensor 4× smaller, before the scatter
// (the unpool rule's own node is then unused and not exported).
export const reluGrad: GradientRule = {
  opType: 'Relu',
  backward: ({ g, options }, node, dY) => [
    () => {
      const y = node.outputs[0]!;
      const scatter = unpoolOfPool(g, dY, y);
      if (!scatter) return reluMask(g, options, y, dY);
      return g.op('MaxUnpool', [reluMask(g, options, scatter.pooled, scatter.dP), ...scatter.unpool.inputs.slice(1)], scatter.unpool.attrs);
    },
  ],
};

/** dY · (Y > 0), in the options' form. */
export function reluMask(g: GraphBuilder, options: GradOptions, y: string, dY: string): string {
  const positive = g.op('Greater', [y, g.constant(0)]);
  if (options.reluGrad === 'mul') return g.op('Mul', [dY, g.op('Cast', [positive], { to: 1 })]);
  return g.op('Where', [positive, dY, g.constant(0)]);
}

/** dY = MaxUnpool(dP, indices of MaxPool(y), shape): the pooled values and the unpool node. */
function unpoolOfPool(g: GraphBuilder, dY: string, y: string): { dP: string; pooled: string; unpool: GraphNode } | undefined {
  const unpool = g.producer(dY);
  if (unpool?.opType !== 'MaxUnpool') return undefined;
  const pool = g.producer(unpool.inputs[1]!);
  if (pool?.opType !== 'MaxPool' || pool.inputs[0] !== y || pool.outputs.length !== 2) return undefined;
  return { dP: unpool.inputs[0]!, pooled: pool.outputs[0]!, unpool };
}
