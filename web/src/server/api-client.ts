/**
 * The job service's HTTP API (src/jobs/api.ts) as the page calls it: every request with
 * the bearer token when one is set, every refusal as an ApiError with the API's one line
 * (and its message parts, so the page can name options by its labels).
 */
import type { MessagePart } from '../../../src/index.js';
import type { JobStatus } from '../../../src/browser.js';

export type { JobStatus };

/** GET /api/info: `jobs` is the jobs path, or null from an app server without the job API. */
export interface ApiInfo {
  api: string;
  jobs: string | null;
}

export class ApiError extends Error {
  constructor(
    /** The HTTP status; 0 when the server could not be reached. */
    readonly status: number,
    message: string,
    readonly parts?: readonly MessagePart[],
  ) {
    super(message);
  }
}

export class JobsApi {
  /**
   * @param base the API's root URL (`…/api/`), normally this page's own origin
   * @param token the bearer token now, if any (read at each request: it may change)
   */
  constructor(
    private readonly base: string,
    private readonly token: () => string | undefined,
  ) {}

  /** Resolves when the API answers with this token; throws its ApiError otherwise. */
  async info(): Promise<ApiInfo> {
    return (await (await this.call('info')).json()) as ApiInfo;
  }

  async submit(form: FormData): Promise<string> {
    const { id } = (await (await this.call('jobs', { method: 'POST', body: form })).json()) as { id: string };
    return id;
  }

  async status(id: string): Promise<JobStatus> {
    return (await (await this.call(`jobs/${id}`)).json()) as JobStatus;
  }

  /** 'removed' (it was waiting), 'cancelling' (it was running) or 'finished' (too late). */
  async cancel(id: string): Promise<string> {
    try {
      return ((await (await this.call(`jobs/${id}`, { method: 'DELETE' })).json()) as { cancel: string }).cancel;
    } catch (e) {
      if (e instanceof ApiError && e.status === 409) return 'finished';
      throw e;
    }
  }

  async result(id: string): Promise<Blob> {
    return (await this.call(`jobs/${id}/result`)).blob();
  }

  /** The job's event stream, from after `lastEventId` when given (a reconnect). */
  async events(id: string, lastEventId: string | undefined, signal: AbortSignal): Promise<ReadableStream<Uint8Array>> {
    const res = await this.call(`jobs/${id}/events`, { signal, headers: lastEventId !== undefined ? { 'Last-Event-ID': lastEventId } : {} });
    if (!res.body) throw new ApiError(0, 'the server sent no event stream');
    return res.body;
  }

  private async call(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    const token = this.token();
    if (token) headers.set('Authorization', `Bearer ${token}`);
    let res: Response;
    try {
      res = await fetch(new URL(path, this.base), { ...init, headers, cache: 'no-store' });
    } catch (e) {
      if ((e as Error).name === 'AbortError') throw e;
      throw new ApiError(0, `cannot reach the server (${(e as Error).message})`);
    }
    if (res.ok) return res;
    let body: { error?: unknown; parts?: unknown } = {};
    try {
      body = (await res.json()) as typeof body;
    } catch {
      // Not the API's JSON (a proxy's error page): the status says enough.
    }
    const message = typeof body.error === 'string' ? body.error : `the server answered ${res.status} ${res.statusText}`.trim();
    throw new ApiError(res.status, message, Array.isArray(body.parts) ? (body.parts as MessagePart[]) : undefined);
  }
}
