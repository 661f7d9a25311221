/**
 * A weight file's conv weights, read lazily: the shapes now, from the file's header, the
 * values when `load()` is called (ConvWeights.load), which happens only when a graph's
 * bytes are made. Each tensor carries a recipe, `<file identity>#<tensor name>`, that the
 * optimised-model cache keys graphs by (src/runtime/model-source.ts): a warm run never
 * reads the 80 MB of weights at all.
 *
 * The file's identity costs one stat, not a read: its real path, size, inode, and its
 * modification and change times in nanoseconds. Contents changed in place move the change
 * time (ctime), which no user can set back, so an edited file is a new identity and the
 * cache builds a new model for it. A file that changes between the key and `load()` is an
 * error, never a model kept under the old key.
 */
import { realpath, stat } from 'node:fs/promises';
import { WeightsError } from '../errors.js';
import { fileSource } from './formats/byte-source-node.js';
import { convWeightShapes } from './formats/detect.js';
import type { ConvParams, ConvWeights, LayerTable, Tensor } from './types.js';

/** Who the file is, from one stat: equal identities, equal contents. */
export async function fileIdentity(path: string): Promise<string> {
  const real = await realpath(path);
  const s = await stat(real, { bigint: true });
  return `file:${real}|size=${s.size}|ino=${s.ino}|dev=${s.dev}|mtime=${s.mtimeNs}|ctime=${s.ctimeNs}`;
}

/**
 * The conv weights of `path` with their shapes and recipes but no data yet; `read` reads
 * them whole (on `load()`). Undefined when the header does not record every shape in the
 * layout the graph takes (npz, HWIO): then read it whole now (withRecipes).
 */
export async function lazyConvWeights(path: string, table: LayerTable, read: () => Promise<ConvWeights>): Promise<ConvWeights | undefined> {
  const identity = await fileIdentity(path);
  const source = await fileSource(path);
  let shapes;
  try {
    shapes = await convWeightShapes(source, table);
  } finally {
    await source.close();
  }
  if (!shapes) return undefined;
  let loaded: ConvWeights | undefined;
  let loading: Promise<void> | undefined;
  const load = () =>
    (loading ??= (async () => {
      if ((await fileIdentity(path)) !== identity) {
        throw new WeightsError(`${path} changed while this run was using it; run again to use the new file`);
      }
      loaded = await read();
    })().catch((err) => {
      loading = undefined;
      throw err;
    }));
  const weights: ConvWeights = new Map();
  for (const [layer, { weight, bias }] of shapes) {
    const tensor = (key: string, dims: number[], pick: (p: ConvParams) => Tensor): Tensor => ({
      dims,
      recipe: `${identity}#${key}`,
      get data() {
        const params = loaded?.get(layer);
        if (!params) throw new Error(`the weights of ${path} were not loaded (ConvWeights.load) before ${layer}'s values were read`);
        const t = pick(params);
        if (t.dims.join() !== dims.join()) throw new WeightsError(`${path}: ${key} has shape [${t.dims}] on reading, [${dims}] in the header`);
        return t.data;
      },
    });
    weights.set(layer, { weight: tensor(weight.key, weight.dims, (p) => p.weight), bias: tensor(bias.key, bias.dims, (p) => p.bias) });
  }
  weights.load = load;
  return weights;
}

/**
 * `path`'s weights read whole now, each tensor with its recipe: the cache still keys graphs
 * without hashing their values. The identity is taken before and checked after the read.
 */
export async function readWithRecipes(path: string, read: () => Promise<ConvWeights>): Promise<ConvWeights> {
  const identity = await fileIdentity(path);
  const weights = await read();
  if ((await fileIdentity(path)) !== identity) throw new WeightsError(`${path} changed while this run was reading it; run again to use the new file`);
  const out: ConvWeights = new Map();
  for (const [layer, p] of weights) {
    out.set(layer, {
      weight: { dims: p.weight.dims, data: p.weight.data, recipe: `${identity}#${layer}.weight` },
      bias: { dims: p.bias.dims, data: p.bias.data, recipe: `${identity}#${layer}.bias` },
    });
  }
  return out;
}
