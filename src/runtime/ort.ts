/**
 * The slice of onnxruntime's API the runtime uses. onnxruntime-node and onnxruntime-web
 * both export it (from onnxruntime-common), so the core is handed one of them by the
 * platform entry point instead of importing either.
 */
import type { InferenceSession, Tensor } from 'onnxruntime-common';
import type { GradOptions } from '../graph/builder.js';
import type { GraphForms } from '../graph/passes/index.js';
import { convFormPicker, winogradOutputFor, type ConvAlgorithm } from '../graph/winograd/index.js';
import type { TermOptions } from '../losses/index.js';

export interface OrtModule {
  Tensor: typeof Tensor;
  InferenceSession: typeof InferenceSession;
}

export type SessionOptions = InferenceSession.SessionOptions;

/** Backends this project knows how to ask onnxruntime for. */
export type BackendName = 'cpu' | 'webgpu' | 'wasm';

/**
 * Session options per backend; `extra` overrides them. Every backend gets full graph
 * optimisation: on the CPU its blocked-layout (NCHWc) rewrite is what makes Conv fast.
 * The CPU provider and onnxruntime-web's WASM backend (the same CPU kernels, compiled to
 * WebAssembly) also get the settings bench/variants.ts measured best (numbers in
 * bench/RESULTS.md; for WASM `--backend wasm`, onnxruntime-web in Node):
 *  - no memory pattern: as fast, and 15–30% less peak memory (the pattern allocates one
 *    block for the whole plan on top of the arena the first run grew);
 *  - intra-op threads that sleep instead of spinning between kernels: faster when other
 *    processes compete for the cores, no slower when they do not.
 * The thread count stays onnxruntime's default (one per physical core).
 */
export function sessionOptionsFor(backend: BackendName, extra: SessionOptions = {}): SessionOptions {
  const base: SessionOptions = { executionProviders: [backend], graphOptimizationLevel: 'all' };
  // WebGPU: shape arithmetic (Shape, int64 Sub/Concat) runs on the CPU by design, and
  // onnxruntime warns about that node assignment at every session; errors still show.
  if (backend === 'webgpu') base.logSeverityLevel = 3;
  if (backend === 'cpu' || backend === 'wasm') {
    base.enableMemPattern = false;
    base.extra = { session: { intra_op: { allow_spinning: '0' } } };
  }
  return { ...base, ...extra };
}

/**
 * Gradient-graph options per backend. CPU: the conv input-gradient as a Conv with flipped
 * weights (onnxruntime's ConvTranspose kernel is ~1.6× slower than its NCHWc Conv), the
 * max-pool gradient from MaxPool indices + MaxUnpool (2 ops instead of ~11), the ReLU mask
 * as a Mul (its broadcasting Where is slow). WASM runs the same kernels and gains the same
 * way. WebGPU keeps the portable defaults (src/graph/backward.ts): it has no MaxPool
 * Indices output.
 */
export function gradOptionsFor(backend: BackendName): Partial<GradOptions> {
  switch (backend) {
    case 'cpu':
    case 'wasm':
      return { convGrad: 'Conv', maxPoolGrad: 'indices', reluGrad: 'mul' };
    default:
      return {};
  }
}

/**
 * The graph forms for a run: the backend's gradient forms, and each 3×3 conv's form
 * (direct or Winograd, with the backend's Winograd output transform) as
 * `options.convAlgorithm` says, chosen per layer for the run's image size (`side`: the
 * longer side the graph will see; the image size by default).
 */
export function graphFormsFor(backend: BackendName, options: TermOptions, side?: number): Partial<GraphForms> {
  const algorithm = (options.convAlgorithm as ConvAlgorithm | undefined) ?? 'auto';
  const convForm = convFormPicker(backend, algorithm);
  const convSide = side ?? (typeof options.imageSize === 'number' ? options.imageSize : undefined);
  return { ...gradOptionsFor(backend), ...(convForm ? { convForm, convSide, winogradOutput: winogradOutputFor(backend) } : {}) };
}

/** The backend a session's options ask for first ('cpu' when none is named). */
export function backendOf(options: SessionOptions): BackendName {
  const first = options.executionProviders?.[0];
  const name = typeof first === 'string' ? first : first?.name;
  return name === 'webgpu' || name === 'wasm' ? name : 'cpu';
}
