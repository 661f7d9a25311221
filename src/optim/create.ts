import { Adam, type AdamOptions } from './adam.js';
import { Lbfgs, type LbfgsOptions } from './lbfgs.js';
import type { Optimizer, OptimizerState } from './types.js';
import { InputError } from '../errors.js';

export type OptimizerOptions = ({ kind: 'lbfgs' } & LbfgsOptions) | ({ kind: 'adam' } & AdamOptions);

/**
 * An optimiser by name, e.g. from `-optimizer lbfgs|adam`. With `state`, the new optimiser
 * continues from that snapshot (its hyperparameters included).
 */
export function createOptimizer(options: OptimizerOptions, state?: OptimizerState): Optimizer {
  const opt: Optimizer = options.kind === 'lbfgs' ? new Lbfgs(options) : new Adam(options);
  if (state !== undefined) {
    if (state.kind !== options.kind) {
      throw new InputError(
        `optimizer state: the checkpoint was made with ${JSON.stringify(state.kind)}, ` +
          `but this run uses "${options.kind}"; resume with the same optimizer`,
      );
    }
    opt.setState(state);
  }
  return opt;
}
