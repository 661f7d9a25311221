/** `neural-style worker --redis URL`: run queued jobs on this machine until SIGTERM/SIGINT. */
import { Option, type Command } from 'commander';
import { UsageError } from '../../errors.js';
import { backendNames } from '../../backends/index.js';
import { cliOptionSpec } from '../options.js';
import { cacheDirOption } from './models.js';
import { redisOption, redisUrl } from './redis-option.js';
import type { CommandContext } from './types.js';

function wholeNumber(flag: string, text: string, min: number): number {
  if (!/^\d+$/.test(text) || Number(text) < min) throw new UsageError(`${flag} must be a whole number ≥ ${min}, got '${text}'`);
  return Number(text);
}

export function registerWorker(program: Command, ctx: CommandContext): void {
  ctx.setup(program.command('worker'))
    .description('Take stylize jobs from the queue and run them (SIGTERM: running jobs save a checkpoint and go back to the queue).')
    .addOption(redisOption())
    .option('--concurrency <n>', 'Jobs run at once by this process (one per GPU is usual; start a worker per GPU).', '1')
    .addOption(new Option('--backend <name>', cliOptionSpec('backend')!.help).choices(['auto', ...backendNames()]).default('auto'))
    .addOption(cacheDirOption())
    .option('--preload <models>', 'Load these models (comma-separated) before taking jobs, so the first job does not wait for them.')
    .option('--lock-ms <ms>', "How long a job's lock lasts unrenewed: a dead worker's job goes to another worker after about this long.", '30000')
    .action(async (opts: { redis?: string; concurrency: string; backend: string; cacheDir?: string; preload?: string; lockMs: string }) => {
      const concurrency = wholeNumber('--concurrency', opts.concurrency, 1);
      const lockMs = wholeNumber('--lock-ms', opts.lockMs, 1000);
      const { runWorker } = await import('../../jobs/worker.js');
      const log = (line: string) => void ctx.io.stderr.write(`${new Date().toISOString()} ${line}\n`);
      await runWorker({
        redis: redisUrl(opts.redis),
        concurrency,
        backend: opts.backend,
        cacheDir: opts.cacheDir,
        lockMs,
        preload: opts.preload?.split(',').map((s) => s.trim()).filter(Boolean),
        signal: ctx.signal,
        log,
      });
    });
}
