/**
 * Waiting that a stop request ends: work that cannot be stopped midway (one onnxruntime
 * session run on its own thread, a model being read) is left to finish on its own, and
 * the caller is free at once.
 */

/** Thrown where a stop was asked for before the work was done. */
export class StopRequested extends Error {
  constructor(readonly reason: unknown) {
    super('stopped');
    this.name = 'StopRequested';
  }
}

export function throwIfStopped(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new StopRequested(signal.reason);
}

/** `work`'s outcome, or StopRequested as soon as `signal` aborts (the work goes on; its result is dropped). */
export function untilStopped<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) {
    work.catch(() => {});
    return Promise.reject(new StopRequested(signal.reason));
  }
  return new Promise<T>((ok, fail) => {
    const stop = () => fail(new StopRequested(signal.reason));
    signal.addEventListener('abort', stop, { once: true });
    work.then(ok, fail).finally(() => signal.removeEventListener('abort', stop));
  });
}
