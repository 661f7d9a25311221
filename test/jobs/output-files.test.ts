/**
 * Issue 26: the files `submit -o` and `jobs result -o` write. `submit -o` refuses to write
 * over one of its own inputs as the image command does (same message, exit 2, nothing
 * queued); `jobs result -o` refuses an existing file unless --force, and never writes over
 * the job's own inputs (known by their content hash) even with it.
 */
import { copyFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobClient } from '../../src/jobs/client.js';
import { runWorker } from '../../src/jobs/worker.js';
import { cli, makeFixture, type Fixture } from '../cli/helpers.js';
import { startRedis, type TestRedis } from '../helpers/redis-server.js';
import { jobsInQueue } from './helpers.js';

describe('the output files of submit and jobs result', () => {
  let redis: TestRedis;
  let f: Fixture;
  let client: JobClient;
  const stop = new AbortController();
  let worker: Promise<void> | undefined;

  beforeAll(async () => {
    [redis, f] = await Promise.all([startRedis(), makeFixture('ns-job-out-')]);
    client = await JobClient.connect(redis.url);
  });
  afterAll(async () => {
    stop.abort();
    await worker;
    await client?.close();
    await redis?.stop();
    await f?.cleanup();
  });

  const job = () => ['-c', f.photo, '-s', f.painting, '--model', 'vgg19-random', '--image-size', '32', '--num-iterations', '1'];
  const total = () => jobsInQueue(client);

  it('submit -o refuses the input photo as the image command does, and queues nothing', async () => {
    const before = await readFile(f.photo);
    const photoAsPng = join(f.dir, 'photo.png');
    await copyFile(f.photo, photoAsPng);
    const args = ['-c', photoAsPng, '-s', f.painting, '--model', 'vgg19-random', '--image-size', '32', '--num-iterations', '1', '-o', photoAsPng];
    const local = await cli([...args, '--backend', 'cpu']);
    const queued = await cli(['submit', '--redis', redis.url, ...args]);
    expect(local.code).toBe(2);
    expect(local.stderr).toMatch(/is also the --content file; it would be overwritten/);
    expect([queued.code, queued.stderr]).toEqual([local.code, local.stderr]);
    const style = await cli(['submit', '--redis', redis.url, ...job(), '-o', f.painting]);
    expect([style.code, style.stderr]).toEqual([2, `error: --output ${f.painting} is also the --style file; it would be overwritten: choose another --output path\n`]);
    expect(await total()).toBe(0);
    expect((await readFile(f.photo)).equals(before)).toBe(true);
  });

  it('jobs result -o refuses an existing file unless --force, and the job\'s own inputs always', async () => {
    worker = runWorker({ redis: redis.url, backend: 'cpu', signal: stop.signal });
    const first = join(f.dir, 'first.png');
    const sub = await cli(['submit', '--redis', redis.url, ...job(), '-o', first, '-q']);
    expect(sub.code, sub.stderr).toBe(0);
    const id = sub.stdout.trim();

    const existing = join(f.dir, 'existing.png');
    await copyFile(f.painting2, existing);
    const kept = await readFile(existing);
    const refused = await cli(['jobs', 'result', id, '-o', existing, '--redis', redis.url]);
    expect([refused.code, refused.stderr]).toEqual([2, `error: --output ${existing} already exists; give --force to replace it, or another path\n`]);
    expect((await readFile(existing)).equals(kept)).toBe(true);

    const forced = await cli(['jobs', 'result', id, '-o', existing, '--force', '--redis', redis.url]);
    expect(forced.code, forced.stderr).toBe(0);
    expect((await readFile(existing)).equals(await readFile(first))).toBe(true);

    // A copy of the job's style image: the job's input, whatever its name here.
    const styleCopy = join(f.dir, 'my-painting.png');
    await copyFile(f.painting, styleCopy);
    const input = await cli(['jobs', 'result', id, '-o', styleCopy, '--force', '--redis', redis.url]);
    expect([input.code, input.stderr]).toEqual([2, `error: --output ${styleCopy} is job ${id}'s style image; it would be overwritten: choose another --output path\n`]);
    expect((await readFile(styleCopy)).equals(await readFile(f.painting))).toBe(true);
  }, 120_000);
});
