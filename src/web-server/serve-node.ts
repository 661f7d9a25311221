/**
 * A small static file server for the built browser app (`neural-style serve`).
 *
 * Why not any static server: onnxruntime-web's multi-threaded WASM needs
 * SharedArrayBuffer, which browsers only give a cross-origin isolated page, so every
 * response carries COOP `same-origin` and COEP `require-corp`; and `.wasm` must be served
 * as `application/wasm` for streaming compilation. Only GET and HEAD, only files under
 * `root`: `..`, encoded slashes, NUL bytes and symlinks that lead outside are refused.
 */
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { type AddressInfo, isIP } from 'node:net';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError, msg, NeuralStyleError, opt, UsageError } from '../errors.js';

export interface ServeOptions {
  /** Default 8080; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1 (this machine only). */
  host?: string;
  /** The built app. Default: the package's `web-dist/`. */
  root?: string;
  /** Requests it answers (resolves true) never reach the files: the job API (src/jobs/api.ts). */
  api?: (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;
}

export interface RunningServer {
  /** e.g. `http://127.0.0.1:8080/` */
  url: string;
  close(): Promise<void>;
}

/** The package's `web-dist/` (this file is src/web-server/ or dist/web-server/). */
export const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../web-dist/', import.meta.url));

export const MIME_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.onnx': 'application/octet-stream',
};

/** Paths under the root whose files never change: assets/, ort/<version>/ (a version starts with a digit). */
export const IMMUTABLE = /^[\\/](?:assets|ort[\\/]\d[\w.-]*)[\\/]/;

/** Sent with every response: cross-origin isolation (for WASM threads) and no MIME sniffing. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'X-Content-Type-Options': 'nosniff',
};

/**
 * Without the job API the app's server still answers the page's probe, that it runs no
 * jobs: a 404 would do, but the browser logs every 404 as a console error on each visit.
 */
async function noJobs(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  if (req.method !== 'GET' || new URL(req.url ?? '/', 'http://x').pathname !== '/api/info') return false;
  res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(JSON.stringify({ api: 'neural-style app', jobs: null }));
  return true;
}

export async function serveApp(options: ServeOptions = {}): Promise<RunningServer> {
  const port = options.port ?? 8080;
  const host = options.host ?? '127.0.0.1';
  // Digits and dots that are no IPv4 address (999.1.1.1) would go to DNS as a host name:
  // slow, and offline an EAI_AGAIN that looks like the network's fault.
  if (/^[\d.]+$/.test(host) && !isIP(host)) {
    throw new UsageError(msg`${opt('host')} '${host}' is not an IPv4 address (four numbers from 0 to 255); e.g. 127.0.0.1, or 0.0.0.0 for every interface`);
  }
  const root = await checkRoot(resolve(options.root ?? DEFAULT_WEB_ROOT));

  const server = createServer((req, res) => {
    const api = options.api ?? noJobs;
    api(req, res).then((handled) => (handled ? undefined : handle(root, req, res))).catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, 'internal error');
      else res.destroy(err as Error);
    });
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', (err: NodeJS.ErrnoException) => fail(listenError(err, host, port)));
    server.listen(port, host, () => ok());
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' || address.address.includes(':') ? `[${address.address}]` : address.address;
  return {
    url: `http://${shownHost}:${address.port}/`,
    close: () =>
      new Promise<void>((ok, fail) => {
        server.close((err) => (err ? fail(err) : ok()));
        server.closeAllConnections();
      }),
  };
}

/** Why the server could not start, in one line; a bad --host or --port is a usage error. */
function listenError(err: NodeJS.ErrnoException, host: string, port: number): NeuralStyleError {
  const cause = { cause: err };
  switch (err.code) {
    case 'EADDRINUSE':
      return new InputError(msg`port ${port} on ${host} is already in use; choose another with ${opt('port')}`, cause);
    case 'ENOTFOUND':
    case 'EAI_NONAME':
    case 'EAI_FAIL':
      return new UsageError(msg`${opt('host')} '${host}' is not an address or a known host name (${err.code}); e.g. 127.0.0.1, or 0.0.0.0 for every interface`, cause);
    case 'EADDRNOTAVAIL':
      return new UsageError(msg`${opt('host')} ${host} is not an address of this machine (EADDRNOTAVAIL); e.g. 127.0.0.1, or 0.0.0.0 for every interface`, cause);
    case 'EACCES':
      return new InputError(msg`no permission to listen on port ${port} (ports below 1024 need privileges); choose another with ${opt('port')}`, cause);
    default:
      return new NeuralStyleError(`cannot serve on ${host} port ${port}: ${err.message}`, cause);
  }
}

