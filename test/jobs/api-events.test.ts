/**
 * Issue 28, what the browser app needs from the API: GET /api/info to find it, event ids
 * and Last-Event-ID so a lost event stream resumes without repeating progress, and
 * refusals that carry their message parts (option references as data) so the page can
 * name options by its labels.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobClient } from '../../src/jobs/client.js';
import type { Fixture } from '../cli/helpers.js';
import { startApiServer, type ApiServer } from './api-server.js';

const TOKEN = 'test-token-0123456789abcdef';
const auth = { Authorization: `Bearer ${TOKEN}` };

interface Sse {
  id?: string;
  event: string;
  data: Record<string, unknown>;
}

/** Every event of a stream until it ends. */
async function readEvents(res: Response): Promise<Sse[]> {
  const got: Sse[] = [];
  const text = await res.text();
  for (const block of text.split('\n\n')) {
    const event = /^event: (.*)$/m.exec(block)?.[1];
    const data = /^data: (.*)$/m.exec(block)?.[1];
    const id = /^id: (.*)$/m.exec(block)?.[1];
    if (event && data) got.push({ ...(id !== undefined ? { id } : {}), event, data: JSON.parse(data) as Record<string, unknown> });
  }
  return got;
}

describe('the job API for the browser app', () => {
  let api: ApiServer;
  let client: JobClient;
  let f: Fixture;
  let base: string;

  beforeAll(async () => {
    api = await startApiServer('ns-api-ev-', { token: TOKEN });
    ({ client, f, base } = api);
  });
  afterAll(() => api?.stop());

  const form = async (options: unknown) => {
    const fd = new FormData();
    fd.append('content', new Blob([new Uint8Array(await readFile(f.photo))]), 'photo.jpg');
    fd.append('style', new Blob([new Uint8Array(await readFile(f.painting))]), 'painting.png');
    fd.append('options', JSON.stringify(options));
    return fd;
  };

  it('answers GET /api/info with the token, 401 without it', async () => {
    const info = await fetch(`${base}/api/info`, { headers: auth });
    expect(info.status).toBe(200);
    expect(await info.json()).toMatchObject({ api: 'neural-style jobs', version: 1 });
    expect((await fetch(`${base}/api/info`)).status).toBe(401);
    expect((await fetch(`${base}/api/info`, { method: 'POST', headers: auth })).status).toBe(405);
  });

  it('gives a refusal’s message parts beside its text, the option as data', async () => {
    const res = await fetch(`${base}/api/jobs`, { method: 'POST', headers: auth, body: await form({ model: 'vgg19-random', imageSize: -5 }) });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: string; parts: unknown[] };
    expect(body.error).toMatch(/^imageSize must be/);
    expect(body.parts).toContainEqual({ option: 'imageSize' });
  });

  it('numbers progress events by iteration and resumes after Last-Event-ID', async () => {
    const res = await fetch(`${base}/api/jobs`, { method: 'POST', headers: auth, body: await form({ model: 'vgg19-random', imageSize: 32, numIterations: 6, optimizer: 'adam' }) });
    const { events } = (await res.json()) as { events: string };
    // Both streams open before the worker starts, so neither misses an event.
    const whole = await fetch(`${base}${events}`, { headers: auth });
    const resumed = await fetch(`${base}${events}`, { headers: { ...auth, 'Last-Event-ID': '3' } });
    api.startWorker();
    const [all, after] = await Promise.all([readEvents(whole), readEvents(resumed)]);
    const ids = (got: Sse[]) => got.filter((e) => e.event === 'progress').map((e) => [e.id, e.data.iteration]);
    expect(ids(all)).toEqual([0, 1, 2, 3, 4, 5, 6].map((i) => [String(i), i]));
    expect(ids(after)).toEqual([4, 5, 6].map((i) => [String(i), i]));
    expect(after[0]!.event).toBe('state');
    expect(after.at(-1)!.event).toBe('result');
  });

  it('ends a cancelled job’s stream with failed, its reason as parts too', async () => {
    const res = await fetch(`${base}/api/jobs`, { method: 'POST', headers: auth, body: await form({ model: 'vgg19-random', imageSize: 32, numIterations: 2000, optimizer: 'adam' }) });
    const { id, events } = (await res.json()) as { id: string; events: string };
    const stream = fetch(`${base}${events}`, { headers: auth }).then(readEvents);
    for (let i = 0; i < 200 && (await client.status(id))?.progress === undefined; i++) await new Promise((r) => setTimeout(r, 50));
    expect((await (await fetch(`${base}/api/jobs/${id}`, { method: 'DELETE', headers: auth })).json()).cancel).toBe('cancelling');
    const last = (await stream).at(-1)!;
    expect(last.event).toBe('failed');
    expect(last.data).toEqual({ error: 'cancelled by a client', parts: ['cancelled by a client'] });
  });
});
