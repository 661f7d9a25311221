/**
 * Garbage in, InputError out: random bytes and mutated PNG/JPEG/GIF/WebP files must never
 * crash, hang, or throw anything but InputError from readImage. Run counts are bounded so
 * the file stays well under 15 s on two cores.
 */
import fc from 'fast-check';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { readImage } from '../../src/image/decode-node.js';
import { gradientBytes, raw } from './make-images.js';

let dir: string;
let counter = 0;
const seeds: Record<string, Buffer> = {};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ns-fuzz-'));
  const img = () => raw(gradientBytes(24, 16), 24, 16);
  seeds.png = await img().png().toBuffer();
  seeds.jpeg = await img().jpeg({ quality: 80 }).toBuffer();
  seeds.gif = await img().gif().toBuffer();
  seeds.webp = await img().webp({ quality: 80 }).toBuffer();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** readImage on `bytes` via a temp file: resolves to a well-formed image or rejects with InputError. */
async function check(bytes: Uint8Array): Promise<void> {
  const p = join(dir, `f${counter++}.img`);
  await writeFile(p, bytes);
  try {
    const img = await readImage(p, { maxPixels: 4_000_000 });
    expect(img.data.length).toBe(img.width * img.height * 3);
    for (const v of img.data) if (!(v >= 0 && v <= 1)) expect.fail(`value ${v} outside [0, 1]`);
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    expect(e.message.startsWith(p)).toBe(true);
  } finally {
    await rm(p, { force: true });
  }
}

describe('readImage on hostile bytes', () => {
  it('random bytes (with and without a valid signature) give only InputError', async () => {
    const sigs = [[], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], [0xff, 0xd8, 0xff], [0x47, 0x49, 0x46, 0x38, 0x39, 0x61]];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...sigs), fc.uint8Array({ minLength: 1, maxLength: 600 }), async (sig, body) => {
        await check(Uint8Array.from([...sig, ...body]));
      }),
      { numRuns: 80 },
    );
  });

  for (const format of ['png', 'jpeg', 'gif', 'webp']) {
    it(`mutated ${format.toUpperCase()} files give an image or InputError`, async () => {
      const seed = seeds[format]!;
      const mutation = fc.record({
        edits: fc.array(fc.tuple(fc.nat(seed.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
        cut: fc.option(fc.nat(seed.length - 1), { nil: undefined }),
      });
      await fc.assert(
        fc.asyncProperty(mutation, async ({ edits, cut }) => {
          const b = Uint8Array.from(seed);
          for (const [i, v] of edits) b[i] = v;
          await check(cut === undefined ? b : b.subarray(0, Math.max(1, cut)));
        }),
        { numRuns: 60 },
      );
    });
  }
});
