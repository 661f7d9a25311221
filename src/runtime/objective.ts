/**
 * The compiled objective: `evaluate(x, feeds)` is one onnxruntime call that returns the
 * loss, each term's weighted part and the gradient with respect to the parameters x (the
 * image's pixels, or a pyramid's levels: src/parameterisations). `feeds` are the values a
 * term draws anew each iteration. Optimisers, the CLI and the browser worker all see only
 * this interface.
 */
import type { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-common';
import { NumericalError, UsageError } from '../errors.js';
import { inputsOf, targetOf, type FeedValue, type LossTerm, type RunShape, type TermInput, type TermOptions } from '../losses/index.js';
import type { Mask } from '../masks/index.js';
import { buildObjectiveGraph } from '../objective/objective-graph.js';
import { names } from '../objective/names.js';
import { activeTerms, termsOf } from '../objective/terms.js';
import type { Tensor } from '../models/types.js';
import type { NetworkSource } from '../network/vgg.js';
import { parameterCount, type Parameterisation } from '../parameterisations/index.js';
import { Rng } from '../util/random.js';
import type { Targets } from './features.js';
import { graphModel } from './model-source.js';
import { createSession, type OrtModule } from './ort.js';
import { resolveSetup, type GraphSetup } from './setup.js';
import { timePhase, timePhaseSync } from '../util/phases.js';

export { resolveSetup, type GraphSetup } from './setup.js';

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
  /** L and ∂L/∂x at the parameters x; `feeds`: this iteration's values of the terms' `iteration` inputs. */
  evaluate(x: Float32Array, feeds?: Record<string, FeedValue>): Promise<Evaluation>;
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
    readonly parameterisation: Parameterisation,
    /** The graph's parameter inputs and their gradients' outputs, in order. */
    private readonly params: { inputs: string[]; grads: string[] },
  ) {}

  /** The parts this objective reports, in order. */
  get partNames(): string[] {
    return this.terms.map((t) => t.name);
  }

  static async create(ort: OrtModule, net: NetworkSource, options: TermOptions, setup: GraphSetup = {}): Promise<CompiledObjective> {
    const { backend, forms, terms, run, parameterisation } = resolveSetup(options, setup);
    const all = termsOf(terms, options);
    const { model, channels, params, grads } = timePhaseSync('graph', () => {
      const { graph, ...built } = buildObjectiveGraph(net, options, forms, all, run, parameterisation);
      return { model: graphModel(graph, 'objective', net), ...built };
    });
    const compiled = await timePhase('session', () => createSession(ort, model, backend.sessionOptions()));
    return new CompiledObjective(ort, compiled, options, [...all], net, channels, run, parameterisation, { inputs: params, grads });
  }

  /** The inputs the active terms declare, with who gives each (src/losses/types.ts TermInput). */
  private declaredInputs(): Array<TermInput & { term: LossTerm }> {
    return activeTerms(this.terms, this.options).flatMap((term) => inputsOf(term, this.options, this.run).map((i) => ({ ...i, term })));
  }

  /**
   * The values the terms draw anew for `iteration` at this size, each term from randomness
   * of its own seeded by the run's seed, the size (a coarse-to-fine stage's) and the
   * iteration; undefined when no term draws any.
   */
  iterationFeeds(iteration: number, width: number, height: number, seed: number): Record<string, FeedValue> | undefined {
    const drawing = activeTerms(this.terms, this.options).filter((t) => t.iterationFeeds);
    if (drawing.length === 0) return undefined;
    const feeds: Record<string, FeedValue> = {};
    for (const term of drawing) {
      const random = Rng.derived(seed, term.name, width, height, iteration);
      const shared = (label: string) => Rng.derived(seed, label, width, height, iteration);
      const ctx = { options: this.options, width, height, run: this.run, table: this.net.table, channels: (l: string) => this.channels.get(l)!, iteration, random, shared };
      Object.assign(feeds, term.iterationFeeds!(ctx));
    }
    return feeds;
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
    const declared = this.declaredInputs().filter((i) => inputs.has(i.name));
    for (const [name, t] of Object.entries(runFeeds)) {
      // An input of a term this run leaves out (weight 0) is not in the graph: nothing to feed.
      if (!inputs.has(name)) continue;
      // The shape its term declares: numbers as they are, H and W this image's, other names free.
      const dims = declared.find((i) => i.name === name)?.dims ?? [1, 3, 'H', 'W'];
      const want = dims.map((d) => (d === 'H' ? height : d === 'W' ? width : d));
      const fits = t.dims.length === want.length && want.every((d, k) => typeof d !== 'number' || t.dims[k] === d) && t.data.length === t.dims.reduce((a, b) => a * b, 1);
      if (!fits) throw new Error(`run input ${name} has shape [${t.dims.join(', ')}], not [${want.join(', ')}] for this ${width}×${height} image`);
      feeds[name] = new ort.Tensor('float32', t.data, t.dims);
    }
    const missingRun = declared.filter((i) => i.per === 'run' && !(i.name in feeds));
    if (missingRun.length > 0) {
      throw new UsageError(`this objective needs per-run inputs that were not given: ${missingRun.map((i) => i.name).join(', ')} (a video run provides them)`);
    }
    const perIteration = declared.filter((i) => i.per === 'iteration').map((i) => i.name);
    const { inputs: paramInputs, grads } = this.params;
    const shapes = this.parameterisation.shapes(width, height);
    const count = parameterCount(this.parameterisation, width, height);
    const parts = this.partNames;
    // No preallocated outputs: onnxruntime-node 1.30 fills a preallocated tensor but still
    // returns a fresh copy, so it saves nothing (measured, bench/RESULTS.md). Outputs it
    // allocates itself are handed to JS without a copy.
    const fetches = [names.loss, ...parts.map(names.part), ...grads];
    return {
      width,
      height,
      async evaluate(x: Float32Array, iterationFeeds: Record<string, FeedValue> = {}): Promise<Evaluation> {
        if (x.length !== count) throw new RangeError(`the parameters hold ${x.length} values, not the ${count} of a ${width}×${height} image's`);
        // Wrapping x is free: onnxruntime-node reads the typed array's memory directly.
        let at = 0;
        paramInputs.forEach((name, i) => {
          const n = shapes[i]!.reduce((a, b) => a * b, 1);
          feeds[name] = new ort.Tensor('float32', paramInputs.length === 1 ? x : x.subarray(at, at + n), shapes[i]!);
          at += n;
        });
        for (const name of perIteration) {
          const t = iterationFeeds[name];
          if (!t) throw new Error(`no value for the per-iteration input ${name}`);
          feeds[name] = new ort.Tensor(t.data instanceof BigInt64Array ? 'int64' : 'float32', t.data, t.dims);
        }
        const out = await session.run(feeds, fetches);
        const scalar = (n: string) => (out[n]!.data as Float32Array)[0]!;
        const result: Evaluation = {
          loss: scalar(names.loss),
          grad: grads.length === 1 ? (out[grads[0]!]!.data as Float32Array) : concat(grads.map((g) => out[g]!.data as Float32Array), count),
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

/** The parameter inputs' gradients, one after another: the flat vector the optimiser moves. */
function concat(arrays: Float32Array[], count: number): Float32Array {
  const out = new Float32Array(count);
  let at = 0;
  for (const a of arrays) {
    out.set(a, at);
    at += a.length;
  }
  return out;
}
