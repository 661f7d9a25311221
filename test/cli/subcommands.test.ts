/**
 * `neural-style models`, `fetch NAME`, `serve`, and what a failed download leaves behind
 * (nothing in the cache, no output).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { Agent, get, type IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { type Cut, startFileServer, type TestServer } from '../helpers/http-server.js';
import { cli, type Fixture, listDir, makeFixture, spawnCli } from './helpers.js';

let f: Fixture;
let server: TestServer;
const BASE_URL_ENV = 'NEURAL_STYLE_MODEL_BASE_URL';
const savedBaseUrl = process.env[BASE_URL_ENV];

beforeAll(async () => {
  f = await makeFixture('ns-sub-');
  // Serves "weights" whose checksum cannot match; every other name is a 404.
  server = await startFileServer({ '/vgg16-00b39a1b.pth': { body: new TextEncoder().encode('not the real weights') } });
  process.env[BASE_URL_ENV] = server.url;
});
afterAll(async () => {
  if (savedBaseUrl === undefined) delete process.env[BASE_URL_ENV];
  else process.env[BASE_URL_ENV] = savedBaseUrl;
  await server.close();
  await f.cleanup();
});

describe('models', () => {
  it('lists every model with its cache status', async () => {
    const cache = join(f.dir, 'models-cache');
    await mkdir(cache);
    await writeFile(join(cache, 'vgg19-d01eb7cb.conv.safetensors'), 'x');
    const r = await cli(['models', '--cache-dir', cache]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^vgg19 +vgg19 +cached: .*vgg19-d01eb7cb\.pth$/m);
    expect(r.stdout).toMatch(/^vgg16 +vgg16 +not cached$/m);
    expect(r.stdout).toMatch(/^vgg19-random +vgg19 +generated, no download$/m);
    const json = (await cli(['models', '--cache-dir', cache, '--json'])).json() as unknown as Array<{ name: string; cached: boolean }>;
    expect(json.map((m) => [m.name, m.cached])).toEqual([
      ['vgg19', true],
      ['vgg16', false],
      ['vgg19-torchvision', false],
      ['vgg16-torchvision', false],
      ['vgg19-random', true],
    ]);
  });
});

describe('fetch', () => {
  it('has nothing to fetch for a generated model', async () => {
    const r = await cli(['fetch', 'vgg19-random', '--cache-dir', join(f.dir, 'c0')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/vgg19-random: generated on the fly, nothing to fetch/);
  });

  it('refuses an unknown name with exit 2', async () => {
    const r = await cli(['fetch', 'vgg99', '--cache-dir', join(f.dir, 'c1')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: Unknown model 'vgg99'/);
  });

  it('keeps a download that fails its checksum out of the cache (exit 1)', async () => {
    const cache = join(f.dir, 'c2');
    const r = await cli(['fetch', 'vgg16', '--cache-dir', cache]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: .*SHA-256/im);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(cache) ? (await listDir(cache)).filter((n) => !n.endsWith('.partial')) : []).toEqual([]);
  });
});

describe('fetch from a mirror that misbehaves', () => {
  const IDLE_ENV = 'NEURAL_STYLE_DOWNLOAD_IDLE_TIMEOUT';
  const BODY = new Uint8Array(1_000_000).fill(120);

  /** `neural-style fetch vgg19` against a server whose first response does `first`. */
  async function fetchFrom(first: Cut, env: Record<string, string> = {}) {
    const mirror = await startFileServer({ '/vgg19-d01eb7cb.pth': { body: BODY, behaviour: (i) => (i === 0 ? first : 'normal') } });
    const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
    process.env[BASE_URL_ENV] = mirror.url;
    Object.assign(process.env, env);
    try {
      const cache = join(f.dir, `flaky-${Math.random().toString(36).slice(2)}`);
      const r = await cli(['fetch', 'vgg19', '--cache-dir', cache]);
      return { ...r, requests: mirror.requests, cache };
    } finally {
      process.env[BASE_URL_ENV] = server.url;
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      await mirror.close();
    }
  }

  it('survives the mirror closing the connection after 50 kB, and resumes from there', async () => {
    // The reproduction: this used to end the process with undici's AssertionError.
    const r = await fetchFrom({ at: 50_000 });
    expect(r.stderr).not.toMatch(/unexpected error|AssertionError|\n\s+at /);
    expect(r.requests.map((q) => q.headers.range)).toEqual([undefined, 'bytes=50000-']);
    // The bytes are not the real weights, so the resumed download ends in a checksum error.
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: Could not download weights for model 'vgg19': checksum mismatch/m);
    expect(await listDir(r.cache)).toEqual([]);
  });

  it('gives up on a mirror that stalls after NEURAL_STYLE_DOWNLOAD_IDLE_TIMEOUT seconds', { timeout: 15_000 }, async () => {
    const r = await fetchFrom({ at: 0, how: 'stall' }, { [IDLE_ENV]: '0.3' });
    expect(r.code).toBe(1);
    // The setting is used (the message names its 0.3 s) and the stall is not retried (one
    // request): counted, where '< 5 s' timed it and could fail on a loaded machine.
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('error:'));
    expect(errors).toEqual(["error: Could not download weights for model 'vgg19': the transfer stalled: nothing arrived for 0.3 s (after 0 of 1000000 bytes)."]);
    expect(r.stderr).not.toMatch(/unexpected error|\n\s+at /);
    expect(r.requests).toHaveLength(1);
  });
});

