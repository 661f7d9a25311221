import { GraphError } from '../../errors.js';
import type { GradientRule } from './rule.js';

// dX = Reshape(dY, Shape(X))
export const reshapeGrad: GradientRule = {
  opType: 'Reshape',
  backward: (ctx, node, dY) => [() => ctx.g.op('Reshape', [dY, ctx.shapeOf(node.inputs[0]!)]), null],
};

const INT64_MAX = 2 ** 63 - 1;

// dX = Pad(dY) with zeros where the slice cut X. Bounds must be constants with step 1,
// starts ≥ 0 and ends either negative (counted from the end) or "to the end", so the
// pad widths are known without knowing X's size.
export const sliceGrad: GradientRule = {
  opType: 'Slice',
  backward: ({ g }, node, dY) => {
    const [x, startsName, endsName, axesName, stepsName] = node.inputs as string[];
    const read = (name: string | undefined) => {
      if (name === undefined || name === '') return undefined;
      const init = g.initializers.get(name);
      if (!init) throw new GraphError(`${node.name}: Slice gradient needs constant bounds`);
      return Array.from(init.data as BigInt64Array, Number);
    };
    const rank = g.rankOf(x!);
    if (rank === undefined) throw new GraphError(`${node.name}: Slice gradient needs the input's rank`);
    const starts = read(startsName)!;
    const ends = read(endsName)!;
    const axes = read(axesName) ?? starts.map((_, i) => i);
    const steps = read(stepsName) ?? starts.map(() => 1);
    const pads = new Array<number>(2 * rank).fill(0);
    axes.forEach((axis, k) => {
      const a = axis < 0 ? axis + rank : axis;
      const start = starts[k]!;
      const end = ends[k]!;
      const endsAtEnd = end >= INT64_MAX / 2;
      if (steps[k] !== 1 || start < 0 || (end >= 0 && !endsAtEnd)) {
        throw new GraphError(`${node.name}: Slice gradient supports step 1, start ≥ 0, end < 0 or to the end`);
      }
      pads[a] = start;
      pads[rank + a] = endsAtEnd ? 0 : -end;
    });
    return [() => g.op('Pad', [dY, g.constantI64(pads)], { mode: 'constant' }), null, null, null, null];
  },
};
