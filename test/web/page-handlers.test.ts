/**
 * The page's table of worker-message handlers: one entry per FromWorker type, checked by
 * the compiler (the expectTypeOf lines fail `tsc` when a type is added without a handler)
 * and here at run time, with stand-in panels recording what each message reached.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { dispatch, type Handlers } from '../../web/src/handlers.js';
import { pageHandlers, type PageHandlers, type Panels } from '../../web/src/page-handlers.js';
import { FROM_WORKER_TYPES, type FromWorker } from '../../web/src/protocol.js';

/** Panels whose every method records its panel and name. */
function recordingPanels(calls: string[]): Panels {
  const panel = (name: string) =>
    new Proxy({}, { get: (_t, method) => (..._args: unknown[]) => void calls.push(`${name}.${String(method)}`) });
  return { backend: panel('backend'), weights: panel('weights'), run: panel('run') } as unknown as Panels;
}

describe('page handler table', () => {
  it('has a handler for every FromWorker type (compile time)', () => {
    expectTypeOf<keyof PageHandlers>().toEqualTypeOf<FromWorker['type']>();
    expectTypeOf<PageHandlers['progress']>().parameter(0).toEqualTypeOf<Extract<FromWorker, { type: 'progress' }>>();
  });

  it('has a handler for every FromWorker type, and nothing else (run time)', () => {
    const handlers = pageHandlers(recordingPanels([]));
    expect(Object.keys(handlers).sort()).toEqual([...FROM_WORKER_TYPES].sort());
    expect(FROM_WORKER_TYPES.length).toBeGreaterThanOrEqual(12);
  });

  it('routes each message to one panel method', () => {
    const calls: string[] = [];
    const handlers = pageHandlers(recordingPanels(calls));
    for (const type of FROM_WORKER_TYPES) {
      calls.length = 0;
      dispatch(handlers, { type } as FromWorker);
      expect(calls, type).toHaveLength(1);
    }
    calls.length = 0;
    dispatch(handlers, { type: 'weights-ready' } as FromWorker);
    expect(calls).toEqual(['weights.onReady']);
    calls.length = 0;
    dispatch(handlers, { type: 'run-error' } as FromWorker);
    expect(calls).toEqual(['run.onError']);
  });

  it('refuses a message type it has no handler for', () => {
    type Ping = { type: 'ping' } | { type: 'pong'; n: number };
    const seen: number[] = [];
    const table: Handlers<Ping> = { ping: () => seen.push(0), pong: (m) => seen.push(m.n) };
    dispatch(table, { type: 'pong', n: 7 });
    expect(seen).toEqual([7]);
    expect(() => dispatch(table, { type: 'pang' } as unknown as Ping)).toThrow(/no handler for a 'pang' message/);
  });
});
