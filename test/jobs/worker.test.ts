/**
 * Issue 14, the worker in this process (fast: no child processes): SIGTERM sends a running
 * job back to the queue with its checkpoint, and the next worker finishes it exactly as an
 * uninterrupted run; a second delivery of a finished job writes nothing; an L-BFGS state
 * over the store's cap is dropped from checkpoints and the job says so; a client cancels a
 * running job.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeCheckpoint } from '../../src/checkpoint/index.js';
import { JobClient } from '../../src/jobs/client.js';
import { DEFAULT_STORE_LIMITS, type StoreLimits } from '../../src/jobs/store.js';
import { runWorker } from '../../src/jobs/worker.js';
import { makeFixture, type Fixture } from '../cli/helpers.js';
import { startRedis, type TestRedis } from '../helpers/redis-server.js';
import { contentPng, localResults, narrowModel } from './helpers.js';

const ADAM = { imageSize: 32, numIterations: 200, optimizer: 'adam' } as const;

/** Adam's state at 32×24 is ~28 KB; L-BFGS's with 100 corrections ~1.8 MB: over this cap. */
const LIMITS: StoreLimits = { ...DEFAULT_STORE_LIMITS, maxBytes: { ...DEFAULT_STORE_LIMITS.maxBytes, checkpoint: 64 * 1024 } };

