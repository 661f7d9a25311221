/** What the submit and jobs commands share: following a job on stderr, writing its result. */
import { writeFileAtomic } from '../../models/cache-node.js';
import { NeuralStyleError } from '../../errors.js';
import type { JobClient, JobStatus } from '../../jobs/client.js';
import type { JobProgress } from '../../jobs/spec.js';
import { fmtDuration, fmtLoss } from '../progress.js';
import type { CommandContext } from './types.js';

export function progressLine(id: string, p: JobProgress): string {
  const parts = Object.entries(p.parts).map(([k, v]) => `${k} ${fmtLoss(v)}`).join(', ');
  const eta = p.iteration < p.numIterations ? `, ETA ${fmtDuration(p.etaMs)}` : '';
  return `job ${id}: iteration ${p.iteration}/${p.numIterations}, loss ${fmtLoss(p.loss)} (${parts})${eta} on ${p.worker}`;
}

/** Follow to the end; a progress line on stderr at most once a second (and the last one). */
export async function followJob(client: JobClient, id: string, ctx: CommandContext, quiet: boolean): Promise<JobStatus> {
  let shown = 0;
  return client.follow(
    id,
    (p) => {
      if (quiet || (Date.now() - shown < 1000 && p.iteration < p.numIterations)) return;
      shown = Date.now();
      ctx.io.stderr.write(`${progressLine(id, p)}\n`);
    },
    ctx.signal,
  );
}

export async function writeResult(client: JobClient, id: string, output: string, ctx: CommandContext): Promise<void> {
  const r = await client.result(id);
  if (!r) throw new NeuralStyleError(`job ${id} has no result in the store (not finished, or expired)`);
  await writeFileAtomic(output, r.bytes);
  const s = r.summary;
  ctx.io.stderr.write(`wrote ${output} (${s.width}×${s.height}) from job ${id}: ${s.iterations} iterations, loss ${fmtLoss(s.loss)}${s.notes.length ? `; note: ${s.notes.join('; ')}` : ''}\n`);
}
