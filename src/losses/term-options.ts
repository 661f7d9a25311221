/** The two kinds of option most terms bring: a weight and a list of layers. */
import type { OptionSpec } from '../options/types.js';

export function weightOption(key: string, value: number, label: string, help: string): OptionSpec {
  return { key, kind: { type: 'number', min: 0 }, default: value, label, help, group: 'Optimisation', scope: 'stylize', objective: true, valueName: '<w>' };
}

export function layersOption(key: string, value: string[], label: string, help: string): OptionSpec {
  return { key, kind: { type: 'layers' }, default: value, label, help, group: 'Network', scope: 'stylize', objective: true, valueName: '<layers>' };
}
