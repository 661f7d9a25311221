/**
 * A graph on its way to a session, in two forms: `identity()`, cheap bytes that say which
 * model it is (its structure, with the recipes of lazily read weights instead of their
 * values: src/graph/encode.ts), and `bytes()`, the ONNX model itself, which loads the
 * weights and makes their derived copies first.
 *
 * Why: the optimised-model cache (Node, src/runtime/optimized-model-cache-node.ts) keys
 * a model by its identity; on a hit the session loads onnxruntime's kept model and the
 * 80 MB of weights are never read, their flipped and Winograd copies never made, and
 * 50–140 MB of protobuf never encoded or hashed.
 */
import type { GraphBuilder } from '../graph/builder.js';
import { encodeModelParts } from '../graph/encode.js';
import { loadWeights } from '../models/types.js';
import type { NetworkSource } from '../network/vgg.js';

export interface ModelSource {
  /** Which model this is: equal identities, equal bytes. Not an ONNX model. */
  identity(): Uint8Array[];
  /** The ONNX model's bytes, as consecutive parts (encodeModelParts). */
  bytes(): Promise<Uint8Array[]>;
}

/** The graph `g`, whose weights come from `net` (loaded, when read lazily, by `bytes`). */
export function graphModel(g: GraphBuilder, graphName: string, net: Pick<NetworkSource, 'weights'>): ModelSource {
  return {
    identity: () => encodeModelParts(g, graphName, true),
    bytes: async () => {
      await loadWeights(net.weights);
      return encodeModelParts(g, graphName);
    },
  };
}

/** Bytes already made: they are their own identity. */
export function bytesModel(parts: readonly Uint8Array[]): ModelSource {
  return { identity: () => [...parts], bytes: async () => [...parts] };
}
