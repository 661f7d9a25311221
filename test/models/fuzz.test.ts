/**
 * Property: whatever bytes readConvWeights is given (random, or a fixture cut short or with
 * bytes changed), it either returns weights or rejects with a WeightsError, promptly.
 * Never a TypeError/RangeError from a parser walking off an array, never a hang.
 */
import fc from 'fast-check';
import { strToU8, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { WeightsError } from '../../src/errors.js';
import { bytesSource, type ByteSource } from '../../src/models/formats/byte-source.js';
import { LEGACY_PREFIX } from '../../src/models/formats/pth-legacy.js';
import { unpickle } from '../../src/models/formats/unpickle.js';
import { readConvWeights } from '../../src/models/formats/detect.js';
import { vgg16Table, vgg19Table } from '../../src/models/layers.js';
import { FIXTURES, fixtureBytes } from './fixtures.js';

// FUZZ_RUNS / FUZZ_SEED widen the search when hunting bugs; CI uses the fixed defaults.
const RUNS = Number(process.env.FUZZ_RUNS ?? 200);
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);

/**
 * Most reads of the source for one case, and most bytes read: MAX_READ_FACTOR × the file's
 * size plus MAX_READ_SLACK (fixed-size probes of headers dominate a file of a few hundred
 * bytes). Measured: the intact fixtures take 34–69 reads and 1.0–1.9× their size (headers
 * and pickles read to find the tensors, then the tensors' bytes); over 3000 runs of each
 * property (FUZZ_SEED=5) at most 69 reads and 275 bytes above 2× the size.
 */
const MAX_READS = 256;
const MAX_READ_FACTOR = 3;
const MAX_READ_SLACK = 1024;

/**
 * Runs the loader on a counting source; returns 'ok', or throws what it threw if not a
 * WeightsError. "Promptly" is held as a count of work, not a time (a time limit fails on a
 * loaded machine, and a count says which loop ran away): at most MAX_READS reads and
 * MAX_READ_FACTOR × the file's size + MAX_READ_SLACK bytes read. A parser that hangs
 * without reading is caught by the test's timeout.
 */
async function outcome(bytes: Uint8Array, table = vgg19Table): Promise<'ok' | 'weights-error'> {
  const inner = bytesSource(bytes, 'fuzz.bin');
  let reads = 0;
  let bytesRead = 0;
  const counting: ByteSource = {
    size: inner.size,
    description: inner.description,
    read(offset, length) {
      reads++;
      bytesRead += length;
      return inner.read(offset, length);
    },
  };
  try {
    await readConvWeights(counting, table);
    return 'ok';
  } catch (err) {
    if (!(err instanceof WeightsError)) throw err;
    expect(err.message.startsWith('fuzz.bin')).toBe(true);
    return 'weights-error';
  } finally {
    expect(reads, 'reads of a file of ' + bytes.length + ' bytes').toBeLessThanOrEqual(MAX_READS);
    expect(bytesRead, 'bytes read from a file of ' + bytes.length + ' bytes').toBeLessThanOrEqual(MAX_READ_FACTOR * bytes.length + MAX_READ_SLACK);
  }
}

const PREFIXES: Uint8Array[] = [
  new Uint8Array(0),
  Uint8Array.of(0x50, 0x4b, 0x03, 0x04), // zip
  LEGACY_PREFIX, // torch legacy
  Uint8Array.of(0x80, 0x02), // some pickle
  Uint8Array.of(0x40, 0, 0, 0, 0, 0, 0, 0, 0x7b), // safetensors-like: 64-byte header, '{'
  Uint8Array.of(0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0), // npy
];

