/**
 * One base class for every error this project expects to happen (bad input, missing
 * weights, numerical faults). The CLI prints `message` alone for these, and a stack for
 * anything else, because anything else is a bug.
 */
export class NeuralStyleError extends Error {
  /** Process exit code the CLI uses: 2 for usage errors, 1 for runtime errors. */
  readonly exitCode: number = 1;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The user asked for something that cannot work (bad flag, bad value): exit code 2. */
export class UsageError extends NeuralStyleError {
  override readonly exitCode = 2;
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
