/**
 * Weight files of every format give identical conv tensors, read nothing they need not,
 * and refuse broken or foreign files with a WeightsError that names the file and tensor.
 * Fixtures: scripts/make-weight-fixtures.py (one set of random tensors, written by torch).
 */
import { strToU8, unzipSync, zipSync, type Zippable } from 'fflate';
import { describe, expect, it } from 'vitest';
import { WeightsError } from '../../src/errors.js';
import { bytesSource, type ByteSource } from '../../src/models/formats/byte-source.js';
import { fileSource } from '../../src/models/formats/byte-source-node.js';
import { detectFormat, openWeights, readConvWeights } from '../../src/models/formats/detect.js';
import { decodeSafetensors, encodeSafetensors } from '../../src/models/formats/safetensors.js';
import { vgg16Table, vgg19Table } from '../../src/models/layers.js';
import type { Tensor } from '../../src/models/types.js';
import { expected, expectMatches, FIXTURES, fixtureBytes, fixturePath, fixtureSource, rejection, sha256 } from './fixtures.js';

/** A ByteSource that records every range read. */
function recording(inner: ByteSource): ByteSource & { reads: Array<[number, number]> } {
  const reads: Array<[number, number]> = [];
  return {
    size: inner.size,
    description: inner.description,
    reads,
    read(offset, length) {
      reads.push([offset, offset + length]);
      return inner.read(offset, length);
    },
  };
}

function indexOfBytes(hay: Uint8Array, needle: Uint8Array): number {
  return Buffer.from(hay.buffer, hay.byteOffset, hay.byteLength).indexOf(Buffer.from(needle.buffer, needle.byteOffset, needle.byteLength));
}

async function weightsError(p: Promise<unknown>): Promise<WeightsError> {
  const err = await rejection(p);
  expect(err, String(err)).toBeInstanceOf(WeightsError);
  return err as WeightsError;
}

/** The fixture's float32 tensors, for building variants with encodeSafetensors. */
function fixtureTensors(): Map<string, Tensor> {
  return decodeSafetensors(fixtureBytes(FIXTURES.safetensors), FIXTURES.safetensors);
}

