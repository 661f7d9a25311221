/**
 * neural-style's public API, platform-neutral (Node and browsers). Node-only helpers
 * (files, downloads, sharp) are in `neural-style/node`. Pass onnxruntime in yourself:
 * `onnxruntime-node` in Node, `onnxruntime-web` in a browser.
 */

// The algorithm
export { stylize, resolveOptions } from './stylize/stylize.js';
export type { Checkpoint, Progress, StylizeInput, StylizeResult } from './stylize/stylize.js';
export { DEFAULT_STYLIZE_OPTIONS, PRESETS } from './stylize/options.js';
export type { InitMode, OptimizerName, StylizeOptions } from './stylize/options.js';

// Errors
export {
  DownloadError, GraphError, InputError, NeuralStyleError, NumericalError, OutOfMemoryError, UsageError, WeightsError,
} from './errors.js';

// Models: layer tables, preprocessing, weight files, the offline random model
export { layerTableFor, vgg16Table, vgg19Table } from './models/layers.js';
export { fromNetworkInput, preprocessingFor, toNetworkInput } from './models/preprocessing.js';
export { randomVggModel, randomVggWeights } from './models/random-model.js';
export { MODELS, getModelEntry } from './models/registry.js';
export type { ModelEntry } from './models/registry.js';
export { detectFormat, readConvWeights } from './models/formats/detect.js';
export { bytesSource } from './models/formats/byte-source.js';
export type { ByteSource } from './models/formats/byte-source.js';
export type { ConvWeights, LayerTable, LoadedModel, Preprocessing, Tensor } from './models/types.js';

// The compiled objective, for callers that run their own loop
export { CompiledObjective } from './runtime/objective.js';
export type { Evaluation, Evaluator, LossParts } from './runtime/objective.js';
export { FeatureExtractor, blendStyleTargets } from './runtime/features.js';
export type { Targets } from './runtime/features.js';
export type { BackendName, OrtModule } from './runtime/ort.js';
export { DEFAULT_OBJECTIVE } from './objective/spec.js';
export type { ObjectiveSpec } from './objective/spec.js';

// Optimisers
export { Adam, Lbfgs, createOptimizer, packState, unpackState } from './optim/index.js';
export type { Optimizer, OptimizerState } from './optim/index.js';

// Images
export type { RgbImage } from './image/types.js';
export { fitMaxSide, resize } from './image/resize.js';
export { originalColors } from './image/original-colors.js';

// Graph building and reverse-mode differentiation, for other objectives
export { GraphBuilder } from './graph/builder.js';
export { addGradient } from './graph/backward.js';
export { encodeModel } from './graph/encode.js';
