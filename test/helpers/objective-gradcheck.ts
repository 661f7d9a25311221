/**
 * The objective's gradient against central finite differences of the float64 reference
 * interpreter, for any options and any loss terms (the built-in ones, or a term a test
 * defines): targets are random tensors of the shapes the features graph produces.
 */
import * as ort from 'onnxruntime-node';
import { expect } from 'vitest';
import type { GraphForms } from '../../src/graph/passes/index.js';
import { encodeModel } from '../../src/graph/encode.js';
import { webgpuProblems } from './webgpu-ops.js';
import { targetOf, UNMASKED_RUN, type LossTerm, type RunShape } from '../../src/losses/index.js';
import type { Mask } from '../../src/masks/index.js';
import type { ConvWeights, LayerTable } from '../../src/models/types.js';
import { buildObjectiveGraph } from '../../src/objective/objective-graph.js';
import { names } from '../../src/objective/names.js';
import { termsOf } from '../../src/objective/terms.js';
import type { StylizeOptions } from '../../src/options/index.js';
import { FeatureExtractor } from '../../src/runtime/features.js';
import type { OrtModule } from '../../src/runtime/ort.js';
import { Rng } from '../../src/util/random.js';
import { evaluateReference, type T64 } from './reference-ops.js';

/** A VGG19-shaped table with tiny widths, independent of src/models so the check stands alone. */
export function tinyVgg(rng: Rng): { table: LayerTable; weights: ConvWeights } {
  const widths = [2, 3, 3, 4, 4];
  const blocks = [2, 2, 4, 4, 4];
  const layers: LayerTable['layers'] = [];
  const weights: ConvWeights = new Map();
  let cin = 3;
  blocks.forEach((n, b) => {
    for (let i = 1; i <= n; i++) {
      const name = `conv${b + 1}_${i}`;
      const cout = widths[b]!;
      layers.push({ name, kind: 'conv' }, { name: `relu${b + 1}_${i}`, kind: 'relu' });
      weights.set(name, {
        weight: { dims: [cout, cin, 3, 3], data: rng.fillNormal(new Float32Array(cout * cin * 9), Math.sqrt(2 / (cin * 9))) },
        bias: { dims: [cout], data: rng.fillNormal(new Float32Array(cout), 0.1) },
      });
      cin = cout;
    }
    layers.push({ name: `pool${b + 1}`, kind: 'pool' });
  });
  return { table: { architecture: 'vgg19', layers }, weights };
}

export interface ObjectiveCheck {
  cosine: number;
  relError: number;
  /** ‖ours‖ / ‖numeric‖ over the sampled coordinates. */
  normRatio: number;
  /** The parts as onnxruntime computed them. */
  parts: Record<string, number>;
}

/** The image size every check runs at (content masks must have it). */
export const GRADCHECK_SIZE = { width: 18, height: 20 };

