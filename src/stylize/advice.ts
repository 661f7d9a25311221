/**
 * What to tell the user when the numbers blow up, fitted to the run: each optimiser's
 * record says it (src/optim: Adam's and RMSprop's step size grounded in this model's pixel
 * scale, L-BFGS's own remedies) — never advice for another optimiser.
 */
import type { MessagePart, Suggestion } from '../errors.js';
import { optimizerRecord } from '../optim/index.js';
import type { StylizeOptions } from '../options/stylize-options.js';

export { formatNumber } from '../optim/index.js';

/** `pixelSpan`: how far apart black and white are in network-input units (255 for the Caffe models, ~4.4 for torchvision's). */
export function breakdownAdvice(o: StylizeOptions, pixelSpan: number): { parts: MessagePart[]; suggestion?: Suggestion } {
  return optimizerRecord(o.optimizer).advice(o, pixelSpan);
}
