/** Loads a parity fixture written by scripts/make-parity-fixture.py. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ConvWeights, LayerTable, Tensor } from '../../src/models/types.js';
import { DEFAULT_STYLIZE_OPTIONS, type StylizeOptions } from '../../src/options/index.js';
import { blendTargets, FeatureExtractor, type Targets } from '../../src/runtime/features.js';
import type { BackendProfile } from '../../src/backends/index.js';
import type { OrtModule } from '../../src/runtime/ort.js';

export interface ParityFixture {
  /** The fixture's objective as library options, plus its sizes and blend weights. */
  spec: StylizeOptions & { height: number; width: number; blend: number[] };
  table: LayerTable;
  weights: ConvWeights;
  tensors: Map<string, Tensor>;
  expected: { loss: number; content: number; style: number; tv: number };
}

/** A fixture written by scripts/make-*-fixture*.py: its JSON manifest, its tensors, and the conv weights among them. */
export function readFixture(folder: string, name: string) {
  const dir = join(import.meta.dirname, '..', 'fixtures', folder);
  const manifest = JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8'));
  const bin = readFileSync(join(dir, `${name}.bin`));
  const tensors = new Map<string, Tensor>();
  for (const t of manifest.tensors as { name: string; dims: number[]; offset: number }[]) {
    const count = t.dims.reduce((a, b) => a * b, 1);
    const data = new Float32Array(count);
    new Uint8Array(data.buffer).set(bin.subarray(t.offset, t.offset + count * 4));
    tensors.set(t.name, { dims: t.dims, data });
  }
  const layers = manifest.layers as { name: string; kind: 'conv' | 'relu' | 'pool' }[];
  const weights: ConvWeights = new Map();
  for (const l of layers.filter((l) => l.kind === 'conv')) {
    weights.set(l.name, { weight: tensors.get(`${l.name}.weight`)!, bias: tensors.get(`${l.name}.bias`)! });
  }
  return { manifest, tensors, layers, weights };
}

export function loadParityFixture(name: string): ParityFixture {
  const { manifest, tensors, layers, weights } = readFixture('parity', name);
  const s = manifest.spec;
  return {
    spec: {
      ...DEFAULT_STYLIZE_OPTIONS,
      contentLayers: s.content_layers,
      styleLayers: s.style_layers,
      contentWeight: s.content_weight,
      styleWeight: s.style_weight,
      tvWeight: s.tv_weight,
      pooling: s.pooling,
      normalizeGradients: s.normalize_gradients,
      height: s.height,
      width: s.width,
      blend: s.blend,
    },
    table: { architecture: 'vgg19', layers },
    weights,
    tensors,
    expected: manifest.expected,
  };
}

/** The fixture's content features and blended style Grams, computed by our features graph. */
export async function parityTargets(ort: OrtModule, fx: ParityFixture, backend?: BackendProfile): Promise<Targets> {
  const extractor = await FeatureExtractor.create(ort, { table: fx.table, weights: fx.weights }, fx.spec, { backend });
  try {
    const c = fx.tensors.get('content')!;
    const content = await extractor.extract(c.data, c.dims[3]!, c.dims[2]!, 'content');
    const styles = [];
    for (let i = 0; i < fx.spec.blend.length; i++) {
      const s = fx.tensors.get(`style${i}`)!;
      styles.push(await extractor.extract(s.data, s.dims[3]!, s.dims[2]!, 'style'));
    }
    return { ...content, ...blendTargets(styles, fx.spec.blend) };
  } finally {
    await extractor.release();
  }
}

/** How two gradients agree: the cosine of their angle, and the ratio of their lengths (‖ours‖ / ‖reference‖). */
export function compareGradients(ours: Float32Array, reference: Float32Array): { cosine: number; normRatio: number } {
  if (ours.length !== reference.length) throw new Error(`gradients of ${ours.length} and ${reference.length} values`);
  let dot = 0, na = 0, nb = 0;
  for (let i = 0; i < ours.length; i++) {
    dot += ours[i]! * reference[i]!;
    na += ours[i]! * ours[i]!;
    nb += reference[i]! * reference[i]!;
  }
  return { cosine: dot / Math.sqrt(na * nb), normRatio: Math.sqrt(na / nb) };
}
