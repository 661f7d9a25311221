/**
 * Non-overlapping 2-D pooling (kernel = stride, no padding, floor mode, as VGG uses).
 * Gradients are spread back with nearest-neighbour Resize; when the input's size is odd
 * the last row/column was dropped by the pool, so the result is padded back with zeros
 * (the pad amounts come from the runtime shapes, since spatial sizes are symbolic).
 */
import { GraphError } from '../../errors.js';
import type { GradContext, GraphNode } from '../builder.js';
import type { GradientRule } from './rule.js';

function poolGeometry(node: GraphNode): number[] {
  const kernel = node.attrs.kernel_shape as number[];
  const strides = (node.attrs.strides as number[] | undefined) ?? [1, 1];
  const pads = (node.attrs.pads as number[] | undefined) ?? [0, 0, 0, 0];
  if (kernel.some((k, i) => k !== strides[i]) || pads.some((p) => p !== 0) || node.attrs.ceil_mode) {
    throw new GraphError(`${node.name}: only non-overlapping, unpadded, floor-mode pooling has a gradient rule`);
  }
  return kernel;
}

/** Nearest-neighbour upsampling by the kernel, then zero-padding back to X's shape. */
function spreadBack(ctx: GradContext, t: string, x: string, kernel: number[], padValue = 0): string {
  const { g } = ctx;
  const up = g.op('Resize', [t, '', g.constant([1, 1, kernel[0]!, kernel[1]!])], {
    mode: 'nearest',
    coordinate_transformation_mode: 'asymmetric',
    nearest_mode: 'floor',
  });
  const missing = g.op('Sub', [ctx.shapeOf(x), g.op('Shape', [up])]);
  const pads = g.op('Concat', [g.constantI64([0, 0, 0, 0]), missing], { axis: 0 });
  return g.op('Pad', [up, pads, g.constant(padValue)], { mode: 'constant' });
}

// dX = spread(dY / n) · (X == spread(Y)), n = how many inputs tie for each window's max.
// Splitting ties keeps the result a valid subgradient; without ties it is the usual rule.
// (MaxPool's Indices output would be simpler, but the WebGPU provider does not support it.)
export const maxPoolGrad: GradientRule = {
  opType: 'MaxPool',
  backward: (ctx, node, dY) => {
    const kernel = poolGeometry(node);
    if (ctx.options.maxPoolGrad === 'indices') return [() => maxPoolGradByIndices(ctx, node, dY, kernel)];
    return [
      () => {
        const { g } = ctx;
        const x = node.inputs[0]!;
        // Padding with −∞ keeps dropped rows/columns out of the mask.
        const winners = g.op('Cast', [g.op('Equal', [x, spreadBack(ctx, node.outputs[0]!, x, kernel, -Infinity)])], {
          to: 1,
        });
        const ties = g.op('Mul', [
          g.op('AveragePool', [winners], { kernel_shape: kernel, strides: kernel }),
          g.constant(kernel[0]! * kernel[1]!),
        ]);
        return g.op('Mul', [winners, spreadBack(ctx, g.op('Div', [dY, ties]), x, kernel)]);
      },
    ];
  },
};

// dX = scatter of dY to the arg-max positions, zeros elsewhere (the first maximum of a
// window wins ties, as in PyTorch). The forward MaxPool is left alone so onnxruntime keeps
// its fast blocked-layout kernel; this second pool only recomputes the indices.
function maxPoolGradByIndices(ctx: GradContext, node: GraphNode, dY: string, kernel: number[]): string {
  const { g } = ctx;
  const x = node.inputs[0]!;
  const [, indices] = g.opMulti('MaxPool', [x], 2, { kernel_shape: kernel, strides: kernel });
  return g.op('MaxUnpool', [dY, indices!, ctx.shapeOf(x)], { kernel_shape: kernel, strides: kernel });
}

// dX = spread(dY) / (kh·kw)
export const averagePoolGrad: GradientRule = {
  opType: 'AveragePool',
  backward: (ctx, node, dY) => {
    const kernel = poolGeometry(node);
    return [
      () =>
        spreadBack(ctx, ctx.g.op('Div', [dY, ctx.g.constant(kernel[0]! * kernel[1]!)]), node.inputs[0]!, kernel),
    ];
  },
};