export async function objectiveGradcheck(
  options: StylizeOptions,
  seed: number,
  terms?: readonly LossTerm[],
  run: RunShape = UNMASKED_RUN,
  contentMasks?: readonly Mask[],
  /** Graph-form options for the graph onnxruntime runs (e.g. Winograd convs); the float64 reference evaluates the plain graph. */
  forms?: Partial<GraphForms>,
): Promise<ObjectiveCheck> {
  const all = termsOf(terms);
  const rng = new Rng(seed);
  const net = tinyVgg(rng);
  const H = GRADCHECK_SIZE.height, W = GRADCHECK_SIZE.width;
  const { graph, forwardNodeCount, parts, channels } = buildObjectiveGraph(net, options, {}, all, run);
  expect(webgpuProblems(graph)).toEqual([]);

  const feeds64: Record<string, T64> = {};
  const feeds: Record<string, ort.Tensor> = {};
  const put = (name: string, dims: number[], data: Float32Array) => {
    feeds[name] = new ort.Tensor('float32', data, dims);
    feeds64[name] = { dims, data: Float64Array.from(data) };
  };
  // Target shapes from the features graph itself; values random, so every term is far from 0
  // — except derived targets (W2's Σ_s^½), which must be what they claim: those are real,
  // from other random images.
  const extractor = await FeatureExtractor.create(ort as unknown as OrtModule, net, options, { terms: all, run });
  const perStyle = [];
  for (let i = 0; i < run.styles; i++) perStyle.push(await extractor.extract(rng.fillNormal(new Float32Array(3 * H * W)), W, H, 'style'));
  const shapes = {
    ...(await extractor.styleTargets(perStyle, perStyle.map(() => 1))),
    ...(await extractor.extract(rng.fillNormal(new Float32Array(3 * H * W)), W, H, 'content')),
  };
  await extractor.release();
  for (const [term, layers] of Object.entries(shapes)) {
    const derived = targetOf(all.find((t) => t.name === term)!, options, run)?.derive !== undefined;
    for (const [layer, t] of layers) {
      put(names.target(term, layer), t.dims, derived ? t.data : rng.fillNormal(new Float32Array(t.data.length), 0.5));
    }
  }
  const ctx = { options, width: W, height: H, run, table: net.table, channels: (l: string) => channels.get(l)!, contentMasks };
  for (const term of all) {
    for (const [name, t] of Object.entries(term.feeds?.(ctx) ?? {})) put(name, t.dims, t.data);
  }
  const x = rng.fillNormal(new Float32Array(3 * H * W), 1);
  put(names.image, [1, 3, H, W], x);
  // Inputs a term leaves to each run (a video's warped frame, its reliability) get random
  // values too, like the targets: the check is of the maths, for any values. Non-negative,
  // as masks and reliabilities are, so a term's part is positive.
  for (const input of graph.inputs) {
    if (input.name in feeds) continue;
    const dims = input.shape.map((d) => (d === 'H' ? H : d === 'W' ? W : d));
    if (!dims.every((d): d is number => typeof d === 'number')) throw new Error(`${input.name}: symbolic dims [${input.shape.join(', ')}]`);
    put(input.name, dims, rng.fillNormal(new Float32Array(dims.reduce((a, b) => a * b, 1)), 1).map(Math.abs));
  }
  const inputs = new Set(graph.inputs.map((i) => i.name));
  for (const name of Object.keys(feeds)) if (!inputs.has(name)) delete feeds[name];

  const session = await ort.InferenceSession.create(encodeModel(forms ? buildObjectiveGraph(net, options, forms, all, run).graph : graph));
  const out = await session.run(feeds);
  await session.release();
  const ours = out[names.grad]!.data as Float32Array;

  const x64 = feeds64[names.image]!.data;
  const loss = () => evaluateReference(graph, feeds64, names.loss, forwardNodeCount).data[0]!;
  expect(Math.abs(loss() - (out[names.loss]!.data as Float32Array)[0]!) / Math.abs(loss())).toBeLessThan(1e-4);

  const eps = 1e-4;
  let dot = 0, nn = 0, no = 0, err = 0;
  for (let k = 0; k < 120; k++) {
    const i = Math.floor(rng.next() * x64.length);
    const v = x64[i]!;
    x64[i] = v + eps;
    const up = loss();
    x64[i] = v - eps;
    const down = loss();
    x64[i] = v;
    const numeric = (up - down) / (2 * eps);
    dot += numeric * ours[i]!;
    nn += numeric * numeric;
    no += ours[i]! * ours[i]!;
    err += (numeric - ours[i]!) ** 2;
  }
  return {
    cosine: dot / Math.sqrt(nn * no),
    relError: Math.sqrt(err / nn),
    normRatio: Math.sqrt(no / nn),
    parts: Object.fromEntries(parts.map((p) => [p, (out[names.part(p)]!.data as Float32Array)[0]!])),
  };
}

/** Options in which only `term` is active (its weight, by convention its first option, set to `weight`). */
export function onlyTerm(base: StylizeOptions, term: LossTerm, weight = 1.5, terms?: readonly LossTerm[]): StylizeOptions {
  const o: Record<string, unknown> = { ...base };
  for (const t of termsOf(terms)) if (t.options[0]) o[t.options[0].key] = 0;
  o[term.options[0]!.key] = weight;
  return o as StylizeOptions;
}
