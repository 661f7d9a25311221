/**
 * Broadcasting in gradients: an operand stretched along an axis gets the sum of the
 * gradient over that axis. Which axes were stretched is read from the static shapes the
 * builder knows (GraphBuilder.dimsOf): the contract is that a broadcast axis has static
 * size 1 in the operand (a mask [1, 1, h, w] against features [1, C, h, w], a row [1, M]
 * against [N, M]) or is missing from it (leading axes). An axis whose size is unknown at
 * build time (a symbolic image side) is taken as not stretched: the operand has the
 * result's size there. Where even a rank is unknown, the rule cannot tell, and says so.
 */
import { GraphError } from '../../errors.js';
import type { GraphBuilder, StaticDims } from '../builder.js';

/** `grad`, whose static dims are `gradDims`, summed down to the shape of `input`. */
export function sumToShapeOf(g: GraphBuilder, grad: string, gradDims: StaticDims | undefined, input: string, where: string): string {
  const x = g.dimsOf(input);
  if (x?.length === 0) {
    // A scalar operand: the sum is exact whatever the gradient's shape (no-op for a scalar).
    return gradDims?.length === 0 ? grad : g.op('ReduceSum', [grad], { keepdims: 0 });
  }
  if (!x || !gradDims) {
    throw new GraphError(`${where}: cannot tell whether ${input} was broadcast (its rank or the result's is unknown)`);
  }
  const lead = gradDims.length - x.length;
  if (lead < 0) throw new GraphError(`${where}: ${input} has a higher rank than its gradient`);
  const units: number[] = [];
  x.forEach((d, i) => {
    const o = gradDims[i + lead];
    if (d === 1 && o !== 1) units.push(i + lead);
  });
  let out = grad;
  if (units.length > 0) out = g.op('ReduceSum', [out, g.constantI64(units)], { keepdims: 1 });
  if (lead > 0) out = g.op('ReduceSum', [out, g.constantI64([...Array(lead).keys()])], { keepdims: 0 });
  return out;
}
