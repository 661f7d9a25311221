/**
 * Where STROTSS looks (Kolkin, Salavon & Shakhnarovich 2019): its hypercolumns are the
 * image's RGB and nine VGG-16 layers, each upsampled bilinearly to the image's size (as
 * F.interpolate with align_corners=False), read at sample positions only — the upsampled
 * maps are never made. A position (r, c) of an H × W image reads a layer map h × w at
 *
 *   y = max(0, (r + ½)·h/H − ½),  y₀ = ⌊y⌋,  y₁ = min(y₀ + 1, h − 1),  λ = y − y₀
 *
 * (and x alike), four taps with weights (1−λy)(1−λx), (1−λy)λx, λy(1−λx), λyλx: exactly
 * what upsampling then indexing gives. The graph gathers the taps (a Gather, whose rule
 * scatters the gradient back); the style's samples are read here, once per scale.
 *
 * The output's and content's positions: a regular grid whose stride keeps about 1024 of
 * them, shifted by a random offset redrawn every iteration. The style's: up to 5000
 * distinct random positions per scale.
 */
import type { Rng } from '../../util/random.js';

/** Output (and content) samples the grid aims at, and style samples per scale (the paper's). */
export const OUTPUT_SAMPLES = 1024;
export const STYLE_SAMPLES = 5000;

/** The grid's stride for an H × W image: about OUTPUT_SAMPLES positions. */
export function gridStride(width: number, height: number): number {
  return Math.max(1, Math.floor(Math.sqrt((width * height) / OUTPUT_SAMPLES)));
}

/** Pixel indices r·W + c of the grid from offsets (a, b), row by row. */
export function gridPositions(width: number, height: number, stride: number, rowOffset: number, colOffset: number): Int32Array {
  const rows = Math.ceil((height - rowOffset) / stride);
  const cols = Math.ceil((width - colOffset) / stride);
  const out = new Int32Array(rows * cols);
  let k = 0;
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[k++] = (rowOffset + i * stride) * width + colOffset + j * stride;
  return out;
}

/** This iteration's grid: the stride's random offset along each axis. */
export function drawGrid(width: number, height: number, random: Rng): Int32Array {
  const s = gridStride(width, height);
  const a = Math.floor(random.next() * s);
  const b = Math.floor(random.next() * s);
  return gridPositions(width, height, s, a, b);
}

/** `count` distinct pixels of those `allowed` (all when fewer), by a partial Fisher–Yates shuffle. */
export function drawDistinct(allowed: Int32Array, count: number, random: Rng): Int32Array {
  const pool = Int32Array.from(allowed);
  const n = Math.min(count, pool.length);
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(random.next() * (pool.length - i));
    const t = pool[i]!;
    pool[i] = pool[j]!;
    pool[j] = t;
  }
  return pool.slice(0, n);
}

/** One axis's source index pair and weight for destination `d` of `out` read from `size`. */
function axisTap(d: number, size: number, out: number): [number, number, number] {
  const y = Math.max(0, ((d + 0.5) * size) / out - 0.5);
  const y0 = Math.min(Math.floor(y), size - 1);
  const y1 = Math.min(y0 + 1, size - 1);
  return [y0, y1, y - y0];
}

/**
 * The four taps of each position on an h × w map of an H × W image: flat indices into
 * the map, tap-major ([4·n]: every position's first tap, then second, …), and weights [4, n].
 */
export function bilinearTaps(positions: Int32Array, width: number, height: number, w: number, h: number): { index: BigInt64Array; weight: Float32Array } {
  const n = positions.length;
  const index = new BigInt64Array(4 * n);
  const weight = new Float32Array(4 * n);
  for (let k = 0; k < n; k++) {
    const p = positions[k]!;
    const [r, c] = [Math.floor(p / width), p % width];
    const [y0, y1, ly] = axisTap(r, h, height);
    const [x0, x1, lx] = axisTap(c, w, width);
    const taps: Array<[number, number]> = [
      [y0 * w + x0, (1 - ly) * (1 - lx)],
      [y0 * w + x1, (1 - ly) * lx],
      [y1 * w + x0, ly * (1 - lx)],
      [y1 * w + x1, ly * lx],
    ];
    taps.forEach(([at, wt], t) => {
      index[t * n + k] = BigInt(at);
      weight[t * n + k] = wt;
    });
  }
  return { index, weight };
}

/** Rows [C, n] of a planar map [C, h·w] (of an H × W image) read at the positions, in TypeScript. */
export function sampleMap(map: Float32Array, channels: number, w: number, h: number, positions: Int32Array, width: number, height: number): Float32Array {
  const { index, weight } = bilinearTaps(positions, width, height, w, h);
  const n = positions.length;
  const out = new Float32Array(channels * n);
  for (let ch = 0; ch < channels; ch++) {
    const plane = ch * w * h;
    for (let k = 0; k < n; k++) {
      let v = 0;
      for (let t = 0; t < 4; t++) v += weight[t * n + k]! * map[plane + Number(index[t * n + k]!)]!;
      out[ch * n + k] = v;
    }
  }
  return out;
}
