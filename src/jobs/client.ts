/**
 * The submitting side: validate, upload the images to the store, add the job to the
 * BullMQ queue; then look jobs up, follow them, fetch results, cancel them. The submit and
 * jobs commands and the HTTP API are thin layers over this class.
 */
import { Queue, QueueEvents, type Job } from 'bullmq';
import { createHash } from 'node:crypto';
import { InputError, NeuralStyleError, optionKey, type MessagePart } from '../errors.js';
import { ClientQuota } from './client-quota.js';
import { failureParts, renderFailure } from './failure.js';
import { bullConnection, parseRedisUrl, QUEUE_NAME, type RedisTarget } from './connection.js';
import { RedisJobStore } from './redis-store.js';
import type { JobProgress, JobSpec, JobSummary, StoredImage } from './spec.js';
import { DEFAULT_STORE_LIMITS, StoreLimitError, type JobStore, type StoreLimits } from './store.js';
import { validateSubmission, type NamedImage, type Submission, type SubmitLimits } from './validate.js';

export type JobState = 'waiting' | 'active' | 'completed' | 'failed' | 'delayed' | 'prioritized' | 'waiting-children' | 'unknown';

export interface JobStatus {
  id: string;
  state: JobState;
  progress?: JobProgress;
  result?: JobSummary;
  /** Why it failed, naming options by their keys (the HTTP API's words). */
  failedReason?: string;
  /** The same as message parts, for a client that names options its own way (the CLI: flags). */
  failure?: readonly MessagePart[];
  submittedAt: number;
  startedAt?: number;
  finishedAt?: number;
  attempts: number;
}

export interface SubmitContext {
  client?: string;
  limits?: SubmitLimits;
  /** Refuse when this client already has this many jobs waiting or running. */
  maxQueuedPerClient?: number;
}

/** A client has too many jobs in the queue (HTTP 429). */
export class QueueFullError extends NeuralStyleError {}

/** The key a worker looks for to stop a running job (a running job cannot be removed). */
export const cancelKey = (id: string) => `neural-style:cancel:${id}`;

export class JobClient {
  private events?: QueueEvents;
  private readonly quota: ClientQuota;

  private constructor(
    readonly target: RedisTarget,
    readonly queue: Queue,
    readonly store: RedisJobStore,
  ) {
    this.quota = new ClientQuota(store.redis, queue.toKey(''), store.limits.ttlSeconds * 1000);
  }

  /** Connect, and fail with one clear line when Redis cannot be reached within `timeoutMs`. */
  static async connect(url: string, options: { limits?: StoreLimits; timeoutMs?: number } = {}): Promise<JobClient> {
    const target = parseRedisUrl(url);
    const store = new RedisJobStore(target, options.limits ?? DEFAULT_STORE_LIMITS);
    await ensureReachable(store, target, options.timeoutMs ?? 5000);
    const queue = new Queue(QUEUE_NAME, { connection: bullConnection(target) });
    queue.on('error', () => {});
    const client = new JobClient(target, queue, store);
    return client;
  }

  /** Validate (nothing is queued when it fails), store the images, queue the job; its id. */
  async submit(sub: Submission, ctx: SubmitContext = {}): Promise<string> {
    const { spec } = await validateSubmission(sub, ctx.limits);
    if (ctx.maxQueuedPerClient === undefined || ctx.client === undefined) return this.enqueue(sub, spec, ctx);
    // The count and the place taken in one step: concurrent submits cannot overshoot.
    const place = await this.quota.reserve(ctx.client, ctx.maxQueuedPerClient);
    if ('full' in place) {
      throw new QueueFullError(`this client already has ${place.full} jobs waiting or running (the limit is ${ctx.maxQueuedPerClient}); wait for one to finish`);
    }
    let id: string | undefined;
    try {
      id = await this.enqueue(sub, spec, ctx);
    } finally {
      await (id !== undefined ? place.confirm(id) : place.release());
    }
    return id;
  }

  /** Store the images and add the job; its id. */
  private async enqueue(sub: Submission, spec: Awaited<ReturnType<typeof validateSubmission>>['spec'], ctx: SubmitContext): Promise<string> {
    const put = (i: NamedImage) => this.putInput(i);
    const inputs: JobSpec['inputs'] = {
      content: await put(sub.content),
      styles: await Promise.all(sub.styles.map(put)),
      ...(sub.initImage ? { initImage: await put(sub.initImage) } : {}),
    };
    const data: JobSpec = { ...spec, inputs, ...(ctx.client !== undefined ? { client: ctx.client } : {}) };
    const ttl = this.store.limits.ttlSeconds;
    const job = await this.queue.add('stylize', data, {
      // A worker that crashes on a job (not one that dies: that is a stall) gets two more tries.
      attempts: 3,
      backoff: { type: 'fixed', delay: 1000 },
      removeOnComplete: { age: ttl },
      removeOnFail: { age: ttl },
    });
    return job.id!;
  }

  /** Inputs are stored by content hash: a style used by a thousand jobs is stored once. */
  private async putInput(i: NamedImage): Promise<StoredImage> {
    const key = createHash('sha256').update(i.bytes).digest('hex');
    try {
      await this.store.put('input', key, i.bytes);
    } catch (e) {
      if (e instanceof StoreLimitError) throw new InputError(`${i.name}: ${e.message}`);
      throw e;
    }
    return { key, name: i.name };
  }

  async status(id: string): Promise<JobStatus | undefined> {
    // The state first, then the job: read the other way round, a job that finished in
    // between (a retried one, done at once) read as 'completed' with the result of before it ran.
    const state = await this.queue.getJobState(id);
    const job = await this.queue.getJob(id);
    return job && state !== 'unknown' ? statusOf(job, state) : undefined;
  }

