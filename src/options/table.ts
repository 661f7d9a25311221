/**
 * The one table of the library's options: the records in stylize-options.ts plus those the
 * registered loss terms and optimisers bring. Everything that needs an option's default,
 * limits, help or label reads it here.
 */
import { backendNames } from '../backends/registry.js';
import { lossTerms } from '../losses/index.js';
import { methods } from '../methods/index.js';
import { optimizerChoiceHelp, optimizerRecords } from '../optim/registry.js';
import type { OptionGroup, OptionSpec } from './types.js';
import { STYLIZE_OPTIONS } from './stylize-options.js';

export const GROUP_ORDER: readonly OptionGroup[] = ['Input and output', 'Optimisation', 'Network', 'Progress', 'Reliability'];

/** Sorted by group (stable), so `--help`, the README and the form read group by group. */
export function byGroup(specs: OptionSpec[]): OptionSpec[] {
  return specs.map((s, i) => ({ s, i })).sort((a, b) => GROUP_ORDER.indexOf(a.s.group) - GROUP_ORDER.indexOf(b.s.group) || a.i - b.i).map((x) => x.s);
}

/**
 * Every library option, the loss terms' ones placed before the iteration count; the
 * `optimizer` option's choices are the registered optimisers, whose options follow the
 * learning rate; the `backend` option's, auto and the registered backends (src/backends).
 * Read afresh at every call, so a record registered later is a choice too.
 */
export function stylizeOptionSpecs(): OptionSpec[] {
  const optimizers = optimizerRecords();
  const base = STYLIZE_OPTIONS.flatMap((s): OptionSpec[] => {
    if (s.key === 'optimizer') return [{ ...s, kind: { type: 'choice', choices: optimizers.map((r) => r.kind) }, help: optimizerChoiceHelp(optimizers) }];
    if (s.key === 'backend') return [{ ...s, kind: { type: 'choice', choices: ['auto', ...backendNames()] } }];
    if (s.key === 'method') {
      const help = `The algorithm: ${methods().map((m) => m.help).join('; ')}. A method brings its own defaults (network, optimiser, schedule); options given explicitly still win.`;
      return [{ ...s, kind: { type: 'choice', choices: methods().map((m) => m.name) }, help }];
    }
    return s.key === 'learningRate' ? [s, ...optimizers.flatMap((r) => r.options)] : [s];
  });
  const at = base.findIndex((s) => s.key === 'numIterations');
  // The registered terms' options, and those of every method's own terms and the methods themselves.
  const termOptions = [...lossTerms(), ...methods().flatMap((m) => m.terms(DEFAULT_FOR_TERMS))].flatMap((t) => t.options);
  const methodOptions = methods().flatMap((m) => m.options);
  const all = dedupe([...base.slice(0, at), ...termOptions, ...methodOptions, ...base.slice(at)]);
  const dup = all.find((s, i) => all.findIndex((t) => t.key === s.key) !== i);
  if (dup) throw new Error(`two options are named '${dup.key}'`);
  return byGroup(all);
}

export function stylizeOptionSpec(key: string): OptionSpec | undefined {
  return stylizeOptionSpecs().find((s) => s.key === key);
}

/** What a method's `terms` is asked with when only the terms' option records are wanted. */
const DEFAULT_FOR_TERMS = {} as Parameters<ReturnType<typeof methods>[number]['terms']>[0];

/** Each record once: a term several methods share (the temporal term) brings its options once. */
function dedupe(specs: OptionSpec[]): OptionSpec[] {
  return specs.filter((s, i) => specs.indexOf(s) === i);
}