describe('readConvWeights on garbage', () => {
  it('random bytes, with and without a plausible magic number', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...PREFIXES), fc.uint8Array({ maxLength: 4096 }), async (prefix, rest) => {
        const bytes = new Uint8Array(prefix.length + rest.length);
        bytes.set(prefix);
        bytes.set(rest, prefix.length);
        expect(await outcome(bytes)).toBe('weights-error');
      }),
      { numRuns: RUNS, seed: SEED ?? 20240601 },
    );
  });

  const fixtures = [FIXTURES.legacy, FIXTURES.zip, FIXTURES.safetensors, FIXTURES.f16, FIXTURES.npz] as const;

  it('fixtures cut short and with bytes changed', async () => {
    const mutation = fc.record({
      file: fc.constantFrom(...fixtures),
      // Fractions as integers: fast-check's doubles favour 0 and 1, which would cut everything.
      cut: fc.option(fc.integer({ min: 0, max: 9999 }), { nil: undefined, freq: 2 }),
      edits: fc.array(fc.tuple(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
      // Bias mutations toward the start, where the headers and pickles are.
      headBias: fc.boolean(),
    });
    const seen = { ok: 0, error: 0 };
    await fc.assert(
      fc.asyncProperty(mutation, async ({ file, cut, edits, headBias }) => {
        let bytes = fixtureBytes(file).slice();
        for (const [where, value] of edits) {
          const span = headBias ? Math.min(bytes.length, 1024) : bytes.length;
          bytes[Math.floor((where / 10000) * span)] = value;
        }
        if (cut !== undefined) bytes = bytes.subarray(0, Math.floor((cut / 10000) * bytes.length));
        const result = await outcome(bytes, file === FIXTURES.npz ? vgg16Table : vgg19Table);
        if (result === 'ok') seen.ok++;
        else seen.error++;
      }),
      { numRuns: RUNS, seed: SEED ?? 424242 },
    );
    // Both branches happen: the property is not vacuous.
    expect(seen.ok).toBeGreaterThan(0);
    expect(seen.error).toBeGreaterThan(0);
  });

  // Token soup from the opcodes torch pickles use, so the unpickler and the state-dict
  // walker see deep, almost-valid structures rather than failing on the first byte.
  const str = (t: string) => [0x58, t.length, 0, 0, 0, ...strToU8(t)];
  const token = fc.oneof(
    fc.constantFrom(
      [0x28], [0x29], [0x5d], [0x7d], [0x4e], [0x88], [0x89], [0x74], [0x85], [0x86], [0x87], [0x52], [0x62],
      [0x73], [0x75], [0x61], [0x65], [0x51], [0x30], [0x32], [0x2e],
      [0x63, ...strToU8('torch._utils\n_rebuild_tensor_v2\n')],
      [0x63, ...strToU8('collections\nOrderedDict\n')],
      [0x63, ...strToU8('torch\nFloatStorage\n')],
      [0x63, ...strToU8('torch\nHalfStorage\n')],
      str('storage'), str('cpu'), str('0'), str('features.0.weight'), str('features.0.bias'),
    ),
    fc.tuple(fc.constantFrom(0x4b, 0x71, 0x68), fc.integer({ min: 0, max: 255 })).map(([op, n]) => [op, n]),
    fc.tuple(fc.constant(0x4a), fc.integer()).map(([op, n]) => [op, n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, (n >>> 24) & 0xff]),
  );
  const soup = fc.array(token, { maxLength: 200 }).map((ts) => Uint8Array.from([0x80, 2, ...ts.flat(), 0x2e]));

  it('almost-valid pickles in a legacy header and in a zip archive', async () => {
    // The legacy fixture's magic, protocol and sys_info pickles; the state dict pickle follows.
    const legacy = fixtureBytes(FIXTURES.legacy);
    let end = 0;
    for (let i = 0; i < 3; i++) end = unpickle(legacy, end, { description: 'head' }).end;
    const legacyHead = legacy.subarray(0, end);
    await fc.assert(
      fc.asyncProperty(soup, fc.boolean(), fc.uint8Array({ maxLength: 256 }), async (pickle, asZip, tail) => {
        let bytes: Uint8Array;
        if (asZip) {
          bytes = zipSync({ 'archive/data.pkl': pickle, 'archive/data/0': tail }, { level: 0 });
        } else {
          bytes = new Uint8Array(legacyHead.length + pickle.length + tail.length);
          bytes.set(legacyHead);
          bytes.set(pickle, legacyHead.length);
          bytes.set(tail, legacyHead.length + pickle.length);
        }
        expect(await outcome(bytes)).toBe('weights-error');
      }),
      { numRuns: RUNS, seed: SEED ?? 77 },
    );
  });
});
