import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { resolveRequestPath, serveApp, type RunningServer } from '../../src/web-server/serve-node.js';

/** A raw request (fetch would normalise `..` in the path before sending it). */
function get(url: string, path: string, method = 'GET'): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((ok, fail) => {
    const req = request({ hostname, port, path, method }, (res) => {
      let body = '';
      res.setEncoding('latin1');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => ok({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', fail);
    req.end();
  });
}

describe('serveApp', () => {
  let dir: string;
  let root: string;
  let server: RunningServer;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ns-serve-'));
    root = join(dir, 'site');
    mkdirSync(join(root, 'assets'), { recursive: true });
    mkdirSync(join(root, 'ort'));
    mkdirSync(join(root, 'sub'));
    writeFileSync(join(root, 'index.html'), '<!doctype html><title>app</title>');
    writeFileSync(join(root, 'assets', 'main-abc123.js'), 'export {};');
    writeFileSync(join(root, 'ort', 'runtime.wasm'), Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
    writeFileSync(join(root, 'ort', 'glue.mjs'), 'export default 1;');
    mkdirSync(join(root, 'ort', '1.30.0'));
    writeFileSync(join(root, 'ort', '1.30.0', 'runtime.wasm'), Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
    writeFileSync(join(root, 'sub', 'index.html'), 'sub');
    writeFileSync(join(dir, 'secret.txt'), 'secret');
    symlinkSync(join(dir, 'secret.txt'), join(root, 'link.txt'));
    server = await serveApp({ port: 0, root });
  });

  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves index.html at / with cross-origin isolation headers', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const r = await get(server.url, '/');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(r.headers['cross-origin-opener-policy']).toBe('same-origin');
    expect(r.headers['cross-origin-embedder-policy']).toBe('require-corp');
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.body).toContain('<title>app</title>');
  });

  it("answers the page's job-API probe without the API: it runs no jobs (a 404 is a console error in the page)", async () => {
    const res = await fetch(`${server.url}api/info`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ api: 'neural-style app', jobs: null });
  });

  it('gives .wasm application/wasm and .mjs/.js JavaScript types', async () => {
    const wasm = await get(server.url, '/ort/runtime.wasm');
    expect(wasm.status).toBe(200);
    expect(wasm.headers['content-type']).toBe('application/wasm');
    expect(wasm.headers['content-length']).toBe('8');
    expect((await get(server.url, '/ort/glue.mjs')).headers['content-type']).toBe('text/javascript; charset=utf-8');
    const js = await get(server.url, '/assets/main-abc123.js?v=1');
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.headers['cache-control']).toContain('immutable');
  });

  it("marks onnxruntime's runtime under ort/<version>/ immutable (V8's code cache needs a response it does not revalidate), other files no-cache", async () => {
    const versioned = await get(server.url, '/ort/1.30.0/runtime.wasm');
    expect(versioned.status).toBe(200);
    expect(versioned.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    // Not under a version: it may change under its name, so it is revalidated.
    expect((await get(server.url, '/ort/runtime.wasm')).headers['cache-control']).toBe('no-cache');
    expect((await get(server.url, '/index.html')).headers['cache-control']).toBe('no-cache');
  });

  it('answers HEAD without a body, other methods with 405', async () => {
    const head = await get(server.url, '/index.html', 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    expect((await get(server.url, '/index.html', 'POST')).status).toBe(405);
  });

  it('serves a directory index and redirects to the slash form', async () => {
    expect((await get(server.url, '/sub/')).body).toBe('sub');
    const r = await get(server.url, '/sub');
    expect(r.status).toBe(301);
    expect(r.headers.location).toBe('/sub/');
  });

  it('refuses directory traversal, encoded or not, and symlinks out of the root', async () => {
    for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt', '/..%5csecret.txt', '/%00', '/%E0%A4%A']) {
      const r = await get(server.url, path);
      expect([400, 404], path).toContain(r.status);
      expect(r.body).not.toContain('secret');
    }
    expect((await get(server.url, '/link.txt')).status).toBe(404);
    expect((await get(server.url, '/missing.js')).status).toBe(404);
  });

  it('resolveRequestPath keeps every path inside the root', () => {
    expect(resolveRequestPath('/srv/app', '/a/b.js?x=1')).toBe('/srv/app/a/b.js');
    expect(resolveRequestPath('/srv/app', '/')).toBe('/srv/app');
    expect(resolveRequestPath('/srv/app', '/a/../../etc/passwd')).toBeUndefined();
    expect(resolveRequestPath('/srv/app', '/%2e%2e%2fetc')).toBeUndefined();
    expect(resolveRequestPath('/srv/app', 'relative')).toBeUndefined();
  });

  it('says how to build the app when the root has no index.html', async () => {
    await expect(serveApp({ port: 0, root: join(dir, 'nothing') })).rejects.toThrow(InputError);
    await expect(serveApp({ port: 0, root: join(dir, 'nothing') })).rejects.toThrow(/npm run build:web/);
  });

  it('says when the port is taken', async () => {
    const port = Number(new URL(server.url).port);
    await expect(serveApp({ port, root })).rejects.toThrow(/already in use/);
  });
});
