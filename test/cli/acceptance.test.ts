/**
 * Issue 4's acceptance run:
 *   neural-style -c photo.jpg -s painting.jpg -o out.png --image-size 128 --num-iterations 50
 * with --model vgg19-random finishes, the style loss falls at least 10× from iteration 0,
 * and out.png is a valid PNG with the content image's aspect ratio. In-process: a child
 * process would only add start-up time (the SIGINT test covers the real process).
 */
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cli, type Fixture, makeFixture, paintingBytes, rawImage } from './helpers.js';

let f: Fixture;
let painting: string;
beforeAll(async () => {
  f = await makeFixture('ns-accept-');
  painting = join(f.dir, 'painting.jpg');
  await rawImage(paintingBytes(96), 96, 96).jpeg({ quality: 90 }).toFile(painting);
});
afterAll(() => f.cleanup());

it('photo.jpg + painting.jpg → out.png at 128 px in 50 iterations, style loss down ≥ 10×', { timeout: 180_000 }, async () => {
  const output = join(f.dir, 'out.png');
  const started = Date.now();
  const r = await cli(['-c', f.photo, '-s', painting, '-o', output, '--image-size', '128', '--num-iterations', '50', '--model', 'vgg19-random', '--json']);
  const seconds = (Date.now() - started) / 1000;
  expect(r.stderr).not.toMatch(/^error/m);
  expect(r.code).toBe(0);

  const lines = r.json();
  expect(lines.map((l) => l.iteration)).toEqual(Array.from({ length: 51 }, (_, i) => i));
  const fall = lines[0]!.style! / lines[50]!.style!;
  expect(fall).toBeGreaterThanOrEqual(10);

  const meta = await sharp(output).metadata();
  expect(meta.format).toBe('png');
  expect([meta.width, meta.height]).toEqual([128, 96]); // 160×120 content: 4:3
  await sharp(output).raw().toBuffer(); // decodes in full
  console.log(`acceptance run: ${seconds.toFixed(1)} s, style loss ${lines[0]!.style!.toExponential(3)} → ${lines[50]!.style!.toExponential(3)} (${fall.toFixed(0)}×)`);
});
