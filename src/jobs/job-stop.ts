/**
 * One job's stop switch, for every phase of the job (loading, style targets, the loop):
 * a client's cancel (a key in Redis, looked for on a timer, since nothing else reports
 * while weights load or style targets are made) or the worker stopping. The switch is
 * registered for the worker's stop from the moment the job is taken.
 */
import type { Redis } from 'ioredis';
import { cancelKey } from './client.js';

/** Why a job's signal was aborted. */
export type StopReason = 'shutdown' | 'cancel';

/** How often a job looks for a client's cancel. */
const CANCEL_POLL_MS = 250;

export class JobStop {
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;

  private constructor(
    private readonly redis: Redis,
    private readonly jobId: string,
    private readonly running: Map<string, JobStop>,
  ) {
    running.set(jobId, this);
    this.timer = setInterval(() => void this.lookForCancel().catch(() => {}), CANCEL_POLL_MS);
    this.timer.unref();
  }

  /** The switch for a job just taken; aborted already when a client cancelled it (while another worker held it, say) or the worker is stopping. */
  static async start(redis: Redis, jobId: string, running: Map<string, JobStop>, workerStopping: boolean): Promise<JobStop> {
    const s = new JobStop(redis, jobId, running);
    if (workerStopping) s.stop('shutdown');
    else await s.lookForCancel();
    return s;
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get reason(): StopReason | undefined {
    return this.controller.signal.aborted ? (this.controller.signal.reason as StopReason) : undefined;
  }

  stop(reason: StopReason): void {
    if (!this.controller.signal.aborted) this.controller.abort(reason);
  }

  private async lookForCancel(): Promise<void> {
    if (!this.controller.signal.aborted && (await this.redis.exists(cancelKey(this.jobId)))) this.stop('cancel');
  }

  dispose(): void {
    clearInterval(this.timer);
    if (this.running.get(this.jobId) === this) this.running.delete(this.jobId);
  }
}
