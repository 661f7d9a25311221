/** `neural-style fetch NAME`: download a model's weights into the cache now. */
import type { Command } from 'commander';
import { cacheDirOption } from './models.js';
import type { CommandContext } from './types.js';

export function registerFetch(program: Command, ctx: CommandContext): void {
  ctx.setup(program.command('fetch'))
    .description("Download a model's weights into the cache now (verified by checksum), e.g. before going offline.")
    .argument('<name>', 'model name, as `neural-style models` lists them')
    .addOption(cacheDirOption())
    .option('--force', 'Download again even if a verified copy is cached.')
    .action(async (name: string, opts: { cacheDir?: string; force?: boolean }) => {
      const { fetchModel } = await import('../../models/resolve-node.js');
      let shown = -1;
      const result = await fetchModel(name, {
        cacheDir: opts.cacheDir,
        force: opts.force,
        onNotice: (m) => void ctx.io.stderr.write(`${m}\n`),
        onProgress: (p) => {
          if (!p.total) return;
          const tenth = Math.floor((10 * p.bytesDone) / p.total);
          if (tenth !== shown) ctx.io.stderr.write(`downloading: ${(shown = tenth) * 10}%\n`);
        },
        download: { signal: ctx.signal },
      });
      if (!result.path) ctx.io.stdout.write(`${result.name}: generated on the fly, nothing to fetch\n`);
      else ctx.io.stdout.write(`${result.name}: ${result.downloaded ? 'downloaded' : 'already cached'}: ${result.path}\n`);
    });
}
