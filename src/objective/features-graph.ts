/**
 * Forward-only graph that turns an image into the targets the objective compares
 * against: each active term's statistic at each of its layers (feature maps for content,
 * Gram matrices for style, whatever a new term declares). Built from the same layer and
 * term tables as the objective, so the two always agree. A second small graph derives
 * values from blended targets once (derivation-graph below), for terms that declare one.
 */
import { GraphBuilder } from '../graph/builder.js';
import { applyPasses, type GraphForms } from '../graph/passes/index.js';
import { targetOf, UNMASKED_RUN, type Derivation, type LossTerm, type RunShape, type Statistic, type TargetSource, type TermOptions } from '../losses/index.js';
import { addNetwork, type NetworkSource } from '../network/vgg.js';
import { names } from './names.js';
import { activeTerms, firstPaddingOf, poolingOf, termsOf } from './terms.js';

/** One output of the features graph: a term's statistic at a layer. */
export interface FeatureOutput {
  term: string;
  layer: string;
  from: TargetSource;
  name: string;
  statistic: Statistic;
  channels: number;
  /** The statistic's own inputs: its short name → the graph input's name. */
  inputs: Map<string, string>;
  derive?: Derivation;
}

export interface FeatureGraph {
  graph: GraphBuilder;
  /** Channel count per layer read. */
  channels: Map<string, number>;
  outputs: FeatureOutput[];
}

export function buildFeatureGraph(
  net: NetworkSource,
  options: TermOptions,
  terms?: readonly LossTerm[],
  run: RunShape = UNMASKED_RUN,
  forms: Partial<GraphForms> = {},
): FeatureGraph {
  const withTargets = activeTerms(termsOf(terms), options).filter((t) => targetOf(t, options, run));
  const g = new GraphBuilder();
  const x = g.addInput(names.image, [1, 3, 'H', 'W']);
  const layers = [...new Set(withTargets.flatMap((t) => t.layers(options)))];
  const { values, channels } = addNetwork(g, x, net, layers.length ? layers : ['conv1_1'], poolingOf(options), firstPaddingOf(options));
  const outputs: FeatureOutput[] = [];
  for (const term of withTargets) {
    const { statistic, from, derive } = targetOf(term, options, run)!;
    for (const layer of term.layers(options)) {
      const c = channels.get(layer)!;
      const name = names.statistic(term.name, layer);
      const inputs = new Map<string, string>();
      const input = (short: string, dims: Parameters<GraphBuilder['addInput']>[1]) => {
        const full = names.statisticInput(term.name, short, layer);
        inputs.set(short, full);
        return g.addInput(full, dims);
      };
      g.addOutput(g.op('Identity', [statistic.build(g, values.get(layer)!, c, { layer, input })], {}, name), statistic.dims(c, layer));
      outputs.push({ term: term.name, layer, from, name, statistic, channels: c, inputs, derive });
    }
  }
  if (outputs.length === 0) g.addOutput(g.op('Identity', [x], {}, 'unused'), [1, 3, 'H', 'W']);
  applyPasses(g, forms);
  return { graph: g, channels, outputs };
}

/** Blended statistic → derived target, for the outputs whose term declares a derivation; null when none does. */
export function buildDerivationGraph(outputs: readonly FeatureOutput[]): GraphBuilder | null {
  const derived = outputs.filter((o) => o.derive);
  if (derived.length === 0) return null;
  const g = new GraphBuilder();
  for (const o of derived) {
    const input = g.addInput(o.name, o.statistic.dims(o.channels, o.layer));
    g.addOutput(g.op('Identity', [o.derive!.build(g, input, o.channels)], {}, names.derived(o.term, o.layer)), o.derive!.dims(o.channels));
  }
  return g;
}
