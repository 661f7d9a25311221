/** The kinds of option most terms bring: a weight, a list of layers; typed by their keys (types.ts `defineTerm`). */
import type { OptionSpec } from '../options/types.js';

export function weightOption<const K extends string>(key: K, value: number, label: string, help: string) {
  return {
    key,
    kind: { type: 'number', min: 0 },
    default: value,
    label,
    help,
    group: 'Optimisation',
    scope: 'stylize',
    objective: true,
    valueName: '<w>',
  } as const satisfies OptionSpec<number, K>;
}

export function layersOption<const K extends string>(key: K, value: string[], label: string, help: string) {
  return {
    key,
    kind: { type: 'layers' },
    default: value,
    label,
    help,
    group: 'Network',
    scope: 'stylize',
    objective: true,
    valueName: '<layers>',
  } as const satisfies OptionSpec<string[], K>;
}
