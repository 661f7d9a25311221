/** Optimisers on Float32Array, driven by the caller (reverse communication); see types.ts. */
export type { Optimizer, OptimizerKind, OptimizerState, StateValue } from './types.js';
export { Lbfgs, type LbfgsOptions, type LbfgsState } from './lbfgs.js';
export { Adam, type AdamOptions, type AdamState } from './adam.js';
export { Rmsprop, type RmspropOptions, type RmspropState } from './rmsprop.js';
export { serializeState, deserializeState, packState, unpackState } from './state-io.js';
export { createOptimizer, restoreState, type OptimizerOptions } from './create.js';
// Optimisers as records: what the options table, the stylizer, the pre-flight and the job worker read.
export type { MemoryHints, OptimizerAdvice, OptimizerRecord, OptimizerSettings, ResizeVector } from './record.js';
export { optimizerChoiceHelp, optimizerRecord, optimizerRecords, registerOptimizer, unregisterOptimizer } from './registry.js';
export { formatNumber } from './format.js';
