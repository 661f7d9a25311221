/**
 * The whole objective and its image gradient as one graph: one onnxruntime call per
 * optimiser step returns the loss, each term's weighted part, and ∂L/∂x. Targets are
 * inputs, so one compiled graph serves every content/style pair of any size.
 *
 *   L = Σ_terms weight_t · loss_t(x)      (terms: src/losses, in table order)
 */
import { GraphError } from '../errors.js';
import { addGradients } from '../graph/backward.js';
import { GraphBuilder } from '../graph/builder.js';
import { applyPasses, type GraphForms } from '../graph/passes/index.js';
import { inputsOf, targetDims, targetOf, UNMASKED_RUN, type LossTerm, type RunShape, type TermBuild, type TermOptions } from '../losses/index.js';
import { withNormalizedGradient } from '../losses/normalize-gradients.js';
import { addNetwork, type NetworkSource } from '../network/vgg.js';
import { names } from './names.js';
import { addNetworkToPixels, addPixelsToNetwork } from '../network/pixels.js';
import { pixels, type Parameterisation } from '../parameterisations/index.js';
import { firstPaddingOf, poolingOf, termsOf, termWeight, usedLayers } from './terms.js';

export interface ObjectiveGraph {
  graph: GraphBuilder;
  channels: Map<string, number>;
  /** Nodes before this index compute the loss; the rest its gradient. */
  forwardNodeCount: number;
  /** The parts' names, in output order. */
  parts: string[];
  /** The parameter inputs, in the parameterisation's order, and their gradients' output names. */
  params: string[];
  grads: string[];
}

export function buildObjectiveGraph(
  net: NetworkSource,
  options: TermOptions,
  grad: Partial<GraphForms> = {},
  terms?: readonly LossTerm[],
  run: RunShape = UNMASKED_RUN,
  parameterisation: Parameterisation = pixels,
): ObjectiveGraph {
  const all = termsOf(terms, options);
  const g = new GraphBuilder();
  // What the optimiser moves (the image, or a pyramid's levels) and the image it makes.
  const { inputs: params, image: input } = parameterisation.addToGraph(g);
  // The optimised image is network input, or 0–1 RGB turned into network input by the graph.
  const inRgb = options.optimizeSpace === 'rgb';
  const preprocessing = () => {
    if (!net.preprocessing) throw new Error('optimising in RGB, or a term on pixels, needs the model\'s preprocessing');
    return net.preprocessing;
  };
  const x = inRgb ? addPixelsToNetwork(g, input, preprocessing()) : input;
  let rgb: string | undefined = inRgb ? input : undefined;
  // conv1_1 always: a graph with only image-space terms still has a network to cut.
  const { values, channels } = addNetwork(g, x, net, [...usedLayers(all, options), 'conv1_1'], poolingOf(options), firstPaddingOf(options));

  const parts = all.map((term) => {
    const weight = termWeight(term, options);
    if (weight === 0) return g.op('Identity', [g.constant(0)], {}, names.part(term.name));
    const normalize = term.normalizable === true && options.normalizeGradients === true;
    const declared = new Map(inputsOf(term, options, run).map((i) => [i.name, i]));
    const build: TermBuild = {
      g,
      image: x,
      rgb: () => (rgb ??= addNetworkToPixels(g, x, preprocessing())),
      options,
      layers: [...term.layers(options)],
      feature: (layer) => (normalize ? withNormalizedGradient(g, values.get(layer)!, weight) : values.get(layer)!),
      channels: (layer) => channels.get(layer)!,
      target: (layer) => {
        return g.addInput(names.target(term.name, layer), targetDims(targetOf(term, options, run)!, channels.get(layer)!, layer, run));
      },
      input: (name) => {
        const spec = declared.get(name);
        if (!spec) throw new GraphError(`the loss term '${term.name}' reads an input it does not declare: ${name}`);
        return g.has(name) ? name : g.addInput(name, spec.dims, spec.elemType);
      },
      run,
    };
    return g.op('Identity', [g.op('Mul', [term.loss(build), g.constant(weight)])], {}, names.part(term.name));
  });
  let total = parts[0] ?? g.constant(0);
  for (const p of parts.slice(1)) total = g.op('Add', [total, p]);
  const loss = g.op('Identity', [total], {}, names.loss);

  const grads = params.map((p) => (p === names.image ? names.grad : `${p}_grad`));
  const gradients = addGradients(g, loss, params, grad, grad.rules).map((d, i) => g.op('Identity', [d], {}, grads[i]));
  for (const v of [loss, ...parts]) g.addOutput(v, []);
  gradients.forEach((d, i) => g.addOutput(d, g.inputs.find((v) => v.name === params[i])!.shape));
  // After the gradient: rules see plain Convs, and forward and input-gradient convs are lowered alike.
  applyPasses(g, grad);
  // The loss's Identity is the last forward node, before and after lowering.
  const forwardNodeCount = g.nodes.findIndex((n) => n.outputs[0] === loss) + 1;
  return { graph: g, channels, forwardNodeCount, parts: all.map((t) => t.name), params, grads };
}
