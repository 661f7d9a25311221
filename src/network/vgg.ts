/**
 * The VGG feature network as graph nodes, built from a layer table and its weights.
 * It stops at the deepest layer anything asked for: layers past it would cost time in
 * both passes and change nothing.
 */
import { UsageError, WeightsError } from '../errors.js';
import type { GraphBuilder } from '../graph/builder.js';
import type { ConvWeights, LayerTable } from '../models/types.js';

export type Pooling = 'max' | 'avg';

export interface NetworkSource {
  table: LayerTable;
  weights: ConvWeights;
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
export function addNetwork(g: GraphBuilder, x: string, net: NetworkSource, layers: string[], pooling: Pooling): NetworkValues {
  const last = deepestLayerIndex(net.table, layers);
  const values = new Map<string, string>();
  const channels = new Map<string, number>();
  let current = x;
  let width = 3;
  for (const layer of net.table.layers.slice(0, last + 1)) {
    if (layer.kind === 'conv') {
      const params = net.weights.get(layer.name);
      if (!params) throw new WeightsError(`the weights have no tensor for ${layer.name}`);
      const [out, inp, kh, kw] = params.weight.dims as [number, number, number, number];
      if (inp !== width) throw new WeightsError(`${layer.name} expects ${inp} input channels, the previous layer gives ${width}`);
      const w = g.has(`${layer.name}_W`) ? `${layer.name}_W` : g.addInitializer(`${layer.name}_W`, params.weight.data, params.weight.dims);
      const b = g.has(`${layer.name}_B`) ? `${layer.name}_B` : g.addInitializer(`${layer.name}_B`, params.bias.data, params.bias.dims);
      current = g.op('Conv', [current, w, b], {
        kernel_shape: [kh, kw],
        strides: [1, 1],
        dilations: [1, 1],
        pads: [(kh - 1) / 2, (kw - 1) / 2, (kh - 1) / 2, (kw - 1) / 2],
      }, layer.name);
      width = out;
    } else if (layer.kind === 'relu') {
      current = g.op('Relu', [current], {}, layer.name);
    } else {
      current = g.op(pooling === 'max' ? 'MaxPool' : 'AveragePool', [current], { kernel_shape: [2, 2], strides: [2, 2] }, layer.name);
    }
    values.set(layer.name, current);
    channels.set(layer.name, width);
  }
  return { values, channels };
}
