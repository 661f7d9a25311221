/**
 * Shared by the CLI tests: small images made with sharp in a temp dir, and `neural-style`
 * run in-process (main(argv, io) with captured streams) or as a real child process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { main } from '../../src/cli/main.js';

export const ROOT = new URL('../../', import.meta.url).pathname;

/** A photo-like content image: smooth colour waves plus a few hard edges. */
export function photoBytes(w: number, h: number): Buffer {
  const b = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = 3 * (y * w + x);
      b[i] = 128 + 100 * Math.sin(x / 9);
      b[i + 1] = 128 + 100 * Math.cos(y / 7);
      b[i + 2] = (x + y) % 256;
    }
  }
  return b;
}

/** A painting-like style image: a coloured checkerboard of `cell`-pixel squares. */
export function paintingBytes(s: number, cell = 8, palette: [number[], number[]] = [[230, 200, 40], [30, 60, 200]]): Buffer {
  const b = Buffer.alloc(s * s * 3);
  for (let y = 0; y < s; y++) {
    for (let x = 0; x < s; x++) {
      b.set(palette[(Math.floor(x / cell) + Math.floor(y / cell)) % 2]!, 3 * (y * s + x));
    }
  }
  return b;
}

export function rawImage(bytes: Buffer, width: number, height: number) {
  return sharp(bytes, { raw: { width, height, channels: 3 } });
}

export interface Fixture {
  dir: string;
  /** 160×120 JPEG. */
  photo: string;
  /** 96×96 PNG. */
  painting: string;
  /** A second style: 64×64 PNG, stripes in other colours. */
  painting2: string;
  cleanup(): Promise<void>;
}

export async function makeFixture(prefix = 'ns-cli-'): Promise<Fixture> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const photo = join(dir, 'photo.jpg');
  const painting = join(dir, 'painting.png');
  const painting2 = join(dir, 'painting2.png');
  await rawImage(photoBytes(160, 120), 160, 120).jpeg({ quality: 90 }).toFile(photo);
  await rawImage(paintingBytes(96), 96, 96).png().toFile(painting);
  await rawImage(paintingBytes(64, 4, [[250, 250, 250], [200, 20, 20]]), 64, 64).png().toFile(painting2);
  return { dir, photo, painting, painting2, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON lines (only meaningful with --json). */
  json(): Array<Record<string, number>>;
}

function result(code: number, stdout: string, stderr: string): CliRun {
  return {
    code,
    stdout,
    stderr,
    json: () =>
      stdout
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Record<string, number>),
  };
}

/** `neural-style ARGS` in this process. */
export async function cli(args: string[], signal?: AbortSignal): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    signal,
  });
  return result(code, stdout, stderr);
}

/** The usual small, fast run: random VGG19, a tiny image (iteration counts stay under --save-iter's 100). `extra` may replace any of its flags. */
export function small(f: Fixture, extra: string[], size = 32): string[] {
  return lastWins(['-c', f.photo, '-s', f.painting, '--model', 'vgg19-random', '--image-size', String(size), '--backend', 'cpu', ...extra]);
}

const LONG: Record<string, string> = { '-c': '--content', '-s': '--style', '-o': '--output', '-q': '--quiet' };
const REPEATABLE = new Set(['--style', '--content-masks', '--style-masks']);

/**
 * A command line built from a test's usual flags and its own: the CLI refuses a
 * single-valued flag given twice (issue 26), so a later one replaces the earlier one here,
 * where a test means "these settings, but with this one changed". Repeatable flags add up.
 */
export function lastWins(args: readonly string[]): string[] {
  const groups: string[][] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const next = args[i + 1];
    const takesNext = a.startsWith('-') && !a.includes('=') && next !== undefined && (!next.startsWith('-') || /^-[\d.]/.test(next));
    groups.push(takesNext ? [a, args[++i]!] : [a]);
  }
  const flag = (g: string[]) => {
    const name = g[0]!.split('=')[0]!;
    return g[0]!.startsWith('-') && !/^-[\d.]/.test(name) ? (LONG[name] ?? name) : undefined;
  };
  return groups.filter((g, i) => {
    const f = flag(g);
    return f === undefined || REPEATABLE.has(f) || !groups.slice(i + 1).some((h) => flag(h) === f);
  }).flat();
}

/**
 * `neural-style ARGS` as a child process running the TypeScript sources (through tsx), so
 * it never runs a stale dist/. `onStdoutLine` sees each stdout line as it arrives.
 */
export function spawnCli(args: string[], onStdoutLine?: (line: string, child: ChildProcess) => void): { child: ChildProcess; done: Promise<CliRun & { signal: NodeJS.Signals | null }> } {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test/cli/child-entry.ts'), ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let pending = '';
  child.stdout!.on('data', (d: Buffer) => {
    stdout += d;
    pending += d;
    let nl;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      onStdoutLine?.(line, child);
    }
  });
  child.stderr!.on('data', (d: Buffer) => (stderr += d));
  const done = new Promise<CliRun & { signal: NodeJS.Signals | null }>((ok) => {
    child.on('close', (code, signal) => ok({ ...result(code ?? -1, stdout, stderr), signal }));
  });
  return { child, done };
}

/** Names in a directory, sorted (to assert that nothing else appeared). */
export async function listDir(dir: string): Promise<string[]> {
  return (await readdir(dir)).sort();
}

/**
 * A random VGG weight file (safetensors, Caffe layer names) for --model-file: narrow
 * channel widths by default, so it is small and fast.
 */
export async function writeRandomWeights(
  path: string,
  arch: 'vgg19' | 'vgg16',
  widths: readonly number[] = [8, 16, 16, 32, 32],
  seed = 1,
): Promise<Uint8Array> {
  const { layerTableFor, convLayers } = await import('../../src/models/layers.js');
  const { randomVggWeights } = await import('../../src/models/random-model.js');
  const { encodeSafetensors } = await import('../../src/models/formats/safetensors.js');
  const { writeFile } = await import('node:fs/promises');
  const table = layerTableFor(arch);
  const weights = randomVggWeights(table, seed, widths);
  const tensors = new Map();
  for (const layer of convLayers(table)) {
    tensors.set(`${layer.name}.weight`, weights.get(layer.name)!.weight);
    tensors.set(`${layer.name}.bias`, weights.get(layer.name)!.bias);
  }
  const bytes = encodeSafetensors(tensors);
  await writeFile(path, bytes);
  return bytes;
}
