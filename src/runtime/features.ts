/**
 * Targets for the objective: run the forward-only features graph once per content
 * image and once per style image, then blend the style images' statistics by their weights.
 */
import type { InferenceSession } from 'onnxruntime-common';
import { encodeModel } from '../graph/encode.js';
import type { LossTerm, TargetSource, TermOptions } from '../losses/index.js';
import type { Tensor } from '../models/types.js';
import { buildFeatureGraph, type FeatureOutput } from '../objective/features-graph.js';
import { names } from '../objective/names.js';
import type { NetworkSource } from '../network/vgg.js';
import type { OrtModule, SessionOptions } from './ort.js';

/**
 * term name → layer → target statistic. Today: `content` (feature maps [1, C, h, w]) and
 * `style` (Gram matrices [C, C]); a new term with a target adds its own entry.
 */
export type Targets = Record<string, Map<string, Tensor>>;

export class FeatureExtractor {
  private constructor(
    private readonly ort: OrtModule,
    private readonly session: InferenceSession,
    private readonly outputs: FeatureOutput[],
  ) {}

  static async create(
    ort: OrtModule,
    net: NetworkSource,
    options: TermOptions,
    session: SessionOptions,
    terms?: readonly LossTerm[],
  ): Promise<FeatureExtractor> {
    const { graph, outputs } = buildFeatureGraph(net, options, terms);
    return new FeatureExtractor(ort, await ort.InferenceSession.create(encodeModel(graph, 'features'), session), outputs);
  }

  /** The targets that come from `from` images, for one preprocessed image (NCHW, batch 1). */
  async extract(image: Float32Array, width: number, height: number, from: TargetSource): Promise<Targets> {
    const wanted = this.outputs.filter((o) => o.from === from);
    const targets: Targets = {};
    if (wanted.length === 0) return targets;
    const feeds = { [names.image]: new this.ort.Tensor('float32', image, [1, 3, height, width]) };
    const out = await this.session.run(feeds, wanted.map((o) => o.name));
    for (const o of wanted) {
      const t = out[o.name]!;
      (targets[o.term] ??= new Map()).set(o.layer, { dims: [...t.dims], data: t.data as Float32Array });
    }
    return targets;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

/** T = Σ_i b_i T^(i) with b normalised to sum 1 (jcjohnson's -style_blend_weights), per term and layer. */
export function blendTargets(perStyle: Targets[], weights: number[]): Targets {
  const total = weights.reduce((a, b) => a + b, 0);
  const out: Targets = {};
  for (const [term, layers] of Object.entries(perStyle[0] ?? {})) {
    out[term] = new Map();
    for (const [layer, first] of layers) {
      const data = new Float32Array(first.data.length);
      perStyle.forEach((targets, i) => {
        const src = targets[term]!.get(layer)!.data;
        const b = weights[i]! / total;
        for (let k = 0; k < data.length; k++) data[k]! += b * src[k]!;
      });
      out[term].set(layer, { dims: first.dims, data });
    }
  }
  return out;
}
