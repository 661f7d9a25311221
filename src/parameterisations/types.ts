/**
 * What the optimiser moves, as a record: the image's pixels (Gatys), or the coefficients
 * of a Laplacian pyramid from which the image is synthesised (Kolkin et al.'s STROTSS and
 * NNST: steps on the coarse levels move large areas at once). The synthesis is part of
 * the objective's graph, so the gradient reaches the parameters themselves; the optimiser
 * sees one flat vector, the parameter inputs one after another.
 */
import type { GraphBuilder } from '../graph/builder.js';

export interface Parameterisation {
  /** The `parameterization` option's value: 'pixels', 'pyramid'. */
  name: string;
  /** What tells two apart whose graphs differ (a pyramid's depth): one compiled objective each. */
  key: string;
  /**
   * The graph inputs that hold the parameters, and the image [1, 3, H, W] they make (in
   * the space x lives in: network input, or 0–1 RGB). Input dims are symbolic.
   */
  addToGraph(g: GraphBuilder): { inputs: string[]; image: string };
  /** Each graph input's dims for an image of width × height, in `addToGraph`'s order. */
  shapes(width: number, height: number): number[][];
  /** Parameters → the image, planar [3, h, w]. */
  toImage(params: Float32Array, width: number, height: number): Float32Array;
  /** The image → parameters. `toImage(fromImage(x))` is x, to float rounding. */
  fromImage(image: Float32Array, width: number, height: number): Float32Array;
  /** Whether clamping the parameters to pixel bounds means clamping the image (only for pixels). */
  clampable: boolean;
  /** Whether tiles can evaluate it: they cut the image itself into crops. */
  tileable: boolean;
}

/** The number of floats of the parameters for an image of width × height. */
export function parameterCount(p: Parameterisation, width: number, height: number): number {
  return p.shapes(width, height).reduce((n, dims) => n + dims.reduce((a, b) => a * b, 1), 0);
}
