/**
 * The settings form's rules, without a DOM: which library options the form shows, the
 * words it names them by, their HTML limits, their starting values, and how the fields'
 * text becomes options. Every limit and every check is the options table's
 * (src/options), read through the same `parseOptionText` and `resolveOptions` the CLI
 * and the library use, so the form cannot accept what the library refuses or refuse what
 * it accepts. panels/settings.ts binds these to the page; Node tests import this file.
 */
import { PRESETS, optimizerRecords, optionText, parseOptionText, resolveOptions, stylizeOptionSpec, type OptionSpec, type StylizeOptions } from '../../src/index.js';

/** The options the form has a field for (`data-option="<key>"` in index.html), in form order. */
export const FORM_OPTIONS = [
  'imageSize',
  'numIterations',
  'contentWeight',
  'styleWeight',
  'tvWeight',
  'optimizer',
  'learningRate',
  'init',
  'originalColors',
  'colorControl',
  'styleLoss',
  'seed',
] as const;

export type FormOption = (typeof FORM_OPTIONS)[number];

/** A field's value as the page reads it: an input's text, or a checkbox's state. */
export type FieldValue = string | boolean;

/**
 * Where the browser's starting values differ from the library's defaults. WASM runs
 * about 10x slower than onnxruntime-node, so jcjohnson's 512 px × 1000 iterations
 * would take the better part of an hour there; starting from the content image shows a
 * recognisable picture after the first few iterations, which a live preview wants.
 */
const BROWSER_DEFAULTS: Partial<Record<FormOption, unknown>> = {
  imageSize: 256,
  numIterations: 200,
  init: 'image',
};

/**
 * Fields that only mean something for some settings, with the condition: hidden and not
 * read otherwise (the Adam step size is no L-BFGS setting).
 */
export const SHOWN_WHEN: Partial<Record<FormOption, (o: Partial<StylizeOptions>) => boolean>> = {
  learningRate: (o) => optimizerRecords().some((r) => r.kind === o.optimizer && r.usesLearningRate),
};

export function specOf(key: string): OptionSpec {
  const spec = stylizeOptionSpec(key);
  if (!spec) throw new Error(`the form names '${key}', which is not a library option`);
  return spec;
}

/** How the page names an option in its messages: the table's label ("Content weight"). */
export function labelOf(key: string): string {
  return stylizeOptionSpec(key)?.label ?? key;
}

/** A field's HTML constraint attributes (min, max, step), from the option's kind. */
export function fieldAttributes(spec: OptionSpec): Record<string, string> {
  const k = spec.kind;
  if (k.type !== 'int' && k.type !== 'number') return {};
  // HTML's min is inclusive; an exclusive minimum (learning rate > 0) is left to readSettings.
  const attrs: Record<string, string> = { min: String(k.min), step: k.type === 'int' ? '1' : 'any' };
  if (k.max !== undefined) attrs.max = String(k.max);
  return attrs;
}

/** The value a field starts with. */
export function startValue(key: FormOption): unknown {
  return key in BROWSER_DEFAULTS ? BROWSER_DEFAULTS[key] : specOf(key).default;
}

/** Every field's starting value as the page writes it (text, or a checkbox's state). */
export function startValues(): Record<FormOption, FieldValue> {
  const out = {} as Record<FormOption, FieldValue>;
  for (const key of FORM_OPTIONS) {
    const v = startValue(key);
    out[key] = typeof v === 'boolean' ? v : optionText(v);
  }
  return out;
}

/** Is this field in use with these settings? */
export function isShown(key: FormOption, o: Partial<StylizeOptions>): boolean {
  return SHOWN_WHEN[key]?.(o) ?? true;
}

/**
 * The form's fields (by option key) → checked options. Each field is parsed by its
 * record, then the whole is checked as the library checks it (cross-option rules
 * included), so the errors thrown are the core's own (OptionError, UsageError): the page
 * shows `err.render(labelOf)`. Fields hidden by SHOWN_WHEN and absent fields are left to
 * the library's defaults. `typed` holds options set by widgets that are not text fields
 * (the style blend sliders); they are checked along with the rest.
 */
export function readSettings(values: Record<string, FieldValue>, typed: Partial<StylizeOptions> = {}): Partial<StylizeOptions> {
  const out: Partial<StylizeOptions> = {};
  const read = (key: FormOption) => {
    const raw = values[key];
    if (raw === undefined) return;
    out[key] = parseOptionText(specOf(key), raw === true ? true : String(raw)) as never;
  };
  // Unconditional fields first, so the conditions see them.
  for (const key of FORM_OPTIONS) if (!SHOWN_WHEN[key]) read(key);
  const seen = { ...libraryDefaults(), ...out };
  for (const key of FORM_OPTIONS) if (SHOWN_WHEN[key] && isShown(key, seen)) read(key);
  const options = { ...out, ...typed };
  resolveOptions(options, typed.styleBlendWeights?.length);
  return options;
}

/** What a condition sees where a field is absent: what the library would use. */
function libraryDefaults(): Partial<StylizeOptions> {
  return Object.fromEntries(FORM_OPTIONS.map((key) => [key, specOf(key).default])) as Partial<StylizeOptions>;
}

/**
 * A preset (src/options/presets.ts) split for the form: the values of the options the form
 * has fields for (written into them, so the user sees and can change them), and the rest,
 * sent along with the form's as typed options. The preset's model is advice only: the
 * page keeps the weights it has loaded.
 */
export function presetForForm(name: string): { fields: Partial<Record<FormOption, FieldValue>>; extra: Partial<StylizeOptions>; model: string } {
  const preset = PRESETS[name];
  if (!preset) throw new Error(`no preset named '${name}'`);
  const fields: Partial<Record<FormOption, FieldValue>> = {};
  const extra: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(preset.options)) {
    if ((FORM_OPTIONS as readonly string[]).includes(key)) fields[key as FormOption] = typeof value === 'boolean' ? value : optionText(value);
    else extra[key] = value;
  }
  return { fields, extra: extra as Partial<StylizeOptions>, model: preset.model };
}
