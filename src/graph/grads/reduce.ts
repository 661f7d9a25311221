/**
 * Reductions over given axes (or all), keepdims 0 or 1. The axes are ReduceSum's second
 * input (opset 13+) or the others' `axes` attribute (opset 17), constants either way; the
 * gradient is dY with the reduced axes put back (Unsqueeze when keepdims = 0), spread over
 * X's shape.
 */
import { GraphError } from '../../errors.js';
import type { GradContext, GraphBuilder, GraphNode } from '../builder.js';
import type { GradientRule } from './rule.js';

interface Reduction {
  x: string;
  rank: number;
  /** Normalised, ascending. */
  axes: number[];
  keep: boolean;
}

/** The no-axes, keepdims = 0 reduction to a scalar: the losses' form, kept as it was emitted. */
function isFullToScalar(node: GraphNode): boolean {
  const hasAxes = node.attrs.axes !== undefined || (node.inputs[1] !== undefined && node.inputs[1] !== '');
  return !hasAxes && node.attrs.keepdims === 0;
}

function reductionOf(g: GraphBuilder, node: GraphNode): Reduction {
  const x = node.inputs[0]!;
  const rank = g.rankOf(x);
  if (rank === undefined) throw new GraphError(`${node.name}: ${node.opType}'s gradient needs its input's rank`);
  let axes: number[] | undefined;
  const input = node.inputs[1];
  if (input !== undefined && input !== '') {
    const init = g.initializers.get(input);
    if (!init) throw new GraphError(`${node.name}: ${node.opType}'s gradient needs constant axes`);
    axes = Array.from(init.data as BigInt64Array, Number);
  } else axes = node.attrs.axes as number[] | undefined;
  if (!axes || axes.length === 0) axes = node.attrs.noop_with_empty_axes === 1 ? [] : [...Array(rank).keys()];
  axes = [...new Set(axes.map((a) => (a < 0 ? a + rank : a)))].sort((p, q) => p - q);
  return { x, rank, axes, keep: node.attrs.keepdims !== 0 };
}

/** dY with the reduced axes back as size 1. */
function withKeptAxes(g: GraphBuilder, r: Reduction, dY: string): string {
  return r.keep || r.axes.length === 0 ? dY : g.op('Unsqueeze', [dY, g.constantI64(r.axes)]);
}

// dX = broadcast(dY)
export const reduceSumGrad: GradientRule = {
  opType: 'ReduceSum',
  backward: (ctx, node, dY) => {
    const x = node.inputs[0]!;
    if (isFullToScalar(node)) return [() => ctx.g.op('Expand', [dY, ctx.shapeOf(x)]), null];
    const r = reductionOf(ctx.g, node);
    return [() => ctx.g.op('Expand', [withKeptAxes(ctx.g, r, dY), ctx.shapeOf(x)]), null];
  },
};

// dX = broadcast(dY) / (how many values each mean took)
export const reduceMeanGrad: GradientRule = {
  opType: 'ReduceMean',
  backward: (ctx, node, dY) => {
    const { g } = ctx;
    const x = node.inputs[0]!;
    if (isFullToScalar(node)) {
      return [
        () => {
          // Size(X) as a float, from its shape (the WebGPU provider has no Size kernel).
          const count = g.op('ReduceProd', [g.op('Cast', [ctx.shapeOf(x)], { to: 1 })], { keepdims: 0 });
          return g.op('Expand', [g.op('Div', [dY, count]), ctx.shapeOf(x)]);
        },
      ];
    }
    const r = reductionOf(g, node);
    return [() => g.op('Expand', [g.op('Div', [withKeptAxes(g, r, dY), countOf(ctx, r)]), ctx.shapeOf(x)])];
  },
};

