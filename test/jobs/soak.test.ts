/**
 * Issue 26, item 7, small: the soak of bench/soak-run.ts (`npm run bench:soak` runs the
 * full one: 1000 requests, 20 clients, two worker processes) with 100 requests from 5
 * clients against the real `serve --api` and two workers in this process on a narrow
 * network: no 5xx, no crash, every accepted job ends, Redis memory bounded.
 */
import { describe, expect, it } from 'vitest';
import { describeSoak, runSoak, soakProblems, type SoakSettings } from '../../bench/soak-run.js';
import { narrowModel } from './helpers.js';

describe('the job service soaked', () => {
  it('answers 100 mixed requests from 5 clients with no 5xx, no crash, every accepted job ended and Redis memory bounded', async () => {
    const settings: SoakSettings = {
      requests: 100,
      clients: 5,
      workers: 2,
      seed: 7,
      iterations: [1, 2],
      maxRedisBytes: 64 * 2 ** 20,
      drainMs: 60_000,
      inProcessModel: async () => narrowModel(),
    };
    const figures = await runSoak(settings);
    const report = describeSoak(figures, settings).join('\n');
    expect(soakProblems(figures, settings), report).toEqual([]);
    // The mix reached the workers and the refusals alike.
    expect(figures.done, report).toBeGreaterThan(0);
    expect(figures.statuses['400'] ?? 0, report).toBeGreaterThan(0);
  }, 120_000);
});
