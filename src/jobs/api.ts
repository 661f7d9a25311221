/**
 * The HTTP API of `neural-style serve --api`, over a JobClient:
 *
 *   POST   /api/jobs              multipart: content, style (1+), initImage?, options (JSON) → 202 { id }
 *   GET    /api/jobs/:id          state, progress (iteration, loss parts, ETA), result summary
 *   GET    /api/jobs/:id/events   server-sent events: state, progress…, then result or failed
 *   GET    /api/info              what this API is (a page probes it to offer "run on the server")
 *   GET    /api/jobs/:id/result   the image
 *   DELETE /api/jobs/:id          cancel
 *
 * Every request needs `Authorization: Bearer TOKEN` when a token is set (the serve command
 * refuses to listen beyond loopback without one); without one, only same-origin requests
 * on a loopback Host are answered, and with one, CORS only for the listed origins
 * (origin.ts). Uploads are capped before they are read in full (413), images by pixels and
 * options by the server's limits and the pre-flight's memory estimate (400, with the CLI's
 * own message), and each client's unfinished jobs by count, atomically (429). A client
 * never names a path: uploaded file names only label messages, job ids must be numbers.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { InputError, NeuralStyleError, optionKey } from '../errors.js';
import { SECURITY_HEADERS } from '../web-server/serve-node.js';
import { QueueFullError, type JobClient } from './client.js';
import { MIME_OF } from './spec.js';
import { checkOrigin, corsHeaders } from './origin.js';
import type { NamedImage, SubmitLimits } from './validate.js';

export interface ApiSettings {
  client: JobClient;
  /** Required bearer token; undefined: none (loopback only, the serve command checks). */
  token?: string;
  /** Largest request body, bytes. */
  maxUploadBytes?: number;
  limits?: SubmitLimits;
  maxQueuedPerClient?: number;
  /** Origins whose pages may call the API cross-origin; with a token only. */
  allowedOrigins?: readonly string[];
  /** Unexpected errors (bugs) are logged here, never sent to the client. */
  log?: (line: string) => void;
}

export const DEFAULT_API_LIMITS = {
  maxUploadBytes: 20 * 1024 * 1024,
  limits: {
    maxPixels: 25_000_000,
    maxStylePixels: 10_000_000,
    maxStyles: 8,
    maxIterations: 5000,
    maxImageSize: 2048,
    maxStyleScale: 4,
    maxJobBytes: 16 * 2 ** 30,
  } satisfies SubmitLimits,
  maxQueuedPerClient: 20,
};

export type ApiHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** The multipart fields a job takes, with how many of each it may have: any other field is refused. */
const FORM_FIELDS: Record<string, { most: number; tooMany: (n: number) => string } | { most?: undefined }> = {
  content: { most: 1, tooMany: () => 'give exactly one content image (field content)' },
  // How many: the server's maxStyles, checked with the other limits (validate.ts).
  style: {},
  initImage: { most: 1, tooMany: (n) => `give at most one init image (field initImage), got ${n}` },
  options: { most: 1, tooMany: (n) => `give the options field once, got ${n}` },
};