async function checkRoot(root: string): Promise<string> {
  try {
    const real = await realpath(root);
    if ((await stat(join(real, 'index.html'))).isFile()) return real;
  } catch {
    // fall through
  }
  throw new InputError(
    `the browser app is not built: ${join(root, 'index.html')} is missing; run \`npm run build:web\` in the package directory`,
  );
}

function send(res: ServerResponse, status: number, text: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8', ...extra });
  res.end(`${status} ${text}\n`);
}

/**
 * The file a URL path names, or undefined when the path is malformed or escapes `root`.
 * Exported for tests.
 */
export function resolveRequestPath(root: string, urlPath: string): string | undefined {
  const pathname = urlPath.split(/[?#]/, 1)[0] ?? '/';
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return undefined;
  }
  if (!decoded.startsWith('/') || decoded.includes('\0') || decoded.includes('\\')) return undefined;
  // Refuse any `..` segment outright rather than normalising it away.
  if (decoded.split('/').some((s) => s === '..')) return undefined;
  const file = resolve(root, `.${decoded}`);
  if (file !== root && !file.startsWith(root.endsWith(sep) ? root : root + sep)) return undefined;
  return file;
}

async function handle(root: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    send(res, 405, 'method not allowed', { Allow: 'GET, HEAD' });
    return;
  }
  let file = resolveRequestPath(root, req.url ?? '/');
  if (!file) {
    send(res, 400, 'bad path');
    return;
  }
  let info = await stat(file).catch(() => undefined);
  if (info?.isDirectory()) {
    if (!(req.url ?? '/').split('?')[0]!.endsWith('/')) {
      // Relative asset URLs in index.html need the trailing slash.
      const [path, query] = (req.url ?? '/').split('?', 2);
      res.writeHead(301, { ...SECURITY_HEADERS, Location: `${path}/${query ? `?${query}` : ''}` });
      res.end();
      return;
    }
    file = join(file, 'index.html');
    info = await stat(file).catch(() => undefined);
  }
  if (!info?.isFile()) {
    send(res, 404, 'not found');
    return;
  }
  // A symlink inside root may point anywhere: serve only what really lies under root.
  const real = await realpath(file);
  if (real !== root && !real.startsWith(root + sep)) {
    send(res, 404, 'not found');
    return;
  }
  const type = MIME_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
  // Never changing under their name: Vite's content-hashed files in assets/, and
  // onnxruntime's runtime under ort/<version>/. Chromium keeps V8's compiled WASM (its code
  // cache) only with a cached response it need not revalidate: with no-cache the 28 MB
  // runtime measured a fresh compile on every visit (bench/RESULTS.md).
  const immutable = IMMUTABLE.test(real.slice(root.length));
  const headers: Record<string, string> = {
    ...SECURITY_HEADERS,
    'Content-Type': type,
    'Content-Length': String(info.size),
    'Last-Modified': info.mtime.toUTCString(),
    'Cache-Control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
  };
  const since = req.headers['if-modified-since'];
  if (since && !immutable && Math.floor(info.mtimeMs / 1000) <= Math.floor(Date.parse(since) / 1000)) {
    delete headers['Content-Length'];
    res.writeHead(304, headers);
    res.end();
    return;
  }
  res.writeHead(200, headers);
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  await new Promise<void>((ok, fail) => {
    const stream = createReadStream(real);
    stream.on('error', fail);
    res.on('close', () => {
      stream.destroy();
      ok();
    });
    stream.pipe(res);
  });
}
