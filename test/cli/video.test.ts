/**
 * `neural-style video` end to end: a 12-frame 64 px MP4 with audio made by ffmpeg here,
 * stylised with a narrow random VGG at 32 px, comes back as an MP4 with the same frame
 * count and rate and the audio track; PNG sequences need no ffmpeg; an interrupted run
 * resumes at its first unfinished frame; bad input is one line; a clip ffmpeg failed to
 * finish (a fake ffmpeg on PATH plays the full disk) is caught before the frames go; the
 * image command's masks and plot apply, its options a clip has no use for are refused.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, type Fixture, makeFixture, photoBytes, rawImage, writeRandomWeights } from './helpers.js';

let f: Fixture;
let clip: string;
beforeAll(async () => {
  f = await makeFixture('ns-video-');
  clip = join(f.dir, 'in.mp4');
  execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=64x48:rate=12', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=22050',
    '-t', '1', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', clip]);
});
afterAll(async () => f.cleanup());

function probe(path: string): { video: { frames: number; rate: string; codec: string }; audio: boolean } {
  const out = execFileSync('ffprobe', ['-v', 'error', '-count_packets', '-show_entries', 'stream=codec_type,codec_name,r_frame_rate,nb_read_packets', '-of', 'json', path]).toString();
  const streams = (JSON.parse(out) as { streams: Array<Record<string, string>> }).streams;
  const v = streams.find((s) => s.codec_type === 'video')!;
  return { video: { frames: Number(v.nb_read_packets), rate: v.r_frame_rate!, codec: v.codec_name! }, audio: streams.some((s) => s.codec_type === 'audio') };
}

const tiny = ['--model', 'vgg19-random', '--image-size', '32', '--num-iterations', '4', '--frame-iterations', '2', '-q'];

describe('neural-style video', () => {
  it('MP4 in, MP4 out: same frame count and frame rate, H.264, audio copied', async () => {
    const out = join(f.dir, 'out.mp4');
    const r = await cli(['video', '-c', clip, '-s', f.painting, '-o', out, ...tiny]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const src = probe(clip), got = probe(out);
    expect(got.video.frames).toBe(src.video.frames);
    expect(got.video.frames).toBe(12);
    expect(got.video.rate).toBe(src.video.rate);
    expect(got.video.codec).toBe('h264');
    expect(got.audio).toBe(true);
    expect(existsSync(`${out}.frames`)).toBe(false); // the default frames directory is cleaned up
  }, 120_000);

  it('PNG sequence in and out; an interrupted run resumes at the first unfinished frame', async () => {
    const inDir = join(f.dir, 'frames-in'), outDir = join(f.dir, 'frames-out');
    await mkdir(inDir);
    execFileSync('ffmpeg', ['-v', 'error', '-i', clip, '-frames:v', '5', join(inDir, 'f%03d.png')]);
    const controller = new AbortController();
    const args = ['video', '--frames-in', inDir, '--frames-out', outDir, '-s', f.painting, ...tiny.filter((a) => a !== '-q'), '--json'];
    // Stop during frame 3: frames 1 and 2 are on disk.
    const first = await (async () => {
      const run = cli(args, controller.signal);
      const timer = setInterval(async () => {
        if ((await readdir(outDir).catch(() => [])).filter((n) => n.endsWith('.png') && !n.startsWith('.')).length >= 2) controller.abort('SIGINT');
      }, 5);
      try {
        return await run;
      } finally {
        clearInterval(timer);
      }
    })();
    expect(first.code).toBe(130);
    expect(first.stderr).toMatch(/frames written in .*; continue with --resume/);
    const written = (await readdir(outDir)).filter((n) => n.endsWith('.png')).length;
    expect(written).toBeGreaterThanOrEqual(2);
    expect(written).toBeLessThan(5);

    const again = await cli(args);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already holds frames of a run: continue it with --resume/);

    const resumed = await cli([...args, '--resume']);
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toContain(`resuming at frame ${written + 1}/5`);
    const frames = new Set(resumed.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { frame: number }).frame));
    expect([...frames]).toEqual(Array.from({ length: 5 - written }, (_, i) => written + 1 + i));
    expect((await readdir(outDir)).filter((n) => n.endsWith('.png')).sort()).toEqual(['000001.png', '000002.png', '000003.png', '000004.png', '000005.png']);

    const changed = await cli([...args, '--resume', '--temporal-weight', '7']);
    expect(changed.code).toBe(2);
    expect(changed.stderr).toMatch(/holds a run with other inputs or settings/);
  }, 120_000);

  it.each(['nnst', 'strotss'])('--method %s: each frame runs the method, the temporal term joins its full-size stage from the second frame on', async (method) => {
    const inDir = join(f.dir, `frames-${method}`), outDir = join(f.dir, `out-${method}`);
    await mkdir(inDir);
    execFileSync('ffmpeg', ['-v', 'error', '-i', clip, '-frames:v', '3', join(inDir, 'f%03d.png')]);
    const weights = join(f.dir, 'vgg16-narrow.safetensors');
    if (!existsSync(weights)) await writeRandomWeights(weights, 'vgg16', [4, 6, 8, 10, 12]);
    const r = await cli(['video', '--frames-in', inDir, '--frames-out', outDir, '-s', f.painting, '--method', method, '--model-file', weights,
      '--image-size', '64', '--num-iterations', '2', '--frame-iterations', '1', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect((await readdir(outDir)).filter((n) => n.endsWith('.png'))).toHaveLength(3);
    const records = r.json() as Array<Record<string, number> & { frame: number; stage: number; stages: number }>;
    // The plan counts every scale: the last record of the run is its last planned iteration.
    expect(records.at(-1)!.totalIteration).toBe(records.at(-1)!.totalIterations);
    for (const x of records) {
      const fullSize = x.stage === x.stages;
      // At full size only; the first frame has no previous one to keep to (its part reads 0).
      expect('temporal' in x, JSON.stringify(x)).toBe(fullSize);
      if (x.frame === 1 && fullSize) expect(x.temporal).toBe(0);
    }
    expect(records.some((x) => x.frame > 1 && x.temporal! > 0)).toBe(true);
  }, 120_000);

  it('bad input: an unreadable clip, a bad frame, a missing ffmpeg — one line each', async () => {
    const junk = join(f.dir, 'junk.mp4');
    await writeFile(junk, 'not a video at all');
    const a = await cli(['video', '-c', junk, '-s', f.painting, '-o', join(f.dir, 'a.mp4'), ...tiny]);
    expect(a.code).toBe(1);
    expect(a.stderr).toMatch(/^error: .*junk\.mp4: not a readable video/);
    expect(a.stderr.trim().split('\n')).toHaveLength(1);

    const badDir = join(f.dir, 'bad-frames');
    await mkdir(badDir);
    await writeFile(join(badDir, 'a.png'), 'broken');
    const b = await cli(['video', '--frames-in', badDir, '--frames-out', join(f.dir, 'b'), '-s', f.painting, ...tiny]);
    expect(b.code).toBe(1);
    expect(b.stderr).toMatch(/^error: frame 1 \(a\.png\)/);
    expect(b.stderr.trim().split('\n')).toHaveLength(1);

    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      const c = await cli(['video', '-c', clip, '-s', f.painting, '-o', join(f.dir, 'c.mp4'), ...tiny]);
      expect(c.code).toBe(1);
      expect(c.stderr).toMatch(/^error: ffprobe was not found on PATH: install it \(Debian\/Ubuntu: apt-get install ffmpeg\)/);
    } finally {
      process.env.PATH = path;
    }
    const d = await cli(['video', '-s', f.painting, '-o', join(f.dir, 'd.mp4'), ...tiny]);
    expect(d.code).toBe(2);
    expect(d.stderr).toMatch(/either -c\/--content CLIP or --frames-in DIR/);
    await rm(join(f.dir, 'b'), { recursive: true, force: true });
  }, 120_000);
  it('a run that fails before its first frame (unreadable weights) leaves no frames folder, and a plain rerun works', async () => {
    const dir = join(f.dir, 'two-frames');
    await mkdir(dir);
    for (const n of ['a.png', 'b.png']) await writeFile(join(dir, n), await readFile(f.photo));
    const out = join(f.dir, 'fresh.mp4');
    const junkWeights = join(f.dir, 'junk.pth');
    await writeFile(junkWeights, 'not a checkpoint');
    const noWeights = ['--model', 'vgg19', '--model-file', junkWeights, '--image-size', '32', '-q'];
    const failed = await cli(['video', '--frames-in', dir, '-s', f.painting, '-o', out, ...noWeights]);
    expect(failed.code).toBe(1);
    expect(failed.stderr, failed.stderr).toMatch(/^error: .*junk\.pth/);
    expect(existsSync(`${out}.frames`)).toBe(false);
    const rerun = await cli(['video', '--frames-in', dir, '-s', f.painting, '--frames-out', `${out}.frames`, ...tiny]);
    expect([rerun.code, rerun.stderr]).toEqual([0, '']);
    expect((await readdir(`${out}.frames`)).filter((n) => n.endsWith('.png'))).toHaveLength(2);
  }, 120_000);
});

describe('neural-style video: its files are checked before any frame is decoded', () => {
  let g: Fixture;
  beforeAll(async () => {
    g = await makeFixture('ns-video-paths-');
  });
  afterAll(() => g.cleanup());

  it('refuses an output that is the input clip, leaving it untouched', async () => {
    const clip = join(g.dir, 'in.mp4');
    await writeFile(clip, 'not really a clip: the check comes first');
    const r = await cli(['video', '-c', clip, '-s', g.painting, '-o', clip, ...tiny]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: --output .*in\.mp4 is also the --content file; it would be overwritten/);
    expect(existsSync(`${clip}.frames`)).toBe(false);
  });

  it('refuses an output extension that is no clip format, before any work', async () => {
    const r = await cli(['video', '-c', join(g.dir, 'missing.mp4'), '-s', g.painting, '-o', join(g.dir, 'o.png'), ...tiny]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: --output .*o\.png: cannot tell the clip format from the extension "\.png"/);
  });

  it('refuses --frames-out in the --frames-in directory', async () => {
    const dir = join(g.dir, 'frames');
    await mkdir(dir, { recursive: true });
    const r = await cli(['video', '--frames-in', dir, '-s', g.painting, '--frames-out', dir, ...tiny]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: --frames-out .* is the --frames-in directory/);
  });
});

describe('coarse-to-fine sizes generated by --multires-from are checked like --multires', () => {
  it('a first size too small for the network is a usage error, not a graph crash', async () => {
    const g = await makeFixture('ns-mrfrom-');
    try {
      const r = await cli(['-c', g.photo, '-s', g.painting, '-o', join(g.dir, 'o.png'), '--model', 'vgg19-random', '--image-size', '32', '--num-iterations', '1', '--multires-from', '16']);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^error: --multires-from 16 makes the content image \d+×\d+, too small for relu5_1/);
      expect(r.stderr).not.toMatch(/unexpected error/);
    } finally {
      await g.cleanup();
    }
  });
});

/** `n` PNG frames of w×h (the photo pattern shifted a pixel a frame) in a new folder. */
async function pngFrames(dir: string, n: number, w = 48, h = 32, sizes: Array<[number, number]> = []): Promise<string> {
  await mkdir(dir, { recursive: true });
  for (let i = 0; i < n; i++) {
    const [fw, fh] = sizes[i] ?? [w, h];
    await rawImage(photoBytes(fw + i, fh), fw + i, fh).extract({ left: i, top: 0, width: fw, height: fh }).png().toFile(join(dir, `f${i}.png`));
  }
  return dir;
}