/** A handler for /api/… requests; resolves false for every other path. */
export function createJobsApi(settings: ApiSettings): ApiHandler {
  const maxUpload = settings.maxUploadBytes ?? DEFAULT_API_LIMITS.maxUploadBytes;
  // A caller that sets one limit keeps the others.
  const limits: SubmitLimits = { ...DEFAULT_API_LIMITS.limits, ...settings.limits };
  const originPolicy = { token: settings.token !== undefined, allowed: new Set(settings.allowedOrigins ?? []) };
  const maxQueued = settings.maxQueuedPerClient ?? DEFAULT_API_LIMITS.maxQueuedPerClient;
  const tokenHash = settings.token !== undefined ? sha256(settings.token) : undefined;
  const client = settings.client;

  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== '/api' && !url.pathname.startsWith('/api/')) return false;
    try {
      const origin = checkOrigin(req, originPolicy);
      if (origin.refused !== undefined) throw new HttpError(403, origin.refused);
      if (origin.cors) for (const [k, v] of Object.entries(corsHeaders(origin.cors))) res.setHeader(k, v);
      // A preflight carries no token: the origin check above is its answer.
      if (req.method === 'OPTIONS') return (res.writeHead(204, SECURITY_HEADERS).end(), true);
      if (tokenHash) checkToken(req, tokenHash);
      const parts = url.pathname.split('/').filter(Boolean); // ['api', 'jobs', id?, sub?]
      if (parts[1] === 'info' && parts.length === 2) {
        if (req.method !== 'GET') throw new HttpError(405, 'use GET /api/info');
        sendJson(res, 200, API_INFO);
        return true;
      }
      if (parts[1] !== 'jobs' || parts.length > 4) throw new HttpError(404, 'no such API path');
      const id = parts[2];
      if (id === undefined) {
        if (req.method !== 'POST') throw new HttpError(405, 'use POST /api/jobs to submit a job');
        const submitted = await submit(req);
        sendJson(res, 202, { id: submitted, status: `/api/jobs/${submitted}`, events: `/api/jobs/${submitted}/events` }, { Location: `/api/jobs/${submitted}` });
        return true;
      }
      if (!/^[1-9]\d{0,15}$/.test(id)) throw new HttpError(404, `no job ${JSON.stringify(id.slice(0, 40))}`);
      const sub = parts[3];
      if (sub === undefined && req.method === 'GET') {
        const status = await client.status(id);
        if (!status) throw new HttpError(404, `no job ${id}`);
        sendJson(res, 200, status);
      } else if (sub === undefined && req.method === 'DELETE') {
        const outcome = await client.cancel(id);
        if (outcome === 'unknown') throw new HttpError(404, `no job ${id}`);
        sendJson(res, outcome === 'finished' ? 409 : 200, { id, cancel: outcome });
      } else if (sub === 'result' && req.method === 'GET') {
        await sendResult(id, res);
      } else if (sub === 'events' && req.method === 'GET') {
        await streamEvents(id, req, res);
      } else {
        throw new HttpError(sub === undefined || sub === 'result' || sub === 'events' ? 405 : 404, 'no such API path or method');
      }
    } catch (err) {
      if (res.headersSent) {
        res.destroy();
        return true;
      }
      if (err instanceof HttpError) sendJson(res, err.status, { error: err.message }, err.headers);
      else if (err instanceof QueueFullError) sendJson(res, 429, { error: err.message });
      // `parts` names options as data, so a client can word them its own way (the page: its labels).
      else if (err instanceof NeuralStyleError && (err.exitCode === 2 || err instanceof InputError)) sendJson(res, 400, { error: err.render(optionKey), parts: err.parts });
      else {
        settings.log?.(`api: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
        sendJson(res, 500, { error: 'internal error' });
      }
    }
    return true;
  };

  async function submit(req: IncomingMessage): Promise<string> {
    const type = req.headers['content-type'] ?? '';
    if (!/^multipart\/form-data;/i.test(type)) throw new HttpError(415, 'send the job as multipart/form-data (fields content, style, options)');
    const body = await readBody(req, maxUpload);
    let form: FormData;
    try {
      form = await new Response(new Uint8Array(body), { headers: { 'content-type': type } }).formData();
    } catch (e) {
      throw new HttpError(400, `the upload is not valid multipart/form-data (${(e as Error).message})`);
    }
    for (const field of new Set(form.keys())) {
      const rule = FORM_FIELDS[field];
      if (!rule) throw new HttpError(400, `unknown field '${field.slice(0, 40)}'; a job takes ${Object.keys(FORM_FIELDS).join(', ')}`);
      const n = form.getAll(field).length;
      if (rule.most !== undefined && n > rule.most) throw new HttpError(400, rule.tooMany(n));
    }
    const file = async (field: string, v: FormDataEntryValue, i: number): Promise<NamedImage> => {
      if (typeof v === 'string') throw new HttpError(400, `${field} must be an uploaded file, not a text field`);
      return { name: labelOf(v.name, `${field}${i > 0 ? `-${i + 1}` : ''}`), bytes: Buffer.from(await v.arrayBuffer()) };
    };
    const content = form.getAll('content');
    if (content.length !== 1) throw new HttpError(400, 'give exactly one content image (field content)');
    const styles = form.getAll('style');
    if (styles.length === 0) throw new HttpError(400, 'no style image: give one or more (field style)');
    const init = form.getAll('initImage');
    let options: Record<string, unknown> = {};
    const text = form.get('options');
    if (text !== null) {
      if (typeof text !== 'string') throw new HttpError(400, 'options must be a JSON text field');
      try {
        options = JSON.parse(text) as Record<string, unknown>;
      } catch (e) {
        throw new HttpError(400, `options: not valid JSON (${(e as Error).message})`);
      }
      if (typeof options !== 'object' || options === null || Array.isArray(options)) throw new HttpError(400, 'options must be a JSON object');
    }
    return client.submit(
      {
        content: await file('content', content[0]!, 0),
        styles: await Promise.all(styles.map((s, i) => file('style', s, i))),
        ...(init.length > 0 ? { initImage: await file('initImage', init[0]!, 0) } : {}),
        options,
      },
      { client: req.socket.remoteAddress ?? 'unknown', limits, maxQueuedPerClient: maxQueued },
    );
  }

  async function sendResult(id: string, res: ServerResponse): Promise<void> {
    const status = await client.status(id);
    if (!status) throw new HttpError(404, `no job ${id}`);
    if (status.state === 'failed') throw new HttpError(409, `job ${id} failed: ${status.failedReason ?? 'unknown reason'}`);
    const result = status.state === 'completed' ? await client.result(id) : undefined;
    if (!result) throw new HttpError(409, `job ${id} is ${status.state}; no result yet`);
    res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': MIME_OF[result.summary.format], 'Content-Length': String(result.bytes.length), 'Cache-Control': 'no-store' });
    res.end(Buffer.from(result.bytes));
  }

  async function streamEvents(id: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const first = await client.status(id);
    if (!first) throw new HttpError(404, `no job ${id}`);
    res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', 'X-Accel-Buffering': 'no' });
    const send = (event: string, data: unknown, id?: number) => res.write(`${id !== undefined ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    // Progress events carry their iteration as id. A client that reconnects with
    // Last-Event-ID gets the state (with the latest progress) and then only newer progress:
    // BullMQ keeps no history of progress events, so the state stands for those missed.
    const after = lastEventId(req);
    res.write('retry: 2000\n\n');
    send('state', first);
    const stop = new AbortController();
    req.on('close', () => stop.abort());
    // Comments keep proxies from closing a quiet stream.
    const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
    try {
      const end = await client.follow(id, (p) => (after !== undefined && p.iteration <= after ? undefined : send('progress', p, p.iteration)), stop.signal);
      if (end.state === 'completed') send('result', { ...end.result, url: `/api/jobs/${id}/result` });
      else send('failed', { error: end.failedReason ?? 'unknown reason', ...(end.failure ? { parts: end.failure } : {}) });
    } catch (e) {
      if ((e as Error).name !== 'AbortError') send('failed', { error: (e as Error).message });
    } finally {
      clearInterval(ping);
      res.end();
    }
  }
}

/** GET /api/info: enough for a page to know the API is there (it answers only with the token when one is set). */
const API_INFO = { api: 'neural-style jobs', version: 1, jobs: '/api/jobs' } as const;

/** The Last-Event-ID a reconnecting client sends (our ids are iterations); undefined when absent or not ours. */
function lastEventId(req: IncomingMessage): number | undefined {
  const v = req.headers['last-event-id'];
  return typeof v === 'string' && /^\d{1,9}$/.test(v) ? Number(v) : undefined;
}

function sha256(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

/** 401 without a bearer token, and (saying so) with a wrong one: a client then knows which to fix. */
function checkToken(req: IncomingMessage, tokenHash: Buffer): void {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  if (m === null) throw new HttpError(401, 'a bearer token is needed: Authorization: Bearer TOKEN', { 'WWW-Authenticate': 'Bearer' });
  // Equal-length digests, compared in constant time: the token is not guessable byte by byte.
  if (!timingSafeEqual(sha256(m[1]!), tokenHash)) throw new HttpError(401, 'the bearer token is wrong', { 'WWW-Authenticate': 'Bearer error="invalid_token"' });
}

/** The body, refused with 413 past `max` bytes (by Content-Length at once, else while reading). */
async function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  // A refused upload is not read on: the connection closes after the answer.
  const tooLarge = () => new HttpError(413, `the upload is over the server's limit of ${(max / 2 ** 20).toFixed(1)} MiB`, { Connection: 'close' });
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > max) throw tooLarge();
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > max) throw tooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** An upload's file name as a label for messages only: its last path part, plain characters. */
function labelOf(name: string | undefined, fallback: string): string {
  const base = (name ?? '').split(/[\\/]/).pop() ?? '';
  const clean = base.replace(/[^\w.\- ]/g, '_').slice(0, 100);
  return clean === '' ? fallback : clean;
}

function sendJson(res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': String(Buffer.byteLength(text)), ...extra });
  res.end(text);
}
