/**
 * A forward-only graph shared by the methods that read whole feature maps of their style
 * and content images (NNST's last pass, STROTSS's samples): a network-input image
 * [1, 3, H, W] → each listed layer's map, output `map_<layer>`.
 */
import { GraphBuilder } from '../graph/builder.js';
import { addNetwork, type NetworkSource } from '../network/vgg.js';

export const layerMapName = (layer: string) => `map_${layer}`;

export function layerMapsGraph(net: NetworkSource, layers: readonly string[]): GraphBuilder {
  const g = new GraphBuilder();
  const x = g.addInput('x', [1, 3, 'H', 'W']);
  const { values, channels } = addNetwork(g, x, net, [...layers], 'max');
  for (const l of layers) g.addOutput(g.op('Identity', [values.get(l)!], {}, layerMapName(l)), [1, channels.get(l)!, `h_${l}`, `w_${l}`]);
  return g;
}
