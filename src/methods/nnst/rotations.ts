/**
 * The style set's rotations (NNST): the style image and its quarter turns, as the authors
 * make them — flip the rows then swap the axes (one quarter turn), flip both axes (half a
 * turn), flip the columns then swap the axes (three quarters) — on planar [C, h, w] data.
 * A quarter-turned image's feature map has its axes swapped back before it is stacked
 * under the others, so every map of the set has the original's h × w.
 */

/** One planar image or map: C planes of h × w. */
export interface Planes {
  channels: number;
  width: number;
  height: number;
  data: Float32Array;
}

type Turn = 'quarter' | 'half' | 'threeQuarters';

export const TURNS: readonly Turn[] = ['quarter', 'half', 'threeQuarters'];

/** The planes turned (a quarter turn swaps width and height). */
export function turn(p: Planes, how: Turn): Planes {
  const { channels: C, width: W, height: H, data } = p;
  const swaps = how !== 'half';
  const [w, h] = swaps ? [H, W] : [W, H];
  const out = new Float32Array(data.length);
  for (let c = 0; c < C; c++) {
    for (let a = 0; a < h; a++) {
      for (let b = 0; b < w; b++) {
        // out[a][b] = in[y][x]
        const [y, x] = how === 'quarter' ? [H - 1 - b, a] : how === 'half' ? [H - 1 - a, W - 1 - b] : [b, W - 1 - a];
        out[(c * h + a) * w + b] = data[(c * H + y) * W + x]!;
      }
    }
  }
  return { channels: C, width: w, height: h, data: out };
}

/** Rows and columns swapped. */
export function swapAxes(p: Planes): Planes {
  const { channels: C, width: W, height: H, data } = p;
  const out = new Float32Array(data.length);
  for (let c = 0; c < C; c++) for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) out[(c * W + x) * H + y] = data[(c * H + y) * W + x]!;
  return { channels: C, width: H, height: W, data: out };
}

/** Maps of one width stacked along the height, first on top: [C, Σ h, w]. */
export function stackRows(maps: readonly Planes[]): Planes {
  const { channels: C, width: W } = maps[0]!;
  const H = maps.reduce((n, m) => n + m.height, 0);
  const out = new Float32Array(C * H * W);
  let row = 0;
  for (const m of maps) {
    if (m.width !== W || m.channels !== C) throw new Error('stackRows: maps of different widths or channels');
    for (let c = 0; c < C; c++) out.set(m.data.subarray(c * m.height * W, (c + 1) * m.height * W), (c * H + row) * W);
    row += m.height;
  }
  return { channels: C, width: W, height: H, data: out };
}