describe('neural-style video: the encoded clip is checked before "wrote" and before the frames go', () => {
  let g: Fixture;
  beforeAll(async () => {
    g = await makeFixture('ns-video-verify-');
  });
  afterAll(() => g.cleanup());

  it('an ffmpeg that exits 0 after a failed trailer (full disk): exit 1, frames kept and named, no clip; --resume encodes them again', async () => {
    const frames = await pngFrames(join(g.dir, 'in'), 3);
    // ffmpeg on a full disk: "Error writing trailer", a 4 KB file with no moov atom, exit status 0.
    const bin = join(g.dir, 'bin');
    await mkdir(bin);
    await writeFile(
      join(bin, 'ffmpeg'),
      '#!/bin/sh\nfor last; do :; done\nhead -c 4096 /dev/zero > "$last"\necho "[out#0/mp4 @ 0x1] Error writing trailer: No space left on device" >&2\nexit 0\n',
      { mode: 0o755 },
    );
    const out = join(g.dir, 'out.mp4');
    const args = ['video', '--frames-in', frames, '-s', g.painting, '-o', out, ...tiny];
    const path = process.env.PATH;
    process.env.PATH = `${bin}:${path}`;
    let r;
    try {
      r = await cli(args);
    } finally {
      process.env.PATH = path;
    }
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).not.toMatch(/wrote/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/No space left on device/);
    expect(r.stderr).toContain(`kept in ${out}.frames`);
    expect(existsSync(out)).toBe(false);
    expect((await readdir(`${out}.frames`)).filter((n) => n.endsWith('.png'))).toHaveLength(3);
    expect((await readdir(g.dir)).filter((n) => n.includes('.tmp'))).toEqual([]);

    // The advice works: the same command with --resume encodes the kept frames.
    const again = await cli([...args, '--resume']);
    expect([again.code, again.stderr]).toEqual([0, '']);
    expect(probe(out).video.frames).toBe(3);
    expect(existsSync(`${out}.frames`)).toBe(false);
  }, 120_000);
});

