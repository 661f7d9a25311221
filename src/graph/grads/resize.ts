/**
 * Linear Resize of the spatial axes of an NCHW value, to `sizes` (runtime values: sizes
 * come from Shape arithmetic, so one session serves every image size). Bilinear
 * interpolation is separable and linear in X: per image and channel Y = A_h · X · A_wᵀ, with
 * A [out, in] the 1-D interpolation matrix of each axis, so the adjoint is
 *
 *   dX = A_hᵀ · dY · A_w
 *
 * two MatMuls whose leading (N, C) axes broadcast. A is built inside the graph from the
 * runtime sizes: row o holds the triangle weights max(0, 1 − |src(o) − j|) around the
 * source coordinate src(o), clamped to [0, in − 1] as onnxruntime and PyTorch clamp it:
 *   align_corners        src = o · (in − 1) / (out − 1)       (0 when out = 1)
 *   half_pixel           src = (o + ½) · in / out − ½          (PyTorch's align_corners=False)
 *   pytorch_half_pixel   as half_pixel, but 0 when out = 1
 */
import { GraphError } from '../../errors.js';
import type { GraphBuilder } from '../builder.js';
import type { GradientRule } from './rule.js';

export type ResizeMode = 'align_corners' | 'half_pixel' | 'pytorch_half_pixel';
export const RESIZE_MODES: readonly ResizeMode[] = ['align_corners', 'half_pixel', 'pytorch_half_pixel'];

/** The [out, in] linear interpolation matrix for int64 scalar sizes `inSize` → `outSize`. */
export function interpolationMatrix(g: GraphBuilder, inSize: string, outSize: string, mode: ResizeMode): string {
  const [zero, half, one] = [g.constant(0), g.constant(0.5), g.constant(1)];
  const n = g.op('Cast', [inSize], { to: 1 });
  const m = g.op('Cast', [outSize], { to: 1 });
  const o = g.op('Range', [zero, m, one]);
  let src: string;
  if (mode === 'align_corners') {
    // (out − 1) is 0 for a 1-pixel output, whose only row then samples 0: add 1 there.
    const span = g.op('Add', [g.op('Sub', [m, one]), g.op('Cast', [g.op('Equal', [m, one])], { to: 1 })]);
    src = g.op('Mul', [o, g.op('Div', [g.op('Sub', [n, one]), span])]);
  } else {
    src = g.op('Sub', [g.op('Mul', [g.op('Add', [o, half]), g.op('Div', [n, m])]), half]);
    if (mode === 'pytorch_half_pixel') src = g.op('Mul', [src, g.op('Cast', [g.op('Greater', [m, one])], { to: 1 })]);
  }
  const clamped = g.op('Clip', [src, zero, g.op('Sub', [n, one])]);
  const distance = g.op('Abs', [g.op('Sub', [g.op('Unsqueeze', [clamped, g.constantI64([1])]), g.op('Range', [zero, n, one])])]);
  return g.op('Relu', [g.op('Sub', [one, distance])]);
}

// dX = A_hᵀ · dY · A_w  (A: the interpolation matrices of the two spatial axes)
export const resizeGrad: GradientRule = {
  opType: 'Resize',
  backward: (ctx, node, dY) => {
    const { g } = ctx;
    const [x, roi, scales, sizes] = node.inputs as [string, string | undefined, string | undefined, string | undefined];
    const mode = (node.attrs.coordinate_transformation_mode as string | undefined) ?? 'half_pixel';
    const problem =
      node.attrs.mode !== 'linear' ? 'only linear mode'
      : !RESIZE_MODES.includes(mode as ResizeMode) ? `coordinate_transformation_mode ${mode} (supported: ${RESIZE_MODES.join(', ')})`
      : sizes === undefined || sizes === '' || (scales !== undefined && scales !== '') ? 'sizes, not scales'
      : roi !== undefined && roi !== '' ? 'no roi'
      : g.rankOf(x) !== 4 ? 'a 4-D NCHW input'
      : resizesBatchOrChannels(g, x, sizes) ? 'the spatial axes only'
      : undefined;
    if (problem) throw new GraphError(`${node.name}: Resize's gradient supports ${problem}`);
    return [
      () => {
        const at = (shape: string, axis: number) => g.op('Gather', [shape, g.constantI64([axis], [])], { axis: 0 });
        const [sx, sy] = [ctx.shapeOf(x), ctx.shapeOf(node.outputs[0]!)];
        const rows = interpolationMatrix(g, at(sx, 2), at(sy, 2), mode as ResizeMode);
        const cols = interpolationMatrix(g, at(sx, 3), at(sy, 3), mode as ResizeMode);
        return g.op('MatMul', [g.op('MatMul', [g.op('Transpose', [rows], { perm: [1, 0] }), dY]), cols]);
      },
      null, null, null,
    ];
  },
};

/** Whether `sizes` statically changes N or C (unknown entries are taken as unchanged, as addResize builds them). */
function resizesBatchOrChannels(g: GraphBuilder, x: string, sizes: string): boolean {
  const want = g.intsOf(sizes);
  const have = g.dimsOf(x);
  return [0, 1].some((i) => want?.[i] !== undefined && have?.[i] !== undefined && want[i] !== have[i]);
}
