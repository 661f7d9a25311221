/**
 * Layer tables: the VGG feature extractors as lists of Caffe-named layers, each conv tied
 * to its torchvision state-dict prefix. The tables come from the same configurations
 * torchvision's `vgg.py` builds `features` from ('D' = vgg16, 'E' = vgg19; a number is a
 * 3×3 conv + ReLU, 'M' a 2×2 max-pool), so `features.N` indexes match torchvision exactly:
 * each conv takes one index, its ReLU the next, each pool one.
 */
import { UsageError } from '../errors.js';
import type { Architecture, LayerSpec, LayerTable } from './types.js';

/** Convs per block (blocks end with a pool). */
const BLOCKS: Record<Architecture, number[]> = {
  vgg16: [2, 2, 3, 3, 3],
  vgg19: [2, 2, 4, 4, 4],
};

export const ARCHITECTURES: readonly Architecture[] = ['vgg19', 'vgg16'];

function buildTable(architecture: Architecture): LayerTable {
  const layers: LayerSpec[] = [];
  let index = 0; // position in torchvision's features Sequential
  BLOCKS[architecture].forEach((convs, b) => {
    for (let c = 1; c <= convs; c++) {
      layers.push({ name: `conv${b + 1}_${c}`, kind: 'conv', stateDictKey: `features.${index}` });
      layers.push({ name: `relu${b + 1}_${c}`, kind: 'relu' });
      index += 2;
    }
    layers.push({ name: `pool${b + 1}`, kind: 'pool' });
    index += 1;
  });
  return { architecture, layers };
}

/** VGG19 (conv1_1 … pool5): 16 convs at features.0, 2, 5, 7, 10, 12, 14, 16, 19, … 34. */
export const vgg19Table: LayerTable = buildTable('vgg19');
/** VGG16 (conv1_1 … pool5): 13 convs at features.0, 2, 5, 7, 10, 12, 14, 17, … 28. */
export const vgg16Table: LayerTable = buildTable('vgg16');

/** The table for an architecture name; UsageError listing the known ones otherwise. */
export function layerTableFor(arch: string): LayerTable {
  switch (arch) {
    case 'vgg19':
      return vgg19Table;
    case 'vgg16':
      return vgg16Table;
    default:
      throw new UsageError(`unknown architecture '${arch}'; known: ${ARCHITECTURES.join(', ')}`);
  }
}

/** Position of a layer in the table; UsageError listing the valid names otherwise. */
export function layerIndex(table: LayerTable, name: string): number {
  const i = table.layers.findIndex((l) => l.name === name);
  if (i < 0) {
    throw new UsageError(
      `unknown layer '${name}' for ${table.architecture}; valid layers: ${table.layers.map((l) => l.name).join(', ')}`,
    );
  }
  return i;
}

/** The conv layers, in order. */
export function convLayers(table: LayerTable): LayerSpec[] {
  return table.layers.filter((l) => l.kind === 'conv');
}

/**
 * The prefix of the table up to and including the deepest of `names` (a graph never needs
 * layers past the last one a loss reads). UsageError for an unknown name.
 */
export function layersUpTo(table: LayerTable, names: readonly string[]): LayerSpec[] {
  const last = names.reduce((m, n) => Math.max(m, layerIndex(table, n)), -1);
  return table.layers.slice(0, last + 1);
}
