/**
 * Tiny HTTP servers on 127.0.0.1 for download tests: a file server whose misbehaviour is
 * scripted per request (cut the connection after N body bytes, stall, ignore Range, 404),
 * and a forward proxy that only ever connects to 127.0.0.1. Both record what they saw.
 */
import { createServer, type IncomingMessage, request as httpRequest, type Server, type ServerResponse } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';

export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
}

/**
 * Cut a response short after `at` bytes of its body (counted from the first byte this
 * response sends, so from the Range start on a resume):
 *   'close'  FIN right after the bytes, as a server process that exits or a proxy that
 *            gives up does (all `at` bytes reach the client);
 *   'reset'  RST: bytes still in flight may never arrive;
 *   'stall'  send nothing more and keep the connection open (a hung mirror).
 */
export interface Cut {
  at: number;
  how?: 'close' | 'reset' | 'stall';
}

/**
 * 'drop-midway' is a Cut at `dropAfter`; 'close-after' sends the whole body and then closes
 * the connection (`Connection: close`); 'ignore-range' answers every request with 200.
 */
export type Behaviour = 'normal' | 'drop-midway' | 'close-after' | 'ignore-range' | Cut;

export interface FileRoute {
  body: Uint8Array;
  /** Per request number (0-based) for this path: what to do instead of serving normally. */
  behaviour?: (n: number) => Behaviour;
  /** Bytes sent before 'drop-midway' closes the connection. Default: half the body. */
  dropAfter?: number;
}

export interface TestServer {
  url: string;
  port: number;
  requests: SeenRequest[];
  close(): Promise<void>;
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

function closer(server: Server, sockets: Set<Socket>): () => Promise<void> {
  return () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
}

/** Serves `routes` (path → file); anything else is 404. Supports single `Range: bytes=N-`. */
export async function startFileServer(routes: Record<string, FileRoute>): Promise<TestServer> {
  const requests: SeenRequest[] = [];
  const counts = new Map<string, number>();
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    const path = (req.url ?? '').split('?')[0]!;
    const route = routes[path];
    if (!route) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    const n = counts.get(path) ?? 0;
    counts.set(path, n + 1);
    const behaviour = route.behaviour?.(n) ?? 'normal';
    const cut: Cut | undefined =
      behaviour === 'drop-midway' ? { at: route.dropAfter ?? Math.floor(route.body.length / 2) } : typeof behaviour === 'object' ? behaviour : undefined;
    const body = route.body;
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const useRange = range && behaviour !== 'ignore-range';
    const first = useRange ? Number(range[1]) : 0;
    if (useRange && first >= body.length) {
      res.writeHead(416, { 'content-range': `bytes */${body.length}` }).end();
      return;
    }
    const slice = body.subarray(first);
    const headers: Record<string, string | number> = {
      'content-type': 'application/octet-stream',
      'content-length': slice.length,
    };
    if (behaviour !== 'ignore-range') headers['accept-ranges'] = 'bytes';
    if (behaviour === 'close-after') headers.connection = 'close';
    if (useRange) headers['content-range'] = `bytes ${first}-${body.length - 1}/${body.length}`;
    res.writeHead(useRange ? 206 : 200, headers);
    if (cut) {
      sendCut(res, req.socket, slice.subarray(0, Math.min(cut.at, slice.length - 1)), cut.how ?? 'close');
      return;
    }
    res.end(slice);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const port = await listen(server);
  return { url: `http://127.0.0.1:${port}`, port, requests, close: closer(server, sockets) };
}

/** Headers, `part` of the body, then the connection ends as `how` says (see Cut). */
function sendCut(res: ServerResponse, socket: Socket, part: Uint8Array, how: 'close' | 'reset' | 'stall'): void {
  // Headers and bytes in one write, as a server that builds the whole response does: the
  // client then gets the body before it asks for it, and the end right behind it.
  if (part.length > 0) res.write(part);
  else res.flushHeaders();
  // No grace period: the client must cope with the end arriving right behind the bytes.
  if (how === 'close') socket.end();
  else if (how === 'reset') socket.resetAndDestroy();
}

/**
 * A forward proxy: CONNECT tunnels and absolute-form GETs, to 127.0.0.1 only (tests must
 * never reach anything else).
 */
export async function startProxy(): Promise<TestServer> {
  const requests: SeenRequest[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    let target: URL;
    try {
      target = new URL(req.url ?? '');
    } catch {
      res.writeHead(400).end();
      return;
    }
    if (target.hostname !== '127.0.0.1') {
      res.writeHead(403).end('test proxy only reaches 127.0.0.1');
      return;
    }
    const upstream = httpRequest(
      { host: '127.0.0.1', port: target.port, path: target.pathname + target.search, method: req.method, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    const [host, port] = (req.url ?? '').split(':');
    if (host !== '127.0.0.1') {
      client.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    const upstream = connect(Number(port), '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const port = await listen(server);
  return { url: `http://127.0.0.1:${port}`, port, requests, close: closer(server, sockets) };
}

/** A port on 127.0.0.1 with nothing listening: connection refused, like having no network. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  const port = await listen(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const PROXY_VARS = ['HTTPS_PROXY', 'HTTP_PROXY', 'NO_PROXY', 'https_proxy', 'http_proxy', 'no_proxy'];

/**
 * Clear the proxy variables for one test — a developer's own proxy settings must not
 * route 127.0.0.1 elsewhere — and return the function that puts them back.
 */
export function clearProxyEnv(): () => void {
  const saved = Object.fromEntries(PROXY_VARS.map((k) => [k, process.env[k]]));
  for (const k of PROXY_VARS) delete process.env[k];
  return () => {
    for (const k of PROXY_VARS) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  };
}
