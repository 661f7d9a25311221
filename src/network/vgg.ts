/**
 * The VGG feature network as graph nodes, built from a layer table and its weights.
 * It stops at the deepest layer anything asked for: layers past it would cost time in
 * both passes and change nothing.
 */
import { UsageError, WeightsError } from '../errors.js';
import type { GraphBuilder, LazyData } from '../graph/builder.js';
import type { ConvWeights, LayerTable, Preprocessing, Tensor } from '../models/types.js';

export type Pooling = 'max' | 'avg';

/** How conv1_1 pads the image: zeros (Caffe, torchvision) or its edge pixels (crowsonkb: fewer edge artifacts). */
export type FirstPadding = 'zeros' | 'replicate';

export interface NetworkSource {
  table: LayerTable;
  weights: ConvWeights;

  /** How pixels become network input; needed only to optimise in RGB or read pixels in a term. */
  preprocessing?: Preprocessing;
}

export interface NetworkValues {
  /** Layer name → graph value holding that layer's output. */
  values: Map<string, string>;
  /** Layer name → channel count of its output. */
  channels: Map<string, number>;
}

/** Index of the deepest of `layers` in the table; a UsageError lists the valid names. */
export function deepestLayerIndex(table: LayerTable, layers: string[]): number {
  let deepest = -1;
  for (const name of layers) {
    const i = table.layers.findIndex((l) => l.name === name);
    if (i < 0) {
      throw new UsageError(
        `unknown layer "${name}" for ${table.architecture}; valid layers: ${table.layers.map((l) => l.name).join(', ')}`,
      );
    }
    deepest = Math.max(deepest, i);
  }
  return deepest;
}

/** Append the network's layers up to and including `layers`' deepest one. */
export function addNetwork(g: GraphBuilder, x: string, net: NetworkSource, layers: string[], pooling: Pooling, firstPadding: FirstPadding = 'zeros'): NetworkValues {
  const last = deepestLayerIndex(net.table, layers);
  const values = new Map<string, string>();
  const channels = new Map<string, number>();
  let current = x;
  let width = 3;
  // Image side ÷ feature side here: each 2×2 pooling halves it. Read by the conv lowering pass.
  let featureScale = 1;
  for (const layer of net.table.layers.slice(0, last + 1)) {
    if (layer.kind === 'conv') {
      const params = net.weights.get(layer.name);
      if (!params) throw new WeightsError(`the weights have no tensor for ${layer.name}`);
      const [out, inp, kh, kw] = params.weight.dims as [number, number, number, number];
      if (inp !== width) throw new WeightsError(`${layer.name} expects ${inp} input channels, the previous layer gives ${width}`);
      const w = g.has(`${layer.name}_W`) ? `${layer.name}_W` : g.addInitializer(`${layer.name}_W`, initializerData(params.weight), params.weight.dims);
      const b = g.has(`${layer.name}_B`) ? `${layer.name}_B` : g.addInitializer(`${layer.name}_B`, initializerData(params.bias), params.bias.dims);
      const [ph, pw] = [(kh - 1) / 2, (kw - 1) / 2];
      // Replicate padding is an explicit edge Pad before the first conv, which then pads nothing.
      const replicate = firstPadding === 'replicate' && current === x;
      const input = replicate ? g.op('Pad', [current, g.constantI64([0, 0, ph, pw, 0, 0, ph, pw])], { mode: 'edge' }) : current;
      current = g.op('Conv', [input, w, b], {
        kernel_shape: [kh, kw],
        strides: [1, 1],
        dilations: [1, 1],
        pads: replicate ? [0, 0, 0, 0] : [ph, pw, ph, pw],
      }, layer.name);
      g.producer(current)!.convHint = { featureScale };
      width = out;
    } else if (layer.kind === 'relu') {
      current = g.op('Relu', [current], {}, layer.name);
    } else {
      current = g.op(pooling === 'max' ? 'MaxPool' : 'AveragePool', [current], { kernel_shape: [2, 2], strides: [2, 2] }, layer.name);
      featureScale *= 2;
    }
    values.set(layer.name, current);
    channels.set(layer.name, width);
  }
  return { values, channels };
}

/** A weight as an initializer's data: by its recipe when it has one, so the graph never reads it unless its bytes are made. */
function initializerData(t: Tensor): Float32Array | LazyData {
  return t.recipe === undefined ? t.data : { recipe: t.recipe, make: () => t.data };
}
