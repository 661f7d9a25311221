import { GraphError } from '../../errors.js';
import type { GraphBuilder } from '../builder.js';
import type { GradientRule } from './rule.js';

// dX = Reshape(dY, Shape(X))
export const reshapeGrad: GradientRule = {
  opType: 'Reshape',
  backward: (ctx, node, dY) => [() => ctx.g.op('Reshape', [dY, ctx.shapeOf(node.inputs[0]!)]), null],
};

const INT64_MAX = 2 ** 63 - 1;

// dX = dY put back where the slice took it, zeros elsewhere.
// Constant bounds with step 1, starts ≥ 0 and ends negative or "to the end" (the TV
// differences): one Pad with constant widths. Otherwise, axis by axis: a step s > 1 puts
// s − 1 zeros after each element (Unsqueeze, Pad, Reshape, trimmed after the last), and a
// Pad by widths from the runtime shapes puts the result at the slice's start. Starts may
// then be runtime values (a random offset), which must lie in [0, size]; constant negative
// starts count from the end. Steps must be positive constants.
export const sliceGrad: GradientRule = {
  opType: 'Slice',
  backward: (ctx, node, dY) => {
    const { g } = ctx;
    const [x, startsName, endsName, axesName, stepsName] = node.inputs as string[];
    const given = (name: string | undefined) => name !== undefined && name !== '';
    const read = (name: string | undefined) => (given(name) ? g.initializers.get(name!) && Array.from(g.initializers.get(name!)!.data as BigInt64Array, Number) : undefined);
    const rank = g.rankOf(x!);
    if (rank === undefined) throw new GraphError(`${node.name}: Slice gradient needs the input's rank`);
    const starts = read(startsName);
    const ends = read(endsName);
    const count = starts?.length ?? g.intsOf(startsName!)?.length;
    if (count === undefined) throw new GraphError(`${node.name}: Slice gradient needs to know how many axes are sliced`);
    if (given(axesName) && !read(axesName)) throw new GraphError(`${node.name}: Slice gradient needs constant axes`);
    if (given(stepsName) && !read(stepsName)) throw new GraphError(`${node.name}: Slice gradient needs constant steps`);
    const axes = (read(axesName) ?? [...Array(count).keys()]).map((a) => (a < 0 ? a + rank : a));
    const steps = read(stepsName) ?? axes.map(() => 1);
    if (steps.some((s) => s < 1)) throw new GraphError(`${node.name}: Slice gradient supports positive steps only`);
    const padsForm = starts && ends && steps.every((s) => s === 1) && starts.every((b) => b >= 0) && ends.every((e) => e < 0 || e >= INT64_MAX / 2);
    if (padsForm) {
      const pads = new Array<number>(2 * rank).fill(0);
      axes.forEach((a, k) => {
        pads[a] = starts[k]!;
        pads[rank + a] = ends[k]! >= INT64_MAX / 2 ? 0 : -ends[k]!;
      });
      return [() => g.op('Pad', [dY, g.constantI64(pads)], { mode: 'constant' }), null, null, null, null];
    }
    return [
      () => {
        let d = dY;
        axes.forEach((a, k) => {
          const size = g.op('Slice', [ctx.shapeOf(x!), g.constantI64([a]), g.constantI64([a + 1])]);
          let start: string;
          if (starts) start = g.constantI64([starts[k]!]);
          else start = g.op('Slice', [startsName!, g.constantI64([k]), g.constantI64([k + 1])]);
          if (starts && starts[k]! < 0) start = g.op('Add', [size, start]);
          d = putBack(g, d, rank, a, steps[k]!, start, size);
        });
        return d;
      },
      null, null, null, null,
    ];
  },
};

/** The adjoint of taking every `step`-th element from `start` along `axis`: `d` spread back over `size` elements. */
function putBack(g: GraphBuilder, d: string, rank: number, axis: number, step: number, start: string, size: string): string {
  let spread = d;
  if (step > 1) {
    const pads = new Array<number>(2 * (rank + 1)).fill(0);
    pads[rank + 1 + axis + 1] = step - 1;
    const padded = g.op('Pad', [g.op('Unsqueeze', [d, g.constantI64([axis + 1])]), g.constantI64(pads)], { mode: 'constant' });
    const shape = g.op('Shape', [d]);
    const merged = g.op('Concat', [
      g.op('Slice', [shape, g.constantI64([0]), g.constantI64([axis])]),
      g.constantI64([-1]),
      g.op('Slice', [shape, g.constantI64([axis + 1]), g.constantI64([rank])]),
    ], { axis: 0 });
    // n elements each followed by s − 1 zeros; the zeros after the last are not part of X.
    spread = g.op('Slice', [g.op('Reshape', [padded, merged]), g.constantI64([0]), g.constantI64([-(step - 1)]), g.constantI64([axis])]);
  }
  const length = g.op('Slice', [g.op('Shape', [spread]), g.constantI64([axis]), g.constantI64([axis + 1])]);
  const after = g.op('Sub', [g.op('Sub', [size, start]), length]);
  const zeros = (n: number) => (n > 0 ? [g.constantI64(new Array<number>(n).fill(0))] : []);
  const pads = g.op('Concat', [...zeros(axis), start, ...zeros(rank - 1), after, ...zeros(rank - axis - 1)], { axis: 0 });
  return g.op('Pad', [spread, pads], { mode: 'constant' });
}

// dX = Concat's slice of dY for each input: [offset_i, offset_i + size_i) along the axis,
// offsets from the static sizes where known, else from the runtime shapes.
export const concatGrad: GradientRule = {
  opType: 'Concat',
  backward: (ctx, node, dY) => {
    const { g } = ctx;
    const rank = g.rankOf(node.inputs[0]!);
    if (rank === undefined) throw new GraphError(`${node.name}: Concat gradient needs its inputs' rank`);
    const axis0 = node.attrs.axis as number;
    const axis = axis0 < 0 ? axis0 + rank : axis0;
    const offsets: string[] = [];
    const offset = (i: number): string => {
      if (offsets[i]) return offsets[i]!;
      const sizes = node.inputs.slice(0, i).map((v) => g.dimsOf(v)?.[axis]);
      if (sizes.every((s) => s !== undefined)) return (offsets[i] = g.constantI64([sizes.reduce((p, q) => p! + q!, 0)!]));
      const size = g.op('Slice', [ctx.shapeOf(node.inputs[i - 1]!), g.constantI64([axis]), g.constantI64([axis + 1])]);
      return (offsets[i] = g.op('Add', [offset(i - 1), size]));
    };
    const last = node.inputs.length - 1;
    return node.inputs.map((_, i) => () =>
      g.op('Slice', [dY, offset(i), i === last ? g.constantI64([2 ** 62]) : offset(i + 1), g.constantI64([axis])]),
    );
  },
};

// dX = Reshape(dY, Shape(X))
export const unsqueezeGrad: GradientRule = {
  opType: 'Unsqueeze',
  backward: (ctx, node, dY) => [() => ctx.g.op('Reshape', [dY, ctx.shapeOf(node.inputs[0]!)]), null],
};

// dX = Reshape(dY, Shape(X))
export const squeezeGrad: GradientRule = {
  opType: 'Squeeze',
  backward: (ctx, node, dY) => [() => ctx.g.op('Reshape', [dY, ctx.shapeOf(node.inputs[0]!)]), null],
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
