/**
 * Clips in and out through the system's ffmpeg/ffprobe (Debian's `ffmpeg` package):
 * probe, decode to a PNG sequence, encode a PNG sequence (H.264 in MP4 unless the
 * extension asks for another container), with the source's audio copied across.
 */
import { spawn } from 'node:child_process';
import { readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { InputError, msg, opt } from '../errors.js';

export const FRAME_PATTERN = '%06d.png';
/** `%06d.png` for 0-based index i (ffmpeg numbers from 1). */
export const frameName = (index: number) => `${String(index + 1).padStart(6, '0')}.png`;

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

function runTool(tool: 'ffmpeg' | 'ffprobe', args: string[], signal?: AbortSignal): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(tool, args, { stdio: ['ignore', 'pipe', 'pipe'], signal });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') {
        reject(new InputError(msg`${tool} was not found on PATH: install it (Debian/Ubuntu: apt-get install ffmpeg), or use ${opt('framesIn')} and ${opt('framesOut')} with PNG sequences`));
      } else reject(e);
    });
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

const lastLine = (s: string) => s.trim().split('\n').filter(Boolean).at(-1) ?? 'no message';

export interface ClipInfo {
  width: number;
  height: number;
  /** As ffprobe gives it, e.g. "25/1" or "30000/1001": passed back to the encoder unchanged. */
  frameRate: string;
  frames: number;
  hasAudio: boolean;
}

export async function probeClip(path: string): Promise<ClipInfo> {
  const r = await runTool('ffprobe', ['-v', 'error', '-count_packets', '-show_entries', 'stream=codec_type,width,height,r_frame_rate,nb_read_packets', '-of', 'json', path]);
  if (r.code !== 0) throw new InputError(`${path}: not a readable video (${lastLine(r.stderr)})`);
  const streams = (JSON.parse(r.stdout) as { streams?: Array<Record<string, unknown>> }).streams ?? [];
  const video = streams.find((s) => s.codec_type === 'video');
  if (!video || !(Number(video.width) > 0)) throw new InputError(`${path}: has no video stream`);
  return {
    width: Number(video.width),
    height: Number(video.height),
    frameRate: String(video.r_frame_rate),
    frames: Number(video.nb_read_packets),
    hasAudio: streams.some((s) => s.codec_type === 'audio'),
  };
}

/** Every frame of the clip as dir/000001.png, 000002.png, … (no frame dropped or duplicated). */
export async function decodeClip(path: string, dir: string, signal?: AbortSignal): Promise<void> {
  const r = await runTool('ffmpeg', ['-v', 'error', '-nostdin', '-i', path, '-map', '0:v:0', '-vsync', 'passthrough', join(dir, FRAME_PATTERN)], signal);
  if (r.code !== 0) throw new InputError(`${path}: could not decode its frames (${lastLine(r.stderr)})`);
}

/** How many of dir/000001.png, 000002.png, … there are, in an unbroken run: what ffmpeg reads. */
async function countFrames(dir: string): Promise<number> {
  const names = new Set(await readdir(dir));
  let n = 0;
  while (names.has(frameName(n))) n++;
  return n;
}

/**
 * dir/%06d.png at `frameRate` → `output`, written to a temporary name and renamed, so a
 * failed encode never leaves half a file. MP4/MOV/MKV get H.264 (yuv420p, even sizes).
 *
 * ffmpeg's exit status is not enough: on a full disk it reports "Error writing trailer"
 * and still exits 0, leaving a file with no index. So the temporary file is probed and
 * must hold every frame of `dir` before it takes the output's name. No `-shortest`: the
 * audio is the source clip's own, as long as its frames, and cutting to it could only
 * drop frames the check would then refuse.
 */
export async function encodeClip(dir: string, frameRate: string, output: string, audioFrom?: string, signal?: AbortSignal): Promise<void> {
  const frames = await countFrames(dir);
  const ext = extname(output).toLowerCase();
  const tmp = join(dirname(output), `.${basename(output, ext)}.${process.pid}.tmp${ext}`);
  const args = ['-v', 'error', '-nostdin', '-y', '-framerate', frameRate, '-i', join(dir, FRAME_PATTERN)];
  if (audioFrom) args.push('-i', audioFrom, '-map', '0:v:0', '-map', '1:a?', '-c:a', 'copy');
  if (['.mp4', '.m4v', '.mov', '.mkv'].includes(ext)) args.push('-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-vf', 'pad=ceil(iw/2)*2:ceil(ih/2)*2');
  args.push(tmp);
  try {
    const r = await runTool('ffmpeg', args, signal);
    if (r.code !== 0) throw new InputError(`${output}: ffmpeg could not encode the frames (${lastLine(r.stderr)})`);
    const got = await probeClip(tmp).then(
      (info) => `${info.frames} of ${frames} frames`,
      () => 'no readable video',
    );
    if (got !== `${frames} of ${frames} frames`) {
      const said = r.stderr.trim() ? `ffmpeg said: ${lastLine(r.stderr)}` : 'ffmpeg reported no error';
      throw new InputError(`${output}: the encoded clip is broken (${got}; ${said})`);
    }
    await rename(tmp, output);
  } finally {
    await rm(tmp, { force: true });
  }
}