describe('a bad setting is one line, never a stack trace', () => {
  async function withEnv<T>(name: string, value: string, run: () => Promise<T>): Promise<T> {
    const saved = process.env[name];
    process.env[name] = value;
    try {
      return await run();
    } finally {
      if (saved === undefined) delete process.env[name];
      else process.env[name] = saved;
    }
  }

  it('a mirror that is not a URL (exit 2)', async () => {
    for (const args of [['fetch', 'vgg19', '--cache-dir', join(f.dir, 'c4')], ['models', '--cache-dir', join(f.dir, 'c4')]]) {
      const r = await withEnv(BASE_URL_ENV, 'not a url', () => cli(args));
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(
        "error: NEURAL_STYLE_MODEL_BASE_URL must be an http:// or https:// URL such as https://mirror.example/models/, got 'not a url'\n",
      );
    }
  });

  it('an idle timeout that is not a number of seconds (exit 2)', async () => {
    const r = await withEnv('NEURAL_STYLE_DOWNLOAD_IDLE_TIMEOUT', 'soon', () => cli(['fetch', 'vgg19', '--cache-dir', join(f.dir, 'c5')]));
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("error: NEURAL_STYLE_DOWNLOAD_IDLE_TIMEOUT must be a number of seconds above 0, got 'soon'\n");
  });

  it('a --cache-dir that is a file (exit 2)', async () => {
    const file = join(f.dir, 'some-file.png');
    await writeFile(file, 'not a directory');
    for (const [args, what] of [
      [['fetch', 'vgg19', '--cache-dir', file], 'is a file'],
      [['models', '--cache-dir', file], 'is a file'],
      [['fetch', 'vgg19', '--cache-dir', join(file, 'sub')], 'is inside a file'],
    ] as const) {
      const r = await cli([...args]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`^error: the cache directory \\S+ ${what}, not a directory; choose another with --cache-dir or \\$NEURAL_STYLE_CACHE, or move the file away\n$`));
    }
  });

  it('a --host that is no address (exit 2)', async () => {
    const r = await cli(['serve', '--port', '0', '--host', '999.1.1.1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("error: --host '999.1.1.1' is not an IPv4 address (four numbers from 0 to 255); e.g. 127.0.0.1, or 0.0.0.0 for every interface\n");
  });
});

describe('a stylize run whose weights cannot be downloaded', () => {
  it('exits 1 naming the URL, with no output and no cache entry', async () => {
    const cache = join(f.dir, 'c3');
    const out = join(f.dir, 'never.png');
    const r = await cli(['-c', f.photo, '-s', f.painting, '-o', out, '--model', 'vgg19', '--image-size', '32', '--cache-dir', cache, '--backend', 'cpu']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/vgg19-d01eb7cb\.pth/);
    expect(r.stderr).toMatch(/404/);
    expect(existsSync(out)).toBe(false);
    expect(existsSync(cache) ? (await listDir(cache)).filter((n) => n.endsWith('.pth') || n.endsWith('.safetensors')) : []).toEqual([]);
  });
});

describe('serve', () => {
  it('serves a built app until stopped', async () => {
    const root = join(f.dir, 'app');
    await mkdir(root);
    await writeFile(join(root, 'index.html'), '<!doctype html><title>neural-style</title>');
    let stderr = '';
    const stop = new AbortController();
    const running = main(['serve', '--port', '0', '--root', root], {
      stdout: { write: () => true },
      stderr: { write: (s: string) => (stderr += s) },
      signal: stop.signal,
    });
    for (let i = 0; i < 100 && !/serving/.test(stderr); i++) await new Promise((r) => setTimeout(r, 50));
    const url = /at (http:\/\/\S+)/.exec(stderr)?.[1];
    expect(url).toBeDefined();
    const res = await fetch(url!);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<title>neural-style</title>');
    expect(res.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    stop.abort('SIGINT');
    expect(await running).toBe(0);
  });

  it('stops by itself on SIGTERM, with idle, busy and half-open connections', { timeout: 60_000 }, async () => {
    const root = join(f.dir, 'app-sigterm');
    await mkdir(root);
    await writeFile(join(root, 'index.html'), '<!doctype html><title>neural-style</title>');
    await writeFile(join(root, 'big.wasm'), new Uint8Array(20_000_000));
    const { child, done } = spawnCli(['serve', '--port', '0', '--root', root]);
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d));
    for (let i = 0; i < 600 && !/serving/.test(stderr); i++) await new Promise((r) => setTimeout(r, 50));
    const url = new URL(/at (http:\/\/\S+)/.exec(stderr)![1]!);
    const port = Number(url.port);
    // A browser's keep-alive connection, idle after its request.
    const agent = new Agent({ keepAlive: true });
    await new Promise<void>((ok) => get(url, { agent }, (res) => res.resume().on('end', ok)));
    // A download the client has stopped reading.
    const busy = await new Promise<IncomingMessage>((ok) => get(new URL('big.wasm', url), { agent: false }, ok));
    busy.pause();
    busy.on('error', () => {});
    // A connection that has sent half a request.
    const half = connect(port, '127.0.0.1', () => half.write('GET / HTTP/1.1\r\nHost: x\r\n'));
    half.on('error', () => {});
    await new Promise((r) => setTimeout(r, 200));

    const started = Date.now();
    child.kill('SIGTERM');
    // The busy download is never read again and the half request never finishes, so a
    // server that waits on its connections never exits: the watchdog then kills it (the
    // failure stays quick and clean). The claim is that it exits by itself with 0, whatever
    // its connections do; how long that took is printed, not asserted (a time limit fails on
    // a loaded machine — it was '< 1000 ms').
    let killed = false;
    const overrun = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, 20_000);
    const r = await done;
    const ms = Date.now() - started;
    clearTimeout(overrun);
    agent.destroy();
    half.destroy();
    expect(killed, 'the server was still running 20 s after SIGTERM').toBe(false);
    expect(r.signal).toBeNull();
    expect(r.stderr).toMatch(/SIGTERM: stopping cleanly/);
    expect(r.code).toBe(0);
    console.log(`serve: exited ${ms} ms after SIGTERM with idle, busy and half-open connections`);
  });

  it('says so when --root holds no built app, and refuses a bad port (exit 2)', async () => {
    // A missing --root folder is named as missing (test/cli/rough-edges.test.ts); one without the app says what to give.
    const empty = join(f.dir, 'empty-app');
    await mkdir(empty);
    const unbuilt = await cli(['serve', '--port', '0', '--root', empty]);
    expect([unbuilt.code, unbuilt.stderr]).toEqual([2, `error: --root ${empty}: no index.html there; give the folder of a built app (npm run build:web makes web-dist/)\n`]);
    const port = await cli(['serve', '--port', 'http']);
    expect(port.code).toBe(2);
    expect(port.stderr).toMatch(/--port must be a whole number from 0 to 65535, got 'http'/);
  });
});
