/**
 * Follow one job's event stream to its end. A stream that breaks (a proxy's timeout, a
 * network change, the server restarted) is opened again with Last-Event-ID, so progress
 * already shown is not repeated; the `state` event a new stream starts with stands for the
 * progress missed meanwhile (the queue keeps no history of progress events). A job still
 * waiting after `waitingAfterMs` is reported once, so the page can say that no worker has
 * taken it rather than look stuck.
 */
import type { JobProgress, JobSummary } from '../../../src/browser.js';
import type { MessagePart } from '../../../src/index.js';
import { ApiError, type JobsApi, type JobStatus } from './api-client.js';
import { readSse } from './sse.js';

export interface FollowHandlers {
  state(s: JobStatus): void;
  /** Each progress report once, in order (a report also arrives inside a reconnect's state). */
  progress(p: JobProgress): void;
  waiting(): void;
  reconnecting(attempt: number): void;
  result(r: JobSummary & { url: string }): void;
  failed(f: { error: string; parts?: readonly MessagePart[] }): void;
}

export interface FollowSettings {
  waitingAfterMs?: number;
  /** The first reconnect's delay; doubled each time up to 8 s. */
  retryMs?: number;
  /** Consecutive failed reconnects before giving up. */
  maxRetries?: number;
}

/** Statuses that no reconnect can mend: the job or the permission is gone. */
const FINAL_STATUSES = new Set([400, 401, 403, 404]);

export async function followJob(api: JobsApi, id: string, h: FollowHandlers, signal: AbortSignal, s: FollowSettings = {}): Promise<'ended' | 'aborted'> {
  const waitingAfter = s.waitingAfterMs ?? 3000;
  let lastId: string | undefined;
  let lastIteration = -1;
  let retries = 0;
  let waitTimer: ReturnType<typeof setTimeout> | undefined;
  const stopWaiting = () => clearTimeout(waitTimer);
  const progress = (p: JobProgress) => {
    stopWaiting();
    if (p.iteration <= lastIteration) return;
    lastIteration = p.iteration;
    h.progress(p);
  };
  try {
    for (;;) {
      try {
        const body = await api.events(id, lastId, signal);
        for await (const ev of readSse(body)) {
          retries = 0;
          if (ev.id !== undefined) lastId = ev.id;
          const data = JSON.parse(ev.data) as unknown;
          if (ev.event === 'state') {
            const st = data as JobStatus;
            h.state(st);
            if (st.progress) progress(st.progress);
            stopWaiting();
            if (!st.progress && (st.state === 'waiting' || st.state === 'delayed' || st.state === 'prioritized')) {
              waitTimer = setTimeout(() => h.waiting(), waitingAfter);
            }
          } else if (ev.event === 'progress') {
            progress(data as JobProgress);
          } else if (ev.event === 'result') {
            h.result(data as JobSummary & { url: string });
            return 'ended';
          } else if (ev.event === 'failed') {
            h.failed(data as { error: string; parts?: MessagePart[] });
            return 'ended';
          }
        }
      } catch (e) {
        if (signal.aborted) return 'aborted';
        if (e instanceof ApiError && FINAL_STATUSES.has(e.status)) throw e;
        if (!(e instanceof ApiError) && !(e instanceof TypeError)) throw e;
      }
      if (signal.aborted) return 'aborted';
      // The stream ended or broke before the job did: open it again, after a pause.
      retries++;
      if (retries > (s.maxRetries ?? 30)) throw new ApiError(0, 'lost the connection to the server’s event stream');
      h.reconnecting(retries);
      await sleep(Math.min(8000, (s.retryMs ?? 1000) * 2 ** (retries - 1)), signal);
      if (signal.aborted) return 'aborted';
    }
  } finally {
    stopWaiting();
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((ok) => {
    const t = setTimeout(ok, ms);
    signal.addEventListener('abort', () => (clearTimeout(t), ok()), { once: true });
  });
}
