/**
 * Bilinear resizing inside a graph, to sizes known only at run time (one session serves
 * every image size): what a Laplacian pyramid needs, e.g.
 *
 *   small = addResize(g, x, halfSize(g, x), 'half_pixel')        // ⌊h/2⌋ × ⌊w/2⌋
 *   lap   = g.op('Sub', [x, addResize(g, small, spatialSize(g, x), 'half_pixel')])
 *
 * Modes are ONNX's coordinate_transformation_mode: PyTorch's F.interpolate(mode='bilinear')
 * is 'align_corners' with align_corners=True and 'half_pixel' with align_corners=False
 * ('pytorch_half_pixel' differs from PyTorch for 1-pixel outputs; test/graph/resize.test.ts
 * checks both against PyTorch). The gradient rule is src/graph/grads/resize.ts.
 */
import type { GraphBuilder } from './builder.js';
import type { ResizeMode } from './grads/resize.js';

export type { ResizeMode } from './grads/resize.js';

/** The mode equal to PyTorch's bilinear interpolation with `align_corners`. */
export function torchResizeMode(alignCorners: boolean): ResizeMode {
  return alignCorners ? 'align_corners' : 'half_pixel';
}

/** (height, width) of an NCHW value, as int64 [2]. */
export function spatialSize(g: GraphBuilder, x: string): string {
  return g.op('Slice', [g.op('Shape', [x]), g.constantI64([2]), g.constantI64([4])]);
}

/** (⌊height/2⌋, ⌊width/2⌋) of an NCHW value, as int64 [2]. */
export function halfSize(g: GraphBuilder, x: string): string {
  return g.op('Div', [spatialSize(g, x), g.constantI64([2])]);
}

/**
 * x [N, C, h, w] resized bilinearly to `size`: an int64 [2] value (height, width), or the
 * two as int64 values of shape [1] or scalars.
 */
export function addResize(g: GraphBuilder, x: string, size: string | readonly [string, string], mode: ResizeMode): string {
  const hw = typeof size === 'string' ? size : g.op('Concat', size.map((v) => (g.rankOf(v) === 0 ? g.op('Unsqueeze', [v, g.constantI64([0])]) : v)), { axis: 0 });
  const nc = g.op('Slice', [g.op('Shape', [x]), g.constantI64([0]), g.constantI64([2])]);
  const sizes = g.op('Concat', [nc, hw], { axis: 0 });
  return g.op('Resize', [x, '', '', sizes], { mode: 'linear', coordinate_transformation_mode: mode });
}
