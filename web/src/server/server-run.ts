/**
 * A run on the server, shown as a run in this tab is: the page's run request becomes a
 * job (the original image files, the form's options), and the job's events become the
 * compute worker's messages (progress with a preview frame, done, run-error), so the run
 * panel draws the previews, the loss chart and the progress line without knowing where
 * the work happens. Stop cancels the job.
 */
import { renderParts, type MessagePart } from '../../../src/index.js';
import { jobOptionSpecs } from '../../../src/browser.js';
import type { JobProgress } from '../../../src/browser.js';
import type { Frame, FromWorker, ToWorker } from '../protocol.js';
import { labelOf } from '../settings.js';
import { ApiError, type JobsApi } from './api-client.js';
import { followJob, type FollowSettings } from './follow.js';
import { dataUrlBlob, frameOf } from './frames.js';
import { myJobs } from './my-jobs.js';

type RunRequest = Extract<ToWorker, { type: 'run' }>;

/** What the runner needs from the page. */
export interface RunView {
  /** A message as the compute worker would send it. */
  handle(msg: FromWorker): void;
  /** A job the page did not just start is followed: reset the preview, chart and buttons. */
  began(numIterations: number): void;
  /** The finished job's image as the server made it (Download saves these bytes). */
  resultReady(blob: Blob, name: string): void;
  /** The job was cancelled (no final image to show). */
  cancelled(text: string): void;
  /** Something changed that the jobs list shows. */
  jobsChanged(): void;
}

export interface Uploads {
  content: File;
  styles: File[];
  /** The job's network by registry name (the page's own weights stay in the page). */
  model: string;
}

const JOB_OPTIONS = new Set(jobOptionSpecs().map((s) => s.key));

/** The job's `options` field: the run's options, refused by label when one is not a job option. */
export function jobOptions(run: RunRequest, model: string): Record<string, unknown> {
  const options: Record<string, unknown> = { ...run.options, model, previewEvery: run.previewEvery };
  const foreign = Object.keys(options).filter((k) => options[k] !== undefined && !JOB_OPTIONS.has(k));
  if (foreign.length > 0) throw new Error(`The server cannot run ${foreign.map(labelOf).join(', ')}: not a job option; run on this tab instead`);
  return options;
}

/** An API refusal in the page's words: options by their labels, the token's problem said as such. */
export function apiMessage(e: unknown): string {
  if (e instanceof ApiError) {
    const text = e.parts ? renderParts(e.parts, labelOf) : e.message;
    if (e.status === 401) return `The server refused the token: ${text}`;
    if (e.status === 0) return `The server could not be reached: ${text}`;
    return text;
  }
  return (e as Error).message;
}

/** The job being followed, and what a cancel needs to show its last image. */
interface Followed {
  id: string;
  stop: AbortController;
  iteration: number;
  loss: number;
  elapsedMs: number;
  lastFrame?: Frame;
  /** A cancel was sent from here: the stream's end is that, whatever it says. */
  cancelling?: boolean;
}

