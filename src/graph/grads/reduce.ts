/** Full reductions to a scalar (no axes, keepdims 0): all that the losses need. */
import { GraphError } from '../../errors.js';
import type { GraphNode } from '../builder.js';
import type { GradientRule } from './rule.js';

function requireFullReduction(node: GraphNode): void {
  const hasAxes = node.attrs.axes !== undefined || (node.inputs[1] !== undefined && node.inputs[1] !== '');
  if (hasAxes || node.attrs.keepdims !== 0) {
    throw new GraphError(`${node.name}: only full reductions (no axes, keepdims=0) have a gradient rule`);
  }
}

// dX = broadcast(dY) / count(X)
export const reduceMeanGrad: GradientRule = {
  opType: 'ReduceMean',
  backward: (ctx, node, dY) => {
    requireFullReduction(node);
    const { g } = ctx;
    const x = node.inputs[0]!;
    return [
      () => {
        // Size(X) as a float, from its shape (the WebGPU provider has no Size kernel).
        const count = g.op('ReduceProd', [g.op('Cast', [ctx.shapeOf(x)], { to: 1 })], { keepdims: 0 });
        return g.op('Expand', [g.op('Div', [dY, count]), ctx.shapeOf(x)]);
      },
    ];
  },
};

// dX = broadcast(dY)
export const reduceSumGrad: GradientRule = {
  opType: 'ReduceSum',
  backward: (ctx, node, dY) => {
    requireFullReduction(node);
    return [() => ctx.g.op('Expand', [dY, ctx.shapeOf(node.inputs[0]!)]), null];
  },
};
