/** `neural-style models`: the models --model accepts, and whether each is cached. */
import { Option, type Command } from 'commander';
import { cliOptionSpec } from '../options.js';
import type { CommandContext } from './types.js';

export const cacheDirOption = () => new Option('--cache-dir <dir>', cliOptionSpec('cacheDir')!.help);

export function registerModels(program: Command, ctx: CommandContext): void {
  ctx.setup(program.command('models'))
    .description('List the models --model accepts, and whether each is in the cache.')
    .addOption(cacheDirOption())
    .option('--json', 'One JSON object per model on stdout.')
    .action(async (opts: { cacheDir?: string; json?: boolean }) => {
      const { listModels } = await import('../../models/resolve-node.js');
      const models = await listModels(opts.cacheDir);
      if (opts.json) {
        for (const m of models) ctx.io.stdout.write(JSON.stringify(m) + '\n');
        return;
      }
      const width = Math.max(...models.map((m) => m.name.length));
      for (const m of models) {
        const status = !m.url ? 'generated, no download' : m.cached ? `cached: ${m.path}` : `not cached${m.size ? ` (${(m.size / 1e6).toFixed(0)} MB download)` : ''}`;
        ctx.io.stdout.write(`${m.name.padEnd(width)}  ${m.architecture}  ${status}\n${' '.repeat(width + 2)}${m.description}\n`);
      }
    });
}
