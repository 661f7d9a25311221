/**
 * Gather along any axis with int64 indices (constants, graph inputs or computed): the
 * gradient scatters dY back into zeros of X's shape, adding where an index repeats —
 * ScatterND with reduction 'add' (opset 16+; the WebGPU provider has it, ScatterElements
 * it has not). ScatterND indexes leading axes, so for an axis a > 0 the gathered axis is
 * moved to the front of X's shape and dY's gathered axes to the front of dY, and back.
 */
import { GraphError } from '../../errors.js';
import type { GradientRule } from './rule.js';

// dX = zeros(X) with dY added at the gathered indices (repeats accumulate)
export const gatherGrad: GradientRule = {
  opType: 'Gather',
  backward: (ctx, node, dY) => {
    const { g } = ctx;
    const [x, indices] = node.inputs as [string, string];
    return [
      () => {
        const r = g.rankOf(x);
        const q = g.rankOf(indices);
        if (r === undefined || q === undefined) throw new GraphError(`${node.name}: Gather's gradient needs the ranks of its data and indices`);
        const a0 = (node.attrs.axis as number | undefined) ?? 0;
        const a = a0 < 0 ? a0 + r : a0;
        const where = g.op('Unsqueeze', [indices, g.constantI64([q])]);
        if (a === 0) {
          const zeros = g.op('Expand', [g.constant(0), ctx.shapeOf(x)]);
          return g.op('ScatterND', [zeros, where, dY], { reduction: 'add' });
        }
        // X as [x_a, x_0 … x_{a−1}, x_{a+1} …]; dY [x_0 … x_{a−1}, i_0 … i_{q−1}, x_{a+1} …] as [i…, x_0 … x_{a−1}, x_{a+1} …].
        const permX = [a, ...[...Array(a).keys()], ...[...Array(r - a - 1).keys()].map((k) => a + 1 + k)];
        const permY = [...[...Array(q).keys()].map((k) => a + k), ...[...Array(a).keys()], ...[...Array(r - a - 1).keys()].map((k) => a + q + k)];
        const zeros = g.op('Expand', [g.constant(0), g.op('Gather', [ctx.shapeOf(x), g.constantI64(permX)], { axis: 0 })]);
        const scattered = g.op('ScatterND', [zeros, where, g.op('Transpose', [dY], { perm: permY })], { reduction: 'add' });
        return g.op('Transpose', [scattered], { perm: permX.map((_, i) => permX.indexOf(i)) });
      },
      null,
    ];
  },
};
