/**
 * Download one weight file into the cache, the way a careful person would by hand:
 *
 *   1. stream the body into `<file>.partial` as it arrives, reporting progress;
 *   2. if the connection drops, ask for the rest with `Range: bytes=N-` (a server that
 *      answers 200 instead of 206 sends the whole file, so start again from zero);
 *   3. check size and SHA-256 BEFORE the file gets its real name, and delete it if wrong;
 *   4. rename `<file>.partial` → `<file>` (atomic: readers never see half a file).
 *
 * HTTP, proxies (HTTPS_PROXY / HTTP_PROXY / NO_PROXY) and timeouts are in http-get-node.ts.
 * Every failure is a DownloadError naming the URL, the cache path and the manual fix.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { dirname } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { DownloadError, msg, opt, type MessagePart } from '../errors.js';
import { fileSize } from './cache-node.js';
import { httpGet, HttpTimeoutError, type Timeouts } from './http-get-node.js';
import { proxySettings } from './proxy-env.js';
import type { Integrity } from './registry.js';

export type { Timeouts } from './http-get-node.js';

export interface DownloadProgress {
  /** Bytes in the partial file so far, including any resumed from an earlier run. */
  bytesDone: number;
  /** Full size of the file, when the server or the registry says it. */
  total?: number;
  /** Average transfer rate of this run, bytes per second (0 until measurable). */
  bytesPerSecond: number;
  /** Seconds left at the current rate, when total and rate are known. */
  etaSeconds?: number;
  /** Bytes that were already on disk when this run started (resumed, not re-downloaded). */
  resumedFrom: number;
}

export type ProgressCallback = (progress: DownloadProgress) => void;

/**
 * `idle` is short enough that a mirror which sends headers and then nothing fails in half a
 * minute (a stall that made no progress is not retried), and long enough for a congested
 * link's pauses. A slow but steady transfer never times out.
 */
export const DEFAULT_TIMEOUTS: Timeouts = { connect: 30_000, headers: 60_000, idle: 30_000 };

/**
 * Bytes that may wait in memory for the disk. Generous on purpose: while the writer keeps
 * up, the response is never paused, so bytes already received are on their way to the
 * file when the connection dies rather than in a stream buffer that dies with it.
 */
const WRITE_BUFFER = 1 << 20;

export interface DownloadOptions {
  url: string;
  /** Final path in the cache; bytes go to `${dest}.partial` until verified. */
  dest: string;
  /** Checked before the rename. Without it the file is taken as is. */
  integrity?: Integrity;
  /** Model name, for messages (`--model NAME`). */
  modelName?: string;
  onProgress?: ProgressCallback;
  /** Minimum ms between two progress calls (the last one always comes). Default 100. */
  progressIntervalMs?: number;
  timeouts?: Partial<Timeouts>;
  /**
   * How many times a dropped transfer is resumed automatically. Default 3. A transfer that
   * stalled before its first byte is not retried: the mirror is hanging, and waiting
   * another idle timeout for it would only multiply the wait.
   */
  retries?: number;
  /** Wait before the n-th automatic resume: n × retryDelayMs. Default 1000. */
  retryDelayMs?: number;
  signal?: AbortSignal;
  /** Where HTTPS_PROXY / HTTP_PROXY / NO_PROXY are read from; defaults to process.env. */
  env?: NodeJS.ProcessEnv;
}

export interface DownloadResult {
  path: string;
  bytes: number;
  /** Full SHA-256 of the file, lower-case hex. */
  sha256: string;
  /** True when some bytes came from an earlier, interrupted run. */
  resumed: boolean;
}

/** The sentence every download failure ends with: how to get the file in by hand (options as data: each front end names them). */
export function manualFix(url: string, cachePath: string, modelName?: string): MessagePart[] {
  return [
    `To fix by hand: download ${url} yourself (e.g. curl -L -o "${cachePath}" "${url}") and give it as `,
    ...msg`${opt('modelFile')}`,
    ...(modelName ? [' with ', ...msg`${opt('model')} ${modelName}`] : []),
    `, or place it at ${cachePath}`,
  ];
}

