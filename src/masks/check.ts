/** Masks agree with the styles and select something: the checks every front end shares. */
import { msg, opt, UsageError, type MessagePart } from '../errors.js';
import type { LayerTable } from '../models/types.js';
import { isEmptyMask, resizeMask } from './from-image.js';
import { maskAtLayer, sumOfSquares } from './layer-masks.js';
import type { Mask, MaskMode } from './types.js';

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

/**
 * A region can vanish on its way down the network: eroded away at every conv (mask mode
 * inside), or narrower than a pool. Where it vanishes its style adds nothing (by design);
 * where it vanishes at every style layer the region would get no style at all, which is
 * never what was asked: that is refused, naming the way out. Returns a note for each
 * region that vanishes at some style layers only.
 */
export function checkMasksReachLayers(
  masks: readonly Mask[],
  at: { table: LayerTable; layers: readonly string[]; mode: MaskMode; width: number; height: number },
): MessagePart[][] {
  const notes: MessagePart[][] = [];
  masks.forEach((mask, i) => {
    const m = resizeMask(mask, at.width, at.height);
    const gone = at.layers.filter((l) => sumOfSquares(maskAtLayer(m, at.table, l, at.mode)) === 0);
    if (gone.length === 0) return;
    const all = gone.length === at.layers.length;
    const where = msg`the content mask for style ${i + 1} vanishes at ${all ? 'every style layer' : gone.join(', ')} at ${at.width}×${at.height}`;
    const why = at.mode === 'inside' ? msg` (${opt('maskMode')} inside erodes it at every conv)` : [' (it is narrower than the pools)'];
    if (all) {
      const fix = at.mode === 'inside' ? msg`use ${opt('maskMode')} simple, a larger region, or a larger ${opt('imageSize')}` : msg`use a larger region or a larger ${opt('imageSize')}`;
      throw new UsageError([...where, ...why, ': that style would apply nowhere; ', ...fix]);
    }
    notes.push([...where, ...why, ': that style adds nothing there']);
  });
  return notes;
}
