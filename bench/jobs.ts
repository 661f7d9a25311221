/**
 * `npm run bench:jobs`: what the job service costs on top of the work. A private
 * redis-server, worker processes (the real `neural-style worker` command, vgg19-random),
 * tiny jobs (32 px, 2 Adam iterations). A benchmark, not a test.
 *
 *   npm run bench:jobs -- [--jobs 20] [--sequential 10]
 *
 * Reports
 *   - queue overhead per job, jobs submitted one at a time to one warm worker:
 *     submit → start (BullMQ's processedOn − timestamp) and finish → result visible
 *     (the client's follow() resolving − finishedOn), beside the job's own run time;
 *   - throughput with 1 and 2 workers: --jobs jobs submitted at once, first submit to last result.
 */
import { readFile } from 'node:fs/promises';
import { JobClient } from '../src/jobs/client.js';
import { makeFixture } from '../test/cli/helpers.js';
import { startRedis } from '../test/helpers/redis-server.js';
import { contentPng, spawnWorker, stopWorker, type WorkerProcess } from '../test/jobs/helpers.js';
import { int, readArgs } from './args.js';

const { values: args } = readArgs({
  usage: 'npm run bench:jobs -- [options]',
  flags: {
    jobs: int(20, 'jobs submitted at once for the throughput runs (1 and 2 workers)'),
    sequential: int(10, 'jobs submitted one at a time for the queue overhead'),
  },
});

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const fmt = (xs: number[]) => `median ${median(xs).toFixed(1)} ms (min ${Math.min(...xs).toFixed(1)}, max ${Math.max(...xs).toFixed(1)})`;

const JOB = { model: 'vgg19-random', imageSize: 32, numIterations: 2, optimizer: 'adam' };

const nJobs = args.jobs;
const nSequential = args.sequential;
const f = await makeFixture('ns-bench-jobs-');
const style = await readFile(f.painting);
const contents = await Promise.all(Array.from({ length: Math.max(nJobs, nSequential) + 2 }, (_, k) => contentPng(k)));
const submitOne = (client: JobClient, k: number) =>
  client.submit({ content: { name: `c${k}.png`, bytes: contents[k]! }, styles: [{ name: 's.png', bytes: style }], options: JOB });

async function withWorkers<T>(n: number, work: (client: JobClient) => Promise<T>): Promise<T> {
  const redis = await startRedis();
  const workers: WorkerProcess[] = Array.from({ length: n }, () => spawnWorker(redis.url));
  const client = await JobClient.connect(redis.url);
  try {
    await Promise.all(workers.map((w) => w.waitFor(/ ready /, 120_000)));
    // Warm every worker (one compile each) before timing anything.
    await Promise.all(Array.from({ length: n }, (_, k) => submitOne(client, k))).then((ids) => Promise.all(ids.map((id) => client.follow(id))));
    return await work(client);
  } finally {
    await client.close();
    await Promise.all(workers.map((w) => stopWorker(w)));
    await redis.stop();
  }
}

console.log(`neural-style job service benchmark: ${nJobs} jobs for throughput, ${nSequential} one at a time for overhead; ${JSON.stringify(JOB)}`);

const overhead = await withWorkers(1, async (client) => {
  const start: number[] = [];
  const visible: number[] = [];
  const run: number[] = [];
  for (let k = 0; k < nSequential; k++) {
    const id = await submitOne(client, k + 2);
    await client.follow(id);
    const seenAt = Date.now();
    const job = (await client.queue.getJob(id))!;
    start.push(job.processedOn! - job.timestamp);
    run.push(job.finishedOn! - job.processedOn!);
    visible.push(seenAt - job.finishedOn!);
  }
  return { start, visible, run };
});
console.log(`queue overhead, 1 warm worker, jobs one at a time:`);
console.log(`  submit → start:          ${fmt(overhead.start)}`);
console.log(`  finish → result visible: ${fmt(overhead.visible)}`);
console.log(`  (the job itself:         ${fmt(overhead.run)})`);

for (const n of [1, 2]) {
  const { wallMs } = await withWorkers(n, async (client) => {
    const t0 = Date.now();
    const ids = await Promise.all(Array.from({ length: nJobs }, (_, k) => submitOne(client, k)));
    await Promise.all(ids.map((id) => client.follow(id)));
    return { wallMs: Date.now() - t0 };
  });
  console.log(`throughput, ${n} worker${n > 1 ? 's' : ''}: ${nJobs} jobs in ${(wallMs / 1000).toFixed(2)} s = ${((nJobs * 1000) / wallMs).toFixed(2)} jobs/s`);
}
console.log('(the machine is shared with other work; run it again side by side before comparing numbers)');
await f.cleanup();