export async function downloadFile(options: DownloadOptions): Promise<DownloadResult> {
  const { url, dest } = options;
  const partial = `${dest}.partial`;
  const timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
  const retries = options.retries ?? 3;
  const retryDelayMs = options.retryDelayMs ?? 1000;
  const ctx: ErrorContext = { url, dest, partial, modelName: options.modelName, env: options.env ?? process.env };

  try {
    await mkdir(dirname(dest), { recursive: true });
  } catch (err) {
    throw downloadError(ctx, `cannot create the cache directory ${dirname(dest)} (${describe(err)})`, err);
  }

  let outcome: TransferOutcome | undefined;
  let resumed = false;
  for (let attempt = 0; ; attempt++) {
    try {
      outcome = await transferOnce(options, ctx, timeouts);
      resumed ||= outcome.resumed;
      break;
    } catch (err) {
      if (err instanceof DownloadError) throw err;
      const midTransfer = err instanceof MidTransferError ? err : undefined;
      resumed ||= midTransfer?.resumed ?? false;
      if (options.signal?.aborted) {
        throw downloadError(ctx, 'cancelled', err, { keptPartial: await hasBytes(partial) });
      }
      if (midTransfer?.worthRetrying && attempt < retries) {
        await sleep(retryDelayMs * (attempt + 1));
        continue;
      }
      throw downloadError(ctx, describeNetworkError(err, timeouts, ctx), errCause(err), {
        keptPartial: await hasBytes(partial),
        retried: attempt,
      });
    }
  }

  const { bytes, sha256 } = outcome;
  const expectedSize = options.integrity?.size;
  if (expectedSize !== undefined && bytes !== expectedSize) {
    await rm(partial, { force: true });
    throw downloadError(ctx, `wrong size: expected ${expectedSize} bytes, got ${bytes}; the download was deleted`);
  }
  const prefix = options.integrity?.sha256Prefix.toLowerCase();
  if (prefix !== undefined && !sha256.startsWith(prefix)) {
    await rm(partial, { force: true });
    throw downloadError(
      ctx,
      `checksum mismatch: expected a SHA-256 starting with ${prefix}, got ${sha256} ` +
        `(${bytes} bytes); the download was deleted`,
    );
  }
  try {
    await rename(partial, dest);
  } catch (err) {
    throw downloadError(ctx, `cannot move the finished download into place (${describe(err)})`, err);
  }
  return { path: dest, bytes, sha256, resumed };
}

// ---------------------------------------------------------------------------------------
// One HTTP request: resume what is on disk, append the body, hash it as it arrives.

interface TransferOutcome {
  bytes: number;
  sha256: string;
  resumed: boolean;
}

