/** Optimisers on Float32Array, driven by the caller (reverse communication); see types.ts. */
export type { Optimizer, OptimizerKind, OptimizerState, StateValue } from './types.js';
export { Lbfgs, type LbfgsOptions, type LbfgsState } from './lbfgs.js';
export { Adam, type AdamOptions, type AdamState } from './adam.js';
export { serializeState, deserializeState, packState, unpackState } from './state-io.js';
export { createOptimizer, type OptimizerOptions } from './create.js';
