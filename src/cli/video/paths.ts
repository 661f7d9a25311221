/**
 * The video command's files, checked before any frame is decoded: the output clip's
 * container is one ffmpeg writes, no output (the clip, the plot) is an input (the clip, a
 * style image, a mask) or the other output, and the output frames never go into the
 * input frames' folder (they would be read back as input by the next run).
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
  contentMasks?: string[];
  styleMasks?: string[];
  plot?: string;
}

export async function checkVideoPaths(p: VideoPaths): Promise<void> {
  const inputs: Array<[string, string]> = [
    ...(p.clip ? [['--content', p.clip] as [string, string]] : []),
    ...p.styles.map((s): [string, string] => ['--style', s]),
    ...(p.contentMasks ?? []).map((s): [string, string] => ['--content-masks', s]),
    ...(p.styleMasks ?? []).map((s): [string, string] => ['--style-masks', s]),
  ];
  if (p.output !== undefined) {
    const ext = extname(p.output).toLowerCase();
    if (!CLIP_EXTENSIONS.includes(ext)) {
      throw new UsageError(
        `--output ${p.output}: cannot tell the clip format from the extension ${ext ? `"${ext}"` : '(none)'}; allowed: ${CLIP_EXTENSIONS.join(', ')} (or --frames-out DIR for PNG frames)`,
      );
    }
  }
  const outputs: Array<[string, string]> = [...(p.output ? [['--output', p.output] as [string, string]] : []), ...(p.plot ? [['--plot', p.plot] as [string, string]] : [])];
  for (const [outFlag, out] of outputs) {
    for (const [flag, input] of inputs) {
      if (await sameFile(out, input)) throw new UsageError(`${outFlag} ${out} is also the ${flag} file; it would be overwritten: choose another ${outFlag} path`);
    }
  }
  if (p.output && p.plot && (await sameFile(p.output, p.plot))) throw new UsageError(`--plot ${p.plot} is also the --output file: choose another --plot path`);
  if (p.framesIn !== undefined && (await sameFile(p.framesOut, p.framesIn))) {
    throw new UsageError(`--frames-out ${p.framesOut} is the --frames-in directory; the stylised frames would be mixed with the input: choose another directory`);
  }
}
