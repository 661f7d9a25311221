/**
 * What every benchmark shares: VGG19 with random weights of the real shapes, the default
 * objective (content relu4_2, style relu1_1..relu5_1, TV, max pooling), random images, and
 * the targets computed from them. Nothing is downloaded.
 */
import type { BackendProfile } from '../src/backends/index.js';
import { vgg19Table } from '../src/models/layers.js';
import { randomVggWeights } from '../src/models/random-model.js';
import type { NetworkSource } from '../src/network/vgg.js';
import { DEFAULT_STYLIZE_OPTIONS, type StylizeOptions } from '../src/options/index.js';
import { FeatureExtractor, type Targets } from '../src/runtime/features.js';
import type { OrtModule } from '../src/runtime/ort.js';
import { Rng } from '../src/util/random.js';

export const BENCH_SPEC: StylizeOptions = { ...DEFAULT_STYLIZE_OPTIONS, pooling: 'max', normalizeGradients: false };

/** VGG19 with seeded He-normal weights of the real shapes (src/models/random-model.ts). */
export function vgg19RandomWeights(seed = 0): NetworkSource {
  return { table: vgg19Table, weights: randomVggWeights(vgg19Table, seed) };
}

/** A random image in network units (roughly the spread of mean-subtracted 0..255 pixels); square unless a height is given. */
export function randomImage(size: number, seed: number, height = size): Float32Array {
  return new Rng(seed).fillNormal(new Float32Array(3 * size * height), 60);
}

/** An image shape: width × height, as a user's photo has one (landscape, portrait, square). */
export interface Shape {
  width: number;
  height: number;
}

/** "512" (square) or "512x384" (width × height; × works too). */
export function parseShape(raw: string): Shape | undefined {
  const m = /^(\d+)(?:[x×](\d+))?$/.exec(raw.trim());
  if (!m) return undefined;
  const width = Number(m[1]);
  const height = m[2] === undefined ? width : Number(m[2]);
  return width > 0 && height > 0 ? { width, height } : undefined;
}

export const shapeName = (s: Shape) => `${s.width}×${s.height}`;

/** Content and style targets of two random images, from a forward-only session. */
export async function makeTargets(
  ort: OrtModule,
  net: NetworkSource,
  spec: StylizeOptions,
  size: number,
  backend: BackendProfile,
  height = size,
): Promise<{ targets: Targets; content: Float32Array }> {
  const extractor = await FeatureExtractor.create(ort, net, spec, { backend });
  const content = randomImage(size, 1, height);
  const c = await extractor.extract(content, size, height, 'content');
  const s = await extractor.extract(randomImage(size, 2, height), size, height, 'style');
  await extractor.release();
  return { targets: { ...s, ...c }, content };
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Peak resident set size of this process so far, in bytes (Linux reports KiB). */
export function peakRssBytes(): number {
  return process.resourceUsage().maxRSS * 1024;
}
