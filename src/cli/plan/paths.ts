/**
 * Every file the run reads and every file it writes, checked before the work starts: the
 * outputs' formats and directories, and that no output — the result, each `--save-iter`
 * image, the checkpoint, the plot — is also an input, or another output.
 */
import { randomBytes } from 'node:crypto';
import { stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { UsageError } from '../../errors.js';
import { DEEP_FORMATS, formatForPath, type ImageFormat } from '../../image/encode-node.js';
import type { CliOptions } from '../options.js';
import { plotFormat } from '../plot.js';

export interface RunPaths {
  content: string;
  styles: string[];
  contentMasks?: string[];
  styleMasks?: string[];
  initImage?: string;
  output: string;
  modelFile?: string;
  checkpoint?: string;
  resume?: string;
  plot?: string;
}

/** `NAME.png` → `NAME_ITER.png` beside it, as jcjohnson's -save_iter names them. */
export function iterationPath(output: string, iteration: number): string {
  const ext = extname(output);
  return join(dirname(output), `${basename(output, ext)}_${iteration}${ext}`);
}

/** The iterations whose image `--save-iter` writes (not 0, not the last: that is --output). */
export function savedIterations(saveIter: number, total: number): number[] {
  const out: number[] = [];
  if (saveIter > 0) for (let i = saveIter; i < total; i += saveIter) out.push(i);
  return out;
}

const CHECKPOINT_INTO_RESUME = '--resume (the file a resumed run goes on saving its checkpoints into)';

export function resolvePaths(cli: CliOptions): RunPaths {
  const abs = (p: string | undefined) => (p !== undefined ? resolve(p) : undefined);
  return {
    content: resolve(cli.content!),
    styles: cli.style!.map((p) => resolve(p)),
    contentMasks: cli.contentMasks?.map((p) => resolve(p)),
    styleMasks: cli.styleMasks?.map((p) => resolve(p)),
    initImage: abs(cli.initImage),
    output: resolve(cli.output),
    modelFile: abs(cli.modelFile),
    // A resumed run goes on saving into its checkpoint unless told another file: stopping
    // silently would leave the next interruption nothing newer to resume from.
    checkpoint: abs(cli.checkpoint ?? cli.resume),
    resume: abs(cli.resume),
    plot: abs(cli.plot),
  };
}

/** Total iterations the run reports (multires stages count on). */
function totalIterations(cli: CliOptions): number {
  const stages = cli.multires ?? [];
  return stages.reduce((a, _, i) => a + (cli.multiresIterations?.[i] ?? cli.numIterations), 0) + cli.numIterations;
}

/**
 * The format an output path asks for, with `-o results/` (or an existing folder) called a
 * directory rather than a name without an extension. `given` is the path as typed:
 * resolving it drops the trailing slash that says "directory".
 */
export async function outputFormat(flag: string, given: string, path = resolve(given)): Promise<ImageFormat> {
  const isDir = (await stat(path).catch(() => undefined))?.isDirectory();
  if (isDir || /[\\/]$/.test(given)) {
    throw new UsageError(`${flag} ${given}: ${isDir ? 'is' : 'names'} a directory; give a file name, e.g. ${join(path, 'out.png')}`);
  }
  return formatForPath(path);
}

/**
 * UsageError when `out` is one of `inputs`, by path or as the same file through a link:
 * the check the image command makes, for commands that write one file (submit -o).
 */
export async function refuseInputAsOutput(flag: string, out: string, inputs: ReadonlyArray<readonly [string, string]>): Promise<void> {
  const outId = await identity(out);
  for (const [inFlag, input] of inputs) {
    if (out === input || (outId !== undefined && outId === (await identity(input)))) {
      throw new UsageError(`${flag} ${out} is also the ${inFlag} file; it would be overwritten: choose another ${flag} path`);
    }
  }
}

export async function checkPaths(cli: CliOptions, paths: RunPaths): Promise<void> {
  const format = await outputFormat('--output', cli.output, paths.output);
  if (cli.outputDepth === '16' && !DEEP_FORMATS.includes(format)) {
    throw new UsageError(`--output-depth 16 needs a .png or .tif output; ${paths.output} is ${format.toUpperCase()}, which has 8 bits a channel`);
  }
  if (paths.plot) plotFormat(paths.plot);
  const inputs: Array<[string, string]> = [
    ['--content', paths.content],
    ...paths.styles.map((p): [string, string] => ['--style', p]),
    ...(paths.contentMasks ?? []).map((p): [string, string] => ['--content-masks', p]),
    ...(paths.styleMasks ?? []).map((p): [string, string] => ['--style-masks', p]),
    ...(paths.initImage ? [['--init-image', paths.initImage] as [string, string]] : []),
    ...(paths.modelFile ? [['--model-file', paths.modelFile] as [string, string]] : []),
    ...(paths.resume ? [['--resume', paths.resume] as [string, string]] : []),
  ];
  const outputs: Array<[string, string]> = [
    ['--output', paths.output],
    ...savedIterations(cli.saveIter, totalIterations(cli)).map((i): [string, string] => [`--save-iter (iteration ${i})`, iterationPath(paths.output, i)]),
    // Without --checkpoint a resumed run saves into its --resume file: named as the user gave it.
    ...(paths.checkpoint ? [[cli.checkpoint !== undefined ? '--checkpoint' : CHECKPOINT_INTO_RESUME, paths.checkpoint] as [string, string]] : []),
    ...(paths.plot ? [['--plot', paths.plot] as [string, string]] : []),
  ];
  // Inputs' identities once: a run can save thousands of iteration images.
  const inputIds = await Promise.all(inputs.map(([, p]) => identity(p)));
  const outputIds = await Promise.all(outputs.map(([, p]) => identity(p)));
  outputs.forEach(([flag, out], o) => {
    inputs.forEach(([inFlag, input], i) => {
      // A checkpoint may be resumed from and written to the same file: that is how a run continues.
      if ((flag === '--checkpoint' || flag === CHECKPOINT_INTO_RESUME) && inFlag === '--resume') return;
      if (out === input || (outputIds[o] !== undefined && outputIds[o] === inputIds[i])) {
        const choose = flag.startsWith('--save-iter') ? 'choose another --output name or --save-iter 0' : `choose another ${flag} path`;
        throw new UsageError(`${flag} ${out} is also the ${inFlag} file; it would be overwritten: ${choose}`);
      }
    });
  });
  const seen = new Map<string, string>();
  outputs.forEach(([flag, out], o) => {
    for (const key of [out, outputIds[o]]) {
      if (key === undefined) continue;
      const other = seen.get(key);
      if (other !== undefined) throw new UsageError(`${other} and ${flag} name the same file ${out}`);
      seen.set(key, flag);
    }
  });
  for (const [flag, out] of [outputs[0]!, ...outputs.filter(([f]) => !f.startsWith('--save-iter')).slice(1)]) await checkWritable(out, flag);
}

/** device:inode of an existing file (a hard link or a symlink to an input is the input). */
async function identity(path: string): Promise<string | undefined> {
  try {
    const s = await stat(path);
    return `${s.dev}:${s.ino}`;
  } catch {
    return undefined;
  }
}

/**
 * The directory exists and takes a new file (tried for real with a probe file, which also
 * catches read-only mounts and root-owned directories that access() can misreport), and
 * the path itself is not a directory.
 */
async function checkWritable(path: string, flag: string): Promise<void> {
  const dir = dirname(path);
  try {
    if ((await stat(path)).isDirectory()) throw new UsageError(`${flag} ${path}: is a directory; give a file name`);
  } catch (e) {
    if (e instanceof UsageError) throw e;
  }
  try {
    if (!(await stat(dir)).isDirectory()) throw new UsageError(`${flag} ${path}: ${dir} is not a directory`);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(
      code === 'ENOENT' || code === 'ENOTDIR'
        ? `${flag} ${path}: the directory ${dir} does not exist`
        : `${flag} ${path}: cannot use the directory ${dir} (${code})`,
    );
  }
  const probe = join(dir, `.${basename(path, extname(path))}.${randomBytes(4).toString('hex')}.probe`);
  try {
    await writeFile(probe, '', { flag: 'wx' });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(
      code === 'EACCES' || code === 'EPERM' || code === 'EROFS'
        ? `${flag} ${path}: no permission to write in ${dir}`
        : `${flag} ${path}: cannot write in ${dir} (${code})`,
    );
  }
  await unlink(probe).catch(() => {});
}
