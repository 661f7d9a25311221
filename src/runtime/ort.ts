/**
 * The slice of onnxruntime's API the runtime uses. onnxruntime-node and onnxruntime-web
 * both export it (from onnxruntime-common), so the core is handed one of them by the
 * platform entry point instead of importing either. How each backend's sessions are set
 * up is its profile's business (src/backends).
 */
import type { InferenceSession, Tensor } from 'onnxruntime-common';

export interface OrtModule {
  Tensor: typeof Tensor;
  InferenceSession: typeof InferenceSession;
}
