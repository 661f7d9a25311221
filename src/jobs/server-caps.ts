/**
 * What a job server lets one job have, beyond the options table's own ranges: a server
 * never trusts a client, so every resource a job can ask for has a cap here, and each
 * refusal names the server's limit in the client's words ("numIterations must be at most
 * 5000 on this server"). The option caps are one table; the images' caps (pixels, number
 * of styles) and the memory estimate are applied where the images are read (validate.ts).
 */
import { OptionError } from '../errors.js';

export interface SubmitLimits {
  /** Pixels of any one uploaded image (read from its header, before decoding). */
  maxPixels?: number;
  /** Pixels of any one style image: they are seen at imageSize × styleScale, every one of them. */
  maxStylePixels?: number;
  maxStyles?: number;
  /** Every iteration count: numIterations, and each coarse-to-fine size's. */
  maxIterations?: number;
  maxImageSize?: number;
  maxStyleScale?: number;
  /** Bytes a job's run may need by the pre-flight's estimate (src/stylize/preflight.ts); undefined: not checked. */
  maxJobBytes?: number;
  /** What maxJobBytes is, in the memory refusal ("but 16.0 GB is …"); default this server's limit. */
  maxJobBytesMeans?: string;
}

type NumericLimit = 'maxIterations' | 'maxImageSize' | 'maxStyleScale';

interface OptionCap {
  key: string;
  limit: NumericLimit;
  /**
   * 'options': checked on the values as sent, before the options are parsed (so a client
   * hears the server's cap, not the table's wider range) and again once presets apply.
   * 'run': after the memory pre-flight, whose refusal says what would fit: a style scale
   * that cannot fit hears that, one that fits but is over the limit hears the limit.
   */
  phase: 'options' | 'run';
}

export const OPTION_CAPS: readonly OptionCap[] = [
  { key: 'numIterations', limit: 'maxIterations', phase: 'options' },
  { key: 'multiresFirstIterations', limit: 'maxIterations', phase: 'options' },
  { key: 'multiresIterations', limit: 'maxIterations', phase: 'options' },
  { key: 'imageSize', limit: 'maxImageSize', phase: 'options' },
  { key: 'styleScale', limit: 'maxStyleScale', phase: 'run' },
];

/** A value as numbers when it reads as numbers (a number, "6000", "10,20", [10, 20]); undefined otherwise (the parser then says why). */
function numbersOf(value: unknown): number[] | undefined {
  const items = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : [value];
  const numbers = items.map((v) => (typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN));
  return numbers.length > 0 && numbers.every(Number.isFinite) ? numbers : undefined;
}

/** OptionError for the first value over its cap, among the caps of `phase`. */
export function checkOptionCaps(values: Record<string, unknown>, limits: SubmitLimits, phase: OptionCap['phase']): void {
  for (const cap of OPTION_CAPS) {
    const limit = limits[cap.limit];
    if (cap.phase !== phase || limit === undefined || values[cap.key] === undefined || values[cap.key] === null) continue;
    const over = numbersOf(values[cap.key])?.find((n) => n > limit);
    if (over !== undefined) throw new OptionError(cap.key, over, `at most ${limit} on this server`);
  }
}
