/**
 * The whole objective and its image gradient as one graph: one onnxruntime call per
 * optimiser step returns the loss, its three weighted parts, and ∂L/∂x. Targets are
 * inputs, so one compiled graph serves every content/style pair of any size.
 */
import { addGradient } from '../graph/backward.js';
import { GraphBuilder, type GradOptions } from '../graph/builder.js';
import { addContentLoss } from '../losses/content.js';
import { withNormalizedGradient } from '../losses/normalize-gradients.js';
import { addStyleLoss } from '../losses/style.js';
import { addTotalVariation } from '../losses/total-variation.js';
import { addNetwork, type NetworkSource } from '../network/vgg.js';
import { names, type ObjectiveSpec } from './spec.js';

export interface ObjectiveGraph {
  graph: GraphBuilder;
  channels: Map<string, number>;
  /** Nodes before this index compute the loss; the rest its gradient. */
  forwardNodeCount: number;
}

export function buildObjectiveGraph(net: NetworkSource, spec: ObjectiveSpec, grad: Partial<GradOptions> = {}): ObjectiveGraph {
  const g = new GraphBuilder();
  const x = g.addInput(names.image, [1, 3, 'H', 'W']);
  const contentLayers = spec.contentWeight !== 0 ? spec.contentLayers : [];
  const styleLayers = spec.styleWeight !== 0 ? spec.styleLayers : [];
  const { values, channels } = addNetwork(g, x, net, [...contentLayers, ...styleLayers, 'conv1_1'], spec.pooling);
  const feature = (layer: string, weight: number) =>
    spec.normalizeGradients ? withNormalizedGradient(g, values.get(layer)!, weight) : values.get(layer)!;

  /** weight · Σ terms, or a constant 0 when there are no terms. */
  const weightedSum = (terms: string[], weight: number) => {
    if (terms.length === 0) return g.constant(0);
    let total = terms[0]!;
    for (const t of terms.slice(1)) total = g.op('Add', [total, t]);
    return g.op('Mul', [total, g.constant(weight)]);
  };

  const contentTerms = contentLayers.map((layer) => {
    const target = g.addInput(names.contentTarget(layer), [1, channels.get(layer)!, `h_${layer}`, `w_${layer}`]);
    return addContentLoss(g, feature(layer, spec.contentWeight), target);
  });
  const styleTerms = styleLayers.map((layer) => {
    const c = channels.get(layer)!;
    const target = g.addInput(names.styleTarget(layer), [c, c]);
    return addStyleLoss(g, feature(layer, spec.styleWeight), target, c);
  });
  const content = g.op('Identity', [weightedSum(contentTerms, spec.contentWeight)], {}, names.content);
  const style = g.op('Identity', [weightedSum(styleTerms, spec.styleWeight)], {}, names.style);
  const tv = g.op('Identity', [spec.tvWeight !== 0 ? weightedSum([addTotalVariation(g, x)], spec.tvWeight) : g.constant(0)], {}, names.tv);
  const loss = g.op('Add', [g.op('Add', [content, style]), tv], {}, names.loss);

  const forwardNodeCount = g.nodes.length;
  const gradient = g.op('Identity', [addGradient(g, loss, x, grad)], {}, names.grad);
  for (const v of [loss, content, style, tv]) g.addOutput(v, []);
  g.addOutput(gradient, [1, 3, 'H', 'W']);
  return { graph: g, channels, forwardNodeCount };
}
