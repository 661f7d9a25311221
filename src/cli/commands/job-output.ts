/** What the submit and jobs commands share: following a job on stderr, writing its result. */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { writeFileAtomic } from '../../models/cache-node.js';
import { NeuralStyleError, UsageError } from '../../errors.js';
import type { JobClient, JobStatus } from '../../jobs/client.js';
import type { JobProgress, JobSpec } from '../../jobs/spec.js';
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

/**
 * `jobs result -o FILE` fetches a result long after the job was submitted, perhaps from
 * elsewhere: an existing file is replaced only with --force. Checked before Redis is asked.
 */
export async function refuseExisting(output: string, force: boolean): Promise<boolean> {
  const existing = await stat(output).catch(() => undefined);
  if (existing && !force) throw new UsageError(`--output ${output} already exists; give --force to replace it, or another path`);
  return existing !== undefined;
}

/**
 * Not even --force writes over one of the job's own inputs: they are stored by the SHA-256
 * of their bytes, so a copy of the photo is recognised whatever it is called here.
 */
export async function refuseJobInput(client: JobClient, id: string, output: string): Promise<void> {
  const inputs = ((await client.queue.getJob(id))?.data as JobSpec | undefined)?.inputs;
  if (!inputs) return;
  const hash = createHash('sha256').update(await readFile(output)).digest('hex');
  const named: Array<[string, string | undefined]> = [['content image', inputs.content.key], ...inputs.styles.map((s): [string, string] => ['style image', s.key]), ['init image', inputs.initImage?.key]];
  const hit = named.find(([, key]) => key === hash);
  if (hit) throw new UsageError(`--output ${output} is job ${id}'s ${hit[0]}; it would be overwritten: choose another --output path`);
}
