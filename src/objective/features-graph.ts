/**
 * Forward-only graph that turns an image into the targets the objective compares
 * against: feature maps at the content layers and Gram matrices at the style layers.
 * Built from the same layer table as the objective, so the two always agree.
 */
import { GraphBuilder } from '../graph/builder.js';
import { addGram } from '../losses/style.js';
import { addNetwork, type NetworkSource } from '../network/vgg.js';
import { names, type ObjectiveSpec } from './spec.js';

export interface FeatureGraph {
  graph: GraphBuilder;
  /** Channel count per requested layer. */
  channels: Map<string, number>;
}

export function buildFeatureGraph(
  net: NetworkSource,
  spec: Pick<ObjectiveSpec, 'pooling'>,
  want: { contentLayers: string[]; styleLayers: string[] },
): FeatureGraph {
  const g = new GraphBuilder();
  const x = g.addInput(names.image, [1, 3, 'H', 'W']);
  const { values, channels } = addNetwork(g, x, net, [...want.contentLayers, ...want.styleLayers], spec.pooling);
  for (const layer of want.contentLayers) {
    g.addOutput(g.op('Identity', [values.get(layer)!], {}, names.contentFeature(layer)), [1, channels.get(layer)!, `h_${layer}`, `w_${layer}`]);
  }
  for (const layer of want.styleLayers) {
    const c = channels.get(layer)!;
    g.addOutput(g.op('Identity', [addGram(g, values.get(layer)!, c)], {}, names.styleGram(layer)), [c, c]);
  }
  return { graph: g, channels };
}
