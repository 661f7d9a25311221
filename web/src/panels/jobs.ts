/**
 * My jobs: the jobs this browser submitted (ids in localStorage, server/my-jobs.ts), with
 * their state, progress and result, read from the API; polled while any is unfinished.
 * A running job can be followed again (after a reload, or from another tab), a finished
 * one's result downloaded, an unfinished one cancelled.
 */
import { $ } from '../dom.js';
import { ApiError, type JobsApi, type JobStatus } from '../server/api-client.js';
import { myJobs, type MyJob } from '../server/my-jobs.js';
import type { ServerRunner } from '../server/server-run.js';
import { saveBlob } from '../save.js';

const POLL_MS = 2000;
const UNFINISHED = new Set(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children']);

/** What the list shows for a job. */
interface Row {
  job: MyJob;
  status?: JobStatus;
  /** Shown instead of the server's state: cancelled, expired, or why it could not be read. */
  shown: string;
}

export class JobsPanel {
  private readonly box = $('my-jobs');
  private readonly list = $<HTMLUListElement>('job-list');
  private timer: ReturnType<typeof setTimeout> | undefined;
  private refreshing = false;

  constructor(
    private readonly api: JobsApi,
    private readonly runner: () => ServerRunner,
  ) {}

  /** Read every job's status and draw the list; again in a moment while any is unfinished. */
  async refresh(): Promise<void> {
    clearTimeout(this.timer);
    if (this.refreshing) return;
    this.refreshing = true;
    try {
      const rows = await Promise.all(myJobs.list().map((job) => this.row(job)));
      this.box.hidden = rows.length === 0;
      this.list.replaceChildren(...rows.map((r) => this.item(r)));
      if (rows.some((r) => UNFINISHED.has(r.shown))) this.timer = setTimeout(() => void this.refresh(), POLL_MS);
    } finally {
      this.refreshing = false;
    }
  }

  private async row(job: MyJob): Promise<Row> {
    try {
      const status = await this.api.status(job.id);
      const cancelled = status.state === 'failed' && status.failedReason === 'cancelled by a client';
      return { job, status, shown: cancelled ? 'cancelled' : status.state };
    } catch (e) {
      // A waiting job that was cancelled is removed from the queue; a finished one expires.
      if (e instanceof ApiError && e.status === 404) return { job, shown: job.cancelled ? 'cancelled' : 'expired' };
      return { job, shown: 'unknown' };
    }
  }

  private item({ job, status, shown }: Row): HTMLLIElement {
    const li = document.createElement('li');
    li.id = `job-${job.id}`;
    li.dataset.state = shown;
    const text = document.createElement('span');
    const p = status?.progress;
    const progress = p && UNFINISHED.has(shown) ? ` · iteration ${p.iteration}/${p.numIterations}` : '';
    const result = status?.result ? ` · ${status.result.width}×${status.result.height}, ${status.result.iterations} iterations` : '';
    const why = shown === 'failed' && status?.failedReason ? ` · ${status.failedReason}` : '';
    text.textContent = `job ${job.id} · ${new Date(job.submittedAt).toLocaleTimeString()} · ${shown}${progress}${result}${why}`;
    li.append(text);
    const button = (label: string, cls: string, run: () => void) => {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = cls;
      b.textContent = label;
      b.addEventListener('click', run);
      li.append(' ', b);
    };
    const runner = this.runner();
    if (UNFINISHED.has(shown)) {
      if (runner.following !== job.id) button('Follow', 'follow', () => void runner.follow(job.id, true));
      button('Cancel', 'cancel', () => void runner.cancel(job.id));
    }
    if (shown === 'completed') button('Result', 'result', () => void this.download(job.id, status!));
    if (!UNFINISHED.has(shown)) button('×', 'forget', () => (myJobs.forget(job.id), void this.refresh()));
    return li;
  }

  private async download(id: string, status: JobStatus): Promise<void> {
    const r = status.result!;
    saveBlob(await this.api.result(id), `neural-style-${id}-${r.width}x${r.height}.${r.format === 'jpeg' ? 'jpg' : r.format}`);
  }
}
