/**
 * Plain data that describes a network: which layers, in what order, and how an RGB image
 * becomes the network's input. Everything here is typed arrays and numbers so the browser
 * build can use it unchanged.
 */

/** A dense float32 tensor in row-major order. */
export interface Tensor {
  dims: number[];
  readonly data: Float32Array;
  /**
   * What the values are without reading them: the weight file's identity and the tensor's
   * name (src/models/lazy-weights-node.ts). Graphs carry it instead of the bytes where they
   * can (LazyData in src/graph/builder.ts); a tensor with a recipe may not hold its data
   * until its network's `load()` ran.
   */
  readonly recipe?: string;
}

/** One convolution's parameters: weight in PyTorch/ONNX layout OIHW, bias of length O. */
export interface ConvParams {
  weight: Tensor;
  bias: Tensor;
}

/**
 * Conv layer name as Caffe names it (`conv1_1`) → its parameters. `load`, where present,
 * makes the data of lazily read weights readable (src/models/lazy-weights-node.ts): call it
 * (loadWeights) before anything reads their values — making a graph's bytes does.
 */
export type ConvWeights = Map<string, ConvParams> & { load?(): Promise<void> };

/** Makes every weight's data readable (ConvWeights.load); a no-op for weights read whole. */
export async function loadWeights(weights: ConvWeights): Promise<void> {
  await weights.load?.();
}

export type LayerKind = 'conv' | 'relu' | 'pool';

export interface LayerSpec {
  /** Caffe name: conv1_1, relu1_1, pool1, … */
  name: string;
  kind: LayerKind;
  /** conv only: torchvision state-dict prefix, e.g. `features.0` (→ `.weight`, `.bias`). */
  stateDictKey?: string;
}

/** Which architecture a weight file follows. Channel widths come from the weights. */
export type Architecture = 'vgg19' | 'vgg16';

export interface LayerTable {
  architecture: Architecture;
  layers: LayerSpec[];
}

/**
 * How RGB pixels in [0, 1] become network input, per channel c of the network:
 *   input[c] = (rgb01[channelOrder[c]] * scale − mean[c]) / std[c]
 * Postprocessing inverts exactly this.
 */
export interface Preprocessing {
  family: 'caffe' | 'torchvision' | 'frossard';
  /** For each network channel, which RGB channel feeds it: [0,1,2] for RGB, [2,1,0] for BGR. */
  channelOrder: [number, number, number];
  /** 255 for Caffe-style 0–255 input, 1 for torchvision. */
  scale: number;
  /** Per network channel, in scaled units. */
  mean: [number, number, number];
  /** Per network channel; 1 where the family does not divide. */
  std: [number, number, number];
}

/** A model ready to build graphs from: its layers, their weights, its preprocessing. */
export interface LoadedModel {
  name: string;
  table: LayerTable;
  weights: ConvWeights;
  preprocessing: Preprocessing;
}
