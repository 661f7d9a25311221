import { createHash } from 'node:crypto';
import { flagOf } from '../../src/cli/options.js';
import { createServer } from 'node:http';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DownloadError } from '../../src/errors.js';
import { type DownloadProgress, downloadFile } from '../../src/models/download-node.js';
import { clearProxyEnv, closedPort, startFileServer, startProxy, type TestServer } from '../helpers/http-server.js';


function makeBody(n: number): Uint8Array {
  const out = new Uint8Array(n);
  let s = 12345;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    out[i] = s >>> 24;
  }
  return out;
}

const BODY = makeBody(300_000);
const SHA = createHash('sha256').update(BODY).digest('hex');

let dir: string;
let servers: TestServer[];
let restoreProxyEnv: () => void;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ns-download-'));
  servers = [];
  restoreProxyEnv = clearProxyEnv();
});

afterEach(async () => {
  restoreProxyEnv();
  await Promise.all(servers.map((s) => s.close()));
  await rm(dir, { recursive: true, force: true });
});

async function serve(...args: Parameters<typeof startFileServer>): Promise<TestServer> {
  const s = await startFileServer(...args);
  servers.push(s);
  return s;
}

/** Every download failure names the URL, the cache path and what to do by hand. */
function expectHelpfulMessage(err: unknown, url: string, dest: string): DownloadError {
  expect(err).toBeInstanceOf(DownloadError);
  // As the command shows it: the option references rendered as its flags.
  const message = (err as DownloadError).render(flagOf);
  expect(message).toContain(url);
  expect(message).toContain(dest);
  expect(message).toContain('give it as --model-file');
  expect(message).toContain(`place it at ${dest}`);
  return err as DownloadError;
}

/** Byte comparison without deep-equal over 300k elements (slow in vitest). */
function expectSameBytes(got: Uint8Array, want: Uint8Array): void {
  expect(got.length).toBe(want.length);
  expect(Buffer.compare(got, want)).toBe(0);
}

async function failure(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected the download to fail');
}

