/**
 * The Redis connection options every client and worker use (src/jobs/connection.ts): a
 * worker rides out a Redis restart by retrying forever with a short, capped back-off. The
 * restart itself is exercised in faults.test.ts; how soon a worker comes back depends on
 * this back-off, so it is checked here as numbers rather than timed there.
 */
import { describe, expect, it } from 'vitest';
import { parseRedisUrl } from '../../src/jobs/connection.js';

describe('the connection options', () => {
  const { options } = parseRedisUrl('redis://127.0.0.1:6379');

  it('retry forever, each wait between 1 and 500 ms', () => {
    const retry = options.retryStrategy!;
    expect(typeof retry).toBe('function');
    // ioredis stops reconnecting when the strategy returns a non-number (null, undefined).
    for (let times = 1; times <= 10_000; times++) {
      const wait = retry(times);
      if (typeof wait !== 'number' || !(wait >= 1 && wait <= 500)) expect.fail(`try ${times}: wait ${String(wait)}`);
    }
    // The cap is reached, so a long outage is retried every 500 ms, not ever more slowly.
    expect(retry(10_000)).toBe(500);
  });

  it('queue commands through a reconnection instead of failing them', () => {
    expect(options.maxRetriesPerRequest).toBeNull();
  });
});
