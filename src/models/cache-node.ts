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
 *   <file>.neural-style-<host>-<pid>-<random>.tmp
 *                              a write in progress (writeFileAtomic), or one whose process
 *                              was killed; the next atomic write into the folder removes it
 */
import { createHash, randomBytes } from 'node:crypto';
import { lstat, mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { homedir, hostname } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { InputError, msg, opt, UsageError } from '../errors.js';
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
    new UsageError([`the cache directory ${dir} ${what}; choose another with `, ...msg`${opt('cacheDir')}`, ` or $${CACHE_ENV}, or move the file away`]);
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
 * Temp files that killed writers left in the folder are removed first (removeStaleTemps).
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await removeStaleTemps(dirname(path));
  const tmp = tempPathFor(path);
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

// ---------------------------------------------------------------------------------------
// Temp files. A SIGKILL or a power cut between writing and renaming leaves one behind, and
// a compact copy's is ~80 MB. The name says whose it is, so a later write can tell a
// leftover from a write in progress — its own, another process's, or another machine's on
// a shared disk — and never touches files that are not ours.

/** `<target>.neural-style-<host>-<pid>-<random>.tmp`; <host> is a hash of the host name. */
const TEMP_NAME = /\.neural-style-([0-9a-f]{8})-(\d{1,10})-[0-9a-f]{8}\.tmp$/;
const HOST = createHash('sha256').update(hostname()).digest('hex').slice(0, 8);
/** A pid on another machine means nothing here; after a day its writer is gone all the same. */
const STALE_AFTER_MS = 24 * 3600_000;

/** Where writeFileAtomic puts the bytes for `path` before the rename. `pid` is for tests. */
export function tempPathFor(path: string, pid: number = process.pid): string {
  return `${path}.neural-style-${HOST}-${pid}-${randomBytes(4).toString('hex')}.tmp`;
}

/**
 * Removes our temp files in `dir` whose writer is gone: written on this machine by a
 * process that no longer runs, or untouched for a day. Best effort: a file that vanishes
 * or cannot be removed is left to the next write.
 */
export async function removeStaleTemps(dir: string, now: number = Date.now()): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const m = TEMP_NAME.exec(name);
    if (!m) continue;
    const file = join(dir, name);
    try {
      const info = await lstat(file);
      if (!info.isFile()) continue;
      const writerGone = m[1] === HOST && !isRunning(Number(m[2]));
      if (writerGone || now - info.mtimeMs > STALE_AFTER_MS) await rm(file, { force: true });
    } catch {
      // Raced with its writer's rename or another cleaner: nothing to do.
    }
  }
}

/** Whether a process with this pid runs here (EPERM: it does, as another user). */
function isRunning(pid: number): boolean {
  // 0 and negative numbers would name process groups, not a process.
  if (!Number.isSafeInteger(pid) || pid <= 0 || pid > 2 ** 31 - 1) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
