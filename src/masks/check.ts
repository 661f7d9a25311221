/** Masks agree with the styles and select something: the checks every front end shares. */
import { msg, opt, UsageError } from '../errors.js';
import { isEmptyMask } from './from-image.js';
import type { Mask } from './types.js';

export function checkMasks(styles: number, contentMasks?: readonly Mask[], styleMasks?: readonly Mask[]): void {
  if (styleMasks && !contentMasks) throw new UsageError(msg`${opt('styleMasks')} needs ${opt('contentMasks')} (style masks say where each region's statistics come from)`);
  for (const [key, masks, what] of [['contentMasks', contentMasks, 'content'], ['styleMasks', styleMasks, 'style']] as const) {
    if (!masks) continue;
    if (masks.length !== styles) {
      throw new UsageError(msg`${opt(key)} has ${masks.length} mask(s) but there ${styles === 1 ? 'is 1 style image' : `are ${styles} style images`}: give one per style`);
    }
    masks.forEach((m, i) => {
      if (isEmptyMask(m)) throw new UsageError(`the ${what} mask for style ${i + 1} is empty (all black): it selects nothing; paint or choose where that style applies`);
    });
  }
}
