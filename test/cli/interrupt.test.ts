/**
 * Issue 7: long runs survive interruption and numerical faults.
 * - SIGINT to a real `neural-style` process: it stops at the next iteration, writes the
 *   image so far and a checkpoint, and exits 130; the checkpoint then resumes.
 * - --checkpoint + --resume continue exactly: 4 + 4 iterations equal 8 straight.
 * - A checkpoint from another run is refused; NaN/Inf stops with the last good image.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readImage } from '../../src/image/decode-node.js';
import { cli, type Fixture, makeFixture, small, spawnCli } from './helpers.js';

let f: Fixture;
beforeAll(async () => {
  f = await makeFixture('ns-interrupt-');
});
afterAll(() => f.cleanup());

const out = (name: string) => join(f.dir, name);
const withoutTime = (lines: Array<Record<string, number>>) => lines.map(({ elapsedMs: _, ...rest }) => rest);

describe('SIGINT', () => {
  it('stops a real run at an iteration boundary, saves the image and a checkpoint, exits 130', { timeout: 120_000 }, async () => {
    let signalled = false;
    const { done } = spawnCli(
      [...small(f, ['-o', out('sigint.png'), '--num-iterations', '1000', '--json', '--checkpoint', out('sigint.ckpt'), '--checkpoint-every', '1000'])],
      (line, child) => {
        if (!signalled && (JSON.parse(line) as { iteration: number }).iteration >= 3) {
          signalled = true;
          child.kill('SIGINT');
        }
      },
    );
    const r = await done;
    expect(signalled).toBe(true);
    expect(r.stderr).toMatch(/SIGINT: stopping cleanly/);
    expect(r.stderr).toMatch(/interrupted at iteration \d+\/1000: wrote .*sigint\.png; continue with --resume .*sigint\.ckpt/);
    expect(r.code).toBe(130);
    const lines = r.json(); // stdout stayed pure JSON lines
    const last = lines.at(-1)!.iteration!;
    expect(last).toBeGreaterThanOrEqual(3);
    expect(last).toBeLessThan(1000);

    const meta = await sharp(out('sigint.png')).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 32, 24]);
    expect(existsSync(out('sigint.ckpt'))).toBe(true);

    // The checkpoint written on the way out continues the run.
    const resumed = await cli(small(f, ['-o', out('sigint.png'), '--num-iterations', String(last + 2), '--json', '--resume', out('sigint.ckpt')]));
    expect(resumed.stderr).toMatch(new RegExp(`resuming at iteration ${last + 1} from`));
    expect(resumed.code).toBe(0);
    expect(resumed.json().map((l) => l.iteration)).toEqual([last + 1, last + 2]);
  });
});

describe('--checkpoint and --resume', () => {
  for (const optimizer of ['lbfgs', 'adam']) {
    it(`${optimizer}: 4 iterations + resume 4 equal 8 straight`, async () => {
      const common = ['--optimizer', optimizer, '--init', 'image', '--json'];
      const straight = await cli(small(f, ['-o', out(`${optimizer}-straight.png`), '--num-iterations', '8', ...common]));
      expect(straight.code).toBe(0);
      const ckpt = out(`${optimizer}.ckpt`);
      const first = await cli(small(f, ['-o', out(`${optimizer}-part.png`), '--num-iterations', '4', '--checkpoint', ckpt, '--checkpoint-every', '4', ...common]));
      expect(first.code).toBe(0);
      const second = await cli(small(f, ['-o', out(`${optimizer}-resumed.png`), '--num-iterations', '8', '--resume', ckpt, '--checkpoint', ckpt, ...common]));
      expect(second.stderr).toMatch(/resuming at iteration 4/);
      expect(second.code).toBe(0);

      const a = withoutTime(straight.json());
      const b = withoutTime([...first.json().slice(0, 4), ...second.json()]);
      expect(b.map((l) => l.iteration)).toEqual(a.map((l) => l.iteration));
      b.forEach((l, i) => {
        for (const k of ['loss', 'content', 'style', 'tv']) expect(Math.abs(l[k]! - a[i]![k]!)).toBeLessThanOrEqual(1e-5 * Math.abs(a[i]![k]!) + 1e-9);
      });
      const [x, y] = await Promise.all([readImage(out(`${optimizer}-straight.png`)), readImage(out(`${optimizer}-resumed.png`))]);
      let maxDiff = 0;
      for (let i = 0; i < x.data.length; i++) maxDiff = Math.max(maxDiff, Math.abs(x.data[i]! - y.data[i]!));
      expect(maxDiff).toBeLessThanOrEqual(1 / 255);
    });
  }

  it('refuses a checkpoint of another run, naming the difference, before any work', async () => {
    const ckpt = out('lbfgs.ckpt'); // from the test above
    const base = ['--optimizer', 'lbfgs', '--init', 'image', '--resume', ckpt, '--num-iterations', '8'];
    const weight = await cli(small(f, ['-o', out('other.png'), ...base, '--style-weight', '50']));
    expect(weight.code).toBe(2);
    expect(weight.stderr).toMatch(/the checkpoint is from another run: it was made with --style-weight 100, this run has 50/);
    const content = await cli(small(f, ['-o', out('other.png'), ...base]).map((a) => (a === f.photo ? f.painting2 : a)));
    expect(content.code).toBe(2);
    expect(content.stderr).toMatch(/the content image differs from the checkpoint's/);
    const size = await cli(small(f, ['-o', out('other.png'), ...base], 48));
    expect(size.code).toBe(2);
    expect(size.stderr).toMatch(/--image-size 32, this run has 48/);
    const short = await cli(small(f, ['-o', out('other.png'), ...base.slice(0, -2), '--num-iterations', '3']));
    expect(short.code).toBe(2);
    expect(short.stderr).toMatch(/the checkpoint is at iteration 8, past --num-iterations 3/);
    expect(existsSync(out('other.png'))).toBe(false);
  });

  it('refuses a checkpoint with four bytes changed in the middle, like a truncated one', async () => {
    const damaged = out('damaged.ckpt');
    const bytes = await readFile(out('adam.ckpt')); // from the test above
    const middle = Math.floor(bytes.length / 2);
    for (let i = middle; i < middle + 4; i++) bytes[i] ^= 0x5a;
    await writeFile(damaged, bytes);
    const r = await cli(small(f, ['-o', out('from-damaged.png'), '--optimizer', 'adam', '--init', 'image', '--resume', damaged, '--num-iterations', '10']));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: --resume \S*damaged\.ckpt: not a neural-style checkpoint, or damaged \(optimizer checkpoint: damaged \(checksum mismatch/m);
    expect(existsSync(out('from-damaged.png'))).toBe(false);
  });
});

describe('NaN/Inf', () => {
  it('stops with the likely cause and keeps the last good image', async () => {
    const r = await cli(small(f, ['-o', out('nan.png'), '--optimizer', 'adam', '--learning-rate', '1e30', '--num-iterations', '20']));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /error: numerical breakdown at iteration \d+: .*the Adam step size \(--learning-rate 1e\+30\) is likely too large: try --learning-rate 26\. The last good image \(iteration \d+\) is in .*nan\.png/,
    );
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const meta = await sharp(out('nan.png')).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 32, 24]);
  });
});
