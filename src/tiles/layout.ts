/**
 * Where the tiles go. An image is cut into tiles whose *interiors* partition it; each tile
 * is evaluated on a *crop*: its interior plus a context margin on every side that has
 * image there. Two facts make a tile's interior features equal the whole image's:
 *  - the margin is at least the receptive-field radius of the deepest layer read, so no
 *    interior feature sees the crop's zero padding (only the image's own, at its borders);
 *  - every interior edge and every margin is a multiple of the pooling grid (2^pools, 16
 *    for four poolings), so the crop's pooling windows are the whole image's windows.
 * The interiors at a layer of stride s are then exact slices of the whole feature map, and
 * together they cover it once.
 */
import { UsageError } from '../errors.js';
import type { LayerTable } from '../models/types.js';

export interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export interface Tile {
  /** The pixels this tile's features stand for; interiors partition the image. */
  interior: Box;
  /** The pixels it is evaluated on: the interior and its margin, clipped to the image. */
  crop: Box;
}

export interface TileGeometry {
  /** Pixels per feature at the deepest layer read: tile edges are multiples of it. */
  grid: number;
  /** Context on each side of an interior, px (a multiple of `grid`). */
  margin: number;
  /** Stride of each layer of the network (px per feature), by name. */
  strides: Map<string, number>;
}

/**
 * Grid and margin for a network read up to its deepest layer in `layers`. A 3×3 conv at
 * stride s widens what a feature sees by s px on each side; a 2×2 pool by s px on one.
 */
export function tileGeometry(table: LayerTable, layers: readonly string[]): TileGeometry {
  const last = Math.max(0, ...layers.map((l) => table.layers.findIndex((t) => t.name === l)));
  const strides = new Map<string, number>();
  let stride = 1;
  let radius = 0;
  table.layers.forEach((layer, i) => {
    // VGG's convs are all 3×3 with padding 1.
    if (i <= last && layer.kind !== 'relu') radius += stride;
    if (layer.kind === 'pool') stride *= 2;
    strides.set(layer.name, stride);
  });
  const grid = strides.get(table.layers[last]!.name)!;
  return { grid, margin: Math.ceil(radius / grid) * grid, strides };
}

/** Interior edges along one axis: n near-equal pieces, edges on the grid, none thinner than a grid cell. */
function cuts(length: number, tile: number, grid: number): number[] {
  const n = Math.max(1, Math.ceil(length / tile));
  const step = Math.max(grid, Math.ceil(length / n / grid) * grid);
  const edges = [0];
  while (edges[edges.length - 1]! + step < length) edges.push(edges[edges.length - 1]! + step);
  // A last piece thinner than the grid would hold no feature at the deepest layer: merge it.
  if (edges.length > 1 && length - edges[edges.length - 1]! < grid) edges.pop();
  edges.push(length);
  return edges;
}

/**
 * The tiles of a width × height image with interiors of at most about `tile` px a side
 * (rounded to the grid); one tile, the whole image with no margin, when it fits.
 */
export function layoutTiles(width: number, height: number, tile: number, geometry: TileGeometry): Tile[] {
  const { grid, margin } = geometry;
  if (!Number.isSafeInteger(tile) || tile < grid) throw new UsageError(`a tile must be at least ${grid} px, got ${tile}`);
  const xs = cuts(width, tile, grid);
  const ys = cuts(height, tile, grid);
  const tiles: Tile[] = [];
  for (let j = 0; j + 1 < ys.length; j++) {
    for (let i = 0; i + 1 < xs.length; i++) {
      const interior = { x0: xs[i]!, y0: ys[j]!, x1: xs[i + 1]!, y1: ys[j + 1]! };
      const crop = {
        x0: Math.max(0, interior.x0 - margin),
        y0: Math.max(0, interior.y0 - margin),
        x1: Math.min(width, interior.x1 + margin),
        y1: Math.min(height, interior.y1 + margin),
      };
      tiles.push({ interior, crop });
    }
  }
  return tiles;
}

/** The crop a tile's largest crop could reach at this tile size: what its memory is sized by. */
export function largestCrop(width: number, height: number, tile: number, geometry: TileGeometry): { width: number; height: number } {
  let w = 0;
  let h = 0;
  for (const t of layoutTiles(width, height, tile, geometry)) {
    w = Math.max(w, t.crop.x1 - t.crop.x0);
    h = Math.max(h, t.crop.y1 - t.crop.y0);
  }
  return { width: w, height: h };
}

/** Features along an axis at stride s: pooling floors at each halving. */
export const featureLength = (pixels: number, stride: number) => Math.floor(pixels / stride);
