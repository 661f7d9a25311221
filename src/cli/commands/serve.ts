/** `neural-style serve`: the browser app on this machine. */
import type { Command } from 'commander';
import { NeuralStyleError, UsageError } from '../../errors.js';
import type { CommandContext } from './types.js';

export function registerServe(program: Command, ctx: CommandContext): void {
  ctx.setup(program.command('serve'))
    .description('Serve the browser app on this machine (Ctrl-C stops it).')
    .option('--port <n>', 'TCP port; 0 picks a free one.', '8080')
    .option('--host <addr>', 'Address to listen on; 0.0.0.0 serves the whole network.', '127.0.0.1')
    .option('--root <dir>', 'Serve another build of the app (default: the one in this package).')
    .action(async (opts: { port: string; host: string; root?: string }) => {
      const port = Number(opts.port);
      if (!/^\d+$/.test(opts.port) || port > 65535) throw new UsageError(`--port must be a whole number from 0 to 65535, got '${opts.port}'`);
      let serveApp: typeof import('../../web-server/serve-node.js').serveApp;
      try {
        ({ serveApp } = await import('../../web-server/serve-node.js'));
      } catch (e) {
        throw new NeuralStyleError(`the browser app server is not built into this copy of neural-style (${(e as Error).message.split('\n')[0]})`);
      }
      const server = await serveApp({ port, host: opts.host, root: opts.root });
      ctx.io.stderr.write(`serving the neural-style app at ${server.url} (Ctrl-C to stop)\n`);
      if (!ctx.signal.aborted) await new Promise((ok) => ctx.signal.addEventListener('abort', ok, { once: true }));
      await server.close();
    });
}
