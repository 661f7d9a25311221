/**
 * One HTTP GET for downloadFile, on Node's own http/https modules:
 *
 * - proxies as proxy-env.ts chooses them: an http:// URL goes to the proxy as an
 *   absolute-form request (what curl does), an https:// URL through a CONNECT tunnel;
 * - redirects followed (up to 10), each hop choosing its own proxy;
 * - three inactivity limits, one per phase: connecting, waiting for the response head,
 *   and the silence between two body chunks (`idle`). A slow transfer never times out;
 *   a silent one does.
 *
 * Why not undici's fetch, as before: undici 7.30's HTTP/1 parser throws an uncatchable
 * AssertionError when the server closes the connection while the body is under
 * backpressure (nodejs/undici#5360), which for a download written to disk is every drop.
 * Node's http client stops reading the socket instead, and reports a short body as an
 * ordinary 'aborted' error on the response.
 */
import { Buffer } from 'node:buffer';
import { type ClientRequest, type IncomingMessage, request as httpRequest, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { type Env, proxyFor } from './proxy-env.js';

export interface Timeouts {
  /** Establishing the TCP (or proxy) connection (ms). */
  connect: number;
  /** Waiting for the response headers (ms), TLS handshake included. */
  headers: number;
  /** Longest silence between two body chunks (ms): a stalled transfer fails, a slow one doesn't. */
  idle: number;
}

export type Phase = keyof Timeouts;

/** A phase went silent for longer than its limit. */
export class HttpTimeoutError extends Error {
  readonly code = 'ETIMEDOUT';
  constructor(
    readonly phase: Phase,
    readonly ms: number,
  ) {
    super(`no ${phase === 'connect' ? 'connection' : phase === 'headers' ? 'answer' : 'data'} for ${ms / 1000} s`);
  }
}

export interface GetOptions {
  headers: Record<string, string>;
  env: Env;
  timeouts: Timeouts;
  signal?: AbortSignal;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 10;

/**
 * The response to GET `url` after redirects, its body not yet read. The caller reads or
 * destroys `response`; a stalled body makes it emit an HttpTimeoutError.
 */
export async function httpGet(url: string, options: GetOptions): Promise<IncomingMessage> {
  let target = new URL(url);
  for (let hop = 0; ; hop++) {
    const response = await getOnce(target, options);
    const location = response.headers.location;
    if (!REDIRECTS.has(response.statusCode ?? 0) || !location) return response;
    response.destroy();
    if (hop === MAX_REDIRECTS) throw new Error(`more than ${MAX_REDIRECTS} redirects, the last to ${location}`);
    target = new URL(location, target);
  }
}

async function getOnce(target: URL, options: GetOptions): Promise<IncomingMessage> {
  if (target.protocol !== 'http:' && target.protocol !== 'https:') {
    throw new Error(`cannot download from a ${target.protocol} URL: only http:// and https:// are supported`);
  }
  const proxy = proxyFor(target, options.env);
  const { headers, signal } = options;
  let request: ClientRequest;
  if (!proxy) {
    // agent: false — a fresh connection per request, closed after it; nothing pooled.
    request = (target.protocol === 'https:' ? httpsRequest : httpRequest)(target, { headers, signal, agent: false });
  } else if (target.protocol === 'http:') {
    request = proxyRequest(proxy, { path: target.href, headers: { ...headers, host: target.host, ...proxyAuth(proxy) }, signal });
  } else {
    const tunnel = await openTunnel(proxy, target, options);
    const servername = isIP(bare(target.hostname)) ? undefined : target.hostname;
    request = httpsRequest(target, {
      headers,
      signal,
      // The TLS session runs inside the tunnel, verified against the target's name.
      createConnection: () => tlsConnect({ socket: tunnel, servername, host: bare(target.hostname) }),
    });
  }
  return new Promise<IncomingMessage>((resolve, reject) => {
    watch(request, options.timeouts, proxy && target.protocol === 'https:' ? 'headers' : 'connect');
    request.once('response', resolve);
    // `on`, not `once`: after the response the socket's errors still reach the request
    // (the body reports them itself), and an error with no listener would end the process.
    request.on('error', reject);
    request.end();
  });
}

/** A CONNECT tunnel through `proxy` to `target`'s host and port: a raw socket. */
function openTunnel(proxy: URL, target: URL, options: GetOptions): Promise<Socket> {
  const port = target.port || '443';
  const authority = `${target.hostname}:${port}`;
  const request = proxyRequest(proxy, {
    method: 'CONNECT',
    path: authority,
    headers: { host: authority, ...proxyAuth(proxy) },
    signal: options.signal,
  });
  return new Promise<Socket>((resolve, reject) => {
    watch(request, options.timeouts, 'connect');
    request.once('connect', (response: IncomingMessage, socket: Socket, head: Buffer) => {
      socket.setTimeout(0);
      socket.removeAllListeners('timeout');
      if (response.statusCode !== 200) {
        socket.destroy();
        reject(new Error(`the proxy refused to connect to ${authority}: HTTP ${response.statusCode} ${response.statusMessage ?? ''}`.trim()));
        return;
      }
      if (head.length > 0) socket.unshift(head);
      // The TLS socket on top reports failures; this one must not crash the process.
      socket.on('error', () => {});
      resolve(socket);
    });
    request.on('error', reject);
    request.end();
  });
}

function proxyRequest(proxy: URL, options: RequestOptions): ClientRequest {
  const send = proxy.protocol === 'https:' ? httpsRequest : httpRequest;
  return send({
    ...options,
    host: bare(proxy.hostname),
    port: proxy.port || (proxy.protocol === 'https:' ? 443 : 80),
    agent: false,
  });
}

/** Basic credentials from `http://user:password@proxy/`, as curl sends them. */
function proxyAuth(proxy: URL): Record<string, string> {
  if (!proxy.username) return {};
  const credentials = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
  return { 'proxy-authorization': `Basic ${Buffer.from(credentials).toString('base64')}` };
}

/**
 * Inactivity limits on the request's socket, one per phase. The socket timer restarts on
 * every byte either way, so in the body phase it is exactly "longest silence".
 */
function watch(request: ClientRequest, timeouts: Timeouts, first: Phase): void {
  let phase = first;
  let response: IncomingMessage | undefined;
  request.once('socket', (socket: Socket) => {
    const enter = (next: Phase) => {
      phase = next;
      socket.setTimeout(timeouts[next]);
    };
    enter(first === 'connect' && !socket.connecting ? 'headers' : first);
    if (phase === 'connect') socket.once('connect', () => phase === 'connect' && enter('headers'));
    request.once('response', (res: IncomingMessage) => {
      response = res;
      enter('idle');
    });
    socket.on('timeout', () => {
      const err = new HttpTimeoutError(phase, timeouts[phase]);
      // Once the body flows the error belongs to the response, which the caller is reading.
      if (response) response.destroy(err);
      else request.destroy(err);
    });
  });
}

/** An IPv6 literal without the brackets URL.hostname keeps. */
function bare(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}
