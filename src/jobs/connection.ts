/**
 * Where the queue lives: a `redis://[user:password@]host:port[/db]` URL (or `rediss://`
 * for TLS) → the connection options BullMQ and the store hand to ioredis.
 *
 * Every connection retries forever with a short, capped back-off: a worker in the middle
 * of an hour-long job must ride out a Redis restart, not die with it.
 */
import type { RedisOptions } from 'ioredis';
import { msg, opt, UsageError } from '../errors.js';

/** The one BullMQ queue every submitter and worker of a Redis uses. */
export const QUEUE_NAME = 'neural-style';

/** Key prefix of the job store's blobs (BullMQ's own keys start with `bull:`). */
export const STORE_PREFIX = 'neural-style';

export interface RedisTarget {
  url: string;
  options: RedisOptions;
}

export function parseRedisUrl(text: string): RedisTarget {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new UsageError(msg`${opt('redis')} must be a URL like redis://127.0.0.1:6379, got '${text}'`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw new UsageError(msg`${opt('redis')} must start with redis:// or rediss://, got '${text}'`);
  }
  const port = u.port === '' ? 6379 : Number(u.port);
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0;
  if (!Number.isSafeInteger(db) || db < 0) throw new UsageError(msg`${opt('redis')} database must be a whole number, got '${u.pathname.slice(1)}'`);
  const options: RedisOptions = {
    host: u.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1',
    port,
    db,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
    // BullMQ's workers block on Redis: commands wait for a reconnection instead of failing.
    maxRetriesPerRequest: null,
    // Reconnect quickly after a restart (ioredis's default waits up to 2 s between tries).
    retryStrategy: (times: number) => Math.min(50 * times, 500),
  };
  // The password never appears in logs.
  const shown = new URL(u.href);
  if (shown.password) shown.password = '***';
  return { url: shown.href.replace(/\/$/, ''), options };
}

/** The same options, typed as BullMQ takes them (its types describe ioredis's loosely). */
export function bullConnection(target: RedisTarget): import('bullmq').ConnectionOptions {
  return target.options as import('bullmq').ConnectionOptions;
}