describe('downloadFile', () => {
  it('downloads, verifies and renames into place, reporting progress', async () => {
    const server = await serve({ '/w/vgg.pth': { body: BODY } });
    const url = `${server.url}/w/vgg.pth`;
    const dest = join(dir, 'cache', 'vgg.pth');
    const progress: DownloadProgress[] = [];
    const result = await downloadFile({
      url,
      dest,
      integrity: { sha256Prefix: SHA.slice(0, 8), size: BODY.length },
      onProgress: (p) => progress.push(p),
      progressIntervalMs: 0,
    });
    expect(result).toEqual({ path: dest, bytes: BODY.length, sha256: SHA, resumed: false });
    expectSameBytes(await readFile(dest), BODY);
    expect(await readdir(join(dir, 'cache'))).toEqual(['vgg.pth']);
    expect(server.requests[0]!.headers.range).toBeUndefined();
    expect(server.requests[0]!.headers['user-agent']).toBe('neural-style');

    expect(progress.length).toBeGreaterThan(1);
    const done = progress.map((p) => p.bytesDone);
    expect(done).toEqual([...done].sort((a, b) => a - b));
    const last = progress.at(-1)!;
    expect(last.bytesDone).toBe(BODY.length);
    expect(last.total).toBe(BODY.length);
    expect(last.resumedFrom).toBe(0);
    expect(last.bytesPerSecond).toBeGreaterThanOrEqual(0);
  });

  it('keeps the partial file when the connection drops, and resumes it with Range', async () => {
    const server = await serve({
      '/vgg.pth': { body: BODY, dropAfter: 100_000, behaviour: (n) => (n === 0 ? 'drop-midway' : 'normal') },
    });
    const url = `${server.url}/vgg.pth`;
    const dest = join(dir, 'vgg.pth');
    const integrity = { sha256Prefix: SHA.slice(0, 8) };

    const err = expectHelpfulMessage(await failure(downloadFile({ url, dest, integrity, retries: 0 })), url, dest);
    expect(err.message).toContain(`${dest}.partial`);
    expect(err.message).toMatch(/run again to resume/);
    // Normally all 100,000 bytes sent before the drop; chunks still queued in the client's
    // stream when the socket dies are lost, so allow fewer.
    const partial = await readFile(`${dest}.partial`);
    expect(partial.length).toBeGreaterThan(0);
    expect(partial.length).toBeLessThanOrEqual(100_000);
    expectSameBytes(partial, BODY.subarray(0, partial.length));

    const progress: DownloadProgress[] = [];
    const result = await downloadFile({ url, dest, integrity, onProgress: (p) => progress.push(p) });
    expect(server.requests).toHaveLength(2);
    expect(server.requests[1]!.headers.range).toBe(`bytes=${partial.length}-`);
    expect(result.resumed).toBe(true);
    expect(result.sha256).toBe(SHA);
    expectSameBytes(await readFile(dest), BODY);
    expect(await readdir(dir)).toEqual(['vgg.pth']);
    expect(progress[0]!.resumedFrom).toBe(partial.length);
    expect(progress.at(-1)!.bytesDone).toBe(BODY.length);
  });

  it('resumes automatically within one call when retries are allowed', async () => {
    const server = await serve({
      '/vgg.pth': { body: BODY, dropAfter: 50_000, behaviour: (n) => (n < 2 ? 'drop-midway' : 'normal') },
    });
    const dest = join(dir, 'vgg.pth');
    const result = await downloadFile({
      url: `${server.url}/vgg.pth`,
      dest,
      integrity: { sha256Prefix: SHA, size: BODY.length },
      retries: 3,
      retryDelayMs: 5,
    });
    // Normally [none, bytes=50000-, bytes=100000-]; see above for why a drop may lose a chunk.
    const ranges = server.requests.map((r) => r.headers.range);
    expect(ranges).toHaveLength(3);
    expect(ranges[0]).toBeUndefined();
    expect(ranges.slice(1).some((r) => /^bytes=[1-9]\d*-$/.test(r ?? ''))).toBe(true);
    expect(result).toMatchObject({ bytes: BODY.length, resumed: true });
    expectSameBytes(await readFile(dest), BODY);
  });

  it('starts from zero when the server answers a Range request with 200', async () => {
    const server = await serve({ '/vgg.pth': { body: BODY, behaviour: () => 'ignore-range' } });
    const dest = join(dir, 'vgg.pth');
    await writeFile(`${dest}.partial`, BODY.subarray(0, 70_000));
    const result = await downloadFile({ url: `${server.url}/vgg.pth`, dest, integrity: { sha256Prefix: SHA.slice(0, 8) } });
    expect(server.requests[0]!.headers.range).toBe('bytes=70000-');
    expect(result.resumed).toBe(false);
    expectSameBytes(await readFile(dest), BODY);
  });

  it('verifies a partial file that is already complete (416) instead of downloading again', async () => {
    const server = await serve({ '/vgg.pth': { body: BODY } });
    const dest = join(dir, 'vgg.pth');
    await writeFile(`${dest}.partial`, BODY);
    const result = await downloadFile({ url: `${server.url}/vgg.pth`, dest, integrity: { sha256Prefix: SHA.slice(0, 8) } });
    expect(server.requests[0]!.headers.range).toBe(`bytes=${BODY.length}-`);
    expect(result).toMatchObject({ bytes: BODY.length, sha256: SHA });
    expect(await readdir(dir)).toEqual(['vgg.pth']);
  });

  it('rejects a wrong checksum and leaves nothing in the cache, not even .partial', async () => {
    const server = await serve({ '/vgg19-deadbeef.pth': { body: BODY } });
    const url = `${server.url}/vgg19-deadbeef.pth`;
    const dest = join(dir, 'vgg19-deadbeef.pth');
    const err = expectHelpfulMessage(
      await failure(downloadFile({ url, dest, modelName: 'vgg19', integrity: { sha256Prefix: 'deadbeef' } })),
      url,
      dest,
    );
    expect(err.message).toContain('checksum mismatch');
    expect(err.message).toContain('expected a SHA-256 starting with deadbeef');
    expect(err.message).toContain(`got ${SHA}`);
    expect(err.message).toContain("model 'vgg19'");
    expect(await readdir(dir)).toEqual([]);
  });

  it('rejects a file of the wrong size before downloading it', async () => {
    const server = await serve({ '/vgg.pth': { body: BODY } });
    const url = `${server.url}/vgg.pth`;
    const dest = join(dir, 'vgg.pth');
    const err = expectHelpfulMessage(
      await failure(downloadFile({ url, dest, integrity: { sha256Prefix: SHA.slice(0, 8), size: BODY.length + 1 } })),
      url,
      dest,
    );
    expect(err.message).toContain(`${BODY.length} bytes but this model's file is ${BODY.length + 1} bytes`);
    expect(await readdir(dir)).toEqual([]);
  });

  it('reports 404 with the URL, cache path and manual fix', async () => {
    const server = await serve({});
    const url = `${server.url}/missing.pth`;
    const dest = join(dir, 'missing.pth');
    const err = expectHelpfulMessage(await failure(downloadFile({ url, dest, modelName: 'vgg16' })), url, dest);
    expect(err.message).toContain('HTTP 404');
    expect(err.render(flagOf)).toContain('--model vgg16');
    expect(await readdir(dir)).toEqual([]);
  });

  it('reports other HTTP statuses', async () => {
    const server = createServer((_req, res) => res.writeHead(503, 'Service Unavailable').end());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/vgg.pth`;
    const dest = join(dir, 'vgg.pth');
    try {
      const err = expectHelpfulMessage(await failure(downloadFile({ url, dest })), url, dest);
      expect(err.message).toContain('HTTP 503 Service Unavailable');
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it('reports "no network" when the connection is refused', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/vgg19-d01eb7cb.pth`;
    const dest = join(dir, 'vgg19-d01eb7cb.pth');
    const err = expectHelpfulMessage(await failure(downloadFile({ url, dest, modelName: 'vgg19' })), url, dest);
    expect(err.message).toMatch(/no network: connection refused/);
    expect(err.message).toContain('ECONNREFUSED');
    expect(err.message).not.toContain('Proxy:');
    expect(await readdir(dir)).toEqual([]);
  });

  it('times out when the server never answers', async () => {
    const server = createServer(() => {
      /* never respond */
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/vgg.pth`;
    const dest = join(dir, 'vgg.pth');
    try {
      const err = expectHelpfulMessage(
        await failure(downloadFile({ url, dest, timeouts: { headers: 300 } })),
        url,
        dest,
      );
      expect(err.message).toContain('did not answer within 0.3 s');
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  describe('connections that drop or stall', () => {
    // Cuts right behind the bytes, no grace period: FIN after N body bytes is what crashed
    // undici's parser (nodejs/undici#5360) and left an empty .partial behind.
    for (const n of [0, 1, 1000, 16_384, 65_536, 100_000, BODY.length - 1]) {
      it(`keeps all ${n} bytes sent before the server closes, then resumes to a verified file`, async () => {
        const server = await serve({ '/vgg.pth': { body: BODY, behaviour: (i) => (i === 0 ? { at: n } : 'normal') } });
        const url = `${server.url}/vgg.pth`;
        const dest = join(dir, 'vgg.pth');
        const integrity = { sha256Prefix: SHA, size: BODY.length };

        const err = expectHelpfulMessage(await failure(downloadFile({ url, dest, integrity, retries: 0 })), url, dest);
        expect(err.message.split('\n')[0]).toMatch(/^Could not download weights: .*dropped after \d+/);
        if (n === 0) {
          expect(await readdir(dir)).toEqual([]);
        } else {
          expectSameBytes(await readFile(`${dest}.partial`), BODY.subarray(0, n));
          expect(err.message).toMatch(/run again to resume/);
        }

        const result = await downloadFile({ url, dest, integrity });
        expect(server.requests.map((r) => r.headers.range)).toEqual([undefined, n === 0 ? undefined : `bytes=${n}-`]);
        expect(result).toEqual({ path: dest, bytes: BODY.length, sha256: SHA, resumed: n > 0 });
        expectSameBytes(await readFile(dest), BODY);
        expect(await readdir(dir)).toEqual(['vgg.pth']);
      });
    }

    it('resumes several drops within one call, each from where the last one stopped', async () => {
      const server = await serve({ '/vgg.pth': { body: BODY, behaviour: (i) => (i < 3 ? { at: 40_000 } : 'normal') } });
      const dest = join(dir, 'vgg.pth');
      const result = await downloadFile({
        url: `${server.url}/vgg.pth`,
        dest,
        integrity: { sha256Prefix: SHA, size: BODY.length },
        retries: 3,
        retryDelayMs: 1,
      });
      expect(server.requests.map((r) => r.headers.range)).toEqual([undefined, 'bytes=40000-', 'bytes=80000-', 'bytes=120000-']);
      expect(result).toMatchObject({ bytes: BODY.length, sha256: SHA, resumed: true });
      expectSameBytes(await readFile(dest), BODY);
    });

    it('takes a whole body followed at once by the end of the connection', async () => {
      const server = await serve({ '/vgg.pth': { body: BODY, behaviour: () => 'close-after' } });
      for (let i = 0; i < 5; i++) {
        const dest = join(dir, `vgg${i}.pth`);
        const result = await downloadFile({ url: `${server.url}/vgg.pth`, dest, integrity: { sha256Prefix: SHA, size: BODY.length } });
        expect(result).toMatchObject({ bytes: BODY.length, sha256: SHA, resumed: false });
      }
    });

    it('gives up on a mirror that sends headers and then nothing, after one idle timeout', async () => {
      const server = await serve({ '/vgg.pth': { body: BODY, behaviour: () => ({ at: 0, how: 'stall' }) } });
      const url = `${server.url}/vgg.pth`;
      const dest = join(dir, 'vgg.pth');
      const err = expectHelpfulMessage(
        await failure(downloadFile({ url, dest, timeouts: { idle: 300 }, retries: 3, retryDelayMs: 1 })),
        url,
        dest,
      );
      // Retrying a transfer that never started would only multiply the wait: one request, so
      // one idle timeout (counted, not timed: the message names the 0.3 s it waited).
      expect(server.requests).toHaveLength(1);
      expect(err.message.split('\n')[0]).toBe('Could not download weights: the transfer stalled: nothing arrived for 0.3 s (after 0 of 300000 bytes).');
      expect(await readdir(dir)).toEqual([]);
    });

    it('keeps what arrived before a stall, retries once, and says how far it got', async () => {
      const server = await serve({ '/vgg.pth': { body: BODY, behaviour: (i) => ({ at: i === 0 ? 50_000 : 0, how: 'stall' }) } });
      const url = `${server.url}/vgg.pth`;
      const dest = join(dir, 'vgg.pth');
      const pending = failure(downloadFile({ url, dest, timeouts: { idle: 1500 }, retries: 3, retryDelayMs: 1 }));
      let settled = false;
      const settle = () => (settled = true);
      void pending.then(settle, settle);
      // Written as it arrives: the bytes are on disk while the transfer is still hanging. Polled
      // until they are there or the download ends (not for a fixed 100 × 10 ms, which a loaded
      // machine can overrun).
      let onDisk = 0;
      while (!settled && onDisk < 50_000) {
        await new Promise((r) => setTimeout(r, 10));
        onDisk = (await readFile(`${dest}.partial`).catch(() => Buffer.alloc(0))).length;
      }
      expect(settled, 'the download ended before its first 50000 bytes were on disk').toBe(false);
      expect(onDisk).toBe(50_000);
      const err = expectHelpfulMessage(await pending, url, dest);
      expect(server.requests.map((r) => r.headers.range)).toEqual([undefined, 'bytes=50000-']);
      expect(err.message).toMatch(/the transfer stalled: nothing arrived for 1.5 s \(after 50000 of 300000 bytes\)/);
      expect(err.message).toMatch(/run again to resume/);
      expectSameBytes(await readFile(`${dest}.partial`), BODY.subarray(0, 50_000));
    });
  });

  it('follows redirects to where the file really is', async () => {
    const server = await serve({ '/files/vgg.pth': { body: BODY } });
    const redirector = createServer((req, res) => {
      const to = req.url === '/a' ? '/b' : `${server.url}/files/vgg.pth`;
      res.writeHead(req.url === '/a' ? 301 : 307, { location: to }).end();
    });
    await new Promise<void>((r) => redirector.listen(0, '127.0.0.1', r));
    const dest = join(dir, 'vgg.pth');
    try {
      const url = `http://127.0.0.1:${(redirector.address() as AddressInfo).port}/a`;
      const result = await downloadFile({ url, dest, integrity: { sha256Prefix: SHA, size: BODY.length } });
      expect(result.sha256).toBe(SHA);
      expectSameBytes(await readFile(dest), BODY);
    } finally {
      redirector.closeAllConnections();
      await new Promise((r) => redirector.close(r));
    }
  });

  it('stops when cancelled, keeping the bytes so far for a later resume', async () => {
    const server = await serve({ '/vgg.pth': { body: BODY, behaviour: () => ({ at: 30_000, how: 'stall' }) } });
    const url = `${server.url}/vgg.pth`;
    const dest = join(dir, 'vgg.pth');
    const stop = new AbortController();
    const pending = failure(downloadFile({ url, dest, signal: stop.signal }));
    let settled = false;
    const settle = () => (settled = true);
    void pending.then(settle, settle);
    // Until the bytes before the stall are on disk (not a fixed 200 × 10 ms), then cancel.
    while (!settled && (await readFile(`${dest}.partial`).catch(() => Buffer.alloc(0))).length < 30_000) {
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(settled, 'the download ended before it was cancelled').toBe(false);
    stop.abort();
    const err = expectHelpfulMessage(await pending, url, dest);
    expect(err.message.split('\n')[0]).toBe('Could not download weights: cancelled.');
    expect(err.message).toMatch(/run again to resume/);
    expectSameBytes(await readFile(`${dest}.partial`), BODY.subarray(0, 30_000));
  });

  describe('proxies from the environment', () => {
    it('goes through HTTP_PROXY', async () => {
      const server = await serve({ '/vgg.pth': { body: BODY } });
      const proxy = await startProxy();
      servers.push(proxy);
      process.env.HTTP_PROXY = proxy.url;
      const dest = join(dir, 'vgg.pth');
      await downloadFile({ url: `${server.url}/vgg.pth`, dest, integrity: { sha256Prefix: SHA.slice(0, 8) } });
      expectSameBytes(await readFile(dest), BODY);
      expect(proxy.requests.length).toBeGreaterThan(0);
      const seen = proxy.requests[0]!;
      // Plain http goes to the proxy as a GET with the absolute URL (a CONNECT would name host:port).
      expect(seen.method === 'CONNECT' ? seen.url : new URL(seen.url).host).toBe(`127.0.0.1:${server.port}`);
    });

    it('reads the proxy variables from an explicit environment too', async () => {
      const server = await serve({ '/vgg.pth': { body: BODY } });
      const proxy = await startProxy();
      servers.push(proxy);
      const dest = join(dir, 'vgg.pth');
      await downloadFile({ url: `${server.url}/vgg.pth`, dest, env: { http_proxy: proxy.url } });
      expectSameBytes(await readFile(dest), BODY);
      expect(proxy.requests.length).toBeGreaterThan(0);
    });

    it('bypasses the proxy for hosts in NO_PROXY', async () => {
      const server = await serve({ '/vgg.pth': { body: BODY } });
      const proxy = await startProxy();
      servers.push(proxy);
      process.env.HTTP_PROXY = proxy.url;
      process.env.NO_PROXY = 'localhost,127.0.0.1';
      const dest = join(dir, 'vgg.pth');
      await downloadFile({ url: `${server.url}/vgg.pth`, dest });
      expect(proxy.requests).toHaveLength(0);
      expect(server.requests).toHaveLength(1);
    });

    it('names the proxy (password hidden) when the proxy is unreachable', async () => {
      const server = await serve({ '/vgg.pth': { body: BODY } });
      process.env.HTTP_PROXY = `http://user:secret@127.0.0.1:${await closedPort()}`;
      const url = `${server.url}/vgg.pth`;
      const dest = join(dir, 'vgg.pth');
      const err = expectHelpfulMessage(await failure(downloadFile({ url, dest })), url, dest);
      expect(err.message).toContain('Proxy:      HTTP_PROXY=http://user:***@127.0.0.1');
      expect(err.message).not.toContain('secret');
      expect(server.requests).toHaveLength(0);
    });
  });
});