describe("neural-style video: the image command's options that fit a clip", () => {
  let g: Fixture;
  let frames: string;
  beforeAll(async () => {
    g = await makeFixture('ns-video-opts-');
    frames = await pngFrames(join(g.dir, 'in'), 2);
  });
  afterAll(() => g.cleanup());

  const two = () => ['-s', `${g.painting},${g.painting2}`, ...tiny, '--seed', '3'];

  it('--content-masks and --style-masks apply to every frame (regions, not a blend); a wrong count is refused', async () => {
    const half = (top: boolean) => {
      const b = Buffer.alloc(48 * 32 * 3, 0);
      for (let y = 0; y < 32; y++) if (y < 16 === top) b.fill(255, y * 48 * 3, (y + 1) * 48 * 3);
      return rawImage(b, 48, 32).png();
    };
    const top = join(g.dir, 'top.png'), bottom = join(g.dir, 'bottom.png');
    await half(true).toFile(top);
    await half(false).toFile(bottom);

    const masked = await cli(['video', '--frames-in', frames, '--frames-out', join(g.dir, 'masked'), ...two(), '--content-masks', `${top},${bottom}`, '--style-masks', `${top},${bottom}`]);
    expect([masked.code, masked.stderr]).toEqual([0, '']);
    const blend = await cli(['video', '--frames-in', frames, '--frames-out', join(g.dir, 'blend'), ...two()]);
    expect([blend.code, blend.stderr]).toEqual([0, '']);
    for (const n of ['000001.png', '000002.png']) {
      expect((await readFile(join(g.dir, 'masked', n))).equals(await readFile(join(g.dir, 'blend', n))), n).toBe(false);
    }

    const wrong = await cli(['video', '--frames-in', frames, '--frames-out', join(g.dir, 'wrong'), ...two(), '--content-masks', top]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/^error: --content-masks has 1 mask\(s\) but there are 2 style images/);
    expect(existsSync(join(g.dir, 'wrong'))).toBe(false);
  }, 120_000);

  it('--plot writes the loss curve over the whole clip', async () => {
    const plot = join(g.dir, 'loss.svg');
    const r = await cli(['video', '--frames-in', frames, '--frames-out', join(g.dir, 'plotted'), '-s', g.painting, ...tiny, '--plot', plot]);
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(await readFile(plot, 'utf8')).toMatch(/^<svg[^]*temporal/);
  }, 120_000);

  it.each([
    ['--init-image', 'x.png', /each frame after the first starts from the previous result warped/],
    ['--output-depth', '16', /frames are 8-bit/],
    ['--save-iter', '5', /each frame is written as it finishes/],
    ['--checkpoint', 'x.ckpt', /--resume/],
    ['--multires', '16,32', /coarse-to-fine has nothing to refine from/],
    ['--multires-from', '16', /coarse-to-fine has nothing to refine from/],
  ])('%s is refused in one line that says why, before any work', async (flag, value, why) => {
    const out = join(g.dir, 'refused');
    const r = await cli(['video', '--frames-in', frames, '--frames-out', out, '-s', g.painting, ...tiny, flag, value]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^error: ${flag} is not available for video: `));
    expect(r.stderr).toMatch(why);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(existsSync(out)).toBe(false);
  });
});

describe('neural-style video: bad requests are refused in the user\'s words, before any stylising', () => {
  let g: Fixture;
  beforeAll(async () => {
    g = await makeFixture('ns-video-refuse-');
  });
  afterAll(() => g.cleanup());

  it('--tile with the temporal loss: one line saying video cannot run in tiles and what to do instead', async () => {
    const frames = await pngFrames(join(g.dir, 'in'), 2);
    const out = join(g.dir, 'tiled');
    const r = await cli(['video', '--frames-in', frames, '--frames-out', out, '-s', g.painting, ...tiny, '--tile', '16']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: --tile: video cannot run in tiles .*--image-size.*--temporal-weight 0/);
    expect(r.stderr).not.toMatch(/loss term|decomposes/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(existsSync(out)).toBe(false);
  });

  it('a frame size that cannot fit in memory: the image command\'s memory refusal, before any weights load (it was killed by the system)', async () => {
    const frames = await pngFrames(join(g.dir, 'in-huge'), 2);
    const out = join(g.dir, 'huge-out');
    const r = await cli(['video', '--frames-in', frames, '--frames-out', out, '-s', g.painting, '--model', 'vgg19-random', '--image-size', '6000', '--num-iterations', '1', '--frame-iterations', '1', '-q']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: a 6000×\d+ run needs about [\d.]+ GB of memory but [\d.]+ GB is available; try --image-size \d+/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(existsSync(out)).toBe(false);
  });

  it('frames of mixed sizes in --frames-in: one line naming the first frame whose size differs, before any stylising', async () => {
    const frames = await pngFrames(join(g.dir, 'mixed'), 3, 48, 32, [[48, 32], [48, 32], [50, 32]]);
    const out = join(g.dir, 'mixed-out');
    const r = await cli(['video', '--frames-in', frames, '--frames-out', out, '-s', g.painting, ...tiny]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: --frames-in .*mixed: frame 3 \(f2\.png\) is 50×32 but frame 1 \(f0\.png\) is 48×32/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(existsSync(out)).toBe(false);
  });
});

describe('neural-style video: what it tells the user', () => {
  let g: Fixture;
  beforeAll(async () => {
    g = await makeFixture('ns-video-says-');
  });
  afterAll(() => g.cleanup());

  it('the closing line gives the frame rate as a number ("6 fps"), not ffprobe\'s fraction ("6/1")', async () => {
    const six = join(g.dir, 'six.mp4');
    execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=48x32:rate=6', '-frames:v', '2', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', six]);
    const out = join(g.dir, 'six-out.mp4');
    const r = await cli(['video', '-c', six, '-s', g.painting, '-o', out, ...tiny.filter((a) => a !== '-q'), '--print-iter', '0']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`wrote ${out} (2 frames at 6 fps)`);
  }, 120_000);
});