export class ServerRunner {
  private job: Followed | undefined;
  /** Frames decode asynchronously; the messages still reach the page in order. */
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly api: JobsApi,
    private readonly view: RunView,
    private readonly settings: FollowSettings = {},
  ) {}

  /** The id of the job being followed, if any. */
  get following(): string | undefined {
    return this.job?.id;
  }

  /** The run panel's messages while a server run is on: run submits, stop cancels. */
  send(msg: ToWorker, uploads: () => Uploads): void {
    if (msg.type === 'run') void this.submit(msg, uploads);
    else if (msg.type === 'stop' && this.job) void this.cancel(this.job.id);
    // Pause and resume: a queued job cannot pause (the run panel offers neither for it).
  }

  async cancel(id: string): Promise<void> {
    // Set first: a waiting job's stream may end ("gone from the queue") before the DELETE answers.
    if (this.job?.id === id) this.job.cancelling = true;
    try {
      const outcome = await this.api.cancel(id);
      if (outcome !== 'finished') myJobs.markCancelled(id);
    } catch (e) {
      this.view.handle({ type: 'run-error', kind: 'usage', message: apiMessage(e) });
    }
    this.view.jobsChanged();
  }

  private async submit(run: RunRequest, uploads: () => Uploads): Promise<void> {
    let id: string;
    try {
      if (run.contentMasks && run.contentMasks.length > 0) throw new Error('Painted regions run on this tab only: the job API takes no masks');
      const u = uploads();
      const form = new FormData();
      form.append('content', u.content, u.content.name);
      for (const s of u.styles) form.append('style', s, s.name);
      form.append('options', JSON.stringify(jobOptions(run, u.model)));
      this.view.handle({ type: 'status', text: 'uploading to the server…' });
      id = await this.api.submit(form);
    } catch (e) {
      this.view.handle({ type: 'run-error', kind: e instanceof ApiError && e.status === 401 ? 'usage' : 'input', message: apiMessage(e) });
      return;
    }
    myJobs.add(id);
    this.view.jobsChanged();
    this.view.handle({ type: 'status', text: `job ${id} submitted · waiting for the server…` });
    void this.follow(id);
  }

  /** Follow a job (just submitted, or picked from the list) until it ends or another is followed. */
  async follow(id: string, fromList = false): Promise<void> {
    this.job?.stop.abort();
    const job: Followed = (this.job = { id, stop: new AbortController(), iteration: 0, loss: NaN, elapsedMs: 0 });
    document.body.dataset.serverJob = id;
    let started = !fromList;
    const emit = (make: () => Promise<FromWorker | undefined> | FromWorker | undefined) => {
      this.queue = this.queue.then(async () => {
        const msg = await make();
        if (msg && this.job === job) this.view.handle(msg);
      });
    };
    try {
      await followJob(
        this.api,
        id,
        {
          state: (s) => {
            if (!started) {
              started = true;
              this.view.began(s.progress?.numIterations ?? 1);
            }
            if (s.state === 'active' && !s.progress) emit(() => ({ type: 'status', text: `job ${id}: a worker is preparing it…` }));
            this.view.jobsChanged();
          },
          progress: (p) => {
            job.iteration = p.iteration;
            job.loss = p.loss;
            job.elapsedMs = p.elapsedMs;
            emit(async () => this.progressMessage(job, p));
          },
          waiting: () => emit(() => ({ type: 'status', text: `job ${id}: waiting for a worker (none has taken it yet)…` })),
          reconnecting: (n) => emit(() => ({ type: 'status', text: `job ${id}: lost the connection to the server; reconnecting (try ${n})…` })),
          result: (r) =>
            emit(async () => {
              const blob = await this.api.result(id);
              const frame = await frameOf(blob);
              this.view.resultReady(blob, `neural-style-${id}-${r.width}x${r.height}.${r.format === 'jpeg' ? 'jpg' : r.format}`);
              return { type: 'done', iterations: r.iterations, loss: r.loss, interrupted: false, elapsedMs: r.elapsedMs, frame };
            }),
          failed: (f) =>
            emit(() => {
              if (f.error === 'cancelled by a client' || job.cancelling) {
                const at = job.iteration;
                if (job.lastFrame) return { type: 'done', iterations: at, loss: job.loss, interrupted: true, elapsedMs: job.elapsedMs, frame: job.lastFrame };
                this.view.cancelled(`Job ${id} was cancelled.`);
                return undefined;
              }
              return { type: 'run-error', kind: 'input', message: `Job ${id} failed: ${f.parts ? renderParts(f.parts as MessagePart[], labelOf) : f.error}` };
            }),
        },
        job.stop.signal,
        this.settings,
      );
    } catch (e) {
      emit(() => ({ type: 'run-error', kind: 'usage', message: apiMessage(e) }));
    }
    await this.queue;
    if (this.job === job) this.job = undefined;
    this.view.jobsChanged();
  }

  private async progressMessage(job: Followed, p: JobProgress): Promise<FromWorker> {
    const frame = p.preview ? await frameOf(dataUrlBlob(p.preview)).catch(() => undefined) : undefined;
    if (frame) job.lastFrame = frame;
    const { preview: _preview, worker: _worker, resumedFrom: _resumed, ...numbers } = p;
    return { type: 'progress', ...numbers, ...(frame ? { frame } : {}) };
  }
}
