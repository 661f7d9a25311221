import { lossTerms, termWeight, type LossTerm, type TermOptions } from '../losses/index.js';

export { termWeight };
import type { FirstPadding, Pooling } from '../network/vgg.js';

/**
 * The terms an objective is built from: every registered one unless a caller picks. With
 * the run's options, a term marked `omitWhenOff` whose weight is 0 is left out altogether
 * (no part is reported for it): a still image has no temporal part.
 */
export function termsOf(terms?: readonly LossTerm[], o?: TermOptions): readonly LossTerm[] {
  const all = terms ?? lossTerms();
  return o ? all.filter((t) => !t.omitWhenOff || termWeight(t, o) !== 0) : all;
}

/** A term takes part in the graph when its weight is not 0. */
export function activeTerms(terms: readonly LossTerm[], o: TermOptions): LossTerm[] {
  return terms.filter((t) => termWeight(t, o) !== 0);
}

/** Every network layer the active terms read, in first-use order. */
export function usedLayers(terms: readonly LossTerm[], o: TermOptions): string[] {
  return [...new Set(activeTerms(terms, o).flatMap((t) => t.layers(o)))];
}

export function poolingOf(o: TermOptions): Pooling {
  return (o.pooling as Pooling | undefined) ?? 'max';
}

export function firstPaddingOf(o: TermOptions): FirstPadding {
  return (o.firstPadding as FirstPadding | undefined) ?? 'zeros';
}
