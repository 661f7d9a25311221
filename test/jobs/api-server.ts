/**
 * The job API as `serve --api` runs it, for the API tests: a private Redis, a client, the
 * app's server with the API mounted beside a stand-in index.html, the fixture images, and an
 * in-process worker started when a test wants one (after its event stream is open, say).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createJobsApi, type ApiSettings } from '../../src/jobs/api.js';
import { JobClient } from '../../src/jobs/client.js';
import { runWorker } from '../../src/jobs/worker.js';
import { serveApp, type RunningServer } from '../../src/web-server/serve-node.js';
import { makeFixture, type Fixture } from '../cli/helpers.js';
import { startRedis, type TestRedis } from '../helpers/redis-server.js';
import { narrowModel } from './helpers.js';

export interface ApiServer {
  redis: TestRedis;
  client: JobClient;
  f: Fixture;
  /** The server's URL without its trailing slash. */
  base: string;
  /** Starts the worker (once); `stop` ends it. */
  startWorker(): void;
  stop(): Promise<void>;
}

export async function startApiServer(prefix: string, settings: Omit<ApiSettings, 'client'>): Promise<ApiServer> {
  const [redis, f] = await Promise.all([startRedis(), makeFixture(prefix)]);
  const root = await mkdtemp(join(tmpdir(), `${prefix}root-`));
  let client: JobClient | undefined;
  let server: RunningServer | undefined;
  const stopWorker = new AbortController();
  let worker: Promise<void> | undefined;
  const stop = async () => {
    stopWorker.abort();
    await worker;
    await server?.close();
    await client?.close();
    await redis.stop();
    await f.cleanup();
    await rm(root, { recursive: true, force: true });
  };
  try {
    await writeFile(join(root, 'index.html'), '<!doctype html><title>app</title>');
    client = await JobClient.connect(redis.url);
    await client.queueEvents();
    server = await serveApp({ port: 0, root, api: createJobsApi({ client, ...settings }) });
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    redis,
    client,
    f,
    base: server.url.replace(/\/$/, ''),
    startWorker: () => {
      worker ??= runWorker({ redis: redis.url, backend: 'cpu', models: async () => narrowModel(), signal: stopWorker.signal });
    },
    stop,
  };
}
