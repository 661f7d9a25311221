/**
 * The settings form's rules, without a DOM: which library options the form shows, the
 * words it names them by, their HTML limits, their starting values, and how the fields'
 * text becomes options. Every limit and every check is the options table's
 * (src/options), read through the same `parseOptionText` and `resolveOptions` the CLI
 * and the library use, so the form cannot accept what the library refuses or refuse what
 * it accepts. panels/settings.ts binds these to the page; Node tests import this file.
 */
import {
  MODELS,
  PRESETS,
  methods,
  optimizerRecords,
  optionText,
  parseOptionText,
  resolveOptions,
  stylizeOptionSpec,
  type Method,
  type OptionSpec,
  type StylizeOptions,
} from '../../src/index.js';
import type { WeightsInfo } from './protocol.js';

/** The options the form has a field for (`data-option="<key>"` in index.html), in form order. */
export const FORM_OPTIONS = [
  'method',
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
 * The browser's numbers that also cap a method's own starting values, for the same
 * reason: NNST's and STROTSS's 512 px is four scales of 200 iterations (64 … 512 px; NNST
 * adds a last pass at full size), the finest at 4× the pixels of 256 px — well over an
 * hour on WASM. At 256 px they run three scales, and the user can still type 512.
 */
const BROWSER_CAPS: readonly FormOption[] = ['imageSize', 'numIterations'];

/**
 * Fields a method's starting values leave alone: no method sets the seed, and its field
 * is also the offline weights' seed (it sits with the weights), so rewriting it when the
 * method changes would leave the form disagreeing with the weights that are loaded.
 */
const NOT_THE_METHODS: readonly FormOption[] = ['seed'];

/** The method a run gets when none is chosen (the option's default). */
const DEFAULT_METHOD = (): string => specOf('method').default as string;

/** The registered method by name; the default one for a name that is not (yet) registered. */
export function methodNamed(name: unknown): Method {
  const all = methods();
  return all.find((m) => m.name === name) ?? all.find((m) => m.name === DEFAULT_METHOD())!;
}

/**
 * Whether the method in `o` reads a loss term's option (its weight, the style statistic):
 * when one of its terms carries the option, or when it sets the option in its defaults —
 * a method sets what it reads with a meaning of its own (STROTSS's content weight is its
 * α, the share of self-similarity against style at the first scale).
 */
function methodReads(key: FormOption): (o: Partial<StylizeOptions>) => boolean {
  return (o) => {
    const m = methodNamed(o.method);
    return key in m.defaults.options || m.terms(o as StylizeOptions).some((t) => t.options.some((s) => s.key === key));
  };
}

/**
 * Fields that only mean something for some settings, with the condition: hidden and not
 * read otherwise (the Adam step size is no L-BFGS setting; the style weight is no NNST
 * setting). What a method reads is taken from its record (src/methods): the loss terms'
 * options from its terms (methodReads); the start only where the method leaves it to the
 * caller — NNST and STROTSS set `init` in their defaults because they start from the
 * content their own way (NNST from its Laplacian pyramid with the finest levels zeroed,
 * STROTSS from its low frequencies, refusing noise); the original colours only where the
 * method has no colour finish of its own (an option of its own among the output's, as
 * NNST's colour match, which replaces them: its stages run without). The colour control
 * stays for every method: the Stylizer applies it around any method's run.
 */
export const SHOWN_WHEN: Partial<Record<FormOption, (o: Partial<StylizeOptions>) => boolean>> = {
  learningRate: (o) => optimizerRecords().some((r) => r.kind === o.optimizer && r.usesLearningRate),
  contentWeight: methodReads('contentWeight'),
  styleWeight: methodReads('styleWeight'),
  tvWeight: methodReads('tvWeight'),
  styleLoss: methodReads('styleLoss'),
  init: (o) => !('init' in methodNamed(o.method).defaults.options),
  originalColors: (o) => !methodNamed(o.method).options.some((s) => s.group === specOf('originalColors').group),
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

/**
 * How a choice field names its choices where the records have words for them (the
 * methods' labels: "NNST-Opt" for nnst); the page's own wording in index.html otherwise.
 */
export function choiceWords(key: FormOption): Map<string, string> {
  return key === 'method' ? new Map(methods().map((m) => [m.name, m.label])) : new Map();
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

/**
 * The value a field starts with for a method (the default one unless named): the method's
 * own default where it has one (capped by the browser's, BROWSER_CAPS), else the
 * browser's, else the table's.
 */
export function startValue(key: FormOption, method: string = DEFAULT_METHOD()): unknown {
  if (key === 'method') return methodNamed(method).name;
  const own = methodNamed(method).defaults.options[key];
  const browser = BROWSER_DEFAULTS[key];
  if (own === undefined) return key in BROWSER_DEFAULTS ? browser : specOf(key).default;
  if (BROWSER_CAPS.includes(key) && typeof own === 'number' && typeof browser === 'number') return Math.min(own, browser);
  return own;
}

/** Every field's starting value as the page writes it (text, or a checkbox's state). */
export function startValues(method: string = DEFAULT_METHOD()): Record<FormOption, FieldValue> {
  const out = {} as Record<FormOption, FieldValue>;
  for (const key of FORM_OPTIONS) {
    const v = startValue(key, method);
    out[key] = typeof v === 'boolean' ? v : optionText(v);
  }
  return out;
}

/**
 * A method chosen in the form: the values its fields are rewritten to (its starting
 * values; the fields no method sets keep theirs), and a note when it was made for other
 * weights than those loaded ('' otherwise; `loaded` absent: none loaded yet).
 */
export function methodForForm(name: string, loaded?: Pick<WeightsInfo, 'architecture' | 'preprocessing' | 'lowQuality'>): { fields: Partial<Record<FormOption, FieldValue>>; note: string } {
  const method = methodNamed(name);
  const all = startValues(method.name);
  const fields: Partial<Record<FormOption, FieldValue>> = {};
  for (const key of FORM_OPTIONS) if (!NOT_THE_METHODS.includes(key) || key in method.defaults.options) fields[key] = all[key];
  return { fields, note: modelNote(method, loaded) };
}

/**
 * "Made for the vgg16-torchvision weights." when the method names a network and the loaded
 * weights are not it (another architecture or preprocessing, or generated ones).
 */
function modelNote(method: Method, loaded?: Pick<WeightsInfo, 'architecture' | 'preprocessing' | 'lowQuality'>): string {
  const model = method.defaults.model;
  if (!model) return '';
  const entry = MODELS.find((m) => m.name === model);
  const same = loaded && entry && !loaded.lowQuality && entry.architecture === loaded.architecture && entry.preprocessing === loaded.preprocessing;
  return same ? '' : `Made for the ${model} weights.`;
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
  const seen = { ...libraryDefaults(out.method), ...out };
  for (const key of FORM_OPTIONS) if (SHOWN_WHEN[key] && isShown(key, seen)) read(key);
  const options = { ...out, ...typed };
  resolveOptions(options, typed.styleBlendWeights?.length);
  return options;
}

/** What a condition sees where a field is absent: what the library would use (the method's defaults over the table's). */
function libraryDefaults(method: unknown): Partial<StylizeOptions> {
  const table = Object.fromEntries(FORM_OPTIONS.map((key) => [key, specOf(key).default])) as Partial<StylizeOptions>;
  return { ...table, ...methodNamed(method).defaults.options };
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
