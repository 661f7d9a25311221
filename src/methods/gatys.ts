/**
 * Gatys, Ecker & Bethge, with jcjohnson/neural-style's options: the registered loss terms
 * (content, style, TV, and the temporal term for video) on the image's pixels, at one size
 * or coarse to fine — jcjohnson's multires sizes or crowsonkb's √2 schedule — each stage
 * starting from the last result upsampled (and, with the warm start, from its optimiser
 * state resized). Everything else is the options'.
 */
import { msg, opt, UsageError } from '../errors.js';
import { fitMaxSide } from '../image/resize.js';
import { lossTerms } from '../losses/index.js';
import type { StylizeOptions } from '../options/stylize-options.js';
import { stagesOf, warmStart } from '../stylize/coarse-to-fine.js';
import type { StageOptions, StageResult } from '../stylize/stage.js';
import { stageInput, stageSequence } from '../stylize/stage-sequence.js';
import type { Method } from './types.js';

export const gatys: Method = {
  name: 'gatys',
  label: 'Gatys et al.',
  help: 'gatys (Gatys et al.: Gram matrices of VGG features; jcjohnson/neural-style\'s options)',
  options: [],
  defaults: { options: {} },
  terms: () => lossTerms(),
  checkCheckpoints(o) {
    // crowsonkb's schedule carries Adam's moments between sizes, which a checkpoint does not hold.
    if (stagesOf(o).sizes.length > 1 && (o.multiresFrom !== undefined || o.multiresWarmStart)) {
      throw new UsageError(msg`checkpoints cannot be combined with ${opt('multiresFrom')} or ${opt('multiresWarmStart')} (coarse-to-fine with warm starts)`);
    }
  },
  tileable: true,
  async run(ctx, input, o) {
    const { sizes, counts } = stagesOf(o);
    if (sizes.length === 1) return ctx.stage(input, o);
    if (input.resume || input.onCheckpoint) gatys.checkCheckpoints!(o);
    const seq = stageSequence(input, sizes, counts);
    let offset = seq.counts.slice(0, seq.first).reduce((a, b) => a + b, 0);
    let result: StageResult | undefined;
    for (let i = seq.first; i < sizes.length; i++) {
      const last = i === sizes.length - 1;
      const stage: StageOptions = {
        ...o,
        multires: undefined,
        multiresFrom: undefined,
        imageSize: sizes[i]!,
        numIterations: counts[i]!,
        init: i === 0 ? o.init : 'image',
        // Colours are put back once, at the end: a stage's output is the next one's start.
        originalColors: last && o.originalColors,
      };
      const warm =
        // crowsonkb's warm start: the last stage's optimiser state, resized to this stage's size.
        i > 0 && o.multiresWarmStart && result?.optimizerState
          ? warmStart(result.optimizerState, result.image, fitMaxSide(input.content.width, input.content.height, sizes[i]!))
          : undefined;
      const base = offset;
      result = await ctx.stage({ ...stageInput(input, seq, i, base), initImage: i === 0 ? input.initImage : result?.image ?? input.initImage }, stage, { warm });
      offset = base + result.iterations;
      if (result.interrupted) break;
    }
    return { ...result!, iterations: offset, elapsedMs: Date.now() - seq.start, optimizerState: undefined };
  },
};

export type { StylizeOptions };
