/** Spatial sizes along the network: 3×3 convs keep the size (padding 1), each 2×2 pool floors it in half. */
import type { LayerTable } from '../models/types.js';

export interface Grid {
  width: number;
  height: number;
}

/** The spatial size of `layer`'s output for an input of width × height. */
export function layerSize(table: LayerTable, layer: string, width: number, height: number): Grid {
  const at = table.layers.findIndex((l) => l.name === layer);
  if (at < 0) throw new Error(`no layer ${layer} in the ${table.architecture} table`);
  let w = width, h = height;
  for (const l of table.layers.slice(0, at + 1)) {
    if (l.kind === 'pool') {
      w = Math.floor(w / 2);
      h = Math.floor(h / 2);
    }
  }
  return { width: w, height: h };
}
