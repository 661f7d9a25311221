/**
 * Rewrite passes over a finished graph (forward and gradient): the peepholes that used to
 * live inside gradient rules, and the conv lowering. Rules stay local — each builds dX
 * from dY and its own node — and a pass that looks across nodes is one file here, with an
 * equivalence test (test/graph/passes.test.ts). Graph builders call `applyPasses` once,
 * after the gradient.
 *
 *   reluMaskBeforeUnpool   the ReLU mask applied to a max pool's gradient before its scatter
 *   lowerConvolutions      3×3 convs (forward and input gradient) in the Winograd forms the
 *                          picker chooses, told each conv's role and feature-map side by
 *                          convFacts (src/graph/winograd/lower.ts)
 */
import type { GradOptions, GraphBuilder } from '../builder.js';
import type { GradientLookup } from '../grads/index.js';
import { lowerConvolutions, type ConvForm, type ConvLowering } from '../winograd/lower.js';
import { reluMaskBeforeUnpool } from './relu-mask-before-unpool.js';

export { convFacts, type ConvFacts } from './conv-facts.js';
export { reluMaskBeforeUnpool } from './relu-mask-before-unpool.js';

/** Passes a caller may leave out (benches measure what each buys). The lowering is left out by giving no `convForm`. */
export type PassName = 'reluMaskBeforeUnpool';

export interface PassOptions extends ConvLowering {
  skipPasses?: readonly PassName[];
}

/**
 * Everything that picks how an objective's graph is built, for the graph builders and
 * their callers: the rules' forms, rule overrides for `addGradient`, and the passes'
 * settings.
 */
export interface GraphForms extends GradOptions, PassOptions {
  /** Rules used in place of the table's for this graph (benches' variants). */
  rules?: GradientLookup;
}

/** What the passes did. */
export interface PassReport {
  reluMaskBeforeUnpool: number;
  /** Convs per form; all zero when no `convForm` was given. */
  convForms: Record<ConvForm, number>;
}

/** Run the passes on a finished graph, in order: peepholes first, then the conv lowering. */
export function applyPasses(g: GraphBuilder, options: Partial<GraphForms> = {}): PassReport {
  const skip = new Set(options.skipPasses ?? []);
  const report: PassReport = { reluMaskBeforeUnpool: 0, convForms: { direct: 0, F2: 0, F4: 0, F6: 0 } };
  if (!skip.has('reluMaskBeforeUnpool')) report.reluMaskBeforeUnpool = reluMaskBeforeUnpool(g);
  if (options.convForm) report.convForms = lowerConvolutions(g, options.convForm, options.convShape, options.winogradOutput);
  return report;
}
