/**
 * The loss terms, in the order their parts are reported (today's `content`, `style`,
 * `tv`). A new term is a file beside these and one entry here — or, from outside the
 * package, one `registerLossTerm` call.
 */
import { contentTerm } from './content.js';
import { styleTerm } from './style.js';
import { temporalTerm } from './temporal.js';
import { tvTerm } from './total-variation.js';
import type { Dim } from '../graph/builder.js';
import type { LossTerm, RunShape, TermInput, TermOptions, TermTarget, TermTiling } from './types.js';

const BUILT_IN: readonly LossTerm[] = [contentTerm, styleTerm, tvTerm, temporalTerm];
const TERMS: LossTerm[] = [...BUILT_IN];

/** Every registered term, in order. */
export function lossTerms(): readonly LossTerm[] {
  return TERMS;
}

/**
 * Add a term (and the options it brings) to every objective built after this call. Its
 * name must be new, and so must its options' keys.
 */
export function registerLossTerm(term: LossTerm): void {
  if (TERMS.some((t) => t.name === term.name)) throw new Error(`a loss term named '${term.name}' is already registered`);
  TERMS.push(term);
}

/** Remove a term added by `registerLossTerm` (tests clean up with it). */
export function unregisterLossTerm(name: string): void {
  const i = TERMS.findIndex((t) => t.name === name);
  if (i >= 0 && !BUILT_IN.includes(TERMS[i]!)) TERMS.splice(i, 1);
}

/** The names of the parts an objective reports, in order. */
export function partNames(terms: readonly LossTerm[] = TERMS): string[] {
  return terms.map((t) => t.name);
}

export type {
  Derivation, FeedContext, FeedValue, IterationContext, LossTerm, RunShape, Statistic, StatisticBuild, StatisticFeedContext, TermBuild, TermInput, TermOptions,
  TermTarget, TermTiling, TileBuild, ReduceBuild,
} from './types.js';
export { defineTerm, UNMASKED_RUN } from './types.js';
export { blendedStyles, contentSource, stackedStyles, type TargetSource } from './target-sources.js';

/** A term's weight in a run: the value of its weight option (0 when unset). */
export function termWeight(term: LossTerm, o: TermOptions): number {
  return (o[term.weight] as number | undefined) ?? 0;
}

/** A term's target for these options and this run (the record may compute it). */
export function targetOf(term: LossTerm, o: TermOptions, run: RunShape): TermTarget | undefined {
  return typeof term.target === 'function' ? term.target(o, run) : term.target;
}

/** A term's tiling for these options and this run (the record may choose it). */
export function tilingOf(term: LossTerm, o: TermOptions, run: RunShape): TermTiling | undefined {
  return typeof term.tiling === 'function' ? term.tiling(o, run) : term.tiling;
}

/** The shape of the graph input holding a term's target at a layer of C channels: derived, then as its source makes it. */
export function targetDims(t: TermTarget, channels: number, layer: string, run: RunShape): Dim[] {
  return t.from.dims(t.derive ? t.derive.dims(channels) : t.statistic.dims(channels, layer), run);
}

/** The inputs a term's graph reads besides the image and its targets. */
export function inputsOf(term: LossTerm, o: TermOptions, run: RunShape): TermInput[] {
  return term.inputs?.(o, run) ?? [];
}
