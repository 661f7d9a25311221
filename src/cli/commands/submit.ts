/**
 * `neural-style submit -c photo.jpg -s painting.jpg [options] [--wait] [-o out.png]`: queue a
 * stylize job for the workers. The options are the stylize command's (those a job takes:
 * src/jobs/job-options.ts) with the same checks and messages, made here before anything is
 * queued — the memory pre-flight too, against this machine's memory (the likeliest worker
 * is this machine; a worker checks again against its own). Prints the job id; with --wait or -o, follows it and writes the result.
 */
import { Option, type Command } from 'commander';
import { stat } from 'node:fs/promises';
import { totalmem } from 'node:os';
import { dirname, resolve } from 'node:path';
import { NeuralStyleError, renderParts, UsageError } from '../../errors.js';
import { readImageBytes } from '../../image/decode-node.js';
import { jobOptionSpecs } from '../../jobs/job-options.js';
import { parseOptionText } from '../../options/index.js';
import { cliOptionSpec, commanderOptions, flagOf, pathList } from '../options.js';
import { NO_MEMORY_CHECK_ENV } from '../plan/index.js';
import { outputFormat, refuseInputAsOutput } from '../plan/paths.js';
import { redisOption, redisUrl } from './redis-option.js';
import { followJob, writeResult } from './job-output.js';
import type { CommandContext } from './types.js';

export function registerSubmit(program: Command, ctx: CommandContext): void {
  const cmd = ctx.setup(program.command('submit'))
    .description('Queue a stylize job for `neural-style worker`s (same options and checks as stylizing here); prints its id.')
    .addOption(redisOption())
    .option('--wait', 'Follow the job until it ends (progress on stderr).')
    .option('-q, --quiet', 'No progress lines.');
  for (const spec of [cliOptionSpec('content')!, cliOptionSpec('style')!, cliOptionSpec('initImage')!, ...jobOptionSpecs()]) {
    for (const option of commanderOptions(spec)) cmd.addOption(option);
  }
  cmd.addOption(new Option('-o, --output <path>', 'Write the result here when the job is done (implies --wait); the extension picks the format.').helpGroup('Input and output:'));

  cmd.action(async (opts: Record<string, unknown>) => {
    if (opts.content === undefined) throw new UsageError('no content image: give one with -c/--content PATH');
    if (opts.style === undefined) throw new UsageError('no style image: give one or more with -s/--style PATH[,PATH…]');
    const stylePaths = pathList(cliOptionSpec('style')!, opts.style as string[]);
    const output = opts.output !== undefined ? resolve(opts.output as string) : undefined;
    const options: Record<string, unknown> = {};
    for (const spec of jobOptionSpecs()) if (opts[spec.key] !== undefined) options[spec.key] = opts[spec.key];
    if (output) {
      // The result's format follows -o, as stylizing here does.
      const format = await outputFormat('--output', opts.output as string, output);
      if (options.format !== undefined && options.format !== format) throw new UsageError(`--format ${String(options.format)} and --output ${output} disagree; give one`);
      options.format = format;
      const dir = await stat(dirname(output)).catch(() => undefined);
      if (!dir?.isDirectory()) throw new UsageError(`--output ${output}: the directory ${dirname(output)} does not exist`);
      // The image command's rule and message: the result never replaces one of the job's inputs.
      const inputs = [['--content', opts.content], ...stylePaths.map((p) => ['--style', p]), ['--init-image', opts.initImage]] as const;
      await refuseInputAsOutput('--output', output, inputs.filter(([, p]) => p !== undefined).map(([flag, p]) => [flag, resolve(p as string)] as const));
    }
    const named = async (p: string) => ({ name: p, bytes: await readImageBytes(resolve(p)) });
    const sub = {
      content: await named(opts.content as string),
      styles: await Promise.all(stylePaths.map(named)),
      ...(opts.initImage !== undefined ? { initImage: await named(opts.initImage as string) } : {}),
      options,
    };
    const { JobClient } = await import('../../jobs/client.js');
    const client = await JobClient.connect(redisUrl(opts.redis as string | undefined));
    try {
      const memory = process.env[NO_MEMORY_CHECK_ENV] ? {} : { maxJobBytes: totalmem(), maxJobBytesMeans: `this machine's memory (${NO_MEMORY_CHECK_ENV}=1 skips the check)` };
      const id = await client.submit(sub, { limits: memory });
      ctx.io.stdout.write(`${id}\n`);
      if (!opts.wait && !output) return;
      const end = await followJob(client, id, ctx, Boolean(opts.quiet));
      if (end.state !== 'completed') throw new NeuralStyleError(`job ${id} failed: ${end.failure ? renderParts(end.failure, flagOf) : 'unknown reason'}`);
      if (output) await writeResult(client, id, output, ctx);
    } finally {
      await client.close();
    }
  });
}