/** The connection broke after the response began: worth resuming with a Range request. */
class MidTransferError extends Error {
  constructor(
    message: string,
    readonly resumed: boolean,
    /** False for a stall before the first byte of this attempt: retrying would wait again. */
    readonly worthRetrying: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

async function transferOnce(options: DownloadOptions, ctx: ErrorContext, timeouts: Timeouts): Promise<TransferOutcome> {
  const { url, integrity, signal } = options;
  const knownSize = integrity?.size;
  let start = (await fileSize(ctx.partial)) ?? 0;
  if (knownSize !== undefined && start > knownSize) {
    await rm(ctx.partial, { force: true });
    start = 0;
  }
  if (knownSize !== undefined && start === knownSize && start > 0) {
    // Finished earlier but never verified (e.g. killed during the hash): just verify.
    return { bytes: start, sha256: await hashFile(ctx.partial), resumed: true };
  }

  // Hash what is on disk before asking: once the response is here its body must be read
  // at once, or bytes that arrive just before a drop die in the response's buffer.
  const partialHash = createHash('sha256');
  if (start > 0) await hashInto(partialHash, ctx.partial);
  // A User-Agent as fetch sent one: some mirrors and proxies refuse requests without it.
  const headers: Record<string, string> = { 'accept-encoding': 'identity', 'user-agent': 'neural-style' };
  if (start > 0) headers.range = `bytes=${start}-`;
  const response = await httpGet(url, { headers, env: ctx.env, timeouts, signal });
  const status = response.statusCode ?? 0;
  const header = (name: string) => {
    const v = response.headers[name];
    return typeof v === 'string' ? v : null;
  };

  let total: number | undefined;
  if (status === 206 && start > 0) {
    const range = parseContentRange(header('content-range'));
    if (!range || range.first !== start) {
      // A range we did not ask for: not safe to append. Start over without Range.
      response.destroy();
      await rm(ctx.partial, { force: true });
      return transferOnce(options, ctx, timeouts);
    }
    total = range.total;
  } else if (status === 416 && start > 0) {
    // "Range Not Satisfiable": either the partial file is already whole, or it is not
    // part of this file at all. The checksum decides the first case; otherwise restart.
    response.destroy();
    const range = parseContentRange(header('content-range'));
    if (range?.total === start) return { bytes: start, sha256: await hashFile(ctx.partial), resumed: true };
    await rm(ctx.partial, { force: true });
    return transferOnce(options, ctx, timeouts);
  } else if (status === 200 || status === 206) {
    // 200 to a Range request: the server sends the whole file, so the partial is discarded.
    start = 0;
    const length = Number(header('content-length') ?? NaN);
    total = Number.isSafeInteger(length) && length >= 0 ? length : undefined;
    if (status === 206) total = parseContentRange(header('content-range'))?.total;
  } else {
    response.destroy();
    const text = response.statusMessage ? ` ${response.statusMessage}` : '';
    const reason =
      status === 404
        ? `not found (HTTP 404${text}): the file is not at this address`
        : `the server answered HTTP ${status}${text}`;
    throw downloadError(ctx, reason, undefined, { keptPartial: start > 0 });
  }
  total ??= knownSize;
  if (knownSize !== undefined && total !== undefined && total !== knownSize) {
    response.destroy();
    await rm(ctx.partial, { force: true });
    throw downloadError(
      ctx,
      `the server offers ${total} bytes but this model's file is ${knownSize} bytes; nothing was kept`,
    );
  }

  const hash = start > 0 ? partialHash : createHash('sha256');
  const resumed = start > 0;
  const progress = new ProgressMeter(start, total, options.onProgress, options.progressIntervalMs ?? 100);
  let done = start;
  let dropped: unknown;
  // The network's errors end the body, not the pipeline: whatever arrived before the
  // drop is still written, so the next Range request asks only for the rest.
  async function* received(body: IncomingMessage): AsyncGenerator<Buffer> {
    try {
      for await (const chunk of body as AsyncIterable<Buffer>) {
        hash.update(chunk);
        done += chunk.byteLength;
        progress.update(done);
        yield chunk;
      }
    } catch (err) {
      dropped = err;
    }
  }
  try {
    // flush: fsync before close, so bytes counted as kept survive a power cut.
    const file = createWriteStream(ctx.partial, { flags: start > 0 ? 'a' : 'w', flush: true, highWaterMark: WRITE_BUFFER });
    await pipeline(received(response), file);
  } catch (err) {
    response.destroy();
    throw downloadError(ctx, `cannot write ${ctx.partial} (${describe(err)})`, err, { keptPartial: await hasBytes(ctx.partial) });
  } finally {
    progress.finish(done);
  }
  if (dropped !== undefined || (total !== undefined && done < total)) {
    const of = total === undefined ? '' : ` of ${total}`;
    const stall = dropped instanceof HttpTimeoutError ? dropped : undefined;
    const message = stall
      ? `the transfer stalled: nothing arrived for ${stall.ms / 1000} s (after ${done}${of} bytes)`
      : `the connection dropped after ${done}${of} bytes`;
    throw new MidTransferError(message, resumed, !stall || done > start, { cause: dropped });
  }
  return { bytes: done, sha256: hash.digest('hex'), resumed };
}

function parseContentRange(header: string | null): { first: number; total?: number } | undefined {
  if (!header) return undefined;
  const whole = /^bytes\s+\*\/(\d+)$/i.exec(header.trim());
  if (whole) return { first: -1, total: Number(whole[1]) };
  const m = /^bytes\s+(\d+)-(\d+)\/(\d+|\*)$/i.exec(header.trim());
  if (!m) return undefined;
  return { first: Number(m[1]), total: m[3] === '*' ? undefined : Number(m[3]) };
}

async function hashInto(hash: Hash, path: string): Promise<void> {
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
}

/** Full SHA-256 of a file, lower-case hex (streamed: weight files are hundreds of MB). */
export async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  await hashInto(hash, path);
  return hash.digest('hex');
}

/** Whether a partial file holds anything worth resuming; an empty one is removed. */
async function hasBytes(path: string): Promise<boolean> {
  const size = await fileSize(path);
  if (size === 0) await rm(path, { force: true });
  return (size ?? 0) > 0;
}

class ProgressMeter {
  private readonly startedAt = performance.now();
  private lastCall = -Infinity;

