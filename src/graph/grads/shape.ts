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

// Edge (replicate) padding: each padded cell copies its nearest edge cell, so
// dX = dY's interior, with each side's p pad cells summed into the edge row/column they copy.
// Pads must be constant; built one padded axis at a time from Slice, ReduceSum and Concat.
export const padGrad: GradientRule = {
  opType: 'Pad',
  backward: ({ g }, node, dY) => {
    if (node.attrs.mode !== 'edge') throw new GraphError(`${node.name}: only edge Pad has a gradient rule`);
    const init = g.initializers.get(node.inputs[1]!);
    if (!init) throw new GraphError(`${node.name}: Pad gradient needs constant pads`);
    const pads = Array.from(init.data as BigInt64Array, Number);
    const rank = pads.length / 2;
    return [
      () => {
        let d = dY;
        for (let axis = 0; axis < rank; axis++) {
          const [before, after] = [pads[axis]!, pads[rank + axis]!];
          if (before === 0 && after === 0) continue;
          if (before < 0 || after < 0) throw new GraphError(`${node.name}: negative pads have no gradient rule`);
          const ax = g.constantI64([axis]);
          const cut = (start: number, end: number) => g.op('Slice', [d, g.constantI64([start]), g.constantI64([end]), ax]);
          const sum = (v: string) => g.op('ReduceSum', [v, ax], { keepdims: 1 });
          // The edge cell itself plus the pad cells copying it; the interior in between.
          const first = sum(cut(0, before + 1));
          const last = sum(cut(-(after + 1), 2 ** 62));
          const interior = cut(before + 1, -(after + 1));
          d = g.op('Concat', [first, interior, last], { axis });
        }
        return d;
      },
      null,
    ];
  },
};
