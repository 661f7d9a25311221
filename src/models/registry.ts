/**
 * The weights this project knows how to fetch, as plain data (no `node:` imports, so the
 * browser build can list the same models). `--model NAME` picks one entry, and the entry
 * fixes everything that must agree with the weights: the layer table (architecture) and
 * how pixels become network input (preprocessing family).
 */
import { msg, opt, UsageError } from '../errors.js';
import type { Architecture, Preprocessing } from './types.js';

export type PreprocessingFamily = Preprocessing['family'];

export interface Integrity {
  /**
   * Lower-case hex that the file's SHA-256 must start with. torchvision's convention puts
   * the first 8 hex digits in the file name (`vgg19-dcbb9e9d.pth`); a full 64-digit hash
   * also works.
   */
  sha256Prefix: string;
  /** Exact size in bytes, where known. Unknown sizes are not checked (never guessed). */
  size?: number;
}

export interface ModelEntry {
  /** What `--model` accepts. */
  name: string;
  architecture: Architecture;
  preprocessing: PreprocessingFamily;
  /** One line for `neural-style models`. */
  description: string;
  /**
   * Where the weights come from. Absent for generated models (`vgg19-random`), which need
   * no file at all.
   */
  url?: string;
  /** Required whenever `url` is set: downloads are verified before they enter the cache. */
  integrity?: Integrity;
}

/** What `--model` defaults to: the Caffe VGG-19 that jcjohnson/neural-style used. */
export const DEFAULT_MODEL = 'vgg19';

/** A generated model: seeded random conv weights, no download. */
export const RANDOM_MODEL = 'vgg19-random';

const UMICH = 'https://web.eecs.umich.edu/~justincj/models/';
const PYTORCH = 'https://download.pytorch.org/models/';

export const MODELS: readonly ModelEntry[] = Object.freeze([
  {
    name: 'vgg19',
    architecture: 'vgg19',
    preprocessing: 'caffe',
    description:
      'VGG-19, original Caffe weights converted by neural-style-pt (BGR, 0-255, mean-subtracted); ' +
      'the weights jcjohnson/neural-style used. Default.',
    url: `${UMICH}vgg19-d01eb7cb.pth`,
    integrity: { sha256Prefix: 'd01eb7cb' },
  },
  {
    name: 'vgg16',
    architecture: 'vgg16',
    preprocessing: 'caffe',
    description: 'VGG-16, original Caffe weights converted by neural-style-pt (BGR, 0-255, mean-subtracted).',
    url: `${UMICH}vgg16-00b39a1b.pth`,
    integrity: { sha256Prefix: '00b39a1b' },
  },
  {
    name: 'vgg19-torchvision',
    architecture: 'vgg19',
    preprocessing: 'torchvision',
    description: "VGG-19 from torchvision's ImageNet training (RGB, 0-1, ImageNet mean/std).",
    url: `${PYTORCH}vgg19-dcbb9e9d.pth`,
    integrity: { sha256Prefix: 'dcbb9e9d', size: 574_673_361 },
  },
  {
    name: 'vgg16-torchvision',
    architecture: 'vgg16',
    preprocessing: 'torchvision',
    description: "VGG-16 from torchvision's ImageNet training (RGB, 0-1, ImageNet mean/std).",
    url: `${PYTORCH}vgg16-397923af.pth`,
    integrity: { sha256Prefix: '397923af' },
  },
  {
    name: RANDOM_MODEL,
    architecture: 'vgg19',
    // He-initialised filters on Caffe's ±100 input give activations of the size real VGG
    // has with Caffe input (see random-model.ts), so default loss weights behave alike.
    preprocessing: 'caffe',
    description:
      'VGG-19 with seeded random weights: works offline with no download, but results are ' +
      'much lower quality (textures, not style). For tests and trying things out.',
  },
] satisfies ModelEntry[]);

export function modelNames(entries: readonly ModelEntry[] = MODELS): string[] {
  return entries.map((e) => e.name);
}

/** The entry for `--model NAME`; a UsageError listing the known names otherwise. */
export function getModelEntry(name: string, entries: readonly ModelEntry[] = MODELS): ModelEntry {
  const entry = entries.find((e) => e.name === name);
  if (!entry) {
    throw new UsageError(
      msg`Unknown model '${name}'. Known models: ${modelNames(entries).join(', ')}. For your own weight file, give it as ${opt('modelFile')} with ${opt('model')} set to the matching architecture.`,
    );
  }
  return entry;
}

/** The file name a download is stored under in the cache: the last path segment of the URL. */
export function weightFileName(url: string): string {
  const path = new URL(url).pathname;
  const name = decodeURIComponent(path.slice(path.lastIndexOf('/') + 1));
  if (!name || name === '.' || name === '..' || /[\\/]/.test(name)) {
    throw new UsageError(`Cannot derive a file name from the weights URL ${url}`);
  }
  return name;
}

/**
 * Point a registry URL at a mirror: `base` replaces everything before the file name, so
 * the file name (and the checksum it carries) stays the same. Tests use this to serve
 * weights from 127.0.0.1; users behind a firewall can use an internal mirror.
 */
export function rebaseUrl(url: string, base: string): string {
  const withSlash = base.endsWith('/') ? base : `${base}/`;
  return new URL(encodeURIComponent(weightFileName(url)), withSlash).href;
}