describe('the worker', () => {
  let redis: TestRedis;
  let client: JobClient;
  let f: Fixture;
  let style: Buffer;
  const lines: string[] = [];
  let current: { stop: AbortController; done: Promise<void> } | undefined;
  let local: { png: Buffer; loss: number } | undefined;

  const startWorker = async () => {
    const stop = new AbortController();
    const done = runWorker({ redis: redis.url, backend: 'cpu', limits: LIMITS, models: async () => narrowModel(), signal: stop.signal, log: (l) => (lines.push(l), process.env.NS_TEST_VERBOSE && console.error(l)) });
    current = { stop, done };
    while (!lines.some((l, i) => / ready /.test(l) && i >= lines.length - 1)) await new Promise((r) => setTimeout(r, 20));
  };
  const stopWorker = async () => {
    current?.stop.abort();
    await current?.done;
    current = undefined;
  };
  const submit = async (options: Record<string, unknown>, k = 1) =>
    client.submit({ content: { name: 'c.png', bytes: await contentPng(k) }, styles: [{ name: 's.png', bytes: style }], options: { model: 'vgg19-random', imageSize: 32, ...options } });

  beforeAll(async () => {
    [redis, f] = await Promise.all([startRedis(), makeFixture('ns-worker-')]);
    style = await readFile(f.painting);
    client = await JobClient.connect(redis.url, { limits: LIMITS });
    // The uninterrupted run, made before any worker starts in this process.
    [local] = await localResults(ADAM, style, [await contentPng(1)], narrowModel());
  });
  afterAll(async () => {
    await stopWorker();
    await client?.close();
    await redis?.stop();
    await f?.cleanup();
  });

  it('on SIGTERM saves the running job’s checkpoint and requeues it; the next worker finishes it exactly', async () => {
    await startWorker();
    const id = await submit({ ...ADAM, checkpointEvery: 5 });
    let stopped = -1;
    await new Promise<void>((ok) => {
      void client.follow(id, (p) => {
        if (stopped < 0 && p.iteration >= 12) {
          stopped = p.iteration;
          ok();
        }
      });
    });
    await stopWorker();
    expect(lines.some((l) => new RegExp(`job ${id}: back to the queue at iteration \\d+ \\(worker stopping\\)`).test(l))).toBe(true);
    expect(await (await client.queue.getJob(id))!.getState()).toBe('waiting');
    const saved = decodeCheckpoint((await client.store.get('checkpoint', id))!, 'checkpoint');
    expect(saved.checkpoint.iteration).toBeGreaterThanOrEqual(stopped);
    expect(saved.checkpoint.optimizer.kind).toBe('adam');

    await startWorker();
    const end = await client.follow(id);
    expect(end.state).toBe('completed');
    expect(end.result!.resumedFrom).toBe(saved.checkpoint.iteration);
    const r = (await client.result(id))!;
    expect(r.summary.loss).toBe(local!.loss);
    expect(Buffer.from(r.bytes).equals(local!.png)).toBe(true);
    // A finished job's checkpoint is not kept.
    expect(await client.store.has('checkpoint', id)).toBe(false);

    // A second delivery of the finished job (as after a lost lock) runs nothing and writes nothing.
    const before = lines.length;
    await (await client.queue.getJob(id))!.retry('completed');
    const again = await client.follow(id);
    expect(again.state).toBe('completed');
    expect(again.result!.duplicate).toBe(true);
    expect(again.result!.loss).toBe(local!.loss);
    expect(lines.slice(before).some((l) => l.includes(`job ${id}: already finished`))).toBe(true);
    expect(lines.slice(before).some((l) => l.includes(`job ${id}: started`) || l.includes(`job ${id}: resumed`))).toBe(false);
    expect(Buffer.from((await client.result(id))!.bytes).equals(local!.png)).toBe(true);
  }, 90_000);

  it('keeps an L-BFGS checkpoint over the store’s cap as the image only, and the job says so', async () => {
    if (!current) await startWorker();
    const id = await submit({ numIterations: 100, optimizer: 'lbfgs', checkpointEvery: 5 }, 2);
    await new Promise<void>((ok) => {
      void client.follow(id, (p) => p.iteration >= 12 && ok());
    });
    await stopWorker();
    const saved = decodeCheckpoint((await client.store.get('checkpoint', id))!, 'checkpoint');
    expect(saved.checkpoint.optimizer.kind).toBe('lbfgs');
    // No history: the optimiser starts afresh from the saved image.
    expect(JSON.stringify(saved.checkpoint.optimizer)).not.toMatch(/\$f32|Float32Array/);
    expect((await client.store.get('checkpoint', id))!.length).toBeLessThanOrEqual(LIMITS.maxBytes.checkpoint);

    await startWorker();
    const end = await client.follow(id);
    expect(end.state).toBe('completed');
    expect(end.result!.resumedFrom).toBe(saved.checkpoint.iteration);
    expect(end.result!.iterations).toBe(100);
    expect(end.result!.notes.join(' ')).toMatch(/lbfgs state \([\d.]+ MiB\) is over the store's checkpoint limit: checkpoints hold the image only/);
  }, 90_000);

  it('serves jobs that differ only in their iteration count with one warm Stylizer, each run to its own count', async () => {
    if (!current) await startWorker();
    const ids = [await submit({ numIterations: 3, optimizer: 'adam', styleWeight: 7 }, 4), await submit({ numIterations: 5, optimizer: 'adam', styleWeight: 7 }, 4)];
    const ends = await Promise.all(ids.map((id) => client.follow(id)));
    expect(ends.map((e) => e.state)).toEqual(['completed', 'completed']);
    expect(ends.map((e) => e.progress!.iteration)).toEqual([3, 5]);
    expect(lines.filter((l) => l.includes(`job ${ids[1]}: started`) && l.includes('warm stylizer'))).toHaveLength(1);
  }, 60_000);

  it('stops a running job a client cancels', async () => {
    if (!current) await startWorker();
    const id = await submit({ numIterations: 5000, optimizer: 'adam' }, 3);
    // The cancel's answer is awaited below: an expectation inside a floating .then() would
    // run after the test (or never), and a wrong answer would fail nothing.
    let cancelled: Promise<Awaited<ReturnType<JobClient['cancel']>>> | undefined;
    const end = await client.follow(id, (p) => {
      if (!cancelled && p.iteration >= 2) {
        cancelled = client.cancel(id);
        // Handled here so a rejection before follow() ends is not reported as unhandled; the await below still throws it.
        cancelled.catch(() => {});
      }
    });
    expect(cancelled).toBeDefined();
    expect(await cancelled).toBe('cancelling');
    expect(end.state).toBe('failed');
    expect(end.failedReason).toBe('cancelled by a client');
    expect(end.progress!.iteration).toBeLessThan(5000);
    expect(await client.cancel(id)).toBe('finished');
  }, 60_000);
});
