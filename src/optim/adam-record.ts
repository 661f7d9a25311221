/** Adam as a run's optimiser (the learning rate from the options table) — its record. */
import { msg, opt } from '../errors.js';
import type { OptionSpec } from '../options/types.js';
import type { AdamState } from './adam.js';
import { createOptimizer } from './create.js';
import { formatNumber } from './format.js';
import { numberSetting, type OptimizerRecord } from './record.js';
import type { OptimizerState } from './types.js';

const BETA2: OptionSpec<number> = {
  scope: 'stylize',
  key: 'adamBeta2',
  kind: { type: 'number', min: 0, max: 0.999999 },
  default: 0.999,
  label: 'Adam β₂',
  help: "Adam's second-moment decay (crowsonkb uses 0.99).",
  group: 'Optimisation',
  objective: true,
  valueName: '<beta>',
};

export const adamRecord: OptimizerRecord = {
  kind: 'adam',
  label: 'Adam',
  help: 'less memory; tune the learning rate',
  options: [BETA2],
  usesLearningRate: true,
  create: (s, state) => createOptimizer({ kind: 'adam', lr: s.learningRate, beta2: numberSetting(s, BETA2.key, BETA2.default) }, state),
  // The pre-flight's count before the records (its two moments, with as much again to spare):
  // the memory model was fitted with it.
  vectors: () => 4,
  /**
   * Adam moves every pixel by about its step size each iteration whatever the gradient's
   * scale, so a step above a tenth of the pixel span throws the image out of range within a
   * few iterations; the advice is a tenth of the current step or a tenth of the span,
   * whichever is smaller.
   */
  advice: (s, pixelSpan) => {
    const value = Number(formatNumber(Math.min(s.learningRate / 10, pixelSpan / 10)));
    return {
      parts: msg`the Adam step size (${opt('learningRate')} ${formatNumber(s.learningRate)}) is likely too large: try ${opt('learningRate')} ${formatNumber(value)}`,
      suggestion: { option: 'learningRate', value },
    };
  },
  // crowsonkb's scale_adam: both moments resized (bilinear here, where he uses bicubic for
  // the first), the second clipped at 0; the step count carries on, so the bias corrections do too.
  warmStart: (state, resize) => {
    const s = state as Partial<AdamState> & OptimizerState;
    if (!s.m || !s.v) return undefined;
    return { ...s, m: resize(s.m), v: resize(s.v).map((t) => Math.max(0, t)) };
  },
  freshState: (s) => adamRecord.create(s).getState(),
};
