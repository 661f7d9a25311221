/** RMSprop as a run's optimiser (the learning rate from the options table) — its record. */
import { msg, opt } from '../errors.js';
import type { OptionSpec } from '../options/types.js';
import { createOptimizer } from './create.js';
import { formatNumber } from './format.js';
import { numberSetting, type OptimizerRecord, type OptimizerSettings } from './record.js';
import type { RmspropState } from './rmsprop.js';
import type { OptimizerState } from './types.js';

/** torch's default. */
const DEFAULT_ALPHA = 0.99;

/**
 * No default in the table (undefined, meaning 0.99): a default would put the key into
 * every run's fingerprint, and checkpoints written before RMSprop existed, which lack it,
 * would then be refused as "made with --rmsprop-alpha (none)".
 */
const ALPHA: OptionSpec<number | undefined> = {
  scope: 'stylize',
  key: 'rmspropAlpha',
  kind: { type: 'number', min: 0, max: 0.999999 },
  default: undefined,
  label: 'RMSprop α',
  help: `RMSprop's square-average decay (torch's alpha). Default: ${DEFAULT_ALPHA}.`,
  group: 'Optimisation',
  objective: true,
  valueName: '<alpha>',
};

const alpha = (s: OptimizerSettings) => numberSetting(s, ALPHA.key, DEFAULT_ALPHA);

export const rmspropRecord: OptimizerRecord = {
  kind: 'rmsprop',
  label: 'RMSprop',
  help: 'least memory; tune the learning rate',
  options: [ALPHA as OptionSpec],
  usesLearningRate: true,
  create: (s, state) => createOptimizer({ kind: 'rmsprop', lr: s.learningRate, alpha: alpha(s) }, state),
  // Its square average, with as much again to spare, as Adam's count has for its two moments.
  vectors: () => 2,
  /**
   * The square average v starts at 0 and v_t ≥ (1−α)·g_t², so |g_t|/√v_t ≤ 1/√(1−α): a
   * step moves a pixel by up to lr/√(1−α) (10·lr at α = 0.99), which it does on the first
   * step and whenever a gradient jumps above its running RMS; it settles towards lr only
   * while gradients hold steady. Unlike Adam's, that largest step is what throws the
   * image out of range, so it is the one kept within a tenth of the pixel span: the advice
   * is a tenth of the current step or √(1−α)·span/10, whichever is smaller.
   */
  advice: (s, pixelSpan) => {
    const root = Math.sqrt(1 - alpha(s));
    const value = Number(formatNumber(Math.min(s.learningRate / 10, (root * pixelSpan) / 10)));
    return {
      parts: msg`the RMSprop step size (${opt('learningRate')} ${formatNumber(s.learningRate)}, up to ${formatNumber(
        s.learningRate / root,
      )} a pixel per step) is likely too large: try ${opt('learningRate')} ${formatNumber(value)}`,
      suggestion: { option: 'learningRate', value },
    };
  },
  // As Adam's second moment: resized to the next size and clipped at 0 (a resampler may
  // overshoot below it, and √v of a negative is NaN); the step count carries on.
  warmStart: (state, resize) => {
    const s = state as Partial<RmspropState> & OptimizerState;
    if (!s.squareAvg) return undefined;
    return { ...s, squareAvg: resize(s.squareAvg).map((t) => Math.max(0, t)) };
  },
  freshState: (s) => rmspropRecord.create(s).getState(),
};
