/** `neural-style jobs [list | status ID | result ID -o FILE | cancel ID]`: the queue's jobs. */
import type { Command } from 'commander';
import { resolve } from 'node:path';
import { NeuralStyleError, renderParts, UsageError } from '../../errors.js';
import type { JobClient } from '../../jobs/client.js';
import { flagOf } from '../options.js';
import { fmtLoss } from '../progress.js';
import { outputFormat } from '../plan/paths.js';
import { refuseExisting, refuseJobInput, writeResult } from './job-output.js';
import { redisOption, redisUrl } from './redis-option.js';
import type { CommandContext } from './types.js';

export function registerJobs(program: Command, ctx: CommandContext): void {
  const jobs = ctx.setup(program.command('jobs'))
    .description('The queued jobs: list (default), status ID, result ID -o FILE, cancel ID.')
    .addOption(redisOption())
    .enablePositionalOptions();
  // The program allows stray words (its action names a mistyped command); a jobs command
  // takes none beyond its own: `jobs status 1 2` and `jobs frobnicate` are usage errors,
  // found before Redis is asked anything.
  const sub = (name: string, opts?: { isDefault?: boolean }) => ctx.setup(jobs.command(name, opts)).allowExcessArguments(false);
  const withClient = async (redis: string | undefined, work: (c: JobClient) => Promise<void>) => {
    const { JobClient } = await import('../../jobs/client.js');
    const client = await JobClient.connect(redisUrl(redis));
    try {
      await work(client);
    } finally {
      await client.close();
    }
  };
  const redisOf = (cmd: Command) => (cmd.optsWithGlobals() as { redis?: string }).redis;
  const noJob = (id: string) => new NeuralStyleError(`no job ${id} in the queue (unknown, or removed after it expired)`);

  sub('list', { isDefault: true })
    // Unknown words land here as the default command's; they are checked in the action.
    .allowExcessArguments(true)
    .addOption(redisOption())
    .description('The most recent jobs, newest first.')
    .option('--json', 'One JSON object per job.')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      if (cmd.args.length > 0) throw new UsageError(`unknown jobs command '${cmd.args[0]}': list, status ID, result ID -o FILE, or cancel ID`);
      return withClient(redisOf(cmd), async (c) => {
        for (const s of await c.list()) {
          if (opts.json) ctx.io.stdout.write(`${JSON.stringify({ ...s, progress: s.progress ? { ...s.progress, preview: undefined } : undefined })}\n`);
          else {
            const p = s.progress;
            const where = p ? ` ${p.iteration}/${p.numIterations} loss ${fmtLoss(p.loss)}` : '';
            ctx.io.stdout.write(`${s.id.padStart(6)}  ${s.state.padEnd(9)}${where}${s.failure ? `  ${renderParts(s.failure, flagOf)}` : ''}\n`);
          }
        }
      });
    });
  sub('status')
    .addOption(redisOption())
    .description('One job as JSON: state, progress, loss parts, result summary.')
    .argument('<id>')
    .action(async (id: string, _o: unknown, cmd: Command) =>
      withClient(redisOf(cmd), async (c) => {
        const s = await c.status(id);
        if (!s) throw noJob(id);
        if (s.progress) delete s.progress.preview;
        ctx.io.stdout.write(`${JSON.stringify(s, null, 2)}\n`);
      }),
    );
  sub('result')
    .addOption(redisOption())
    .description("Write a finished job's image.")
    .argument('<id>')
    .requiredOption('-o, --output <path>', 'Where to write it (a new file, unless --force).')
    .option('--force', "Replace an existing file at --output (never one of the job's own inputs).")
    .action(async (id: string, opts: { output: string; force?: boolean }, cmd: Command) => {
      const output = resolve(opts.output);
      await outputFormat('--output', opts.output, output);
      const exists = await refuseExisting(output, Boolean(opts.force));
      await withClient(redisOf(cmd), async (c) => {
        const s = await c.status(id);
        if (!s) throw noJob(id);
        if (s.state === 'failed') throw new NeuralStyleError(`job ${id} failed: ${s.failure ? renderParts(s.failure, flagOf) : 'unknown reason'}`);
        if (s.state !== 'completed') throw new NeuralStyleError(`job ${id} is ${s.state}; no result yet (follow it with \`neural-style jobs status ${id}\`)`);
        if (exists) await refuseJobInput(c, id, output);
        await writeResult(c, id, output, ctx);
      });
    });
  sub('cancel')
    .addOption(redisOption())
    .description('Remove a waiting job, or stop a running one.')
    .argument('<id>')
    .action(async (id: string, _o: unknown, cmd: Command) =>
      withClient(redisOf(cmd), async (c) => {
        const outcome = await c.cancel(id);
        if (outcome === 'unknown') throw noJob(id);
        ctx.io.stdout.write(`job ${id}: ${{ removed: 'removed from the queue', cancelling: 'stopping (its worker stops it within a second)', finished: 'already finished; nothing to cancel' }[outcome]}\n`);
      }),
    );
}
