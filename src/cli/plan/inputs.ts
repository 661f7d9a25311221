/**
 * The input files: each exists and is a readable, non-empty file, and every image is
 * decoded now — a bad one fails in milliseconds, not after the weights load.
 */
import { createHash } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import { InputError, UsageError } from '../../errors.js';
import { readImage } from '../../image/decode-node.js';
import type { RgbImage } from '../../image/types.js';
import { isEmptyMask, maskFromImage, type Mask } from '../../masks/index.js';
import type { RunPaths } from './paths.js';

export interface DecodedInputs {
  content: RgbImage;
  styles: RgbImage[];
  initImage?: RgbImage;
  contentMasks?: Mask[];
  styleMasks?: Mask[];
  /** What identifies the --model-file's contents, for the checkpoint's fingerprint. */
  modelFileIdentity?: string;
}

export async function readInputs(paths: RunPaths): Promise<DecodedInputs> {
  const modelFileSize = paths.modelFile ? await checkFile(paths.modelFile, '--model-file') : undefined;
  if (paths.resume) await checkFile(paths.resume, '--resume');
  const content = await readImage(paths.content);
  const styles: RgbImage[] = [];
  for (const p of paths.styles) styles.push(await readImage(p));
  const initImage = paths.initImage ? await readImage(paths.initImage) : undefined;
  const contentMasks = paths.contentMasks && (await readMasks(paths.contentMasks, '--content-masks'));
  const styleMasks = paths.styleMasks && (await readMasks(paths.styleMasks, '--style-masks'));
  const modelFileIdentity = paths.modelFile ? await fileIdentity(paths.modelFile, modelFileSize!) : undefined;
  return { content, styles, initImage, contentMasks, styleMasks, modelFileIdentity };
}

/**
 * Masks decode through the image reader (their luminance is the mask). One that is missing
 * or not an image is an unreadable input like any other (InputError, exit 1), named with
 * its flag; one that selects nothing is a mistake in the command (exit 2).
 */
export async function readMasks(paths: string[], flag: string): Promise<Mask[]> {
  const masks: Mask[] = [];
  for (const p of paths) {
    let img: RgbImage;
    try {
      img = await readImage(p);
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      throw new InputError(`${flag}: ${e.message.startsWith(p) ? e.message : `${p}: ${e.message}`}`, { cause: e });
    }
    const mask = maskFromImage(img);
    if (isEmptyMask(mask)) throw new UsageError(`${flag} ${p}: the mask is empty (all black): it selects nothing`);
    masks.push(mask);
  }
  return masks;
}

/** An existing, non-empty regular file; InputError otherwise. Returns its size. */
export async function checkFile(path: string, flag: string): Promise<number> {
  let s;
  try {
    s = await stat(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(`${flag} ${path}: ${code === 'ENOENT' ? 'no such file' : `cannot read it (${code})`}`, { cause: e });
  }
  if (!s.isFile()) throw new InputError(`${flag} ${path}: not a regular file`);
  if (s.size === 0) throw new InputError(`${flag} ${path}: the file is empty (0 bytes)`);
  return s.size;
}

/** Bytes hashed at each end of a weight file: its header and its last tensors. */
const END_BYTES = 1 << 20;

/**
 * A weight file's identity: its size and a SHA-256 of its first and last MiB — where a
 * format's header and tensor index live — so a renamed copy still matches and an edited
 * or re-exported file does not, without reading 550 MB.
 */
export async function fileIdentity(path: string, size: number): Promise<string> {
  const h = createHash('sha256');
  const file = await open(path, 'r');
  try {
    const read = async (position: number, length: number) => {
      const buf = Buffer.alloc(length);
      const { bytesRead } = await file.read(buf, 0, length, position);
      h.update(buf.subarray(0, bytesRead));
    };
    if (size <= 2 * END_BYTES) await read(0, size);
    else {
      await read(0, END_BYTES);
      await read(size - END_BYTES, END_BYTES);
    }
  } finally {
    await file.close();
  }
  return `${size} bytes, sha256 of the ends ${h.digest('hex').slice(0, 16)}`;
}
