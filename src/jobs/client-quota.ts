/**
 * The per-client limit on unfinished jobs (`serve --max-queued`), exact under concurrent
 * submits: counting the client's jobs and taking a place is one Lua script, so thirty POSTs
 * at once cannot all see nineteen.
 *
 * Each client has a sorted set of its places: a job id (score +inf) once queued, and before
 * that a reservation (score: when it lapses, should the submitter die between reserving and
 * queueing). Nothing is decremented when a job ends: each reservation first drops the ids
 * whose job record is gone (cancelled, removed, expired) or finished (BullMQ's `finishedOn`
 * is set only when a job completes or fails for good; a retried job keeps its place). So a
 * crashed API, a worker finishing while no API runs, or a TTL removal can never leave the
 * count wrong; the cost is one look at each of at most max jobs per submit.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { STORE_PREFIX } from './connection.js';

/** How long a reservation holds a place before the job is queued (uploads into the store happen in between). */
const RESERVATION_MS = 5 * 60_000;

/**
 * KEYS[1] the client's places; ARGV: max, now, reservation member, its lapse time, the
 * queue's job key prefix, the set's TTL (ms). Returns -1 when reserved, else the count.
 */
const RESERVE = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '+inf', '+inf')) do
  local job = ARGV[5] .. id
  if redis.call('EXISTS', job) == 0 or redis.call('HEXISTS', job, 'finishedOn') == 1 then
    redis.call('ZREM', KEYS[1], id)
  end
end
local n = redis.call('ZCARD', KEYS[1])
if n >= tonumber(ARGV[1]) then return n end
redis.call('ZADD', KEYS[1], ARGV[4], ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[6])
return -1
`;

export interface Reservation {
  /** The queued job takes the reserved place. */
  confirm(jobId: string): Promise<void>;
  /** Nothing was queued: give the place back. */
  release(): Promise<void>;
}

export class ClientQuota {
  constructor(
    private readonly redis: Redis,
    /** The queue's key for a job id, less the id (`bull:neural-style:`). */
    private readonly jobKeyPrefix: string,
    private readonly ttlMs: number,
  ) {}

  private key(client: string): string {
    return `${STORE_PREFIX}:queued:${client}`;
  }

  /** A place for one more unfinished job of `client`; or, when it has `max` already, their count. */
  async reserve(client: string, max: number): Promise<Reservation | { full: number }> {
    const key = this.key(client);
    const member = `reserved:${randomUUID()}`;
    const now = Date.now();
    const n = (await this.redis.eval(RESERVE, 1, key, max, now, member, now + RESERVATION_MS, this.jobKeyPrefix, this.ttlMs)) as number;
    if (n >= 0) return { full: n };
    return {
      confirm: async (jobId) => {
        await this.redis.multi().zrem(key, member).zadd(key, '+inf', jobId).pexpire(key, this.ttlMs).exec();
      },
      release: async () => {
        await this.redis.zrem(key, member);
      },
    };
  }
}
