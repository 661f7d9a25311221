/**
 * Issue 28, the page's side of the job API: the server-sent event parser (a streaming
 * fetch, since an EventSource cannot send a bearer token) and following a job through a
 * broken stream: reconnect with Last-Event-ID, each progress report shown once, "waiting
 * for a worker" when no worker takes the job.
 */
import { describe, expect, it } from 'vitest';
import { JobsApi } from '../../web/src/server/api-client.js';
import { followJob } from '../../web/src/server/follow.js';
import { readSse } from '../../web/src/server/sse.js';

const enc = new TextEncoder();

/** A body that sends these chunks, `gapMs` apart. */
function body(chunks: string[], gapMs = 0): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream({
    async pull(c) {
      if (gapMs) await new Promise((r) => setTimeout(r, gapMs));
      if (i < chunks.length) c.enqueue(enc.encode(chunks[i++]!));
      else c.close();
    },
  });
}

async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const v of it) out.push(v);
  return out;
}

describe('readSse', () => {
  it('parses events split anywhere across chunks, with ids, CRLF, multi-line data, comments and retry', async () => {
    const text = 'retry: 2000\n\n: ping\n\nid: 4\r\nevent: progress\r\ndata: {"a":\r\ndata: 1}\r\n\r\nevent: result\ndata:x\n\ndata: plain\n\n';
    // Every split point: a chunk boundary anywhere must not change what is read.
    for (let cut = 0; cut <= text.length; cut++) {
      const got = await all(readSse(body([text.slice(0, cut), text.slice(cut)])));
      expect(got, `cut at ${cut}`).toEqual([
        { event: 'progress', data: '{"a":\n1}', id: '4' },
        { event: 'result', data: 'x' },
        { event: 'message', data: 'plain' },
      ]);
    }
  });
});

describe('followJob', () => {
  const state = (s: object) => `event: state\ndata: ${JSON.stringify({ id: '7', submittedAt: 0, attempts: 0, ...s })}\n\n`;
  const progress = (i: number) => `id: ${i}\nevent: progress\ndata: ${JSON.stringify({ iteration: i, numIterations: 3, loss: 10 - i, parts: {}, elapsedMs: i, etaMs: 0, size: 32, worker: 'w' })}\n\n`;

  it('reconnects a broken stream with Last-Event-ID and shows each progress report once', async () => {
    const asked: Array<string | undefined> = [];
    const streams = [
      // The first stream breaks after iteration 2; the worker took a while to start.
      () => body([state({ state: 'waiting' }), progress(1), progress(2)], 30),
      // The new stream's state carries the latest report (2, already shown), then goes on.
      () => body([state({ state: 'active', progress: JSON.parse(progress(2).split('data: ')[1]!) }), progress(3), 'event: result\ndata: {"iterations":3,"url":"/api/jobs/7/result"}\n\n']),
    ];
    const api = Object.assign(Object.create(JobsApi.prototype) as JobsApi, {
      events: async (_id: string, last: string | undefined) => (asked.push(last), streams.shift()!()),
    });
    const seen: string[] = [];
    const outcome = await followJob(
      api,
      '7',
      {
        state: (s) => seen.push(`state ${s.state}`),
        progress: (p) => seen.push(`progress ${p.iteration}`),
        waiting: () => seen.push('waiting'),
        reconnecting: (n) => seen.push(`reconnecting ${n}`),
        result: (r) => seen.push(`result ${r.iterations}`),
        failed: (f) => seen.push(`failed ${f.error}`),
      },
      new AbortController().signal,
      { waitingAfterMs: 10, retryMs: 1 },
    );
    expect(outcome).toBe('ended');
    expect(asked).toEqual([undefined, '2']);
    expect(seen).toEqual(['state waiting', 'waiting', 'progress 1', 'progress 2', 'reconnecting 1', 'state active', 'progress 3', 'result 3']);
  });
});
