/**
 * A private redis-server (Debian's package; .ci/run installs it) for one test file: its own
 * free loopback port and temp directory, AOF persistence on request, stopped afterwards.
 * Never a system-wide Redis.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestRedis {
  url: string;
  port: number;
  dir: string;
  /** Stop (SHUTDOWN-like SIGTERM: with AOF on, everything acknowledged is on disk) and start again on the same port and data. */
  restart(downMs?: number): Promise<{ stoppedAt: number; upAt: number }>;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => ok(port));
    });
  });
}

async function waitForPort(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((done) => {
      const c = createConnection({ port, host: '127.0.0.1' }, () => {
        c.end();
        done(true);
      });
      c.once('error', () => done(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`redis-server did not start on port ${port}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export async function startRedis(options: { appendOnly?: boolean } = {}): Promise<TestRedis> {
  const dir = await mkdtemp(join(tmpdir(), 'ns-redis-'));
  const port = await freePort();
  let child: ChildProcess;
  const launch = async () => {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--daemonize', 'no', '--protected-mode', 'yes'];
    if (options.appendOnly) args.push('--appendonly', 'yes', '--appendfsync', 'always');
    child = spawn('redis-server', args, { stdio: ['ignore', 'ignore', 'inherit'] });
    await waitForPort(port);
  };
  const kill = () =>
    new Promise<void>((ok) => {
      if (child.exitCode !== null || child.signalCode !== null) return ok();
      child.once('exit', () => ok());
      child.kill('SIGTERM');
    });
  await launch();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    async restart(downMs = 500) {
      await kill();
      const stoppedAt = Date.now();
      await new Promise((r) => setTimeout(r, downMs));
      await launch();
      return { stoppedAt, upAt: Date.now() };
    },
    async stop() {
      await kill();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
