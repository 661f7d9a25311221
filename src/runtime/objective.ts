/**
 * The compiled objective: `evaluate(x)` is one onnxruntime call that returns the loss,
 * its weighted parts and ∂L/∂x. Optimisers, the CLI and the browser worker all see only
 * this interface.
 */
import type { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-common';
import { NumericalError } from '../errors.js';
import type { GradOptions } from '../graph/builder.js';
import { encodeModel } from '../graph/encode.js';
import { buildObjectiveGraph } from '../objective/objective-graph.js';
import { names, type ObjectiveSpec } from '../objective/spec.js';
import type { NetworkSource } from '../network/vgg.js';
import type { Targets } from './features.js';
import { backendOf, gradOptionsFor, type OrtModule, type SessionOptions } from './ort.js';

export interface LossParts {
  content: number;
  style: number;
  tv: number;
}

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
    readonly spec: ObjectiveSpec,
  ) {}

  static async create(
    ort: OrtModule,
    net: NetworkSource,
    spec: ObjectiveSpec,
    options: SessionOptions,
    grad: Partial<GradOptions> = {},
  ): Promise<CompiledObjective> {
    // The gradient graph's form is chosen for the backend; `grad` overrides it.
    const { graph } = buildObjectiveGraph(net, spec, { ...gradOptionsFor(backendOf(options)), ...grad });
    const session = await ort.InferenceSession.create(encodeModel(graph, 'objective'), options);
    return new CompiledObjective(ort, session, spec);
  }

  /** Fix the targets and image size; the returned evaluator is what optimisers call. */
  bind(targets: Targets, width: number, height: number): Evaluator {
    const feeds: Record<string, OrtTensor> = {};
    const usedContent = this.session.inputNames.filter((n) => n.startsWith('content_target_'));
    const usedStyle = this.session.inputNames.filter((n) => n.startsWith('style_target_'));
    for (const layer of this.spec.contentLayers) {
      const name = names.contentTarget(layer);
      if (!usedContent.includes(name)) continue;
      const t = targets.content.get(layer)!;
      feeds[name] = new this.ort.Tensor('float32', t.data, t.dims);
    }
    for (const layer of this.spec.styleLayers) {
      const name = names.styleTarget(layer);
      if (!usedStyle.includes(name)) continue;
      const t = targets.style.get(layer)!;
      feeds[name] = new this.ort.Tensor('float32', t.data, t.dims);
    }
    const dims = [1, 3, height, width];
    // No preallocated outputs: onnxruntime-node 1.30 fills a preallocated tensor but still
    // returns a fresh copy, so it saves nothing (measured, bench/RESULTS.md). Outputs it
    // allocates itself are handed to JS without a copy.
    const fetches = [names.loss, names.content, names.style, names.tv, names.grad];
    const { ort, session } = this;
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
          parts: { content: scalar(names.content), style: scalar(names.style), tv: scalar(names.tv) },
        };
        if (!Number.isFinite(result.loss)) {
          throw new NumericalError(
            `the loss became ${result.loss} (content ${result.parts.content}, style ${result.parts.style}, tv ${result.parts.tv}); ` +
              'the step size is likely too large: lower --learning-rate, or use --optimizer lbfgs',
          );
        }
        return result;
      },
    };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
