import { Adam, type AdamOptions } from './adam.js';
import { Lbfgs, type LbfgsOptions } from './lbfgs.js';
import { Rmsprop, type RmspropOptions } from './rmsprop.js';
import type { Optimizer, OptimizerKind, OptimizerState } from './types.js';
import { InputError, OptionError } from '../errors.js';

export type OptimizerOptions =
  | ({ kind: 'lbfgs' } & LbfgsOptions)
  | ({ kind: 'adam' } & AdamOptions)
  | ({ kind: 'rmsprop' } & RmspropOptions);

const CLASSES: { [K in OptimizerKind]: (options: Extract<OptimizerOptions, { kind: K }>) => Optimizer } = {
  lbfgs: (o) => new Lbfgs(o),
  adam: (o) => new Adam(o),
  rmsprop: (o) => new Rmsprop(o),
};

/**
 * A built-in optimiser by name, e.g. from `--optimizer lbfgs|adam|rmsprop`. With `state`,
 * the new optimiser continues from that snapshot (its hyperparameters included). A run's
 * options go through the optimiser records instead (registry.ts), which call this.
 */
export function createOptimizer(options: OptimizerOptions, state?: OptimizerState): Optimizer {
  const make = CLASSES[options.kind] as ((o: OptimizerOptions) => Optimizer) | undefined;
  if (!make) throw new OptionError('optimizer', options.kind, `one of ${Object.keys(CLASSES).join(', ')}`);
  return restoreState(make(options), state);
}

/**
 * `opt`, continuing from `state` when there is one: a state of another kind is refused
 * with a message that says so (a checkpoint resumed with another optimiser).
 */
export function restoreState(opt: Optimizer, state?: OptimizerState): Optimizer {
  if (state !== undefined) {
    if (state.kind !== opt.kind) {
      throw new InputError(
        `optimizer state: the checkpoint was made with ${JSON.stringify(state.kind)}, ` +
          `but this run uses "${opt.kind}"; resume with the same optimizer`,
      );
    }
    opt.setState(state);
  }
  return opt;
}
