/** The default job store: blobs as Redis strings, each with the store's TTL. */
import { Redis } from 'ioredis';
import { STORE_PREFIX, type RedisTarget } from './connection.js';
import { checkSize, DEFAULT_STORE_LIMITS, type BlobKind, type JobStore, type StoreLimits } from './store.js';

export class RedisJobStore implements JobStore {
  readonly redis: Redis;

  constructor(
    target: RedisTarget,
    readonly limits: StoreLimits = DEFAULT_STORE_LIMITS,
  ) {
    this.redis = new Redis({ ...target.options, lazyConnect: false });
    // Connection errors are retried (connection.ts); a command waits for the reconnection.
    this.redis.on('error', () => {});
  }

  key(kind: BlobKind, key: string): string {
    return `${STORE_PREFIX}:${kind}:${key}`;
  }

  async put(kind: BlobKind, key: string, bytes: Uint8Array, options: { onlyIfAbsent?: boolean } = {}): Promise<boolean> {
    checkSize(this.limits, kind, bytes);
    const value = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const k = this.key(kind, key);
    const ok = options.onlyIfAbsent
      ? await this.redis.set(k, value, 'EX', this.limits.ttlSeconds, 'NX')
      : await this.redis.set(k, value, 'EX', this.limits.ttlSeconds);
    return ok === 'OK';
  }

  async get(kind: BlobKind, key: string): Promise<Uint8Array | undefined> {
    const b = await this.redis.getBuffer(this.key(kind, key));
    return b ?? undefined;
  }

  async has(kind: BlobKind, key: string): Promise<boolean> {
    return (await this.redis.exists(this.key(kind, key))) === 1;
  }

  async delete(kind: BlobKind, key: string): Promise<void> {
    await this.redis.del(this.key(kind, key));
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
