/**
 * The compiled objective: `evaluate(x)` is one onnxruntime call that returns the loss,
 * each term's weighted part and ∂L/∂x. Optimisers, the CLI and the browser worker all see
 * only this interface.
 */
import type { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-common';
import { NumericalError, UsageError } from '../errors.js';
import type { GraphForms } from '../graph/passes/index.js';
import { encodeModel } from '../graph/encode.js';
import { targetOf, UNMASKED_RUN, type LossTerm, type RunShape, type TermOptions } from '../losses/index.js';
import type { Mask } from '../masks/index.js';
import { buildObjectiveGraph } from '../objective/objective-graph.js';
import { names } from '../objective/names.js';
import { activeTerms, termsOf } from '../objective/terms.js';
import type { Tensor } from '../models/types.js';
import type { NetworkSource } from '../network/vgg.js';
import type { Targets } from './features.js';
import { backendOf, graphFormsFor, type OrtModule, type SessionOptions } from './ort.js';

/** Each term's weighted part, by term name (`content`, `style`, `tv`, …), in table order. */
export type LossParts = Record<string, number>;

export interface Evaluation {
  loss: number;
  grad: Float32Array;
  parts: LossParts;
}

export interface Evaluator {
  readonly width: number;
  readonly height: number;
  evaluate(x: Float32Array): Promise<Evaluation>;
}

export class CompiledObjective {
  private constructor(
    private readonly ort: OrtModule,
    private readonly session: InferenceSession,
    readonly options: TermOptions,
    readonly terms: readonly LossTerm[],
    private readonly net: NetworkSource,
    private readonly channels: Map<string, number>,
    readonly run: RunShape,
  ) {}

  /** The parts this objective reports, in order. */
  get partNames(): string[] {
    return this.terms.map((t) => t.name);
  }

  static async create(
    ort: OrtModule,
    net: NetworkSource,
    options: TermOptions,
    session: SessionOptions,
    grad: Partial<GraphForms> = {},
    terms?: readonly LossTerm[],
    run: RunShape = UNMASKED_RUN,
  ): Promise<CompiledObjective> {
    const all = termsOf(terms, options);
    // The gradient graph's form is chosen for the backend; `grad` overrides it.
    const { graph, channels } = buildObjectiveGraph(net, options, { ...graphFormsFor(backendOf(session), options), ...grad }, all, run);
    const compiled = await ort.InferenceSession.create(encodeModel(graph, 'objective'), session);
    return new CompiledObjective(ort, compiled, options, [...all], net, channels, run);
  }

  /**
   * Fix the targets, the image size, the run's own inputs (`runFeeds`: values for the
   * inputs a term declares but leaves to each run, such as a video's warped previous
   * frame) and, for a masked objective, one content mask per style at this size; the
   * returned evaluator is what optimisers call.
   */
  bind(targets: Targets, width: number, height: number, runFeeds: Record<string, Tensor> = {}, contentMasks?: readonly Mask[]): Evaluator {
    const { ort, session, options, run } = this;
    const feeds: Record<string, OrtTensor> = {};
    const inputs = new Set(session.inputNames);
    for (const term of activeTerms(this.terms, options)) {
      if (targetOf(term, options, run)) {
        for (const layer of term.layers(options)) {
          const name = names.target(term.name, layer);
          if (!inputs.has(name)) continue;
          const t = targets[term.name]?.get(layer);
          if (!t) throw new Error(`no ${term.name} target for ${layer}`);
          feeds[name] = new ort.Tensor('float32', t.data, t.dims);
        }
      }
      const ctx = { options, width, height, run, table: this.net.table, channels: (l: string) => this.channels.get(l)!, contentMasks };
      for (const [name, t] of Object.entries(term.feeds?.(ctx) ?? {})) {
        if (!inputs.has(name)) continue;
        feeds[name] = new ort.Tensor('float32', t.data, t.dims);
      }
    }
    for (const [name, t] of Object.entries(runFeeds)) {
      // An input of a term this run leaves out (weight 0) is not in the graph: nothing to feed.
      if (!inputs.has(name)) continue;
      if (t.dims.length !== 4 || t.dims[2] !== height || t.dims[3] !== width || t.data.length !== t.dims.reduce((a, b) => a * b, 1)) {
        throw new Error(`run input ${name} has shape [${t.dims.join(', ')}], not [·, ·, ${height}, ${width}] for this ${width}×${height} image`);
      }
      feeds[name] = new ort.Tensor('float32', t.data, t.dims);
    }
    const missing = session.inputNames.filter((n) => n !== names.image && !(n in feeds));
    if (missing.length > 0) {
      throw new UsageError(`this objective needs per-run inputs that were not given: ${missing.join(', ')} (a video run provides them)`);
    }
    const dims = [1, 3, height, width];
    const parts = this.partNames;
    // No preallocated outputs: onnxruntime-node 1.30 fills a preallocated tensor but still
    // returns a fresh copy, so it saves nothing (measured, bench/RESULTS.md). Outputs it
    // allocates itself are handed to JS without a copy.
    const fetches = [names.loss, ...parts.map(names.part), names.grad];
    return {
      width,
      height,
      async evaluate(x: Float32Array): Promise<Evaluation> {
        // Wrapping x is free: onnxruntime-node reads the typed array's memory directly.
        feeds[names.image] = new ort.Tensor('float32', x, dims);
        const out = await session.run(feeds, fetches);
        const scalar = (n: string) => (out[n]!.data as Float32Array)[0]!;
        const result: Evaluation = {
          loss: scalar(names.loss),
          grad: out[names.grad]!.data as Float32Array,
          parts: Object.fromEntries(parts.map((p) => [p, scalar(names.part(p))])),
        };
        if (!Number.isFinite(result.loss)) {
          const detail = parts.map((p) => `${p} ${result.parts[p]}`).join(', ');
          throw new NumericalError(`the loss became ${result.loss} (${detail})`);
        }
        return result;
      },
    };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