  constructor(
    private readonly resumedFrom: number,
    private readonly total: number | undefined,
    private readonly callback: ProgressCallback | undefined,
    private readonly intervalMs: number,
  ) {
    this.emit(resumedFrom);
  }

  update(done: number): void {
    if (performance.now() - this.lastCall >= this.intervalMs) this.emit(done);
  }

  finish(done: number): void {
    this.emit(done);
  }

  private emit(done: number): void {
    if (!this.callback) return;
    const now = performance.now();
    this.lastCall = now;
    const seconds = (now - this.startedAt) / 1000;
    const bytesPerSecond = seconds > 0.05 ? (done - this.resumedFrom) / seconds : 0;
    const etaSeconds =
      this.total !== undefined && bytesPerSecond > 0 ? Math.max(0, this.total - done) / bytesPerSecond : undefined;
    this.callback({ bytesDone: done, total: this.total, bytesPerSecond, etaSeconds, resumedFrom: this.resumedFrom });
  }
}

// ---------------------------------------------------------------------------------------
// Messages. Each one says what went wrong, where from, where to, and what to do by hand.

interface ErrorContext {
  url: string;
  dest: string;
  partial: string;
  modelName?: string;
  env: NodeJS.ProcessEnv;
}

function downloadError(
  ctx: ErrorContext,
  reason: string,
  cause?: unknown,
  extra: { keptPartial?: boolean; retried?: number } = {},
): DownloadError {
  const what = ctx.modelName ? `weights for model '${ctx.modelName}'` : 'weights';
  const end = /[.?!]$/.test(reason) ? '' : '.';
  const lines = [`Could not download ${what}: ${reason}${end}`, `  URL:        ${ctx.url}`, `  Cache path: ${ctx.dest}`];
  const proxy = proxySettings(ctx.env);
  if (proxy) lines.push(`  Proxy:      ${proxy}`);
  if (extra.retried) lines.push(`Resumed ${extra.retried} time(s) before giving up.`);
  if (extra.keptPartial) lines.push(`The bytes received so far are kept in ${ctx.partial}; run again to resume.`);
  return new DownloadError([`${lines.join('\n')}\n`, ...manualFix(ctx.url, ctx.dest, ctx.modelName)], cause === undefined ? undefined : { cause });
}

function errCause(err: unknown): unknown {
  return err instanceof MidTransferError && err.cause !== undefined ? err.cause : err;
}

/** The first `code` along an error's cause chain. */
function errorCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

function innermostMessage(err: unknown): string {
  let message = describe(err);
  for (let e: unknown = err, depth = 0; e && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof Error && e.message) message = e.message;
  }
  return message;
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function describeNetworkError(err: unknown, timeouts: Timeouts, ctx: ErrorContext): string {
  // Says how far it got; Node's own words for a cut body ("aborted") would add nothing.
  if (err instanceof MidTransferError) return err.message;
  const host = safeHost(ctx.url);
  if (err instanceof HttpTimeoutError) {
    if (err.phase === 'connect') return `no network: connecting to ${host} timed out after ${timeouts.connect / 1000} s`;
    if (err.phase === 'headers') return `the server did not answer within ${timeouts.headers / 1000} s`;
    return `the transfer stalled for ${timeouts.idle / 1000} s`;
  }
  const detail = innermostMessage(err);
  switch (errorCode(err)) {
    case 'ECONNREFUSED':
      return `no network: connection refused (${detail}); is the machine offline, or a proxy needed?`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
      return `no network: cannot resolve ${host} (${detail}); is the machine offline, or a proxy needed?`;
    case 'ENETUNREACH':
    case 'EHOSTUNREACH':
    case 'ENETDOWN':
      return `no network: ${host} is unreachable (${detail})`;
    case 'ETIMEDOUT':
      return `no network: connecting to ${host} timed out (${detail})`;
    case 'ECONNRESET':
      return `the connection was reset before the transfer began (${detail})`;
    default:
      return detail;
  }
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
