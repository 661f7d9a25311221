/**
 * Targets for the objective: run the forward-only features graph once per content
 * image and once per style image, then blend the style Grams by their weights.
 */
import { encodeModel } from '../graph/encode.js';
import type { Tensor } from '../models/types.js';
import { buildFeatureGraph } from '../objective/features-graph.js';
import { names, type ObjectiveSpec } from '../objective/spec.js';
import type { NetworkSource } from '../network/vgg.js';
import type { OrtModule, SessionOptions } from './ort.js';
import type { InferenceSession } from 'onnxruntime-common';

export interface Targets {
  /** content layer → feature map [1, C, h, w] */
  content: Map<string, Tensor>;
  /** style layer → Gram matrix [C, C] */
  style: Map<string, Tensor>;
}

export class FeatureExtractor {
  private constructor(
    private readonly ort: OrtModule,
    private readonly session: InferenceSession,
    private readonly contentLayers: string[],
    private readonly styleLayers: string[],
  ) {}

  static async create(ort: OrtModule, net: NetworkSource, spec: ObjectiveSpec, options: SessionOptions): Promise<FeatureExtractor> {
    const want = { contentLayers: spec.contentLayers, styleLayers: spec.styleLayers };
    const { graph } = buildFeatureGraph(net, spec, want);
    const session = await ort.InferenceSession.create(encodeModel(graph, 'features'), options);
    return new FeatureExtractor(ort, session, spec.contentLayers, spec.styleLayers);
  }

  /** Features of a preprocessed image (NCHW, batch 1). */
  async extract(image: Float32Array, width: number, height: number, which: 'content' | 'style' | 'both' = 'both'): Promise<Targets> {
    const fetches = [
      ...(which !== 'style' ? this.contentLayers.map(names.contentFeature) : []),
      ...(which !== 'content' ? this.styleLayers.map(names.styleGram) : []),
    ];
    const feeds = { [names.image]: new this.ort.Tensor('float32', image, [1, 3, height, width]) };
    const out = await this.session.run(feeds, fetches);
    const take = (name: string): Tensor => ({ dims: [...out[name]!.dims], data: out[name]!.data as Float32Array });
    return {
      content: new Map(which !== 'style' ? this.contentLayers.map((l) => [l, take(names.contentFeature(l))]) : []),
      style: new Map(which !== 'content' ? this.styleLayers.map((l) => [l, take(names.styleGram(l))]) : []),
    };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

/** A_l = Σ_i b_i A_l^(i) with b normalised to sum 1 (jcjohnson's -style_blend_weights). */
export function blendStyleTargets(perStyle: Map<string, Tensor>[], weights: number[]): Map<string, Tensor> {
  const total = weights.reduce((a, b) => a + b, 0);
  const out = new Map<string, Tensor>();
  for (const layer of perStyle[0]!.keys()) {
    const first = perStyle[0]!.get(layer)!;
    const data = new Float32Array(first.data.length);
    perStyle.forEach((targets, i) => {
      const src = targets.get(layer)!.data;
      const b = weights[i]! / total;
      for (let k = 0; k < data.length; k++) data[k]! += b * src[k]!;
    });
    out.set(layer, { dims: first.dims, data });
  }
  return out;
}
