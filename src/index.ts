/**
 * neural-style's public API, platform-neutral (Node and browsers): what a user of the
 * library calls. Pass onnxruntime in yourself (`onnxruntime-node` in Node, `onnxruntime-web`
 * in a browser) and import the platform entry once — `neural-style/node` or
 * `neural-style/browser` — which registers that platform's backends and brings its file,
 * download and image helpers. The graph, objective and tile internals, for other
 * objectives and tools, are `neural-style/advanced`.
 */

// The algorithm
export { createStylizer, stylize, Stylizer } from './stylize/stylize.js';
export type { Checkpoint, Progress, ProgressData, RunInput, RunSettings, StageInfo, StylizeInput, StylizeResult, StylizerInput } from './stylize/stylize.js';
export { progressData } from './stylize/types.js';
export { checkLayers, checkMemory, checkSizes, chooseTile, preflight, runMemory } from './stylize/preflight.js';
export type { PreflightInput, RunMemory } from './stylize/preflight.js';

// Options: one table drives defaults, validation, the CLI, the web form and checkpoints
export {
  DEFAULT_STYLIZE_OPTIONS, PRESETS, allowedText, applyPreset, checkOptionValue, defaultStylizeOptions, objectiveSettings, optionText, parseOptionText,
  parseOptionValues, pickValues, resolveOptions, runOptionSpecs, stylizeOptionSpec, stylizeOptionSpecs,
} from './options/index.js';
export type { InitMode, OptimizerName, OptionKind, OptionSpec, OptionValues, Preset, StylizeOptions } from './options/index.js';

// Errors: one base class; messages keep option references as data (render them your way)
export {
  DownloadError, GraphError, InputError, NeuralStyleError, NumericalError, OptionError, OutOfMemoryError, UsageError, WeightsError,
  msg, opt, optionKey, renderParts,
} from './errors.js';
export type { MessagePart, OptionNamer, OptionRef, Suggestion } from './errors.js';

// Where a run's start-up went: each phase is a User Timing measure (`neural-style:<phase>`)
export { clearPhases, recordedPhases, type PhaseTime } from './util/phases.js';

// Masks (Gatys et al. 2017 spatial control)
export { checkMasks, isEmptyMask, maskFromImage, resizeMask } from './masks/index.js';
export type { Mask, MaskMode } from './masks/index.js';

// Images
export type { RgbImage } from './image/types.js';
export { fitMaxSide, resize } from './image/resize.js';
export { fromBytes, toRgbaBytes } from './image/convert.js';
export { originalColors } from './image/original-colors.js';

// Video (Ruder et al.): frames in and out through callbacks; Node's ffmpeg and flow helpers are in neural-style/node
export { quantize, stylizeVideo } from './video/stylize-video.js';
export type { FrameResult, VideoFrames, VideoProgress, VideoResult, VideoRun } from './video/stylize-video.js';
export type { FlowProvider, GrayImage } from './video/flow/types.js';
export { VIDEO_DEFAULTS, VIDEO_OPTIONS, type VideoSettings } from './video/options.js';

// Checkpoints: a run's fingerprint and its bytes
export { checkResume, decodeCheckpoint, encodeCheckpoint, fingerprint, fingerprintDifference, imageHash } from './checkpoint/index.js';
export type { Fingerprint, SavedRun } from './checkpoint/index.js';

// Extension points, each a record in a table: backends, optimisers, loss terms
export { backendNames, backendProfile, backendProfiles, chooseBackend, cpuBackend, registerBackend, unregisterBackend, wasmBackend, webgpuBackend } from './backends/index.js';
export type { BackendChoice, BackendProbe, BackendProfile, ConvFormTable } from './backends/index.js';
export { Adam, Lbfgs, Rmsprop, createOptimizer, optimizerRecord, optimizerRecords, packState, registerOptimizer, unpackState, unregisterOptimizer } from './optim/index.js';
export type { Optimizer, OptimizerRecord, OptimizerSettings, OptimizerState } from './optim/index.js';
export { blendedStyles, contentSource, defineTerm, lossTerms, partNames, registerLossTerm, stackedStyles, unregisterLossTerm } from './losses/index.js';
export type { FeedContext, IterationContext, LossTerm, RunShape, Statistic, TargetSource, TermBuild, TermInput, TermOptions, TermTarget, TermTiling } from './losses/index.js';
export { parameterisationFor, parameterisationNames } from './parameterisations/index.js';
export { methodNames, methodOf, methods, registerMethod, unregisterMethod } from './methods/index.js';
export type { Method, MethodContext } from './methods/index.js';
export type { Parameterisation } from './parameterisations/index.js';

// Models: the registry, layer tables, preprocessing, weight files, the offline random model
export { DEFAULT_MODEL, MODELS, RANDOM_MODEL, getModelEntry, modelNames, weightFileName } from './models/registry.js';
export type { ModelEntry } from './models/registry.js';
export { convLayers, layerTableFor, vgg16Table, vgg19Table } from './models/layers.js';
export { fromNetworkInput, preprocessingFor, toNetworkInput } from './models/preprocessing.js';
export { randomVggModel, randomVggWeights } from './models/random-model.js';
export { detectFormat, readConvWeights } from './models/formats/detect.js';
export { encodeSafetensors } from './models/formats/safetensors.js';
export { bytesSource } from './models/formats/byte-source.js';
export type { ByteSource } from './models/formats/byte-source.js';
export type { ConvWeights, LayerTable, LoadedModel, Preprocessing, Tensor } from './models/types.js';

// What an evaluation reports, and the loss series a chart or plot draws
export type { Evaluation, Evaluator, LossParts } from './runtime/objective.js';
export type { OrtModule } from './runtime/ort.js';
export { lossSeries, seriesValue, type LossSeries } from './util/loss-series.js';