  /** The most recent jobs in every state, newest first. */
  async list(limit = 50): Promise<JobStatus[]> {
    const jobs = await this.queue.getJobs(['active', 'waiting', 'prioritized', 'delayed', 'completed', 'failed'], 0, limit - 1, false);
    const out: JobStatus[] = [];
    for (const j of jobs) out.push(statusOf(j, await j.getState()));
    return out.sort((a, b) => b.submittedAt - a.submittedAt).slice(0, limit);
  }

  async result(id: string): Promise<{ bytes: Uint8Array; summary: JobSummary } | undefined> {
    const [bytes, summary] = await Promise.all([this.store.get('result', id), this.store.get('summary', id)]);
    if (!bytes || !summary) return undefined;
    return { bytes, summary: JSON.parse(Buffer.from(summary).toString('utf8')) as JobSummary };
  }

  /**
   * Waiting jobs are removed; a running one is flagged, and its worker stops it within an
   * iteration. 'unknown' when there is no such job, 'finished' when it is too late.
   */
  async cancel(id: string): Promise<'removed' | 'cancelling' | 'finished' | 'unknown'> {
    const job = await this.queue.getJob(id);
    if (!job) return 'unknown';
    const state = await job.getState();
    if (state === 'completed' || state === 'failed') return 'finished';
    if (state !== 'active') {
      try {
        await job.remove();
        return 'removed';
      } catch {
        // Picked up meanwhile: cancel it as a running job.
      }
    }
    await this.store.redis.set(cancelKey(id), '1', 'EX', this.store.limits.ttlSeconds);
    return 'cancelling';
  }

  /** Queue events (progress, completed, failed) for every job; one reader per client. */
  async queueEvents(): Promise<QueueEvents> {
    if (!this.events) {
      this.events = new QueueEvents(QUEUE_NAME, { connection: bullConnection(this.target) });
      this.events.on('error', () => {});
      // One listener set per followed job: an API server follows many at once.
      this.events.setMaxListeners(0);
      await this.events.waitUntilReady();
    }
    return this.events;
  }

  /**
   * Follow one job to its end: `onProgress` for each progress event, in order; resolves
   * with the final status (completed or failed).
   */
  async follow(id: string, onProgress?: (p: JobProgress) => void, signal?: AbortSignal): Promise<JobStatus> {
    const events = await this.queueEvents();
    return new Promise<JobStatus>((ok, fail) => {
      let done = false;
      const finish = async () => {
        if (done) return;
        const s = await this.status(id);
        if (!s || s.state === 'completed' || s.state === 'failed') {
          done = true;
          cleanup();
          if (s) ok(s);
          else fail(new NeuralStyleError(`job ${id} is gone from the queue`));
        }
      };
      const onProg = ({ jobId, data }: { jobId: string; data: unknown }) => {
        if (jobId === id && !done && typeof data === 'object') onProgress?.(data as JobProgress);
      };
      const onEnd = ({ jobId }: { jobId: string }) => {
        if (jobId === id) void finish().catch(fail);
      };
      const onAbort = () => {
        done = true;
        cleanup();
        fail(Object.assign(new Error('aborted'), { name: 'AbortError' }));
      };
      // An event missed while Redis was away is caught by looking now and then.
      const poll = setInterval(() => void finish().catch(() => {}), 2000);
      const cleanup = () => {
        clearInterval(poll);
        events.off('progress', onProg);
        events.off('completed', onEnd);
        events.off('failed', onEnd);
        events.off('removed', onEnd);
        signal?.removeEventListener('abort', onAbort);
      };
      events.on('progress', onProg);
      events.on('completed', onEnd);
      events.on('failed', onEnd);
      events.on('removed', onEnd);
      signal?.addEventListener('abort', onAbort, { once: true });
      // It may have finished before we listened.
      void finish().catch(fail);
    });
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.events?.close(), this.queue.close(), this.store.close()]);
  }
}

export function statusOf(job: Job, state: string): JobStatus {
  const progress = typeof job.progress === 'object' && job.progress !== null ? (job.progress as unknown as JobProgress) : undefined;
  return {
    id: job.id!,
    state: state as JobState,
    ...(progress ? { progress } : {}),
    ...(state === 'completed' && job.returnvalue ? { result: job.returnvalue as JobSummary } : {}),
    ...(state === 'failed' && job.failedReason ? { failedReason: renderFailure(job.failedReason, optionKey), failure: failureParts(job.failedReason) } : {}),
    submittedAt: job.timestamp,
    ...(job.processedOn ? { startedAt: job.processedOn } : {}),
    ...(job.finishedOn ? { finishedAt: job.finishedOn } : {}),
    attempts: job.attemptsMade,
  };
}

/** Fail with one clear line when Redis cannot be reached within `timeoutMs` (refused: at once). */
export async function ensureReachable(store: RedisJobStore, target: { url: string }, timeoutMs = 5000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      store.redis.ping(),
      new Promise((_, fail) => {
        const unreachable = (why: string) => new NeuralStyleError(`cannot reach Redis at ${target.url} (${why})`);
        timer = setTimeout(() => fail(unreachable(`no answer in ${timeoutMs / 1000} s`)), timeoutMs);
        // Refused or unknown host: say so now rather than after the timeout.
        store.redis.once('error', (e: NodeJS.ErrnoException) => fail(unreachable(e.code ?? e.message)));
      }),
    ]);
  } catch (e) {
    // Not connected: drop the connection at once (quit would wait for Redis forever).
    store.redis.disconnect();
    throw e;
  } finally {
    clearTimeout(timer);
  }
}
