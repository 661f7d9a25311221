/**
 * The video command's files, checked before any frame is decoded: the output clip's
 * container is one ffmpeg writes, no output is an input (the clip, a style image), and
 * the output frames never go into the input frames' folder (they would be read back as
 * input by the next run).
 */
import { stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { UsageError } from '../../errors.js';

/** Containers the encoder is asked for by extension (H.264 for the MP4 family). */
export const CLIP_EXTENSIONS = ['.mp4', '.m4v', '.mov', '.mkv', '.webm', '.avi', '.gif'];

async function sameFile(a: string, b: string): Promise<boolean> {
  if (a === b) return true;
  try {
    const [sa, sb] = await Promise.all([stat(a), stat(b)]);
    return sa.dev === sb.dev && sa.ino === sb.ino;
  } catch {
    return false;
  }
}

export interface VideoPaths {
  clip?: string;
  framesIn?: string;
  output?: string;
  framesOut: string;
  styles: string[];
}

export async function checkVideoPaths(p: VideoPaths): Promise<void> {
  if (p.output !== undefined) {
    const ext = extname(p.output).toLowerCase();
    if (!CLIP_EXTENSIONS.includes(ext)) {
      throw new UsageError(
        `--output ${p.output}: cannot tell the clip format from the extension ${ext ? `"${ext}"` : '(none)'}; allowed: ${CLIP_EXTENSIONS.join(', ')} (or --frames-out DIR for PNG frames)`,
      );
    }
    const inputs: Array<[string, string]> = [...(p.clip ? [['--content', p.clip] as [string, string]] : []), ...p.styles.map((s): [string, string] => ['--style', s])];
    for (const [flag, input] of inputs) {
      if (await sameFile(p.output, input)) throw new UsageError(`--output ${p.output} is also the ${flag} file; it would be overwritten: choose another --output path`);
    }
  }
  if (p.framesIn !== undefined && (await sameFile(p.framesOut, p.framesIn))) {
    throw new UsageError(`--frames-out ${p.framesOut} is the --frames-in directory; the stylised frames would be mixed with the input: choose another directory`);
  }
}
