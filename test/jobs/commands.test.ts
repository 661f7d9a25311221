/**
 * Issue 14, the submit and jobs commands (in this process, with a worker in this process):
 * the stylize command's checks and messages at submission with nothing queued, --wait -o
 * writing the image a local run makes, and jobs list/status/result/cancel.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobClient } from '../../src/jobs/client.js';
import { runWorker } from '../../src/jobs/worker.js';
import { cli, makeFixture, small, type Fixture } from '../cli/helpers.js';
import { startRedis, type TestRedis } from '../helpers/redis-server.js';
import { jobsInQueue } from './helpers.js';

describe('neural-style submit and jobs', () => {
  let redis: TestRedis;
  let f: Fixture;
  let client: JobClient;
  const stop = new AbortController();
  let worker: Promise<void> | undefined;

  beforeAll(async () => {
    [redis, f] = await Promise.all([startRedis(), makeFixture('ns-submit-')]);
    client = await JobClient.connect(redis.url);
  });
  afterAll(async () => {
    stop.abort();
    await worker;
    await client?.close();
    await redis?.stop();
    await f?.cleanup();
  });

  const total = () => jobsInQueue(client);

  it('refuses what the stylize command refuses, with its message and exit code, and queues nothing', async () => {
    for (const extra of [['--image-size', '8'], ['--style-weight', 'lots'], ['--content-layers', 'relu9_9'], ['--init', 'sideways']]) {
      const local = await cli(small(f, [...extra, '-o', join(f.dir, 'never.png')]));
      const queued = await cli(['submit', '--redis', redis.url, ...small(f, extra).filter((a, i, all) => a !== '--backend' && all[i - 1] !== '--backend')]);
      expect(queued.code, extra.join(' ')).toBe(local.code);
      expect(queued.stderr, extra.join(' ')).toBe(local.stderr);
    }
    const missing = await cli(['submit', '--redis', redis.url, '-c', join(f.dir, 'nope.jpg'), '-s', f.painting]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(`error: ${join(f.dir, 'nope.jpg')}: no such file\n`);
    expect((await cli(['submit', '--redis', redis.url, '-s', f.painting])).stderr).toBe('error: no content image: give one with -c/--content PATH\n');
    expect((await cli(['submit', '--redis', redis.url, '-c', f.photo, '-s', f.painting, '--output', '/tmp/x.gif'])).code).toBe(2);
    expect(await total()).toBe(0);
  });

  it('refuses at submit what a worker would refuse: a run that cannot fit this machine, --multires-from (exit 2), queueing nothing', async () => {
    const submit = (extra: string[]) => cli(['submit', '--redis', redis.url, '-c', f.photo, '-s', f.painting, '--model', 'vgg19-random', ...extra]);
    const huge = await submit(['--image-size', '2048', '--style-scale', '16', '--num-iterations', '1']);
    expect(huge.code, huge.stderr).toBe(2);
    expect(huge.stderr).toMatch(/^error: a 2048×1536 run in tiles of \d+ px needs about [\d.]+ GB of memory but [\d.]+ GB is this machine's memory \(NEURAL_STYLE_NO_MEMORY_CHECK=1 skips the check\); try --image-size \d+/);
    const coarse = await submit(['--image-size', '64', '--multires-from', '32', '--num-iterations', '2']);
    expect([coarse.code, coarse.stderr]).toEqual([2, 'error: checkpoints cannot be combined with --multires-from or --multires-warm-start (coarse-to-fine with warm starts)\n']);
    expect(await total()).toBe(0);
  });

  it('--wait -o writes the image the same run makes locally; jobs status, result and list see it', async () => {
    worker = runWorker({ redis: redis.url, backend: 'cpu', signal: stop.signal });
    const args = ['-c', f.photo, '-s', f.painting, '--model', 'vgg19-random', '--image-size', '32', '--num-iterations', '3', '--optimizer', 'adam'];
    const out = join(f.dir, 'remote.png');
    const sub = await cli(['submit', '--redis', redis.url, ...args, '-o', out, '-q']);
    expect(sub.stderr).toMatch(/^wrote .*remote\.png \(32×24\) from job 1: 3 iterations/);
    expect([sub.code, sub.stdout]).toEqual([0, '1\n']);
    const local = await cli([...args, '--backend', 'cpu', '-q', '-o', join(f.dir, 'local.png')]);
    expect(local.code).toBe(0);
    expect((await readFile(out)).equals(await readFile(join(f.dir, 'local.png')))).toBe(true);

    const status = await cli(['jobs', 'status', '1', '--redis', redis.url]);
    const s = JSON.parse(status.stdout) as { state: string; result: { iterations: number; parts: Record<string, number> } };
    expect([s.state, s.result.iterations, Object.keys(s.result.parts)]).toEqual(['completed', 3, ['content', 'style', 'tv']]);
    const again = join(f.dir, 'again.png');
    expect((await cli(['jobs', 'result', '1', '-o', again, '--redis', redis.url])).code).toBe(0);
    expect((await readFile(again)).equals(await readFile(out))).toBe(true);
    expect((await cli(['jobs', '--redis', redis.url])).stdout).toMatch(/^\s+1 {2}completed 3\/3 loss /);
    expect((await cli(['jobs', 'cancel', '1', '--redis', redis.url])).stdout).toBe('job 1: already finished; nothing to cancel\n');
    const unknown = await cli(['jobs', 'status', '77', '--redis', redis.url]);
    expect([unknown.code, unknown.stderr]).toEqual([1, 'error: no job 77 in the queue (unknown, or removed after it expired)\n']);
  }, 120_000);

  it('says clearly when Redis cannot be reached', async () => {
    const r = await cli(['jobs', '--redis', 'redis://127.0.0.1:1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('error: cannot reach Redis at redis://127.0.0.1:1 (ECONNREFUSED)\n');
    expect((await cli(['jobs', '--redis', 'http://x'])).stderr).toBe("error: --redis must start with redis:// or rediss://, got 'http://x'\n");
    // The worker too: it used to retry for ever (and then not stop on SIGTERM).
    const w = await cli(['worker', '--redis', 'redis://127.0.0.1:1', '--backend', 'cpu']);
    expect([w.code, w.stderr.split('\n').filter((l) => l.startsWith('error:'))]).toEqual([1, ['error: cannot reach Redis at redis://127.0.0.1:1 (ECONNREFUSED)']]);
  }, 30_000);

  it('a stray word after jobs or its commands is a usage error, found before Redis is asked (an unreachable one here)', async () => {
    const down = ['--redis', 'redis://127.0.0.1:1'];
    expect(await cli(['jobs', 'frobnicate', ...down])).toMatchObject({ code: 2, stderr: "error: unknown jobs command 'frobnicate': list, status ID, result ID -o FILE, or cancel ID\n" });
    expect(await cli(['jobs', 'status', '1', '2', ...down])).toMatchObject({ code: 2, stderr: "error: too many arguments for 'status'. Expected 1 argument but got 2.\n" });
  });
});
