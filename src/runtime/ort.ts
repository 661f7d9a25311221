/**
 * The slice of onnxruntime's API the runtime uses. onnxruntime-node and onnxruntime-web
 * both export it (from onnxruntime-common), so the core is handed one of them by the
 * platform entry point instead of importing either. How each backend's sessions are set
 * up is its profile's business (src/backends).
 */
import type { InferenceSession, Tensor } from 'onnxruntime-common';
import { joinParts } from '../graph/encode.js';
import type { ModelSource } from './model-source.js';

export interface OrtModule {
  Tensor: typeof Tensor;
  InferenceSession: typeof InferenceSession;
  /**
   * A session for a model given as a ModelSource, for a wrapper that need not make its
   * bytes: the optimised-model cache (Node) keys the model by its identity and, when it
   * has the model, never makes them. Absent: the bytes are made and joined for `create`.
   */
  createSessionFromModel?(model: ModelSource, options?: InferenceSession.SessionOptions): Promise<InferenceSession>;
}

/** A session for `model`. */
export async function createSession(ort: OrtModule, model: ModelSource, options?: InferenceSession.SessionOptions): Promise<InferenceSession> {
  return ort.createSessionFromModel ? ort.createSessionFromModel(model, options) : ort.InferenceSession.create(joinParts(await model.bytes()), options);
}
