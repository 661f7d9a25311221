/**
 * The job service's test helpers: worker processes (the real command, through tsx), tiny
 * distinct content images, and the local reference run a job's result must equal.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { encodeImage } from '../../src/image/encode-node.js';
import { decodeImage } from '../../src/image/decode-node.js';
import { randomVggModel } from '../../src/models/random-model.js';
import { resolveModel } from '../../src/models/resolve-node.js';
import type { JobClient } from '../../src/jobs/client.js';
import type { LoadedModel } from '../../src/models/types.js';
import { resolveOptions, type StylizeOptions } from '../../src/options/index.js';
import type { OrtModule } from '../../src/runtime/ort.js';
import { createStylizer } from '../../src/stylize/stylizer.js';
import { ROOT, rawImage } from '../cli/helpers.js';

export interface WorkerProcess {
  child: ChildProcess;
  /** Each stderr line with the time it arrived. */
  lines: Array<{ at: number; text: string }>;
  /** Resolves with the first line (already seen or to come) matching `re`. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<{ at: number; text: string }>;
  /** The worker's id (host:pid), as its job summaries and progress name it. */
  id(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `neural-style worker` as a child process, with the model loaded before it takes jobs (unless `preload` is false: ready sooner). */
export function spawnWorker(redis: string, extra: string[] = [], { preload = true } = {}): WorkerProcess {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'test/cli/child-entry.ts'), 'worker', '--redis', redis, '--backend', 'cpu', ...(preload ? ['--preload', 'vgg19-random'] : []), ...extra],
    { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const lines: WorkerProcess['lines'] = [];
  const waiters: Array<{ re: RegExp; ok: (l: { at: number; text: string }) => void }> = [];
  let pending = '';
  child.stderr!.on('data', (d: Buffer) => {
    pending += d;
    let nl;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = { at: Date.now(), text: pending.slice(0, nl) };
      pending = pending.slice(nl + 1);
      lines.push(line);
      if (process.env.NS_TEST_VERBOSE) process.stderr.write(`[worker ${child.pid}] ${line.text}\n`);
      for (const w of [...waiters]) if (w.re.test(line.text)) (waiters.splice(waiters.indexOf(w), 1), w.ok(line));
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((ok) => child.on('exit', (code, signal) => ok({ code, signal })));
  return {
    child,
    lines,
    exited,
    id: () => /worker (\S+): ready/.exec(lines.find((l) => / ready /.test(l.text))?.text ?? '')?.[1] ?? '?',
    waitFor(re, timeoutMs = 60_000) {
      const seen = lines.find((l) => re.test(l.text));
      if (seen) return Promise.resolve(seen);
      return new Promise((ok, fail) => {
        const t = setTimeout(() => fail(new Error(`worker ${child.pid}: no line matching ${re} in ${timeoutMs} ms; it said:\n${lines.map((l) => l.text).join('\n')}`)), timeoutMs);
        waiters.push({ re, ok: (l) => (clearTimeout(t), ok(l)) });
        void exited.then(() => fail(new Error(`worker ${child.pid} exited before ${re}; it said:\n${lines.map((l) => l.text).join('\n')}`)));
      });
    },
  };
}

export async function stopWorker(w: WorkerProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill(signal);
  await w.exited;
}

/** A distinct 32×24 PNG per `k`: smooth waves whose frequencies depend on k. */
export async function contentPng(k: number): Promise<Buffer> {
  const w = 32;
  const h = 24;
  const b = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = 3 * (y * w + x);
      b[i] = 128 + 100 * Math.sin(x / (2 + (k % 7)) + k);
      b[i + 1] = 128 + 100 * Math.cos(y / (2 + (k % 5)) - k);
      b[i + 2] = (x * (k + 1) + y * 3) % 256;
    }
  }
  return rawImage(b, w, h).png().toBuffer();
}

/** The same runs done here with the library: one Stylizer, each content image in turn → PNG bytes. */
export async function localResults(
  options: Partial<StylizeOptions>,
  style: Buffer,
  contents: Buffer[],
  given?: LoadedModel,
): Promise<Array<{ png: Buffer; loss: number; iterations: number }>> {
  const ort = (await import('onnxruntime-node')) as unknown as OrtModule;
  const model = given ?? (await resolveModel({ model: 'vgg19-random', seed: 0 }));
  const styles = [await decodeImage(style, 'style')];
  const stylizer = await createStylizer({ ort, model, styles, options: resolveOptions({ ...options, backend: 'cpu' }, 1) });
  try {
    const out = [];
    for (const c of contents) {
      const r = await stylizer.run({ content: await decodeImage(c, 'content') });
      out.push({ png: await encodeImage(r.image, 'png'), loss: r.loss, iterations: r.iterations });
    }
    return out;
  } finally {
    await stylizer.release();
  }
}

/** A narrow random VGG-19 for in-process workers: the layers of vgg19-random at a fraction of the cost. */
export const narrowModel = (() => {
  let m: LoadedModel | undefined;
  return () => (m ??= randomVggModel('vgg19', 0, [4, 8, 8, 8, 8]));
})();

/** Every job the queue holds, in any state: what a refusal must leave unchanged ("queues nothing"). */
export async function jobsInQueue(client: JobClient): Promise<number> {
  const c = await client.queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'completed', 'failed');
  return Object.values(c).reduce((a, b) => a + b, 0);
}
