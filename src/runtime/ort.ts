/**
 * The slice of onnxruntime's API the runtime uses. onnxruntime-node and onnxruntime-web
 * both export it (from onnxruntime-common), so the core is handed one of them by the
 * platform entry point instead of importing either.
 */
import type { InferenceSession, Tensor } from 'onnxruntime-common';

export interface OrtModule {
  Tensor: typeof Tensor;
  InferenceSession: typeof InferenceSession;
}

export type SessionOptions = InferenceSession.SessionOptions;

/** Backends this project knows how to ask onnxruntime for. */
export type BackendName = 'cpu' | 'webgpu' | 'wasm';

export function sessionOptionsFor(backend: BackendName, extra: SessionOptions = {}): SessionOptions {
  return {
    executionProviders: [backend],
    graphOptimizationLevel: 'all',
    ...extra,
  };
}
