/**
 * Issue 14, the HTTP API (`serve --api`): a bearer token, the CLI's own messages for bad
 * input with nothing queued, upload caps, unknown jobs, per-client queue limits, cancelling,
 * and a server-sent event stream that delivers progress in order and ends with the result.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobClient } from '../../src/jobs/client.js';
import { cli, small, type Fixture } from '../cli/helpers.js';
import { startApiServer, type ApiServer } from './api-server.js';
import { jobsInQueue } from './helpers.js';

const TOKEN = 'test-token-0123456789abcdef';
const auth = { Authorization: `Bearer ${TOKEN}` };

describe('the job API', () => {
  let api: ApiServer;
  let client: JobClient;
  let f: Fixture;
  let base: string;

  beforeAll(async () => {
    api = await startApiServer('ns-api-', { token: TOKEN, maxUploadBytes: 256 * 1024, maxQueuedPerClient: 2, limits: { maxIterations: 100 } });
    ({ client, f, base } = api);
  });
  afterAll(() => api?.stop());

  const form = async (parts: { content?: Buffer; contentName?: string; style?: Buffer; options?: unknown }) => {
    const fd = new FormData();
    fd.append('content', new Blob([new Uint8Array(parts.content ?? (await readFile(f.photo)))]), parts.contentName ?? 'photo.jpg');
    fd.append('style', new Blob([new Uint8Array(parts.style ?? (await readFile(f.painting)))]), 'painting.png');
    fd.append('options', JSON.stringify(parts.options ?? { model: 'vgg19-random', imageSize: 32, numIterations: 6, optimizer: 'adam' }));
    return fd;
  };
  const post = async (body: FormData, headers: Record<string, string> = auth) => fetch(`${base}/api/jobs`, { method: 'POST', body, headers });
  const queued = () => jobsInQueue(client);

  it('refuses requests without the bearer token (401), and serves the app beside the API', async () => {
    expect((await post(await form({}), {})).status).toBe(401);
    expect((await post(await form({}), { Authorization: 'Bearer wrong-token-0123456789' })).status).toBe(401);
    expect((await fetch(`${base}/api/jobs/1`)).status).toBe(401);
    expect((await fetch(`${base}/`)).status).toBe(200);
    expect(await queued()).toBe(0);
  });

  it('answers a bad image or option with 400 and the CLI’s message in its callers’ words (option keys), and queues nothing', async () => {
    const bad = join(f.dir, 'bad.png');
    await writeFile(bad, Buffer.from('this is not a PNG at all'));
    const local = await cli(small(f, ['-o', join(f.dir, 'never.png')]).map((a) => (a === f.photo ? bad : a)));
    expect(local.code).toBe(1); // an InputError: exit 1 in the CLI, 400 from the API
    const res = await post(await form({ content: await readFile(bad), contentName: 'bad.png' }));
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as { error: string };
    // The same sentence; the CLI names the path it was given, the API the uploaded file's name.
    expect(`error: ${error}\n`).toBe(local.stderr.replace(bad, 'bad.png'));

    const tooSmall = await cli(small(f, ['--image-size', '8', '-o', join(f.dir, 'never.png')]));
    expect(tooSmall.code).toBe(2);
    const res2 = await post(await form({ options: { model: 'vgg19-random', imageSize: 8, numIterations: 6 } }));
    expect(res2.status).toBe(400);
    // The CLI's sentence, with each option named as a JSON client sends it.
    expect(`error: ${((await res2.json()) as { error: string }).error}\n`).toBe(tooSmall.stderr.replaceAll('--image-size', 'imageSize'));

    const res3 = await post(await form({ options: { model: 'vgg19-random', styleWeight: 'lots', numIterations: 6 } }));
    expect(res3.status).toBe(400);
    expect(((await res3.json()) as { error: string }).error).toBe("styleWeight must be a number ≥ 0, got 'lots'");
    const res4 = await post(await form({ options: { output: '/etc/passwd' } }));
    expect(res4.status).toBe(400);
    expect(((await res4.json()) as { error: string }).error).toMatch(/^output cannot be set for a queued job/);
    const res5 = await post(await form({ options: { model: 'vgg19-random', imageSize: 32, numIterations: 1000 } }));
    expect(res5.status).toBe(400);
    expect(((await res5.json()) as { error: string }).error).toBe('numIterations must be at most 100 on this server, got 1000');

    expect(await queued()).toBe(0);
    expect(await client.store.redis.keys('neural-style:input:*')).toEqual([]);
  });

  it('refuses an upload over the limit with 413, before queueing anything', async () => {
    const big = Buffer.alloc(300 * 1024, 7);
    const res = await post(await form({ content: big }));
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: string }).error).toMatch(/over the server's limit of 0\.3 MiB/);
    expect(await queued()).toBe(0);
  });

  it('answers 404 for unknown jobs and paths, whatever the id looks like', async () => {
    for (const path of ['/api/jobs/999', '/api/jobs/999/result', '/api/jobs/999/events', '/api/jobs/..%2F..%2Fetc', '/api/jobs/1/nothing', '/api/other']) {
      expect((await fetch(`${base}${path}`, { headers: auth })).status, path).toBe(404);
    }
    expect((await fetch(`${base}/api/jobs/999`, { method: 'DELETE', headers: auth })).status).toBe(404);
  });

  it('limits each client’s unfinished jobs (429), and DELETE removes a waiting job', async () => {
    const a = await post(await form({}));
    const b = await post(await form({}));
    expect([a.status, b.status]).toEqual([202, 202]);
    const c = await post(await form({}));
    expect(c.status).toBe(429);
    for (const r of [a, b]) {
      const { id } = (await r.json()) as { id: string };
      const del = await fetch(`${base}/api/jobs/${id}`, { method: 'DELETE', headers: auth });
      expect(await del.json()).toEqual({ id, cancel: 'removed' });
      expect((await fetch(`${base}/api/jobs/${id}`, { headers: auth })).status).toBe(404);
    }
  });

  it('streams progress in order over server-sent events, ending with the result', async () => {
    const res = await post(await form({ options: { model: 'vgg19-random', imageSize: 32, numIterations: 6, optimizer: 'adam', previewEvery: 3 } }));
    expect(res.status).toBe(202);
    const { id, events } = (await res.json()) as { id: string; events: string };
    const stream = await fetch(`${base}${events}`, { headers: auth });
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
    // The worker starts after the stream is open, so every progress event is seen.
    api.startWorker();
    const got: Array<{ event: string; data: Record<string, unknown> }> = [];
    const reader = stream.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
      let end;
      while ((end = text.indexOf('\n\n')) >= 0) {
        const block = text.slice(0, end);
        text = text.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event && data) got.push({ event, data: JSON.parse(data) as Record<string, unknown> });
      }
    }
    expect(got[0]!.event).toBe('state');
    expect(got[0]!.data.state).toBe('waiting');
    const progress = got.filter((e) => e.event === 'progress');
    expect(progress.map((e) => e.data.iteration)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(progress.map((e) => typeof e.data.preview === 'string')).toEqual([true, false, false, true, false, false, true]);
    expect(Object.keys(progress[6]!.data.parts as object)).toEqual(['content', 'style', 'tv']);
    const last = got[got.length - 1]!;
    expect(last.event).toBe('result');
    expect(last.data.iterations).toBe(6);
    expect(last.data.loss).toBe(progress[6]!.data.loss);

    const status = (await (await fetch(`${base}/api/jobs/${id}`, { headers: auth })).json()) as { state: string; progress: { iteration: number } };
    expect([status.state, status.progress.iteration]).toEqual(['completed', 6]);
    const image = await fetch(`${base}${last.data.url as string}`, { headers: auth });
    expect(image.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await image.arrayBuffer()).equals(Buffer.from((await client.result(id))!.bytes))).toBe(true);
    expect((await fetch(`${base}/api/jobs/${id}`, { method: 'DELETE', headers: auth })).status).toBe(409);
  });

  it('takes the method option: an NNST job runs its scales and its progress names them; an unknown method is a 400', async () => {
    const bad = await post(await form({ options: { method: 'gatsby', imageSize: 32, numIterations: 2 } }));
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toBe("method must be one of gatys, nnst, strotss, got 'gatsby'");
    // The worker started by the test above is still taking jobs.
    const res = await post(await form({ options: { method: 'nnst', imageSize: 64, numIterations: 2, styleRotations: false } }));
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    let status = await client.status(id);
    for (let i = 0; i < 600 && status?.state !== 'completed' && status?.state !== 'failed'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      status = await client.status(id);
    }
    expect(status?.state, JSON.stringify(status)).toBe('completed');
    // 64 px: one hypercolumn scale and the last pass, 2 steps each; the last report is the last pass's.
    expect(status!.progress).toMatchObject({ iteration: 4, numIterations: 4, size: 64, stage: { index: 2, count: 2 } });
    expect(Object.keys((status!.progress as { parts: object }).parts)).toEqual(['layers']);
    expect((await client.result(id))!.summary.iterations).toBe(4);
  });
});
