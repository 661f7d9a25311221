/**
 * A Laplacian pyramid of the image is the parameters (Kolkin et al.: STROTSS, NNST): level
 * 0 is the finest detail at the image's size, each next level the detail of an image half
 * as large (⌊h/2⌋ × ⌊w/2⌋), and a last level the coarsest image itself. A step on the
 * coarse levels moves whole regions at once, which is why those methods optimise here.
 *
 *   decompose: cur = x;  for each level: small = down(cur); lap = cur − up(small, size of cur); cur = small
 *   synthesise: cur = coarsest;  from the coarsest detail up: cur = lap + up(cur, size of lap)
 *
 * down/up are bilinear resizes as PyTorch's F.interpolate with align_corners=False
 * (bilinear.ts here, Resize half_pixel in the graph), so synthesis inverts decomposition
 * exactly. The graph synthesises the image from one input per level, and the gradient
 * reaches every level through the Resize rule.
 */
import { addResize, spatialSize } from '../graph/resize.js';
import { resizePlanes } from './bilinear.js';
import type { Parameterisation } from './types.js';

/** The level sizes, finest first, ending with the coarsest image's. */
export function levelSizes(width: number, height: number, levels: number): Array<{ width: number; height: number }> {
  const sizes = [{ width, height }];
  for (let i = 0; i < levels; i++) {
    const last = sizes[sizes.length - 1]!;
    sizes.push({ width: Math.floor(last.width / 2), height: Math.floor(last.height / 2) });
  }
  return sizes;
}

/** The most levels an image of this size allows: the coarsest must keep at least one pixel a side. */
export function maxLevels(width: number, height: number): number {
  return Math.max(0, Math.floor(Math.log2(Math.min(width, height))));
}

/** Graph input names: the detail levels, then the coarsest image. */
export const pyramidInputs = {
  level: (i: number) => `x_pyramid_${i}`,
};

export function pyramid(levels: number): Parameterisation {
  const names = Array.from({ length: levels + 1 }, (_, i) => pyramidInputs.level(i));
  return {
    name: 'pyramid',
    key: `pyramid${levels}`,
    addToGraph(g) {
      const inputs = names.map((n, i) => g.addInput(n, [1, 3, `H_${i}`, `W_${i}`]));
      let cur = inputs[levels]!;
      for (let i = levels - 1; i >= 0; i--) cur = g.op('Add', [inputs[i]!, addResize(g, cur, spatialSize(g, inputs[i]!), 'half_pixel')]);
      return { inputs, image: levels === 0 ? g.op('Identity', [cur]) : cur };
    },
    shapes: (width, height) => levelSizes(width, height, levels).map((s) => [1, 3, s.height, s.width]),
    toImage(params, width, height) {
      const sizes = levelSizes(width, height, levels);
      const offsets = levelOffsets(sizes);
      let { width: w, height: h } = sizes[levels]!;
      let cur: Float32Array = params.slice(offsets[levels]!, offsets[levels]! + 3 * w * h);
      for (let i = levels - 1; i >= 0; i--) {
        const s = sizes[i]!;
        const up = resizePlanes(cur, 3, h, w, s.height, s.width);
        const at = offsets[i]!;
        for (let k = 0; k < up.length; k++) up[k] = params[at + k]! + up[k]!;
        cur = up;
        ({ width: w, height: h } = s);
      }
      return cur;
    },
    fromImage(image, width, height) {
      const sizes = levelSizes(width, height, levels);
      const offsets = levelOffsets(sizes);
      const out = new Float32Array(offsets[levels + 1]!);
      let cur: Float32Array = image;
      for (let i = 0; i < levels; i++) {
        const [s, t] = [sizes[i]!, sizes[i + 1]!];
        const small = resizePlanes(cur, 3, s.height, s.width, t.height, t.width);
        const back = resizePlanes(small, 3, t.height, t.width, s.height, s.width);
        const at = offsets[i]!;
        for (let k = 0; k < back.length; k++) out[at + k] = cur[k]! - back[k]!;
        cur = small;
      }
      out.set(cur, offsets[levels]!);
      return out;
    },
    clampable: false,
    tileable: false,
  };
}

/** Where each level starts in the flat vector, and (last) its length. */
function levelOffsets(sizes: ReadonlyArray<{ width: number; height: number }>): number[] {
  const offsets = [0];
  for (const s of sizes) offsets.push(offsets[offsets.length - 1]! + 3 * s.width * s.height);
  return offsets;
}