describe('readConvWeights: every format, identical tensors', () => {
  it.each([
    [FIXTURES.legacy, 'pth-legacy'],
    [FIXTURES.zip, 'pth-zip'],
    [FIXTURES.safetensors, 'safetensors'],
  ] as const)('%s (%s) matches the reference', async (file, format) => {
    const source = fixtureSource(file);
    expect(await detectFormat(source)).toBe(format);
    expectMatches(await readConvWeights(source, vgg19Table), expected.vgg19);
  });

  it('float16 storages are converted exactly to float32', async () => {
    expect(await detectFormat(fixtureSource(FIXTURES.f16))).toBe('pth-zip');
    expectMatches(await readConvWeights(fixtureSource(FIXTURES.f16), vgg19Table), expected.vgg19f16);
  });

  it('Frossard .npz: HWIO kernels come back as OIHW', async () => {
    expect(await detectFormat(fixtureSource(FIXTURES.npz))).toBe('npz');
    expectMatches(await readConvWeights(fixtureSource(FIXTURES.npz), vgg16Table), expected.vgg16);
  });

  it('reads through a real file handle too', async () => {
    const source = await fileSource(fixturePath(FIXTURES.legacy));
    try {
      expect(source.description).toBe(fixturePath(FIXTURES.legacy));
      expectMatches(await readConvWeights(source, vgg19Table), expected.vgg19);
    } finally {
      await source.close();
      await source.close(); // idempotent
    }
  });

  it('lists every tensor, including the classifier and non-float buffers', async () => {
    for (const file of [FIXTURES.legacy, FIXTURES.zip]) {
      const archive = await openWeights(fixtureSource(file));
      expect(archive.keys()).toContain('classifier.6.weight');
      expect(archive.keys()).toContain('features.step_count');
      expect(archive.shape('features.0.weight')).toEqual([4, 3, 3, 3]);
      const counter = await archive.read('features.step_count');
      expect(counter.dims).toEqual([]);
      expect(Array.from(counter.data)).toEqual([7]);
    }
  });

  it.each([FIXTURES.legacy, FIXTURES.zip, FIXTURES.safetensors])('never reads the classifier (%s)', async (file) => {
    const bytes = fixtureBytes(file);
    const classifier = await (await openWeights(bytesSource(bytes))).read('classifier.0.weight');
    const needle = new Uint8Array(classifier.data.buffer, classifier.data.byteOffset, classifier.data.byteLength);
    const at = indexOfBytes(bytes, needle);
    expect(at).toBeGreaterThan(0);
    const source = recording(bytesSource(bytes, file));
    await readConvWeights(source, vgg19Table);
    // Header reads (a bounded prefix, the ZIP's bounded tail) cover these tiny files whole;
    // every other read must miss the classifier.
    const dataReads = source.reads.filter(([a, b]) => a !== 0 && b !== bytes.length);
    expect(dataReads.length).toBeGreaterThan(10);
    expect(dataReads.filter(([a, b]) => a < at + needle.length && b > at)).toEqual([]);
  });

  it('header reads stay bounded when the file is large', async () => {
    // Legacy: 8 MB of trailing bytes after the storages (torch ignores them, and so do we).
    const legacy = fixtureBytes(FIXTURES.legacy);
    const padded = new Uint8Array(legacy.length + 8 * 1024 * 1024);
    padded.set(legacy);
    // Zip: an 8 MB stored entry among the storages.
    const entries = unzipSync(fixtureBytes(FIXTURES.zip));
    const names = Object.keys(entries);
    const big: Zippable = {};
    names.forEach((name, i) => {
      big[name] = [entries[name]!, { level: 0 }];
      if (i === 3) big['mini-vgg19-zip/data/huge'] = [new Uint8Array(8 * 1024 * 1024), { level: 0 }];
    });
    for (const [name, bytes] of [['padded.pth', padded], ['big.pth', zipSync(big)]] as const) {
      const source = recording(bytesSource(bytes, name));
      expectMatches(await readConvWeights(source, vgg19Table), expected.vgg19);
      const total = source.reads.reduce((sum, [a, b]) => sum + b - a, 0);
      expect(total, name).toBeLessThan(1.2 * 1024 * 1024);
    }
  });

  it('reads the shapes real files come in: checkpoints of Parameters, torch < 0.4 tensors', async () => {
    const conv1 = expected.vgg19.conv1_1!;
    for (const file of ['checkpoint-params.pth', 'old-rebuild-tensor.pth']) {
      const archive = await openWeights(fixtureSource(file));
      expect(archive.keys()).toEqual(['features.0.weight', 'features.0.bias']);
      expect(sha256((await archive.read('features.0.weight')).data)).toBe(conv1.weightSha256);
      expect(sha256((await archive.read('features.0.bias')).data)).toBe(conv1.biasSha256);
      // Only conv1_1 is there: the message names the first missing tensor.
      const err = await weightsError(readConvWeights(fixtureSource(file), vgg19Table));
      expect(err.message).toContain("missing tensor 'features.2.weight' for vgg19 layer conv1_2");
    }
  });

  it('explains a pickled module (torch.save(model)) instead of a state dict', async () => {
    const err = await weightsError(readConvWeights(fixtureSource('whole-module.pth'), vgg19Table));
    expect(err.message).toBe(
      'whole-module.pth (data.pkl): holds a pickled torch.nn.modules.conv.Conv2d object rather than a state dict ' +
        '(it was saved with torch.save(model)); save model.state_dict() instead',
    );
  });

  it('follows the ZIP64 end record when the classic one is saturated', async () => {
    // torch writes a ZIP64 end record into every archive; saturating the classic record's
    // fields (as a > 4 GB file would) forces the reader through it.
    const bytes = fixtureBytes(FIXTURES.zip).slice();
    const view = new DataView(bytes.buffer);
    const eocd = bytes.length - 22;
    expect(view.getUint32(eocd, true)).toBe(0x06054b50);
    view.setUint16(eocd + 8, 0xffff, true);
    view.setUint16(eocd + 10, 0xffff, true);
    view.setUint32(eocd + 12, 0xffffffff, true);
    view.setUint32(eocd + 16, 0xffffffff, true);
    expectMatches(await readConvWeights(bytesSource(bytes, 'zip64.pth'), vgg19Table), expected.vgg19);
  });

  it('accepts Caffe-named keys with a module prefix (and our own safetensors copies)', async () => {
    const tensors = new Map<string, Tensor>();
    const reference = await readConvWeights(fixtureSource(FIXTURES.zip), vgg19Table);
    for (const [name, p] of reference) {
      tensors.set(`module.${name}.weight`, p.weight);
      tensors.set(`module.${name}.bias`, p.bias);
    }
    const bytes = encodeSafetensors(tensors, { format: 'test' });
    expectMatches(await readConvWeights(bytesSource(bytes), vgg19Table), expected.vgg19);
  });

  it('reads DEFLATE-compressed archives (re-zipped .pth and np.savez_compressed-style .npz)', async () => {
    for (const [file, table, ref] of [
      [FIXTURES.zip, vgg19Table, expected.vgg19],
      [FIXTURES.npz, vgg16Table, expected.vgg16],
    ] as const) {
      const entries = unzipSync(fixtureBytes(file));
      const rezipped = zipSync(Object.fromEntries(Object.entries(entries).map(([k, v]) => [k, [v, { level: 6 }]])) as Zippable);
      expectMatches(await readConvWeights(bytesSource(rezipped, `deflated ${file}`), table), ref);
    }
  });
});

