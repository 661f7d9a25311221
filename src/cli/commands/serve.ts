/** `neural-style serve`: the browser app on this machine; with --api, the job service's HTTP API too. */
import type { Command } from 'commander';
import { stat } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { NeuralStyleError, UsageError } from '../../errors.js';
import { redisOption, redisUrl } from './redis-option.js';
import type { CommandContext } from './types.js';

/** Environment variable with the API's bearer token (kept out of `ps` listings). */
export const API_TOKEN_ENV = 'NEURAL_STYLE_API_TOKEN';

interface ServeFlags {
  port: string;
  host: string;
  root?: string;
  api?: boolean;
  redis?: string;
  apiToken?: string;
  maxUploadMb: string;
  maxPixels: string;
  maxIterations: string;
  maxImageSize: string;
  maxQueued: string;
  maxStyleScale: string;
  maxStylePixels: string;
  maxStyles: string;
  maxJobMemoryGb: string;
  apiOrigin?: string[];
}

/** Repeatable and comma-separated: `--api-origin A --api-origin B,C`. */
const collect = (value: string, previous: string[] = []) => [...previous, ...value.split(',').filter((v) => v.trim() !== '')];

export function registerServe(program: Command, ctx: CommandContext): void {
  ctx.setup(program.command('serve'))
    .description('Serve the browser app on this machine (Ctrl-C stops it); --api adds the job service HTTP API.')
    .option('--port <n>', 'TCP port; 0 picks a free one.', '8080')
    .option('--host <addr>', 'Address to listen on; 0.0.0.0 serves the whole network.', '127.0.0.1')
    .option('--root <dir>', 'Serve another build of the app (default: the one in this package).')
    .option('--api', 'Also serve the job API under /api/jobs (submit, follow, fetch, cancel jobs on the queue).')
    .addOption(redisOption())
    .option('--api-token <token>', `Bearer token the API requires (or $${API_TOKEN_ENV}); needed unless --host is a loopback address.`)
    .option('--max-upload-mb <n>', 'Largest upload the API takes, MiB.', '20')
    .option('--max-pixels <n>', 'Largest input image the API takes, pixels.', '25000000')
    .option('--max-iterations <n>', 'Most iterations a job may ask for.', '5000')
    .option('--max-image-size <n>', 'Largest image size a job may ask for, px.', '2048')
    .option('--max-queued <n>', 'Most unfinished jobs one client (address) may have.', '20')
    .option('--max-style-scale <x>', 'Largest style scale a job may ask for.', '4')
    .option('--max-style-pixels <n>', 'Largest style image the API takes, pixels.', '10000000')
    .option('--max-styles <n>', 'Most style images one job may have.', '8')
    .option('--max-job-memory-gb <n>', "Most memory one job may need by the pre-flight's estimate, GiB (workers check their own too).", '16')
    .option('--api-origin <url>', 'An origin (https://app.example) whose pages may call the API cross-origin; needs a token. Repeatable, or comma-separated.', collect)
    .action(async (opts: ServeFlags) => {
      const port = Number(opts.port);
      if (!/^\d+$/.test(opts.port) || port > 65535) throw new UsageError(`--port must be a whole number from 0 to 65535, got '${opts.port}'`);
      if (opts.root !== undefined) await checkRootFolder(opts.root);
      let serveApp: typeof import('../../web-server/serve-node.js').serveApp;
      try {
        ({ serveApp } = await import('../../web-server/serve-node.js'));
      } catch (e) {
        throw new NeuralStyleError(`the browser app server is not built into this copy of neural-style (${(e as Error).message.split('\n')[0]})`);
      }
      let api: Awaited<ReturnType<typeof startApi>> | undefined;
      if (opts.api) api = await startApi(opts, ctx);
      try {
        const server = await serveApp({ port, host: opts.host, root: opts.root, api: api?.handler });
        ctx.io.stderr.write(`serving the neural-style app at ${server.url}${api ? ` and its job API at ${server.url}api/jobs` : ''} (Ctrl-C to stop)\n`);
        if (!ctx.signal.aborted) await new Promise((ok) => ctx.signal.addEventListener('abort', ok, { once: true }));
        await server.close();
      } finally {
        await api?.client.close();
      }
    });
}

/**
 * `--root` names a folder the user chose: when it is not there, say that, not the default
 * app's "not built, run npm run build:web", which sends them to fix the wrong thing.
 */
async function checkRootFolder(root: string): Promise<void> {
  const found = await stat(root).catch(() => undefined);
  if (!found) throw new UsageError(`--root ${root}: no such folder`);
  if (!found.isDirectory()) throw new UsageError(`--root ${root}: not a folder; give the folder of a built app (the one holding index.html)`);
  if (!(await stat(join(root, 'index.html')).catch(() => undefined))?.isFile()) {
    throw new UsageError(`--root ${root}: no index.html there; give the folder of a built app (npm run build:web makes web-dist/)`);
  }
}

function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}

function positive(flag: string, text: string): number {
  const n = Number(text);
  if (!(Number.isFinite(n) && n > 0)) throw new UsageError(`${flag} must be a number above 0, got '${text}'`);
  return n;
}

async function startApi(opts: ServeFlags, ctx: CommandContext) {
  const token = opts.apiToken ?? process.env[API_TOKEN_ENV];
  if (token !== undefined && token.length < 16) throw new UsageError(`--api-token must be at least 16 characters (a random one: openssl rand -hex 24)`);
  if (token === undefined && !isLoopback(opts.host)) {
    throw new UsageError(`--api on ${opts.host} needs a token: give --api-token or set ${API_TOKEN_ENV} (without one the API only listens on loopback)`);
  }
  const origins = opts.apiOrigin ?? [];
  for (const o of origins) {
    if (!/^https?:\/\/[^/]+$/.test(o) || URL.parse(o)?.origin !== o) throw new UsageError(`--api-origin must be an origin like https://app.example (scheme, host and port, no path), got '${o}'`);
  }
  if (origins.length > 0 && token === undefined) {
    throw new UsageError(`--api-origin lets other sites' pages call the API, which needs a token: give --api-token or set ${API_TOKEN_ENV}`);
  }
  const limits = {
    maxUploadBytes: Math.round(positive('--max-upload-mb', opts.maxUploadMb) * 2 ** 20),
    limits: {
      maxPixels: Math.round(positive('--max-pixels', opts.maxPixels)),
      maxIterations: Math.round(positive('--max-iterations', opts.maxIterations)),
      maxImageSize: Math.round(positive('--max-image-size', opts.maxImageSize)),
      maxStyleScale: positive('--max-style-scale', opts.maxStyleScale),
      maxStylePixels: Math.round(positive('--max-style-pixels', opts.maxStylePixels)),
      maxStyles: Math.round(positive('--max-styles', opts.maxStyles)),
      maxJobBytes: Math.round(positive('--max-job-memory-gb', opts.maxJobMemoryGb) * 2 ** 30),
    },
    maxQueuedPerClient: Math.round(positive('--max-queued', opts.maxQueued)),
  };
  const [{ JobClient }, { createJobsApi }] = await Promise.all([import('../../jobs/client.js'), import('../../jobs/api.js')]);
  const client = await JobClient.connect(redisUrl(opts.redis));
  await client.queueEvents();
  const handler = createJobsApi({ client, token, allowedOrigins: origins, ...limits, log: (l) => void ctx.io.stderr.write(`${l}\n`) });
  return { client, handler };
}
