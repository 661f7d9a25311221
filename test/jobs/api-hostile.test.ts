/**
 * Issue 26, the job API under hostile input: the CLI's pre-flight (memory included) and the
 * server's own caps answer 400 before anything is queued; options a worker would refuse are
 * refused at submit; a token-less API answers only same-origin requests on a loopback Host
 * (DNS rebinding, cross-site POSTs); a token API allows CORS for listed origins only; the
 * per-client queue limit is exact under concurrent POSTs; and the smaller rough edges.
 */
import { createServer, request, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJobsApi, type ApiSettings } from '../../src/jobs/api.js';
import { JobClient } from '../../src/jobs/client.js';
import { cli, rawImage } from '../cli/helpers.js';
import { startRedis, type TestRedis } from '../helpers/redis-server.js';
import { contentPng, jobsInQueue } from './helpers.js';

const TOKEN = 'hostile-token-0123456789abcdef';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  error?: string;
  body: string;
}

/** A request with any headers (fetch will not send a forged Host). */
function send(base: string, method: string, path: string, headers: Record<string, string> = {}, body?: FormData): Promise<Reply> {
  return (async () => {
    let bytes: Buffer | undefined;
    if (body) {
      const r = new Request('http://x/', { method: 'POST', body });
      headers = { ...headers, 'content-type': r.headers.get('content-type')! };
      bytes = Buffer.from(await r.arrayBuffer());
    }
    const url = new URL(path, base);
    return new Promise<Reply>((ok, fail) => {
      const req = request(url, { method, headers: { ...headers, ...(bytes ? { 'content-length': String(bytes.length) } : {}) } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => {
          let error: string | undefined;
          try {
            error = (JSON.parse(text) as { error?: string }).error;
          } catch {
            // Not JSON (the app's HTML).
          }
          ok({ status: res.statusCode!, headers: res.headers, error, body: text });
        });
      });
      req.on('error', fail);
      req.end(bytes);
    });
  })();
}