describe('readConvWeights: broken and foreign files', () => {
  it('empty file', async () => {
    const err = await weightsError(readConvWeights(bytesSource(new Uint8Array(0), 'empty.pth'), vgg19Table));
    expect(err.message).toMatch(/^empty\.pth: the file is empty; expected a PyTorch \.pth/);
  });

  it.each([
    ['a PNG image', Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 1)],
    ['a JPEG image', Uint8Array.of(0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0)],
    ['an HTML/XML document', strToU8('<!DOCTYPE html><html><body>404 Not Found</body></html>')],
    ['gzip-compressed data', Uint8Array.of(0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3)],
    ['unrecognised header', strToU8('hello, world, this is not a model')],
  ])('foreign file: %s', async (what, bytes) => {
    const err = await weightsError(readConvWeights(bytesSource(bytes, 'style.jpg'), vgg19Table));
    expect(err.message).toContain('style.jpg: not a weight file');
    expect(err.message).toContain(what);
    expect(err.message).toContain('expected a PyTorch .pth (zip or legacy format), a .safetensors or a NumPy .npz');
  });

  it('a ZIP that is neither a torch archive nor an npz', async () => {
    const zip = zipSync({ 'readme.txt': strToU8('hi') });
    const err = await weightsError(readConvWeights(bytesSource(zip, 'x.zip'), vgg19Table));
    expect(err.message).toMatch(/x\.zip: a ZIP archive with neither data\.pkl .* \(entries: readme\.txt\)/);
  });

  it.each(Object.values(FIXTURES).filter((f) => f !== FIXTURES.noncontig))('truncated %s', async (file) => {
    const bytes = fixtureBytes(file);
    for (const length of [1, 9, 20, 100, Math.floor(bytes.length / 3), Math.floor(bytes.length / 2), bytes.length - 1]) {
      const err = await weightsError(readConvWeights(bytesSource(bytes.subarray(0, length), `cut-${length}-${file}`), file.includes('16') ? vgg16Table : vgg19Table));
      expect(err.message.startsWith(`cut-${length}-${file}: `), err.message).toBe(true);
    }
  });

  it('a truncated legacy file says which storage runs past the end', async () => {
    const bytes = fixtureBytes(FIXTURES.legacy);
    const err = await weightsError(readConvWeights(bytesSource(bytes.subarray(0, bytes.length - 10), 'cut.pth'), vgg19Table));
    expect(err.message).toMatch(/^cut\.pth: the file is truncated or corrupt: storage '\d+' claims \d+ elements/);
  });

  it('refuses a non-contiguous conv weight, naming it', async () => {
    const err = await weightsError(readConvWeights(fixtureSource(FIXTURES.noncontig), vgg19Table));
    expect(err.message).toContain("tensor 'features.0.weight' is not contiguous");
    expect(err.message).toContain('stride [27, 1, 9, 3]');
  });

  it('a corrupted storage in a zip fails its CRC check', async () => {
    const bytes = fixtureBytes(FIXTURES.zip).slice();
    const w = await (await openWeights(bytesSource(bytes))).read('features.7.weight');
    const at = indexOfBytes(bytes, new Uint8Array(w.data.buffer));
    bytes[at + 5]! ^= 0x40;
    const err = await weightsError(readConvWeights(bytesSource(bytes, 'bad.pth'), vgg19Table));
    expect(err.message).toMatch(/^bad\.pth: tensor 'features\.7\.weight' \(zip entry '.*\/data\/\d+'\): CRC-32 mismatch/);
  });

  it('in-place patched safetensors header: wrong in-channels, wrong kernel', async () => {
    const original = fixtureBytes(FIXTURES.safetensors);
    const text = new TextDecoder().decode(original);
    const patch = (from: string, to: string) => {
      expect(from.length).toBe(to.length);
      const at = text.indexOf(from);
      expect(at).toBeGreaterThan(0);
      const out = original.slice();
      out.set(strToU8(to), at);
      return bytesSource(out, 'patched.safetensors');
    };
    let err = await weightsError(readConvWeights(patch('"features.2.weight":{"dtype":"F32","shape":[4,4,3,3]', '"features.2.weight":{"dtype":"F32","shape":[8,2,3,3]'), vgg19Table));
    expect(err.message).toBe(
      "patched.safetensors: tensor 'features.2.weight' (conv1_2 weight): expected 4 input channels (conv1_1's output channels), got 2 (shape [8, 2, 3, 3], OIHW)",
    );
    err = await weightsError(readConvWeights(patch('"features.0.weight":{"dtype":"F32","shape":[4,3,3,3]', '"features.0.weight":{"dtype":"F32","shape":[4,3,1,9]'), vgg19Table));
    expect(err.message).toContain("tensor 'features.0.weight' (conv1_1 weight): expected a 3×3 kernel, got 1×9");
  });

  describe('variants built from the fixture tensors', () => {
    const variant = async (edit: (t: Map<string, Tensor>) => void, table = vgg19Table) => {
      const tensors = fixtureTensors();
      edit(tensors);
      return weightsError(readConvWeights(bytesSource(encodeSafetensors(tensors), 'variant.safetensors'), table));
    };

    it('bias of the wrong length', async () => {
      const err = await variant((t) => t.set('features.0.bias', { dims: [5], data: new Float32Array(5) }));
      expect(err.message).toBe("variant.safetensors: tensor 'features.0.bias' (conv1_1 bias): expected shape [4] (the weight's out-channels), got [5]");
    });

    it('a 2-D weight', async () => {
      const err = await variant((t) => t.set('features.10.weight', { dims: [8, 54], data: new Float32Array(432) }));
      expect(err.message).toContain("tensor 'features.10.weight' (conv3_1 weight): expected a 4-D kernel, got shape [8, 54]");
    });

    it('a missing conv', async () => {
      const err = await variant((t) => t.delete('features.34.weight'));
      expect(err.message).toContain("missing tensor 'features.34.weight' for vgg19 layer conv5_4");
    });

    it('a non-finite weight', async () => {
      const err = await variant((t) => {
        t.get('features.5.weight')!.data[3] = NaN;
      });
      expect(err.message).toContain("tensor 'features.5.weight' (conv2_1 weight): element 3 is NaN");
    });

    it('the wrong architecture gets a hint', async () => {
      const err = await variant(() => {}, vgg16Table);
      expect(err.message).toContain("missing tensor 'features.17.weight' for vgg16 layer conv4_1");
      expect(err.message).toContain('which matches vgg19');
    });

    it('a file with no VGG tensors lists what it has', async () => {
      const err = await weightsError(
        readConvWeights(bytesSource(encodeSafetensors(new Map([['encoder.layer1.weight', { dims: [2], data: new Float32Array(2) }]])), 'bert.safetensors'), vgg19Table),
      );
      expect(err.message).toBe(
        "bert.safetensors: no vgg19 conv weights found: looked for 'features.0.weight' (torchvision), 'conv1_1.weight' or 'conv1_1_W' (Frossard .npz) for conv1_1; the file's tensors: 'encoder.layer1.weight'",
      );
    });
  });

  describe('npz arrays', () => {
    const npy = (descr: string, shape: number[], data: Uint8Array, fortran = false) => {
      let header = `{'descr': '${descr}', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
      header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
      const out = new Uint8Array(10 + header.length + data.length);
      out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
      new DataView(out.buffer).setUint16(8, header.length, true);
      out.set(strToU8(header), 10);
      out.set(data, 10 + header.length);
      return out;
    };
    const withEntry = (name: string, bytes: Uint8Array) => {
      const entries = unzipSync(fixtureBytes(FIXTURES.npz));
      entries[name] = bytes as Uint8Array<ArrayBuffer>;
      return bytesSource(zipSync(entries, { level: 0 }), 'edited.npz');
    };

    it('float64 arrays convert to float32', async () => {
      const ref = await readConvWeights(fixtureSource(FIXTURES.npz), vgg16Table);
      const b = ref.get('conv2_1')!.bias.data;
      const f8 = new Float64Array(b);
      const weights = await readConvWeights(withEntry('conv2_1_b.npy', npy('<f8', [b.length], new Uint8Array(f8.buffer))), vgg16Table);
      expect(weights.get('conv2_1')!.bias.data).toEqual(b);
    });

    it('Fortran order is refused, naming the array', async () => {
      const err = await weightsError(readConvWeights(withEntry('conv1_2_W.npy', npy('<f4', [3, 3, 4, 4], new Uint8Array(576), true)), vgg16Table));
      expect(err.message).toBe("edited.npz: array 'conv1_2_W': array is stored in Fortran order; only C order is supported");
    });

    it('a kernel with the wrong in-channels names the array and the layout', async () => {
      const err = await weightsError(readConvWeights(withEntry('conv1_2_W.npy', npy('<f4', [3, 3, 5, 4], new Uint8Array(720))), vgg16Table));
      expect(err.message).toBe(
        "edited.npz: tensor 'conv1_2_W' (conv1_2 weight): expected 4 input channels (conv1_1's output channels), got 5 (shape [3, 3, 5, 4], HWIO)",
      );
    });

    it('data shorter than the shape is a truncation error', async () => {
      const err = await weightsError(readConvWeights(withEntry('conv1_1_b.npy', npy('<f4', [4], new Uint8Array(12))), vgg16Table));
      expect(err.message).toContain("edited.npz: array 'conv1_1_b': truncated");
    });
  });
});
