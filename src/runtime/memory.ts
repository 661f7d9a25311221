/**
 * How much memory an objective evaluation needs, before trying it, so a caller can refuse a
 * run that will not fit and suggest an image size that will.
 *
 * The model follows what the compiled graph keeps alive (graph in src/objective, gradient
 * rules in src/graph/grads):
 *  - every ReLU output up to the deepest layer used stays alive from the forward pass to
 *    the backward pass (its mask is the ReLU gradient; the pools' and Grams' inputs are
 *    ReLU outputs too): Σ C·h·w floats, the bulk of it;
 *  - the backward pass holds a few tensors of the layer it is working on at once (incoming
 *    and outgoing gradient, the ReLU mask, onnxruntime's blocked-layout copies around each
 *    Conv): `TRANSIENT_COPIES` × the largest layer;
 *  - the weights are held several times (the JS arrays, the model bytes while the session
 *    is built, onnxruntime's initializers, flipped copies for the gradient Conv, blocked
 *    prepacked copies): `WEIGHT_COPIES` × their size;
 *  - a fixed runtime (Node, onnxruntime, V8 heaps): `RUNTIME_BYTES`.
 * The constants were fitted to the peak RSS of bench/bench-worker.ts (VGG19, CPU provider,
 * the runtime's default options) at 64…768 px (bench/RESULTS.md): the estimate came out
 * 5–27% above the measurement at every size (peak RSS itself varies by ~±5% run to run,
 * more at tiny sizes where the fixed part dominates). It covers the evaluation loop; a
 * weight loader that reads a whole file at once adds its own peak before that.
 */
import { transientBytes, type ConvFormPicker, type WinogradOutputName } from '../graph/winograd/index.js';
import type { ConvWeights, LayerTable } from '../models/types.js';
/** Layers an objective reads and whether their terms are active: see usedLayers() in src/objective/terms.ts. */

export interface MemoryLayer {
  name: string;
  kind: 'conv' | 'relu' | 'pool';
  /** Output channels of a conv (relu and pool keep their input's). */
  channels?: number;
}

export interface MemoryQuery {
  width: number;
  height: number;
  /** The network's layers in order, up to (at least) the deepest layer the objective reads. */
  layers: MemoryLayer[];
  /** The deepest layer the objective reads; default the last of `layers`. */
  deepest?: string;
  /** Bytes of all conv weights and biases that will be loaded. */
  weightBytes: number;
  /** The conv forms the graph will take (src/graph/winograd); none: all direct. */
  convForm?: ConvFormPicker;
  /** The Winograd forms' output transform; default output.ts's default. */
  winogradOutput?: WinogradOutputName;
}

export interface MemoryEstimate {
  /** Forward activations kept for the backward pass. */
  activations: number;
  /** Gradient and layout-copy tensors alive at once during the backward pass. */
  gradients: number;
  /** All copies of the weights. */
  weights: number;
  /** The largest Winograd conv's transformed tiles and kernels, alive while it runs (0 when every conv is direct). */
  winograd: number;
  /** Node, onnxruntime and the rest of the process. */
  runtime: number;
  total: number;
}

const FLOAT = 4;
/** Backward-pass tensors of the current layer's size alive at once (fitted). */
export const TRANSIENT_COPIES = 7;
/** Copies of the weights the process holds at its peak (fitted). */
export const WEIGHT_COPIES = 6;
/** The process without any model: Node, onnxruntime, V8 (fitted). */
export const RUNTIME_BYTES = 256 * 2 ** 20;

/** Estimated peak bytes of one process evaluating the objective at width × height. */
export function estimateMemory(q: MemoryQuery): MemoryEstimate {
  let h = q.height;
  let w = q.width;
  let c = 3;
  let kept = 0;
  let largest = 3 * h * w;
  let winograd = 0;
  for (const layer of q.layers) {
    if (layer.kind === 'conv') {
      if (!layer.channels) throw new RangeError(`memory estimate: conv ${layer.name} needs its channel count`);
      if (q.convForm) {
        // The conv and its input gradient (the same shape, channels swapped), one at a time.
        for (const [inChannels, outChannels, role] of [[c, layer.channels, 'forward'], [layer.channels, c, 'inputGrad']] as const) {
          const form = q.convForm({ inChannels, outChannels, side: Math.max(h, w), width: w, height: h, role });
          winograd = Math.max(winograd, transientBytes(form, inChannels, outChannels, h, w, q.winogradOutput));
        }
      }
      c = layer.channels;
    } else if (layer.kind === 'pool') {
      h = Math.floor(h / 2);
      w = Math.floor(w / 2);
    } else {
      kept += c * h * w;
    }
    largest = Math.max(largest, c * h * w);
    if (layer.name === q.deepest) break;
  }
  const activations = kept * FLOAT;
  const gradients = TRANSIENT_COPIES * largest * FLOAT;
  const weights = WEIGHT_COPIES * q.weightBytes;
  return { activations, gradients, weights, winograd, runtime: RUNTIME_BYTES, total: activations + gradients + weights + winograd + RUNTIME_BYTES };
}

/** The query for a network (table + weights) and the layers the objective reads. */
export function memoryQueryFor(
  net: { table: LayerTable; weights: ConvWeights },
  used: string[],
  width: number,
  height: number,
  convForm?: ConvFormPicker,
  winogradOutput?: WinogradOutputName,
): MemoryQuery {
  const index = (name: string) => net.table.layers.findIndex((l) => l.name === name);
  const deepest = used.reduce((best, name) => (index(name) > index(best) ? name : best), net.table.layers[0]!.name);
  let weightBytes = 0;
  // From the dims: lazily read weights (src/models/lazy-weights-node.ts) hold no data yet.
  const count = (t: { dims: number[] }) => t.dims.reduce((a, b) => a * b, 1);
  for (const p of net.weights.values()) weightBytes += (count(p.weight) + count(p.bias)) * FLOAT;
  const layers = net.table.layers.map((l) => ({
    name: l.name,
    kind: l.kind,
    channels: l.kind === 'conv' ? net.weights.get(l.name)?.weight.dims[0] : undefined,
  }));
  return { width, height, layers, deepest, weightBytes, convForm, winogradOutput };
}


/**
 * Tensors of a layer's size alive at once in a forward-only pass (input, output and the
 * CPU provider's blocked-layout copies around each Conv). onnxruntime's arena keeps what
 * that pass grew for the rest of the process, so it adds to the evaluation's peak.
 */
export const FEATURE_PASS_COPIES = 4;

/** Peak bytes of the forward-only features pass over one image (weights and runtime not included). */
export function estimateFeaturePass(q: MemoryQuery): number {
  let h = q.height;
  let w = q.width;
  let c = 3;
  let largest = 3 * h * w;
  for (const layer of q.layers) {
    if (layer.kind === 'conv') c = layer.channels ?? c;
    else if (layer.kind === 'pool') {
      h = Math.floor(h / 2);
      w = Math.floor(w / 2);
    }
    largest = Math.max(largest, c * h * w);
    if (layer.name === q.deepest) break;
  }
  return FEATURE_PASS_COPIES * largest * FLOAT;
}
