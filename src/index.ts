/**
 * neural-style's public API, platform-neutral (Node and browsers). Node-only helpers
 * (files, downloads, sharp) are in `neural-style/node`. Pass onnxruntime in yourself:
 * `onnxruntime-node` in Node, `onnxruntime-web` in a browser.
 */

// The algorithm
export { createStylizer, stylize, Stylizer } from './stylize/stylize.js';
export type { Checkpoint, Progress, RunInput, StageInfo, StylizeInput, StylizeResult, StylizerInput } from './stylize/stylize.js';
export { checkLayers, checkMemory, checkSizes, chooseTile, preflight, runMemory } from './stylize/preflight.js';
export type { PreflightInput, RunMemory } from './stylize/preflight.js';

// Options: one table drives defaults, validation, the CLI, the web form and checkpoints
export {
  DEFAULT_STYLIZE_OPTIONS, PRESETS, allowedText, checkOptionValue, defaultStylizeOptions, objectiveSettings, parseOptionText,
  resolveOptions, stylizeOptionSpec, stylizeOptionSpecs,
} from './options/index.js';
export type { InitMode, OptimizerName, OptionKind, OptionSpec, StylizeOptions } from './options/index.js';

// Loss terms: records in a table; register your own
export { lossTerms, partNames, registerLossTerm, unregisterLossTerm } from './losses/index.js';
export type { FeedContext, LossTerm, ReduceBuild, Statistic, TargetSource, TermBuild, TermOptions, TermTiling, TileBuild } from './losses/index.js';

// Errors
export {
  DownloadError, GraphError, InputError, NeuralStyleError, NumericalError, OptionError, OutOfMemoryError, UsageError, WeightsError,
  msg, opt, renderParts,
} from './errors.js';
export type { MessagePart, OptionNamer, OptionRef, Suggestion } from './errors.js';

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
export { FeatureExtractor, blendTargets } from './runtime/features.js';
export type { Targets } from './runtime/features.js';
export type { OrtModule } from './runtime/ort.js';
export { names } from './objective/names.js';
// The same objective tile by tile, for images too large for one pass (src/tiles)
export { checkTileable, TiledObjective } from './tiles/tiled-objective.js';
export type { TileListener, TileProgress } from './tiles/tiled-objective.js';
export { layoutTiles, tileGeometry } from './tiles/layout.js';
export type { Box, Tile, TileGeometry } from './tiles/layout.js';
export { buildObjectiveGraph } from './objective/objective-graph.js';

// Optimisers
export { Adam, Lbfgs, Rmsprop, createOptimizer, optimizerRecord, optimizerRecords, packState, registerOptimizer, unpackState, unregisterOptimizer } from './optim/index.js';
export type { Optimizer, OptimizerRecord, OptimizerSettings, OptimizerState } from './optim/index.js';

// Images
export type { RgbImage } from './image/types.js';
export { fitMaxSide, resize } from './image/resize.js';
export { originalColors } from './image/original-colors.js';

// Graph building and reverse-mode differentiation, for other objectives
export { GraphBuilder } from './graph/builder.js';
export { addGradient } from './graph/backward.js';
export { encodeModel } from './graph/encode.js';
