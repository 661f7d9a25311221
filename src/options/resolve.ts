/**
 * Options after defaults, checked: the one validation every front end goes through (the
 * CLI after reading its flags, the library's `stylize`/`createStylizer`, the web form).
 * Checks that need the model (layer names) or the images (sizes, memory) are in
 * src/stylize/preflight.ts.
 */
import { msg, opt, OptionError, UsageError } from '../errors.js';
import { termWeight } from '../losses/index.js';
import { methodOf } from '../methods/index.js';
import { checkOptionValue } from './kinds.js';
import type { StylizeOptions } from './stylize-options.js';
import { stylizeOptionSpecs } from './table.js';

/** Every option's default (the registered loss terms' included). */
export function defaultStylizeOptions(): StylizeOptions {
  const out: Record<string, unknown> = {};
  for (const s of stylizeOptionSpecs()) if (s.default !== undefined) out[s.key] = s.default;
  return out as StylizeOptions;
}

/** The built-in defaults, as a value (jcjohnson/neural-style's). */
export const DEFAULT_STYLIZE_OPTIONS: Readonly<StylizeOptions> = Object.freeze(defaultStylizeOptions());

/**
 * Defaults filled in, every value checked against its record, and the checks that span
 * options. `styleCount`, when known, checks the blend weights' count.
 */
export function resolveOptions(partial: Partial<StylizeOptions> = {}, styleCount?: number): StylizeOptions {
  const specs = stylizeOptionSpecs();
  for (const [key, value] of Object.entries(partial)) {
    const spec = specs.find((s) => s.key === key);
    if (!spec) {
      throw new OptionError(key, value, 'a known option', {
        problem: [`unknown option '${key}'; the options are ${specs.map((s) => s.key).join(', ')}`],
      });
    }
    if (value !== undefined) checkOptionValue(spec, value);
  }
  const defined = Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined));
  // The method's own defaults (its optimiser, schedule, parameterisation) over the table's; what was given over both.
  const o = { ...defaultStylizeOptions(), ...methodOf(defined).defaults.options, ...defined } as StylizeOptions;

  const sizes = o.multires ?? [];
  if (sizes.some((s, i) => s >= (sizes[i + 1] ?? o.imageSize))) {
    throw new OptionError('multires', sizes, 'increasing sizes below the image size', {
      problem: msg`${opt('multires')} sizes must increase and stay below ${opt('imageSize')} ${o.imageSize}, got '${sizes.join(',')}'`,
    });
  }
  if (o.multiresFrom !== undefined && sizes.length > 0) {
    throw new UsageError(msg`${opt('multires')} and ${opt('multiresFrom')} both set the coarse-to-fine sizes: choose one`);
  }
  if (o.multiresIterations && o.multiresIterations.length !== sizes.length) {
    throw new OptionError('multiresIterations', o.multiresIterations, `${sizes.length} count(s)`, {
      problem: msg`${opt('multiresIterations')} has ${o.multiresIterations.length} count(s) for ${sizes.length} ${opt('multires')} size(s)`,
    });
  }
  if (styleCount !== undefined && o.styleBlendWeights && o.styleBlendWeights.length !== styleCount) {
    throw new OptionError('styleBlendWeights', o.styleBlendWeights, `${styleCount} weight(s)`, {
      problem: msg`${opt('styleBlendWeights')} has ${o.styleBlendWeights.length} weight(s) but there ${
        styleCount === 1 ? 'is 1 style image' : `are ${styleCount} style images`
      }`,
    });
  }
  if (o.colorControl !== 'none' && o.originalColors) {
    throw new UsageError(msg`${opt('originalColors')} and ${opt('colorControl')} ${o.colorControl} both decide the result's colours: choose one`);
  }
  if (o.averageIterates !== undefined && o.keepBest) {
    throw new UsageError(msg`${opt('keepBest')} and ${opt('averageIterates')} both choose what is returned: choose one`);
  }
  if (styleCount === 0) throw new UsageError('at least one style image is needed');
  const method = methodOf(o);
  if (!method.tileable && typeof o.tile === 'number') {
    // A nearest-neighbour search (NNST) or a transport plan (STROTSS) compares every position with every style feature: no tile sees its share alone.
    throw new UsageError(msg`${opt('method')} ${method.name} cannot run in tiles (each position is matched against the whole style, not a tile of it): leave ${opt('tile')} at auto or off`);
  }
  // The method's terms: its objective's (gatys: the registered ones).
  const terms = method.terms(o);
  for (const t of terms) if (termWeight(t, o) !== 0) t.check?.(o);
  if (terms.every((t) => termWeight(t, o) === 0)) {
    // Terms only some runs have (omitWhenOff: the temporal loss) are not named: an image command has no such flag.
    const weights = terms.filter((t) => !t.omitWhenOff).map((t) => t.weight);
    throw new UsageError([
      ...weights.flatMap((k, i) => [opt(k), i < weights.length - 2 ? ', ' : i === weights.length - 2 ? ' and ' : '']),
      ' are all 0: there is nothing to optimise; give at least one a weight above 0',
    ]);
  }
  return o;
}

/**
 * The options that shape a run's trajectory (records marked `objective`), by key: what a
 * checkpoint's fingerprint holds, so a new option marked so is checked on resume without
 * anyone listing it again. Blend weights left out mean equal weights.
 */
export function objectiveSettings(o: StylizeOptions, styleCount: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const s of stylizeOptionSpecs()) {
    if (!s.objective) continue;
    out[s.key] = o[s.key] ?? null;
  }
  if (out.styleBlendWeights === null) out.styleBlendWeights = Array.from({ length: styleCount }, () => 1);
  return out;
}
