/**
 * Per-layer weights of a term (crowsonkb's style-layer weights 256:64:16:4:1): relative
 * values, scaled to sum to the number of layers, so equal weights (the default) are
 * exactly the unweighted sum.
 */
import { msg, opt, OptionError } from '../errors.js';
import type { OptionSpec } from '../options/types.js';

export function layerWeightsOption<const K extends string>(key: K, label: string, help: string) {
  return {
    key,
    kind: { type: 'weights' },
    default: undefined,
    label,
    help,
    group: 'Network',
    scope: 'stylize',
    objective: true,
    valueName: '<weights>',
  } as const satisfies OptionSpec<number[] | undefined, K>;
}

/** w_l · L / Σ w (all 1 when none are given). */
export function layerWeights(given: readonly number[] | undefined, layers: readonly string[]): number[] {
  if (!given) return layers.map(() => 1);
  const total = given.reduce((a, b) => a + b, 0);
  return given.map((w) => (w * layers.length) / total);
}

/** One weight per layer, or none (`key`, `layersKey`: the options that hold them, for the message). */
export function checkLayerWeights(given: readonly number[] | undefined, layers: readonly string[] | undefined, key: string, layersKey: string): void {
  if (given && layers && given.length !== layers.length) {
    throw new OptionError(key, given, `${layers.length} weight(s)`, {
      problem: msg`${opt(key)} has ${given.length} weight(s) for ${layers.length} layer(s) in ${opt(layersKey)}`,
    });
  }
}
