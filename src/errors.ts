/**
 * One base class for every error this project expects to happen (bad input, missing
 * weights, numerical faults). The CLI prints the message alone for these, and a stack for
 * anything else, because anything else is a bug.
 *
 * The core speaks options, not flags: a message that names an option holds it as data
 * (`opt('imageSize')`), so the CLI can render it as `--image-size` and the web app as
 * "Size", while `message` itself uses the library's own key (`imageSize`).
 */

/** A reference to an option inside a message. */
export interface OptionRef {
  readonly option: string;
}

export type MessagePart = string | OptionRef;

/** How one front end names an option (CLI: `--image-size`; web: its field label). */
export type OptionNamer = (option: string) => string;

export const optionKey: OptionNamer = (option) => option;

/** Mark an option name inside `msg\`…\``. */
export function opt(option: string): OptionRef {
  return { option };
}

/** Tagged template: `msg\`${opt('imageSize')} must be ≥ 16\`` → message parts. */
export function msg(strings: TemplateStringsArray, ...values: unknown[]): MessagePart[] {
  const parts: MessagePart[] = [];
  strings.forEach((s, i) => {
    if (s) parts.push(s);
    if (i < values.length) {
      const v = values[i];
      parts.push(isOptionRef(v) ? v : String(v));
    }
  });
  return parts;
}

function isOptionRef(v: unknown): v is OptionRef {
  return typeof v === 'object' && v !== null && typeof (v as OptionRef).option === 'string' && Object.keys(v).length === 1;
}

export function renderParts(parts: readonly MessagePart[], name: OptionNamer): string {
  return parts.map((p) => (typeof p === 'string' ? p : name(p.option))).join('');
}

/** An option and a value that would fix (or avoid) the problem: advice as data. */
export interface Suggestion {
  option: string;
  value: unknown;
}

export class NeuralStyleError extends Error {
  /** Process exit code the CLI uses: 2 for usage errors, 1 for runtime errors. */
  readonly exitCode: number = 1;
  /** The message with its option references kept as data. */
  readonly parts: readonly MessagePart[];
  /** Advice as data, when there is one (rendered into the message already). */
  suggestion?: Suggestion;
  constructor(message: string | readonly MessagePart[], options?: { cause?: unknown; suggestion?: Suggestion }) {
    const parts = typeof message === 'string' ? [message] : message;
    super(renderParts(parts, optionKey), options);
    this.name = new.target.name;
    this.parts = parts;
    if (options?.suggestion) this.suggestion = options.suggestion;
  }

  /** The message in a front end's words. */
  render(name: OptionNamer): string {
    return renderParts(this.parts, name);
  }
}

/** The user asked for something that cannot work (bad flag, bad value): exit code 2. */
export class UsageError extends NeuralStyleError {
  override readonly exitCode = 2;
}

/**
 * One option's value is not allowed: which option, the bad value, what is allowed.
 * Message: "<option> must be <allowed>, got <value>".
 */
export class OptionError extends UsageError {
  constructor(
    readonly option: string,
    readonly value: unknown,
    readonly allowed: string,
    options?: { cause?: unknown; suggestion?: Suggestion; problem?: readonly MessagePart[] },
  ) {
    super(options?.problem ?? [opt(option), ` must be ${allowed}, got ${showValue(value)}`], options);
  }
}

export function showValue(v: unknown): string {
  if (typeof v === 'string') return `'${v}'`;
  if (Array.isArray(v)) return `'${v.join(',')}'`;
  return String(v);
}

/** An input file (image, weights) is missing, unreadable, or not what it claims. */
export class InputError extends NeuralStyleError {}

/** Weights do not fit the chosen layer table, or the file is not a weight file. */
export class WeightsError extends NeuralStyleError {}

/** Downloading weights failed; the message names the URL, the cache path, and the manual fix. */
export class DownloadError extends NeuralStyleError {}

/** NaN/Inf in the loss or gradient, or a similar numerical breakdown. */
export class NumericalError extends NeuralStyleError {
  /** The last good image before the fault, where the algorithm had one (an RgbImage). */
  partial?: unknown;
}

/** The run would not fit in memory (RAM, or the GPU adapter's limits). */
export class OutOfMemoryError extends NeuralStyleError {}

/** Graph construction found an op or shape it cannot handle: a programming error in a caller. */
export class GraphError extends NeuralStyleError {}
