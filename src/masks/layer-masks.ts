/**
 * A mask at a network layer (Gatys et al. 2017): the image mask taken down the layers the
 * way the activations go, so each unit of layer l gets the weight of the image area it sees.
 */
import type { LayerTable } from '../models/types.js';
import type { Mask, MaskMode } from './types.js';

/** 2×2, stride 2, floor (as the network's pools): the mean (simple) or the minimum (inside). */
function pool(m: Mask, mode: MaskMode): Mask {
  const width = Math.floor(m.width / 2), height = Math.floor(m.height / 2);
  const data = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = 2 * y * m.width + 2 * x;
      const v = [m.data[i]!, m.data[i + 1]!, m.data[i + m.width]!, m.data[i + m.width + 1]!];
      data[y * width + x] = mode === 'simple' ? (v[0]! + v[1]! + v[2]! + v[3]!) / 4 : Math.min(...v);
    }
  }
  return { width, height, data };
}

/**
 * 3×3 grey erosion: a conv unit sees its 3×3 neighbourhood. Outside the image is zero
 * padding, not another region, so it does not erode.
 */
function erode(m: Mask): Mask {
  const data = new Float32Array(m.data.length);
  for (let y = 0; y < m.height; y++) {
    for (let x = 0; x < m.width; x++) {
      let v = Infinity;
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const yy = y + dy, xx = x + dx;
          if (yy >= 0 && yy < m.height && xx >= 0 && xx < m.width) v = Math.min(v, m.data[yy * m.width + xx]!);
        }
      }
      data[y * m.width + x] = v;
    }
  }
  return { width: m.width, height: m.height, data };
}

/** The mask at `layer`'s output, for a mask the size of the network's input. */
export function maskAtLayer(mask: Mask, table: LayerTable, layer: string, mode: MaskMode): Mask {
  const at = table.layers.findIndex((l) => l.name === layer);
  if (at < 0) throw new Error(`no layer ${layer} in the ${table.architecture} table`);
  let m = mask;
  for (const l of table.layers.slice(0, at + 1)) {
    if (l.kind === 'pool') m = pool(m, mode);
    else if (l.kind === 'conv' && mode === 'inside') m = erode(m);
  }
  return m;
}

/** Σ_k m_k², in float64. */
export function sumOfSquares(m: Mask): number {
  let s = 0;
  for (let i = 0; i < m.data.length; i++) s += m.data[i]! * m.data[i]!;
  return s;
}

/** The all-ones mask: the whole image. */
export function fullMask(width: number, height: number): Mask {
  return { width, height, data: new Float32Array(width * height).fill(1) };
}
