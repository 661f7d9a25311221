/** The colour controls by name (the `colorControl` option's choices); `none` changes nothing. */
import { histogramControl } from './histogram.js';
import { luminanceControl } from './luminance.js';
import type { ColourControl } from './types.js';

export const noColourControl: ColourControl = {
  name: 'none',
  prepare: (content, styles) => ({ content, styles: [...styles] }),
  prepareInit: (image) => image,
  finish: (result) => result,
};

export const COLOUR_CONTROLS: readonly ColourControl[] = [noColourControl, luminanceControl, histogramControl];

export function colourControl(name: string | undefined): ColourControl {
  const found = COLOUR_CONTROLS.find((c) => c.name === (name ?? 'none'));
  if (!found) throw new Error(`no colour control named '${name}'`);
  return found;
}

export type { ColourControl } from './types.js';
export { luminanceControl, luminanceOf, RGB_TO_YIQ, YIQ_TO_RGB } from './luminance.js';
export { histogramControl, matchColours, symmetricEigen } from './histogram.js';