/** The product of the reduced axes' sizes, as a float: a constant where they are all known. */
function countOf(ctx: GradContext, r: Reduction): string {
  const { g } = ctx;
  const dims = g.dimsOf(r.x)!;
  const sizes = r.axes.map((a) => dims[a]);
  if (sizes.every((s) => s !== undefined)) return g.constant(sizes.reduce((p, q) => p! * q!, 1)!);
  const reduced = g.op('Gather', [ctx.shapeOf(r.x), g.constantI64(r.axes)], { axis: 0 });
  return g.op('ReduceProd', [g.op('Cast', [reduced], { to: 1 })], { keepdims: 0 });
}

/**
 * ReduceMax / ReduceMin: the gradient goes to the arg-max (arg-min) of each reduced group,
 * the first in row-major order over the reduced axes where several tie (ArgMax's
 * select_last_index = 0), as torch.max(x, dim) and torch.min do; zeros elsewhere. The
 * arg-index is compared with a Range (Equal), not scattered: ScatterElements is not in the
 * WebGPU provider, and Equal + Where are. Several axes are moved to the back and flattened
 * into one, so one ArgMax sees each group.
 */
function extremumGrad(opType: 'ReduceMax' | 'ReduceMin'): GradientRule {
  const arg = opType === 'ReduceMax' ? 'ArgMax' : 'ArgMin';
  return {
    opType,
    backward: (ctx, node, dY) => [
      () => {
        const { g } = ctx;
        const r = reductionOf(g, node);
        if (r.axes.length === 0) return dY;
        const zeroI = g.constantI64([0], []);
        const oneI = g.constantI64([1], []);
        const dimAt = (shape: string, axis: number) => g.op('Gather', [shape, g.constantI64([axis], [])], { axis: 0 });
        const dYk = withKeptAxes(g, r, dY);
        if (r.axes.length === 1) {
          const a = r.axes[0]!;
          const index = g.op(arg, [r.x], { axis: a, keepdims: 1, select_last_index: 0 });
          const along = new Array<number>(r.rank).fill(1);
          along[a] = -1;
          const positions = g.op('Reshape', [g.op('Range', [zeroI, dimAt(ctx.shapeOf(r.x), a), oneI]), g.constantI64(along)]);
          return g.op('Where', [g.op('Equal', [index, positions]), dYk, g.constant(0)]);
        }
        const kept = [...Array(r.rank).keys()].filter((a) => !r.axes.includes(a));
        const perm = [...kept, ...r.axes];
        const moved = perm.every((p, i) => p === i) ? r.x : g.op('Transpose', [r.x], { perm });
        const keptShape = kept.length > 0 ? g.op('Gather', [ctx.shapeOf(r.x), g.constantI64(kept)], { axis: 0 }) : undefined;
        const flatShape = keptShape ? g.op('Concat', [keptShape, g.constantI64([-1])], { axis: 0 }) : g.constantI64([-1]);
        const flat = g.op('Reshape', [moved, flatShape]);
        const index = g.op(arg, [flat], { axis: kept.length, keepdims: 1, select_last_index: 0 });
        const positions = g.op('Range', [zeroI, dimAt(g.op('Shape', [flat]), kept.length), oneI]);
        const dYflat = g.op('Reshape', [dYk, keptShape ? g.op('Concat', [keptShape, g.constantI64([1])], { axis: 0 }) : g.constantI64([1])]);
        const spread = g.op('Where', [g.op('Equal', [index, positions]), dYflat, g.constant(0)]);
        const unflat = g.op('Reshape', [spread, g.op('Shape', [moved])]);
        return moved === r.x ? unflat : g.op('Transpose', [unflat], { perm: perm.map((_, i) => perm.indexOf(i)) });
      },
      null,
    ],
  };
}

// dX = dY at the first arg-max of each reduced group, 0 elsewhere
export const reduceMaxGrad = extremumGrad('ReduceMax');
// dX = dY at the first arg-min of each reduced group, 0 elsewhere
export const reduceMinGrad = extremumGrad('ReduceMin');
