/**
 * Targets for the objective: run the forward-only features graph once per content
 * image and once per style image, then combine the style images' statistics as each term
 * asks — blended by their weights, or kept one per style (stacked) — and derive what a
 * term computes once from them (W2's Σ_s^½).
 */
import type { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-common';
import { encodeModel } from '../graph/encode.js';
import { blendedStyles, type TermOptions } from '../losses/index.js';
import type { Mask } from '../masks/index.js';
import type { Tensor } from '../models/types.js';
import { buildDerivationGraph, buildFeatureGraph, type FeatureOutput } from '../objective/features-graph.js';
import { names } from '../objective/names.js';
import type { NetworkSource } from '../network/vgg.js';
import { resolveSetup, type GraphSetup } from './setup.js';
import { timePhase, timePhaseSync } from '../util/phases.js';
import { graphModel } from './model-source.js';
import { createSession, type OrtModule } from './ort.js';

/**
 * term name → layer → target statistic. Today: `content` (feature maps [1, C, h, w]) and
 * `style` (Gram matrices [C, C]; [S, C, C] one per style when masked; packed Gaussian
 * moments for W2); a new term with a target adds its own entry.
 */
export type Targets = Record<string, Map<string, Tensor>>;

export class FeatureExtractor {
  private constructor(
    private readonly ort: OrtModule,
    private readonly session: InferenceSession,
    private readonly derivation: InferenceSession | null,
    private readonly outputs: FeatureOutput[],
    private readonly net: NetworkSource,
    private readonly options: TermOptions,
  ) {}

  static async create(ort: OrtModule, net: NetworkSource, options: TermOptions, setup: GraphSetup = {}): Promise<FeatureExtractor> {
    const { backend, forms, terms, run } = resolveSetup(options, setup);
    const { model, outputs } = timePhaseSync('graph', () => {
      const { graph, outputs } = buildFeatureGraph(net, options, terms, run, forms);
      return { model: graphModel(graph, 'features', net), outputs };
    });
    const session = backend.sessionOptions();
    const features = await timePhase('session', () => createSession(ort, model, session));
    const derive = buildDerivationGraph(outputs);
    let derivation: InferenceSession | null = null;
    try {
      derivation = derive ? await timePhase('session', () => ort.InferenceSession.create(encodeModel(derive, 'targets'), session)) : null;
    } catch (err) {
      await features.release();
      throw err;
    }
    return new FeatureExtractor(ort, features, derivation, outputs, net, options);
  }

  /**
   * The targets that come from a content or a style image, for one preprocessed image
   * (NCHW, batch 1); `mask` is a style image's style mask (any size; none: the whole image).
   */
  async extract(image: Float32Array, width: number, height: number, from: 'content' | 'style', mask?: Mask): Promise<Targets> {
    const wanted = this.outputs.filter((o) => o.from.images === from);
    const targets: Targets = {};
    if (wanted.length === 0) return targets;
    const feeds: Record<string, OrtTensor> = { [names.image]: new this.ort.Tensor('float32', image, [1, 3, height, width]) };
    // onnxruntime wants every graph input fed, even those the wanted outputs do not need.
    for (const o of this.outputs) {
      if (!o.statistic.feeds) continue;
      const values = o.statistic.feeds({ layer: o.layer, width, height, table: this.net.table, channels: o.channels, options: this.options, mask });
      for (const [short, t] of Object.entries(values)) feeds[o.inputs.get(short)!] = new this.ort.Tensor('float32', t.data, t.dims);
    }
    const out = await this.session.run(feeds, wanted.map((o) => o.name));
    for (const o of wanted) {
      const t = out[o.name]!;
      (targets[o.term] ??= new Map()).set(o.layer, { dims: [...t.dims], data: t.data as Float32Array });
    }
    return targets;
  }

  /** The style images' targets as the objective takes them: blended or stacked per term, then derived. */
  async styleTargets(perStyle: Targets[], weights: number[]): Promise<Targets> {
    const out: Targets = {};
    const derive: FeatureOutput[] = [];
    for (const o of this.outputs) {
      if (!o.from.combine) continue;
      const each = perStyle.map((t) => t[o.term]!.get(o.layer)!);
      (out[o.term] ??= new Map()).set(o.layer, o.from.combine(each, weights, `the ${o.term} target at ${o.layer}`));
      if (o.derive) derive.push(o);
    }
    if (this.derivation && derive.length > 0) {
      const feeds: Record<string, OrtTensor> = {};
      for (const o of derive) {
        const t = out[o.term]!.get(o.layer)!;
        feeds[o.name] = new this.ort.Tensor('float32', t.data, t.dims);
      }
      const result = await this.derivation.run(feeds, derive.map((o) => names.derived(o.term, o.layer)));
      for (const o of derive) {
        const t = result[names.derived(o.term, o.layer)]!;
        out[o.term]!.set(o.layer, { dims: [...t.dims], data: t.data as Float32Array });
      }
    }
    return out;
  }

  async release(): Promise<void> {
    await Promise.all([this.session.release(), this.derivation?.release()]);
  }
}


/** T = Σ_i b_i T^(i) with b normalised to sum 1 (jcjohnson's -style_blend_weights), per term and layer. */
export function blendTargets(perStyle: Targets[], weights: number[]): Targets {
  const out: Targets = {};
  for (const [term, layers] of Object.entries(perStyle[0] ?? {})) {
    out[term] = new Map();
    for (const layer of layers.keys()) out[term].set(layer, blendedStyles.combine!(perStyle.map((t) => t[term]!.get(layer)!), weights, `the ${term} target at ${layer}`));
  }
  return out;
}
