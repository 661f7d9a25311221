/** L-BFGS as the project runs it (jcjohnson's settings: lr 1, no line search) — its record. */
import { msg, opt } from '../errors.js';
import type { OptionSpec } from '../options/types.js';
import { createOptimizer } from './create.js';
import { numberSetting, type OptimizerRecord, type OptimizerSettings } from './record.js';

const NUM_CORRECTION: OptionSpec<number> = {
  scope: 'stylize',
  key: 'lbfgsNumCorrection',
  kind: { type: 'int', min: 1, max: 10_000 },
  default: 100,
  label: 'L-BFGS history',
  help: 'L-BFGS history size (correction pairs kept); fewer uses less memory.',
  group: 'Optimisation',
  objective: true,
  valueName: '<n>',
};

const history = (s: OptimizerSettings) => numberSetting(s, NUM_CORRECTION.key, NUM_CORRECTION.default);

export const lbfgsRecord: OptimizerRecord = {
  kind: 'lbfgs',
  label: 'L-BFGS',
  help: 'better results, more memory',
  options: [NUM_CORRECTION],
  usesLearningRate: false,
  create: (s, state) => createOptimizer({ kind: 'lbfgs', lr: 1, historySize: history(s) }, state),
  // 2 × history (y, s pairs), plus the direction, the previous gradient and two scratch vectors.
  vectors: (s) => 2 * history(s) + 4,
  memoryHints: (s) => ({
    ways: [msg`${opt('optimizer')} adam`, msg`a smaller ${opt(NUM_CORRECTION.key)}`],
    // The optimiser's vectors are image-sized: at print sizes the history alone is many GB.
    bulk: { vectors: 2 * history(s), what: `the L-BFGS history of ${history(s)} steps` },
  }),
  advice: () => ({
    parts: msg`L-BFGS took too large a step; the loss weights are likely too large for this model: lower ${opt('styleWeight')} and ${opt(
      'contentWeight',
    )}, or use ${opt('optimizer')} adam`,
    suggestion: { option: 'optimizer', value: 'adam' },
  }),
  freshState: (s) => lbfgsRecord.create(s).getState(),
};