describe('the job API under hostile input', () => {
  let redis: TestRedis;
  let client: JobClient;
  const servers: Server[] = [];
  let content: Buffer;
  let style: Buffer;

  const serve = async (settings: Omit<ApiSettings, 'client'>) => {
    const api = createJobsApi({ client, ...settings });
    const server = createServer((req, res) => void api(req, res).then((handled) => handled || res.writeHead(404).end()));
    servers.push(server);
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  };
  const form = (options: unknown, styles: Buffer[] = [style], extra?: (fd: FormData) => void) => {
    const fd = new FormData();
    fd.append('content', new Blob([new Uint8Array(content)]), 'content.png');
    for (const s of styles) fd.append('style', new Blob([new Uint8Array(s)]), 'style.png');
    fd.append('options', JSON.stringify(options));
    extra?.(fd);
    return fd;
  };
  const small = { model: 'vgg19-random', imageSize: 32, numIterations: 2 };
  const queued = () => jobsInQueue(client);

  beforeAll(async () => {
    redis = await startRedis();
    client = await JobClient.connect(redis.url);
    [content, style] = await Promise.all([contentPng(1), contentPng(2)]);
  });
  afterAll(async () => {
    for (const s of servers) await new Promise((ok) => s.close(ok));
    await client?.close();
    await redis?.stop();
  });

  describe('with the default limits and no token', () => {
    let base: string;
    beforeAll(async () => {
      base = await serve({});
    });
    const post = (options: unknown, styles?: Buffer[], extra?: (fd: FormData) => void) => send(base, 'POST', '/api/jobs', {}, form(options, styles, extra));

    it('refuses a job that cannot fit with the memory pre-flight’s message and the server’s limit (400), queueing nothing', async () => {
      const r = await post({ imageSize: 2048, styleScale: 16, numIterations: 1 });
      expect(r.status, r.body).toBe(400);
      expect(r.error).toMatch(/^a 2048×1536 run in tiles of \d+ px needs about [\d.]+ GB of memory but 16\.0 GB is this server's limit for a job; try /);
      expect(r.error).not.toMatch(/--[a-z]/);
      expect(await queued()).toBe(0);
    });

    it('refuses the options a worker would refuse: multiresFrom, preset crowsonkb above 128 px', async () => {
      const a = await post({ ...small, imageSize: 64, multiresFrom: 32 });
      expect(a.status, a.body).toBe(400);
      expect(a.error).toBe('checkpoints cannot be combined with multiresFrom or multiresWarmStart (coarse-to-fine with warm starts)');
      const b = await post({ preset: 'crowsonkb', imageSize: 256, numIterations: 2, multiresFirstIterations: 2 });
      expect(b.status, b.body).toBe(400);
      expect(b.error).toBe(a.error);
      expect(await queued()).toBe(0);
      // At 128 px the preset has one size, no coarse-to-fine: a worker takes it.
      const c = await post({ preset: 'crowsonkb', imageSize: 128, numIterations: 2, multiresFirstIterations: 2 });
      expect(c.status, c.body).toBe(202);
      await client.queue.obliterate({ force: true });
    });

    it('caps every iteration count, style scale, style pixels and the number of styles at the server’s limits, in its own words', async () => {
      const cases: Array<[unknown, string, Buffer[]?]> = [
        [{ ...small, multiresFirstIterations: 900000 }, 'multiresFirstIterations must be at most 5000 on this server, got 900000'],
        [{ ...small, numIterations: 1e9 }, 'numIterations must be at most 5000 on this server, got 1000000000'],
        [{ ...small, numIterations: '6000' }, 'numIterations must be at most 5000 on this server, got 6000'],
        [{ ...small, imageSize: 4096 }, 'imageSize must be at most 2048 on this server, got 4096'],
        [{ ...small, styleScale: 8 }, 'styleScale must be at most 4 on this server, got 8'],
        [small, 'give at most 8 style images on this server, got 9', Array.from({ length: 9 }, () => style)],
      ];
      for (const [options, error, styles] of cases) {
        const r = await post(options, styles);
        expect([r.status, r.error], JSON.stringify(options)).toEqual([400, error]);
      }
      // A style image over the server's style pixels: refused from its header, before decoding.
      const huge = await rawImage(Buffer.alloc(4000 * 3000 * 3, 90), 4000, 3000).png().toBuffer();
      const r = await post(small, [huge]);
      expect(r.status).toBe(400);
      expect(r.error).toBe("style.png: 4000×3000 = 12,000,000 pixels is more than this server's limit of 10,000,000 pixels for a style image; shrink the image first");
      expect(await queued()).toBe(0);
    });

    it('refuses duplicate options fields and unknown multipart fields (400)', async () => {
      const twice = await post(small, undefined, (fd) => fd.append('options', JSON.stringify({ numIterations: 4000 })));
      expect([twice.status, twice.error]).toEqual([400, 'give the options field once, got 2']);
      const unknown = await post(small, undefined, (fd) => fd.append('mask', new Blob([new Uint8Array(style)]), 'mask.png'));
      expect([unknown.status, unknown.error]).toEqual([400, "unknown field 'mask'; a job takes content, style, initImage, options"]);
      const twoInits = await post(small, undefined, (fd) => {
        fd.append('initImage', new Blob([new Uint8Array(style)]), 'a.png');
        fd.append('initImage', new Blob([new Uint8Array(style)]), 'b.png');
      });
      expect([twoInits.status, twoInits.error]).toEqual([400, 'give at most one init image (field initImage), got 2']);
      expect(await queued()).toBe(0);
    });

    it('names options by their keys in every 400, never by their flags', async () => {
      const bad: unknown[] = [{ imageSize: 8 }, { styleScale: 0.01 }, { multires: '16,32' }, { numIterations: -1 }, { imageSize: 2048, optimizer: 'lbfgs' }];
      for (const options of bad) {
        const r = await post({ model: 'vgg19-random', ...(options as object) });
        expect(r.status, JSON.stringify(options)).toBe(400);
        expect(r.error, JSON.stringify(options)).not.toMatch(/--[a-z]/);
      }
    });

    it('answers only same-origin requests with a loopback Host (403, saying why)', async () => {
      const port = new URL(base).port;
      const evil = await post(small, undefined);
      expect(evil.status).toBe(202); // the control: no Origin, loopback Host
      await client.queue.obliterate({ force: true });
      const crossSite = await send(base, 'POST', '/api/jobs', { Origin: 'http://evil.example' }, form(small));
      expect([crossSite.status, crossSite.error]).toEqual([403, "requests from the origin http://evil.example are refused: without a token this API answers only pages it serves itself"]);
      const rebound = await send(base, 'GET', '/api/jobs/1', { Host: `evil.example:${port}` });
      expect([rebound.status, rebound.error]).toEqual([403, "the Host evil.example is not a loopback name: without a token this API answers only on localhost, 127.0.0.1 or [::1] (a guard against DNS rebinding)"]);
      expect(await queued()).toBe(0);
      // Same origin, by each loopback name.
      for (const host of [`127.0.0.1:${port}`, `localhost:${port}`]) {
        const r = await send(base, 'GET', '/api/jobs/999', { Host: host, Origin: `http://${host}` });
        expect(r.status, host).toBe(404);
      }
    });
  });

  describe('with a token', () => {
    let base: string;
    beforeAll(async () => {
      base = await serve({ token: TOKEN, allowedOrigins: ['https://app.example'] });
    });

    it('tells a wrong token from a missing one (401 both)', async () => {
      const missing = await send(base, 'GET', '/api/jobs/1');
      const wrong = await send(base, 'GET', '/api/jobs/1', { Authorization: 'Bearer not-the-token-0123456789' });
      expect([missing.status, missing.error]).toEqual([401, 'a bearer token is needed: Authorization: Bearer TOKEN']);
      expect([wrong.status, wrong.error]).toEqual([401, 'the bearer token is wrong']);
    });

    it('allows CORS for the listed origins only', async () => {
      const preflight = await send(base, 'OPTIONS', '/api/jobs', { Origin: 'https://app.example', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization' });
      expect(preflight.status).toBe(204);
      expect(preflight.headers['access-control-allow-origin']).toBe('https://app.example');
      expect(String(preflight.headers['access-control-allow-headers'])).toMatch(/authorization/i);
      const listed = await send(base, 'GET', '/api/jobs/999', { Origin: 'https://app.example', Authorization: `Bearer ${TOKEN}` });
      expect([listed.status, listed.headers['access-control-allow-origin']]).toEqual([404, 'https://app.example']);
      const other = await send(base, 'GET', '/api/jobs/999', { Origin: 'https://evil.example', Authorization: `Bearer ${TOKEN}` });
      expect([other.status, other.headers['access-control-allow-origin']]).toEqual([403, undefined]);
      expect(other.error).toBe('requests from the origin https://evil.example are refused: it is not one of this server’s API origins');
      const otherPreflight = await send(base, 'OPTIONS', '/api/jobs', { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'POST' });
      expect([otherPreflight.status, otherPreflight.headers['access-control-allow-origin']]).toEqual([403, undefined]);
    });
  });

  it('serve takes --api-origin (repeatable, comma-separated) only with a token, and only origins', async () => {
    const noToken = await cli(['serve', '--api', '--port', '0', '--api-origin', 'https://app.example']);
    expect([noToken.code, noToken.stderr]).toEqual([2, "error: --api-origin lets other sites' pages call the API, which needs a token: give --api-token or set NEURAL_STYLE_API_TOKEN\n"]);
    const path = await cli(['serve', '--api', '--port', '0', '--api-token', TOKEN, '--api-origin', 'https://a.example,https://b.example/app']);
    expect([path.code, path.stderr]).toEqual([2, "error: --api-origin must be an origin like https://app.example (scheme, host and port, no path), got 'https://b.example/app'\n"]);
  });

  it('lets exactly --max-queued of 30 concurrent POSTs through, and a removed job frees its place', async () => {
    await client.queue.obliterate({ force: true });
    const base = await serve({ maxQueuedPerClient: 20 });
    const replies = await Promise.all(Array.from({ length: 30 }, () => send(base, 'POST', '/api/jobs', {}, form(small))));
    const statuses = replies.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 202).length, JSON.stringify(replies.filter((r) => r.status !== 202 && r.status !== 429).map((r) => r.body))).toBe(20);
    expect(statuses.filter((s) => s === 429).length).toBe(10);
    expect(replies.find((r) => r.status === 429)!.error).toBe('this client already has 20 jobs waiting or running (the limit is 20); wait for one to finish');
    expect(await queued()).toBe(20);
    // A cancelled job and one removed otherwise (its record expired) free a place each.
    const ids = replies.filter((r) => r.status === 202).map((r) => (JSON.parse(r.body) as { id: string }).id);
    expect((await send(base, 'DELETE', `/api/jobs/${ids[0]}`)).status).toBe(200);
    await (await client.queue.getJob(ids[1]!))!.remove();
    const more = await Promise.all(Array.from({ length: 5 }, () => send(base, 'POST', '/api/jobs', {}, form(small))));
    expect(more.map((r) => r.status).sort()).toEqual([202, 202, 429, 429, 429]);
  });
});
