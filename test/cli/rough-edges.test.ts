/**
 * Issue 26, the image command's rough edges: a single-valued flag given twice, a style
 * path with a comma, `-o DIR/`, tile sizes off the grid or larger than the image, an
 * output that cannot be written at the end of a run, `--resume` without `--checkpoint`,
 * and `serve --root` naming a missing folder. Each one line, the right exit code, and
 * nothing lost.
 */
import { copyFile, mkdir, readFile, rm } from 'node:fs/promises';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { loadCheckpoint } from '../../src/cli/checkpoint.js';
import { cli, type Fixture, makeFixture, small } from './helpers.js';

let f: Fixture;
beforeAll(async () => {
  f = await makeFixture('ns-rough-');
});
afterAll(() => f.cleanup());

const oneLine = (stderr: string) => stderr.trimEnd().split('\n');

describe('a single-valued flag given twice', () => {
  it.each([
    ['-c', () => ['-c', f.painting2], /^error: option '--content' was given twice \('.*photo\.jpg', then '.*painting2\.png'\); give it once$/],
    ['-o', () => ['-o', join(f.dir, 'a.png'), '-o', join(f.dir, 'b.png')], /^error: option '--output' was given twice .*; give it once$/],
    ['--image-size', () => ['--image-size', '48'], /^error: option '--image-size' was given twice \('32', then '48'\); give it once$/],
  ])('%s: a usage error naming the flag', async (_flag, extra, message) => {
    // Not small(): it lets a later flag replace an earlier one, as a test means it to.
    const r = await cli(['-c', f.photo, '-s', f.painting, '--model', 'vgg19-random', '--image-size', '32', '--backend', 'cpu', ...extra(), '--num-iterations', '1']);
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toHaveLength(1);
    expect(r.stderr.trimEnd()).toMatch(message);
    expect(existsSync(join(f.dir, 'a.png')) || existsSync(join(f.dir, 'b.png'))).toBe(false);
  });

  it("is refused by every command's options, not only the image command's", async () => {
    const serve = await cli(['serve', '--port', '0', '--port', '1']);
    expect([serve.code, serve.stderr]).toEqual([2, "error: option '--port' was given twice ('0', then '1'); give it once\n"]);
    const submit = await cli(['submit', '-c', f.photo, '-c', f.painting, '-s', f.painting]);
    expect(submit.code).toBe(2);
    expect(submit.stderr).toMatch(/^error: option '--content' was given twice/);
  });

  it('leaves repeatable flags (-s) repeatable', async () => {
    const r = await cli(small(f, ['-s', f.painting2, '--num-iterations', '1', '-q', '-o', join(f.dir, 'two.png')]));
    expect([r.code, r.stderr]).toEqual([0, '']);
  });
});

describe('a style path with a comma', () => {
  it('is taken whole when the file exists', async () => {
    const comma = join(f.dir, 'monet, water lilies.png');
    await copyFile(f.painting, comma);
    const r = await cli(['-c', f.photo, '-s', comma, '--model', 'vgg19-random', '--image-size', '32', '--backend', 'cpu', '--num-iterations', '1', '-q', '-o', join(f.dir, 'comma.png')]);
    expect([r.code, r.stderr]).toEqual([0, '']);
    // Commas still separate paths that are not one existing file.
    const two = await cli(['-c', f.photo, '-s', `${f.painting},${f.painting2}`, '--model', 'vgg19-random', '--image-size', '32', '--backend', 'cpu', '--num-iterations', '1', '-q', '-o', join(f.dir, 'two-styles.png')]);
    expect([two.code, two.stderr]).toEqual([0, '']);
  });
});

describe('-o naming a directory', () => {
  it('says it is a directory and what to give', async () => {
    const dir = join(f.dir, 'results');
    await mkdir(dir, { recursive: true });
    for (const o of [`${dir}/`, dir, `${join(f.dir, 'not-yet')}/`]) {
      const r = await cli(small(f, ['-o', o, '--num-iterations', '1']));
      expect(r.code, o).toBe(2);
      expect(r.stderr, o).toMatch(/^error: --output .*: (is|names) a directory; give a file name, e.g. .*\/out\.png\n$/);
    }
  });
});

describe('--tile', () => {
  it('at least as large as the image runs untiled', async () => {
    const r = await cli(small(f, ['--tile', '1000', '--num-iterations', '1', '--json', '-o', join(f.dir, 'bigtile.png')]));
    expect(r.code, r.stderr).toBe(0);
    const lines = r.json();
    expect(lines.length).toBeGreaterThan(0);
    // A tiled run reports its tile count on every line; an untiled one has no `tiles`.
    expect(lines.map((l) => l.tiles)).toEqual(lines.map(() => undefined));
    expect(r.stderr).toMatch(/--tile 1000 covers the whole 32×24 image: it runs untiled/);
  });

  it('off the pooling grid says what it is rounded to', async () => {
    const r = await cli(small(f, ['--tile', '17', '--num-iterations', '1', '--json', '-o', join(f.dir, 'tile17.png')]));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/--tile 17 is not a multiple of 16 px/);
    expect(r.json()[0]!.tiles).toBeGreaterThan(1);
  });
});

describe('an output that cannot be written when the run ends', () => {
  it('keeps the result in the temp directory, names it, and says how --checkpoint would help', async () => {
    const outDir = join(f.dir, 'vanishing');
    await mkdir(outDir);
    let stdout = '';
    let stderr = '';
    const code = await main(small(f, ['-o', join(outDir, 'result.png'), '--num-iterations', '2', '--json']), {
      stdout: {
        write: (s: string) => {
          stdout += s;
          // The last iteration is reported before the image is written: take the directory away then.
          if (/"iteration":2\b/.test(s)) rmSync(outDir, { recursive: true, force: true });
        },
      },
      stderr: { write: (s: string) => (stderr += s) },
    });
    expect(stdout).toMatch(/"iteration":2\b/);
    expect(code).toBe(1);
    const kept = /kept in (\S+\.png)/.exec(stderr)?.[1];
    expect(kept, stderr).toBeDefined();
    const meta = await sharp(await readFile(kept!)).metadata();
    expect([meta.width, meta.height]).toEqual([32, 24]);
    expect(stderr).toMatch(/--checkpoint FILE/);
    await rm(kept!);
  });
});

describe('--resume without --checkpoint', () => {
  it('goes on checkpointing into the file it resumed from', async () => {
    const ckpt = join(f.dir, 'run.ckpt');
    const first = await cli(small(f, ['--checkpoint', ckpt, '--num-iterations', '1', '-q', '-o', join(f.dir, 'r1.png')]));
    expect(first.code, first.stderr).toBe(0);
    expect((await loadCheckpoint(ckpt)).checkpoint.iteration).toBe(1);
    const second = await cli(small(f, ['--resume', ckpt, '--num-iterations', '3', '-q', '-o', join(f.dir, 'r2.png')]));
    expect(second.code, second.stderr).toBe(0);
    expect((await loadCheckpoint(ckpt)).checkpoint.iteration).toBe(3);
  });
});

describe('serve --root', () => {
  it('naming a missing folder says so', async () => {
    const missing = join(f.dir, 'no-such-build');
    const r = await cli(['serve', '--port', '0', '--root', missing]);
    expect([r.code, r.stderr]).toEqual([2, `error: --root ${missing}: no such folder\n`]);
  });
});
