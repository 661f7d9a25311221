/**
 * The slice of onnxruntime's API the runtime uses. onnxruntime-node and onnxruntime-web
 * both export it (from onnxruntime-common), so the core is handed one of them by the
 * platform entry point instead of importing either. How each backend's sessions are set
 * up is its profile's business (src/backends).
 */
import type { InferenceSession, Tensor } from 'onnxruntime-common';
import { joinParts } from '../graph/encode.js';

export interface OrtModule {
  Tensor: typeof Tensor;
  InferenceSession: typeof InferenceSession;
  /**
   * A session from a model given as consecutive parts of its bytes (encodeModelParts), for a
   * wrapper that need not join them: the optimised-model cache (Node) hashes the parts and,
   * when it has the model, never needs the bytes. Absent: the parts are joined for `create`.
   */
  createSessionFromParts?(parts: readonly Uint8Array[], options?: InferenceSession.SessionOptions): Promise<InferenceSession>;
}

/** A session for the model whose bytes are `parts`, one after another. */
export function createSession(ort: OrtModule, parts: readonly Uint8Array[], options?: InferenceSession.SessionOptions): Promise<InferenceSession> {
  return ort.createSessionFromParts ? ort.createSessionFromParts(parts, options) : ort.InferenceSession.create(joinParts(parts), options);
}
