export type { KindValue, OptionGroup, OptionKind, OptionScope, OptionSpec, OptionValues, SpecValue } from './types.js';
export { allowedText, checkOptionValue, optionText, parseOptionText } from './kinds.js';
export { byGroup, GROUP_ORDER, stylizeOptionSpec, stylizeOptionSpecs } from './table.js';
export { DEFAULT_STYLIZE_OPTIONS, defaultStylizeOptions, objectiveSettings, resolveOptions } from './resolve.js';
export { applyPreset, PRESETS, type Preset } from './presets.js';
export { runOptionSpecs } from './run-options.js';
export { asText, parseOptionValues, pickValues, type ParsedValues } from './parse.js';
export type { BuiltinStylizeOptions, InitMode, OptimizerName, StylizeOptions } from './stylize-options.js';
