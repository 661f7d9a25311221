/** The parent side of bench-worker.ts (and of torch_objective.py --serve): one JSON line per command. */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const HERE = fileURLToPath(new URL('.', import.meta.url));

/** The backends bench-worker.ts runs (its --backend and --probe), here so a parent can check a name before spawning. */
export const BACKENDS = ['cpu', 'webgpu', 'wasm'] as const;
export type BackendName = (typeof BACKENDS)[number];

/** A worker process that answers one JSON line per command line. */
export class Worker {
  private readonly lines: AsyncIterableIterator<string>;
  private stderr = '';

  private constructor(private readonly child: ChildProcessWithoutNullStreams, readonly label: string) {
    this.lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    child.stderr.on('data', (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-4000);
    });
  }

  static start(label: string, command: string, args: string[]): Worker {
    return new Worker(spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] }), label);
  }

  /** The next JSON line (the worker's answer). */
  async read(): Promise<Record<string, unknown>> {
    for (;;) {
      const { value, done } = await this.lines.next();
      if (done) throw new Error(`${this.label} worker exited: ${this.stderr.trim() || '(no output)'}`);
      const line = value.trim();
      if (line.startsWith('{')) return JSON.parse(line) as Record<string, unknown>;
    }
  }

  async ask(command: string): Promise<Record<string, unknown>> {
    this.child.stdin.write(`${command}\n`);
    return this.read();
  }

  async quit(): Promise<void> {
    this.child.stdin.end('quit\n');
    await new Promise((resolve) => this.child.once('close', resolve));
  }
}

/**
 * Our side: bench-worker.ts in a fresh Node process (with tsx's loader, as this one runs).
 * These flags are bench-worker.ts's command line: a name changed on one side only is an
 * unknown-option error from the worker, not a silent default.
 */
export function startOurWorker(backend: string, size: number, threads: number, warmup: number, variant = 'defaults', height = size): Worker {
  const args = [
    ...process.execArgv,
    join(HERE, 'bench-worker.ts'),
    ...['--backend', backend, '--size', String(size), '--height', String(height), '--threads', String(threads), '--warmup', String(warmup), '--variant', variant],
  ];
  return Worker.start(`ours/${backend}/${size}x${height}/${variant}`, process.execPath, args);
}
