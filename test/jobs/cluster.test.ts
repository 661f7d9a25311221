/**
 * Issue 14, the job service across processes: a private redis-server, worker processes
 * (the real `neural-style worker` command), clients submitting at once.
 *
 * - 40 tiny jobs from 4 concurrent clients to 2 workers: each completes exactly once, and
 *   each result is byte for byte the image the same run makes locally.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobClient } from '../../src/jobs/client.js';
import { makeFixture, type Fixture } from '../cli/helpers.js';
import { startRedis, type TestRedis } from '../helpers/redis-server.js';
import { contentPng, localResults, spawnWorker, stopWorker, type WorkerProcess } from './helpers.js';

const JOB = { model: 'vgg19-random', imageSize: 32, numIterations: 2, optimizer: 'adam' } as const;

describe('40 jobs, 4 clients, 2 worker processes', () => {
  let redis: TestRedis;
  let f: Fixture;
  let workers: WorkerProcess[] = [];

  beforeAll(async () => {
    [redis, f] = await Promise.all([startRedis(), makeFixture('ns-jobs-')]);
    // The default lock: a worker's first job compiles a Stylizer, and with the whole suite on
    // two cores its synchronous parts (weights, graph) once kept a worker from renewing an
    // 8 s lock, so a second worker also started the job (the result was still written once).
    // Failover after a lost lock is faults.test.ts's subject, not this test's.
    workers = [spawnWorker(redis.url, ['--lock-ms', '30000']), spawnWorker(redis.url, ['--lock-ms', '30000'])];
    await Promise.all(workers.map((w) => w.waitFor(/ ready /, 120_000)));
  }, 150_000);
  afterAll(async () => {
    await Promise.all(workers.map((w) => stopWorker(w)));
    await redis?.stop();
    await f?.cleanup();
  });

  it('completes every job exactly once, each equal to the same run done locally', async () => {
    const style = await readFile(f.painting);
    const contents = await Promise.all(Array.from({ length: 40 }, (_, k) => contentPng(k)));
    const clients = await Promise.all([0, 1, 2, 3].map(() => JobClient.connect(redis.url)));
    try {
      const t0 = Date.now();
      // Client c submits jobs c, c+4, c+8, …: four submitters interleaved on the queue.
      const ids: string[] = new Array(40);
      await Promise.all(
        clients.map(async (client, c) => {
          for (let k = c; k < 40; k += 4) {
            ids[k] = await client.submit({ content: { name: `content-${k}.png`, bytes: contents[k]! }, styles: [{ name: 'painting.png', bytes: style }], options: { ...JOB } });
          }
        }),
      );
      expect(new Set(ids).size).toBe(40);
      const ends = await Promise.all(ids.map((id, k) => clients[k % 4]!.follow(id)));
      const wallMs = Date.now() - t0;
      expect(ends.map((e) => e.state)).toEqual(ids.map(() => 'completed'));

      const local = await localResults({ imageSize: JOB.imageSize, numIterations: JOB.numIterations, optimizer: JOB.optimizer }, style, contents);
      for (let k = 0; k < 40; k++) {
        const r = await clients[0]!.result(ids[k]!);
        expect(r, `job ${ids[k]}`).toBeDefined();
        expect(r!.summary.duplicate, `job ${ids[k]}`).toBeUndefined();
        expect(r!.summary.loss).toBe(local[k]!.loss);
        expect(Buffer.from(r!.bytes).equals(local[k]!.png), `job ${ids[k]}'s image differs from the local run's`).toBe(true);
      }
      // Exactly once: one start and one finish per job across both workers, and both worked.
      const said = workers.flatMap((w) => w.lines.map((l) => l.text));
      // On a failure, what each worker said about the job, with times from the first submit.
      const story = (id: string) =>
        workers
          .flatMap((w, k) => w.lines.filter((l) => l.text.includes(`job ${id}:`)).map((l) => ({ ...l, k })))
          .sort((a, b) => a.at - b.at)
          .map((l) => `\n  +${l.at - t0} ms worker ${l.k}: ${l.text}`)
          .join('');
      for (const id of ids) {
        expect(said.filter((l) => l.includes(`job ${id}: started`)).length, `job ${id} starts${story(id)}`).toBe(1);
        expect(said.filter((l) => l.includes(`job ${id}: done`)).length, `job ${id} finishes${story(id)}`).toBe(1);
      }
      expect(said.some((l) => /another delivery|already finished/.test(l))).toBe(false);
      // Same settings and style: each worker compiles one Stylizer and keeps it warm.
      expect(said.filter((l) => /: started .*new stylizer/.test(l)).length).toBe(2);
      expect(said.filter((l) => /: started .*warm stylizer/.test(l)).length).toBe(38);
      const perWorker = workers.map((w) => w.lines.filter((l) => / done, /.test(l.text)).length);
      expect(perWorker.every((n) => n > 0)).toBe(true);
      console.log(`40 jobs in ${wallMs} ms on 2 workers (${perWorker.join(' + ')}), shared 2-core machine`);
    } finally {
      await Promise.all(clients.map((c) => c.close()));
    }
  }, 240_000);
});
