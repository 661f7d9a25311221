/**
 * What to tell the user when the numbers blow up, fitted to the run: an Adam step size
 * grounded in this model's pixel scale, or L-BFGS's own remedies — never advice for the
 * other optimiser.
 */
import { msg, opt, type MessagePart, type Suggestion } from '../errors.js';
import type { StylizeOptions } from '../options/index.js';

/** Two significant digits, written one way: 26, 0.25, 1.5e-4, 1e+29. */
export function formatNumber(v: number): string {
  const r = Number(v.toPrecision(2));
  const a = Math.abs(r);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? r.toExponential().replace(/\.?0+e/, 'e') : String(r);
}

/**
 * `pixelSpan`: how far apart black and white are in network-input units (255 for the Caffe
 * models, ~4.4 for torchvision's). Adam moves every pixel by about its step size each
 * iteration whatever the gradient's scale, so a step above a tenth of that span throws the
 * image out of range within a few iterations; the advice is a tenth of the current step
 * or a tenth of the span, whichever is smaller.
 */
export function breakdownAdvice(o: StylizeOptions, pixelSpan: number): { parts: MessagePart[]; suggestion?: Suggestion } {
  if (o.optimizer === 'adam') {
    const value = Number(formatNumber(Math.min(o.learningRate / 10, pixelSpan / 10)));
    return {
      parts: msg`the Adam step size (${opt('learningRate')} ${formatNumber(o.learningRate)}) is likely too large: try ${opt('learningRate')} ${formatNumber(value)}`,
      suggestion: { option: 'learningRate', value },
    };
  }
  return {
    parts: msg`L-BFGS took too large a step; the loss weights are likely too large for this model: lower ${opt('styleWeight')} and ${opt(
      'contentWeight',
    )}, or use ${opt('optimizer')} adam`,
    suggestion: { option: 'optimizer', value: 'adam' },
  };
}
