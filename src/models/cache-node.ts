/**
 * Where downloaded weights live on disk, and the few file operations the cache needs.
 *
 *   explicit option (--cache-dir)  >  $NEURAL_STYLE_CACHE  >  $XDG_CACHE_HOME/neural-style
 *   >  ~/.cache/neural-style
 *
 * Files in the cache for a downloaded model:
 *   <file>.pth                 the download, verified before it got its name
 *   <file>.pth.partial         an interrupted download, resumed with an HTTP Range request
 *   <file>.conv.safetensors    compact copy: conv tensors only, read instead of the .pth
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { InputError, UsageError } from '../errors.js';
import { type ModelEntry, weightFileName } from './registry.js';

export const CACHE_ENV = 'NEURAL_STYLE_CACHE';

/**
 * The cache directory. `env` and `home` are parameters so tests need not touch the real
 * environment. Empty variables count as unset; a relative XDG_CACHE_HOME is ignored, as the
 * XDG Base Directory spec requires.
 */
export function resolveCacheDir(
  explicit?: string,
  env: NodeJS.ProcessEnv = process.env,
  home: string = homedir(),
): string {
  if (explicit) return resolve(explicit);
  const own = env[CACHE_ENV];
  if (own) return resolve(own);
  const xdg = env.XDG_CACHE_HOME;
  if (xdg && isAbsolute(xdg)) return join(xdg, 'neural-style');
  return join(home, '.cache', 'neural-style');
}

/**
 * `dir`, once it is known to be usable as the cache: a directory, or nothing yet (it is
 * created on the first download). A file in its place is the user's to fix, so it is a
 * UsageError naming the ways the directory is chosen, not an ENOTDIR stack trace later.
 */
export async function checkCacheDir(dir: string): Promise<string> {
  const wrong = (what: string) =>
    new UsageError(
      `the cache directory ${dir} ${what}; choose another with --cache-dir or $${CACHE_ENV}, or move the file away`,
    );
  try {
    if (!(await stat(dir)).isDirectory()) throw wrong('is a file, not a directory');
  } catch (err) {
    if (err instanceof UsageError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return dir;
    if (code === 'ENOTDIR') throw wrong('is inside a file, not a directory');
    throw new InputError(`cannot use the cache directory ${dir} (${code ?? (err as Error).message})`, { cause: err });
  }
  return dir;
}

export interface CachePaths {
  /** The verified download, e.g. `<cache>/vgg19-d01eb7cb.pth`. */
  file: string;
  /** Bytes of an unfinished download. */
  partial: string;
  /** Compact conv-only copy written after the first load. */
  compact: string;
}

/** Cache paths for a downloadable entry; the names come from the URL's file name. */
export function cachePaths(cacheDir: string, entry: ModelEntry): CachePaths {
  if (!entry.url) throw new Error(`model '${entry.name}' has no download, so no cache paths`);
  const name = weightFileName(entry.url);
  const stem = name.replace(/\.(pth|pt|bin|safetensors)$/i, '');
  return {
    file: join(cacheDir, name),
    partial: join(cacheDir, `${name}.partial`),
    // The stem carries the checksum prefix (vgg19-d01eb7cb), so a compact copy made from
    // other bytes can never be mistaken for this one.
    compact: join(cacheDir, `${stem}.conv.safetensors`),
  };
}

/** Size of a regular file, or undefined when there is none. */
export async function fileSize(path: string): Promise<number | undefined> {
  try {
    const s = await stat(path);
    return s.isFile() ? s.size : undefined;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * Write bytes so that readers see either no file or the whole file: write a temporary
 * sibling, fsync it, then rename over the target (atomic within one directory).
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    const fh = await open(tmp, 'w');
    try {
      await fh.writeFile(bytes);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
