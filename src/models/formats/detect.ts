/**
 * One entry point for weight files of any supported format: sniff the format from the
 * first bytes, open the file lazily, map the layer table's conv layers to the file's
 * tensor names, read just those tensors and check that they chain into a VGG.
 */
import { WeightsError } from '../../errors.js';
import { convLayers } from '../layers.js';
import type { ConvParams, ConvWeights, LayerSpec, LayerTable, Tensor } from '../types.js';
import type { TensorArchive, WeightFormat } from './archive.js';
import { readRange, type ByteSource } from './byte-source.js';
import { hwioToOihw, looksLikeNpz, openNpz } from './npz.js';
import { LEGACY_PREFIX, openPthLegacy } from './pth-legacy.js';
import { findTorchPrefix, openPthZip } from './pth-zip.js';
import { looksLikeSafetensors, openSafetensors } from './safetensors.js';
import { looksLikeZip, readZip } from './zip.js';

export type { TensorArchive, WeightFormat } from './archive.js';

const EXPECTED = 'expected a PyTorch .pth (zip or legacy format), a .safetensors or a NumPy .npz weight file';

/** Names well-known non-weight files so the message says what the file actually is. */
function identifyForeign(head: Uint8Array): string | undefined {
  const starts = (...bytes: number[]) => bytes.every((b, i) => head[i] === b);
  const ascii = String.fromCharCode(...head.subarray(0, 16));
  if (starts(0x89, 0x50, 0x4e, 0x47)) return 'a PNG image';
  if (starts(0xff, 0xd8, 0xff)) return 'a JPEG image';
  if (ascii.startsWith('GIF8')) return 'a GIF image';
  if (ascii.startsWith('RIFF') && String.fromCharCode(...head.subarray(8, 12)) === 'WEBP') return 'a WebP image';
  if (starts(0x1f, 0x8b)) return 'gzip-compressed data (decompress it first)';
  if (starts(0x89, 0x48, 0x44, 0x46)) return 'an HDF5 file (Keras .h5 weights are not supported)';
  if (/^\s*</.test(ascii)) return 'an HTML/XML document (a failed download?)';
  if (/^\s*[{[]/.test(ascii)) return 'a JSON/text document';
  if (head.length > 262 && String.fromCharCode(...head.subarray(257, 262)) === 'ustar') return 'a tar archive (the pre-0.4 tar-based PyTorch format is not supported)';
  if (head[0] === 0x80) return 'a Python pickle that is not a PyTorch legacy file (no torch magic number)';
  return undefined;
}

/** Which format the source holds. WeightsError naming the file when none. */
export async function detectFormat(source: ByteSource): Promise<WeightFormat> {
  return (await sniff(source)).format;
}

async function sniff(source: ByteSource): Promise<{ format: WeightFormat; open: () => Promise<TensorArchive> }> {
  const description = source.description;
  if (source.size === 0) throw new WeightsError(`${description}: the file is empty; ${EXPECTED}`);
  const head = await readRange(source, 0, Math.min(source.size, 512), 'the file header');
  if (looksLikeZip(head)) {
    const zip = await readZip(source);
    if (findTorchPrefix(zip) !== undefined) return { format: 'pth-zip', open: () => openPthZip(source, zip) };
    if (looksLikeNpz(zip)) return { format: 'npz', open: () => openNpz(source, zip) };
    const names = [...zip.entries.keys()];
    throw new WeightsError(
      `${description}: a ZIP archive with neither data.pkl (PyTorch) nor .npy arrays (NumPy .npz)` +
        ` (entries: ${names.slice(0, 5).join(', ') || 'none'}${names.length > 5 ? ', …' : ''}); ${EXPECTED}`,
    );
  }
  if (LEGACY_PREFIX.every((b, i) => head[i] === b)) return { format: 'pth-legacy', open: () => openPthLegacy(source) };
  if (head.length < LEGACY_PREFIX.length && head.every((b, i) => LEGACY_PREFIX[i] === b)) {
    throw new WeightsError(`${description}: the file is truncated (${source.size} bytes, a PyTorch legacy header)`);
  }
  if (looksLikeSafetensors(head, source.size)) return { format: 'safetensors', open: () => openSafetensors(source) };
  const what = identifyForeign(head);
  throw new WeightsError(`${description}: not a weight file${what ? `: it is ${what}` : ' (unrecognised header)'}; ${EXPECTED}`);
}

/** Opens any supported weight file for lazy, per-tensor reading. */
export async function openWeights(source: ByteSource): Promise<TensorArchive> {
  return (await sniff(source)).open();
}

/** How a file names a conv's parameters. */
interface KeyScheme {
  label: string;
  weight(layer: LayerSpec): string;
  bias(layer: LayerSpec): string;
  /** Kernels stored HWIO (TensorFlow / Frossard) rather than OIHW. */
  hwio: boolean;
}

/** Finds `suffix` as a whole dotted component at the end of a key: 'module.features.0.weight'. */
function findPrefix(keys: readonly string[], suffix: string): string | undefined {
  for (const k of keys) {
    if (k === suffix) return '';
    if (k.endsWith(`.${suffix}`)) return k.slice(0, k.length - suffix.length);
  }
  return undefined;
}

function chooseScheme(keys: readonly string[], first: LayerSpec): KeyScheme | undefined {
  const tv = findPrefix(keys, `${first.stateDictKey}.weight`);
  if (first.stateDictKey && tv !== undefined) {
    return { label: 'torchvision', weight: (l) => `${tv}${l.stateDictKey}.weight`, bias: (l) => `${tv}${l.stateDictKey}.bias`, hwio: false };
  }
  const caffe = findPrefix(keys, `${first.name}.weight`);
  if (caffe !== undefined) {
    return { label: 'Caffe names', weight: (l) => `${caffe}${l.name}.weight`, bias: (l) => `${caffe}${l.name}.bias`, hwio: false };
  }
  if (keys.includes(`${first.name}_W`)) {
    return { label: 'Frossard npz', weight: (l) => `${l.name}_W`, bias: (l) => `${l.name}_b`, hwio: true };
  }
  return undefined;
}

/** A guess at what kind of file this is, to add to a "missing tensor" message. */
function architectureHint(keys: readonly string[], table: LayerTable): string {
  if (keys.some((k) => k.endsWith('running_mean'))) return ' (the file has batch-norm statistics: a vgg*_bn model, which is not supported)';
  const convs = new Set<string>();
  for (const k of keys) {
    const m = /(?:^|\.)features\.(\d+)\.weight$/.exec(k) ?? /^(conv\d+_\d+)(?:\.weight|_W)$/.exec(k);
    if (m) convs.add(m[1]!);
  }
  const count = convs.size;
  const guess = count === 16 ? 'vgg19' : count === 13 ? 'vgg16' : undefined;
  if (guess && guess !== table.architecture) return ` (the file has ${count} conv layers, which matches ${guess}: choose that architecture)`;
  return count > 0 ? ` (the file has ${count} conv weight tensors)` : '';
}

function sample(keys: readonly string[]): string {
  return `${keys.slice(0, 8).map((k) => `'${k}'`).join(', ') || 'none'}${keys.length > 8 ? `, … (${keys.length} in all)` : ''}`;
}

function checkFinite(t: Tensor, what: string): void {
  const d = t.data;
  for (let i = 0; i < d.length; i++) {
    if (!Number.isFinite(d[i]!)) throw new WeightsError(`${what}: element ${i} is ${d[i]} (corrupt file?)`);
  }
}

/**
 * Reads the conv weights a layer table needs from any supported weight file, reading only
 * those tensors. Channel widths come from the file (a narrow VGG loads too); each conv is
 * checked: present, OIHW 4-D with a 3×3 kernel, in-channels equal to the previous conv's
 * out-channels (3 for the first), bias of length out-channels, finite values.
 * Throws WeightsError naming the file, the tensor and the conv layer.
 */
export async function readConvWeights(source: ByteSource, table: LayerTable): Promise<ConvWeights> {
  return (await walkConvWeights(source, table, true)) as ConvWeights;
}

/** Where a conv's tensors are in a file, and their shapes (OIHW), as the file's header records them. */
export type ConvTensorShapes = Map<string, { weight: { key: string; dims: number[] }; bias: { key: string; dims: number[] } }>;

/**
 * The shapes readConvWeights would return, from the file's header alone, with the same
 * checks of names and shapes; undefined when the format does not record shapes outside
 * the data (npz) or stores kernels in another layout (HWIO). For reading lazily
 * (src/models/lazy-weights-node.ts): the graph needs the shapes, the data only sometimes.
 */
export async function convWeightShapes(source: ByteSource, table: LayerTable): Promise<ConvTensorShapes | undefined> {
  return (await walkConvWeights(source, table, false)) as ConvTensorShapes | undefined;
}

async function walkConvWeights(source: ByteSource, table: LayerTable, read: boolean): Promise<ConvWeights | ConvTensorShapes | undefined> {
  const archive = await openWeights(source);
  const description = source.description;
  const keys = archive.keys();
  const convs = convLayers(table);
  if (convs.length === 0) return read ? new Map() : undefined;
  const scheme = chooseScheme(keys, convs[0]!);
  if (!scheme) {
    const first = convs[0]!;
    throw new WeightsError(
      `${description}: no ${table.architecture} conv weights found: looked for ` +
        `'${first.stateDictKey}.weight' (torchvision), '${first.name}.weight' or '${first.name}_W' (Frossard .npz) ` +
        `for ${first.name}; the file's tensors: ${sample(keys)}`,
    );
  }
  const present = new Set(keys);
  const out: ConvWeights = new Map();
  const shapes: ConvTensorShapes = new Map();
  let inChannels = 3;
  let previous = 'the RGB input';
  for (const layer of convs) {
    const wKey = scheme.weight(layer);
    const bKey = scheme.bias(layer);
    const where = (key: string, role: string) => `${description}: tensor '${key}' (${layer.name} ${role})`;
    for (const key of [wKey, bKey]) {
      if (!present.has(key)) {
        throw new WeightsError(
          `${description}: missing tensor '${key}' for ${table.architecture} layer ${layer.name} ` +
            `(key style: ${scheme.label})${architectureHint(keys, table)}`,
        );
      }
    }
    const checkWeightShape = (raw: number[]) => {
      if (raw.length !== 4) {
        throw new WeightsError(`${where(wKey, 'weight')}: expected a 4-D kernel, got shape [${raw.join(', ')}]`);
      }
      const [o, i, h, w] = scheme.hwio ? [raw[3]!, raw[2]!, raw[0]!, raw[1]!] : (raw as [number, number, number, number]);
      const layout = scheme.hwio ? 'HWIO' : 'OIHW';
      if (h !== 3 || w !== 3) {
        throw new WeightsError(`${where(wKey, 'weight')}: expected a 3×3 kernel, got ${h}×${w} (shape [${raw.join(', ')}], ${layout})`);
      }
      if (i !== inChannels) {
        throw new WeightsError(
          `${where(wKey, 'weight')}: expected ${inChannels} input channels (${previous}), got ${i} (shape [${raw.join(', ')}], ${layout})`,
        );
      }
      if (o === 0) throw new WeightsError(`${where(wKey, 'weight')}: has 0 output channels`);
      return o;
    };
    const checkBiasShape = (raw: number[], o: number) => {
      if (raw.length !== 1 || raw[0] !== o) {
        throw new WeightsError(`${where(bKey, 'bias')}: expected shape [${o}] (the weight's out-channels), got [${raw.join(', ')}]`);
      }
    };
    // Check shapes the format records before reading data, so a wrong tensor (a 400 MB
    // classifier matrix, say) is refused without being read.
    const knownW = archive.shape(wKey);
    const knownB = archive.shape(bKey);
    if (knownW) {
      const o = checkWeightShape(knownW);
      if (knownB) checkBiasShape(knownB, o);
    }
    if (!read) {
      if (!knownW || !knownB || scheme.hwio) return undefined;
      shapes.set(layer.name, { weight: { key: wKey, dims: knownW }, bias: { key: bKey, dims: knownB } });
      inChannels = knownW[0]!;
      previous = `${layer.name}'s output channels`;
      continue;
    }
    const rawWeight = await archive.read(wKey);
    const outChannels = checkWeightShape(rawWeight.dims);
    const rawBias = await archive.read(bKey);
    checkBiasShape(rawBias.dims, outChannels);
    const weight = scheme.hwio ? hwioToOihw(rawWeight) : rawWeight;
    checkFinite(weight, where(wKey, 'weight'));
    checkFinite(rawBias, where(bKey, 'bias'));
    const params: ConvParams = { weight, bias: rawBias };
    out.set(layer.name, params);
    inChannels = outChannels;
    previous = `${layer.name}'s output channels`;
  }
  return read ? out : shapes;
}
