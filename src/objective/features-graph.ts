/**
 * Forward-only graph that turns an image into the targets the objective compares
 * against: each active term's statistic at each of its layers (feature maps for content,
 * Gram matrices for style, whatever a new term declares). Built from the same layer and
 * term tables as the objective, so the two always agree.
 */
import { GraphBuilder } from '../graph/builder.js';
import type { LossTerm, TermOptions } from '../losses/index.js';
import { addNetwork, type NetworkSource } from '../network/vgg.js';
import { names } from './names.js';
import { activeTerms, poolingOf, termsOf } from './terms.js';

/** One output of the features graph: a term's statistic at a layer. */
export interface FeatureOutput {
  term: string;
  layer: string;
  from: 'content' | 'style';
  name: string;
}

export interface FeatureGraph {
  graph: GraphBuilder;
  /** Channel count per layer read. */
  channels: Map<string, number>;
  outputs: FeatureOutput[];
}

export function buildFeatureGraph(net: NetworkSource, options: TermOptions, terms?: readonly LossTerm[]): FeatureGraph {
  const withTargets = activeTerms(termsOf(terms), options).filter((t) => t.target);
  const g = new GraphBuilder();
  const x = g.addInput(names.image, [1, 3, 'H', 'W']);
  const layers = [...new Set(withTargets.flatMap((t) => t.layers(options)))];
  const { values, channels } = addNetwork(g, x, net, layers.length ? layers : ['conv1_1'], poolingOf(options));
  const outputs: FeatureOutput[] = [];
  for (const term of withTargets) {
    const { statistic, from } = term.target!;
    for (const layer of term.layers(options)) {
      const c = channels.get(layer)!;
      const name = names.statistic(term.name, layer);
      g.addOutput(g.op('Identity', [statistic.build(g, values.get(layer)!, c)], {}, name), statistic.dims(c, layer));
      outputs.push({ term: term.name, layer, from, name });
    }
  }
  if (outputs.length === 0) g.addOutput(g.op('Identity', [x], {}, 'unused'), [1, 3, 'H', 'W']);
  return { graph: g, channels, outputs };
}
