/**
 * Weights in the browser (runs in the worker): the offline generated preset, a file the
 * user picked, or a URL; and a cache in Cache Storage so the next visit starts at once.
 *
 * What is cached is the same compact copy the Node cache keeps (resolve-node.ts): the conv
 * tensors only, as safetensors under Caffe names, ~80 MB for VGG-19 instead of a 548 MB
 * .pth. It is read back through readConvWeights like any other weight file, so a damaged
 * entry fails with the same WeightsError messages.
 */
import { DownloadError, MODELS, RANDOM_MODEL, WeightsError, convLayers, encodeSafetensors, layerTableFor, preprocessingFor, randomVggWeights, readConvWeights, weightFileName, type ByteSource, type ConvWeights, type LoadedModel, type Tensor } from '../../src/index.js';
import { blobSource } from '../../src/browser.js';
import type { Architecture, CachedWeights, PreprocessingFamily, WeightsInfo, WeightsSource } from './protocol.js';

const CACHE_NAME = 'neural-style-weights-v1';
const META_HEADER = 'x-neural-style-weights';

export type ProgressFn = (phase: 'download' | 'read' | 'generate' | 'cache', loaded: number, total: number | undefined, text: string) => void;

export interface Loaded {
  model: LoadedModel;
  info: WeightsInfo;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(0)} kB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(n < 10 * 1024 ** 2 ? 1 : 0)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}

function convBytes(w: ConvWeights): number {
  let n = 0;
  for (const p of w.values()) n += (p.weight.data.length + p.bias.data.length) * 4;
  return n;
}

export async function loadWeights(source: WeightsSource, progress: ProgressFn, signal: AbortSignal): Promise<Loaded> {
  const start = performance.now();
  switch (source.kind) {
    case 'random': {
      const table = layerTableFor('vgg19');
      progress('generate', 0, undefined, `generating random VGG-19 weights (seed ${source.seed})…`);
      const weights = randomVggWeights(table, source.seed);
      const model: LoadedModel = { name: `${RANDOM_MODEL} (seed ${source.seed})`, table, weights, preprocessing: preprocessingFor('caffe') };
      return {
        model,
        info: {
          name: model.name,
          architecture: 'vgg19',
          preprocessing: 'caffe',
          bytes: convBytes(weights),
          lowQuality: true,
          fromCache: false,
          notes: [],
          loadMs: performance.now() - start,
        },
      };
    }
    case 'cached': {
      const hit = await openCache().then((c) => c?.match(cacheUrl(source.id)));
      if (!hit) throw new WeightsError(`the cached weights '${source.id}' are gone (the browser may have cleared its storage); load them again`);
      const meta = readMeta(hit.headers.get(META_HEADER));
      if (!meta) throw new WeightsError(`the cached weights '${source.id}' have no description; delete them and load the file again`);
      const blob = await hit.blob();
      progress('read', 0, undefined, `reading ${meta.name} from the browser cache (${formatBytes(blob.size)})…`);
      const table = layerTableFor(meta.architecture);
      const weights = await readConvWeights(blobSource(blob, `cached ${meta.name}`), table);
      return {
        model: { name: meta.name, table, weights, preprocessing: preprocessingFor(meta.preprocessing) },
        info: {
          name: meta.name,
          architecture: meta.architecture,
          preprocessing: meta.preprocessing,
          bytes: convBytes(weights),
          lowQuality: false,
          fromCache: true,
          notes: [],
          loadMs: performance.now() - start,
        },
      };
    }
    case 'file':
    case 'url': {
      const notes: string[] = [];
      let blob: Blob;
      let name: string;
      let sourceText: string;
      if (source.kind === 'file') {
        blob = source.file;
        name = source.file.name;
        sourceText = source.file.name;
      } else {
        blob = await download(source.url, progress, signal);
        name = urlFileName(source.url);
        sourceText = source.url;
      }
      const known = MODELS.find((m) => m.url && weightFileName(m.url) === name);
      if (source.kind === 'url' && known?.integrity) await verify(blob, name, known.integrity.sha256Prefix, progress, notes);
      const preprocessing = source.preprocessing === 'auto' ? guessPreprocessing(name, notes) : source.preprocessing;
      const { architecture, weights } = await readEither(
        countingSource(blobSource(blob, name), (n) =>
          progress('read', n, undefined, `reading the conv weights from ${name} (${formatBytes(blob.size)} file): ${formatBytes(n)} read…`),
        ),
        source.architecture === 'auto' ? known?.architecture ?? 'auto' : source.architecture,
        notes,
      );
      signal.throwIfAborted();
      const modelName = known?.name ?? name.replace(/\.(pth|pt|safetensors|npz)$/i, '');
      const model: LoadedModel = { name: modelName, table: layerTableFor(architecture), weights, preprocessing: preprocessingFor(preprocessing) };
      progress('cache', 0, undefined, 'saving the conv weights in the browser cache…');
      const cachedAs = await store(model, architecture, preprocessing, sourceText).catch((err: unknown) => {
        notes.push(`Could not save the weights in the browser cache (${(err as Error).message}); they will need loading again next visit.`);
        return undefined;
      });
      return {
        model,
        info: {
          name: modelName,
          architecture,
          preprocessing,
          bytes: convBytes(weights),
          lowQuality: false,
          fromCache: false,
          cachedAs,
          notes,
          loadMs: performance.now() - start,
        },
      };
    }
  }
}

function urlFileName(url: string): string {
  try {
    return weightFileName(url);
  } catch {
    return 'weights';
  }
}

/**
 * The preprocessing a file most likely needs, from its name: a registry file name is
 * certain; otherwise .npz means Frossard's, a torchvision name means torchvision, and
 * anything else the Caffe convention of the classic neural-style weights.
 */
export function guessPreprocessing(name: string, notes: string[]): PreprocessingFamily {
  const known = MODELS.find((m) => m.url && weightFileName(m.url) === name);
  if (known) return known.preprocessing;
  let guess: PreprocessingFamily = 'caffe';
  if (/\.npz$/i.test(name)) guess = 'frossard';
  else if (/torchvision|imagenet|dcbb9e9d|397923af/i.test(name)) guess = 'torchvision';
  notes.push(
    `Preprocessing guessed from the file name: ${guess}. If colours come out wrong, choose the preprocessing the weights were trained with and load them again.`,
  );
  return guess;
}

/** Reports how many bytes the parsers have read so far (they read only what they need). */
function countingSource(source: ByteSource, report: (bytesRead: number) => void): ByteSource {
  let total = 0;
  let last = 0;
  report(0);
  return {
    size: source.size,
    description: source.description,
    async read(offset, length) {
      const bytes = await source.read(offset, length);
      total += length;
      const now = performance.now();
      if (now - last > 100) {
        last = now;
        report(total);
      }
      return bytes;
    },
  };
}

async function readEither(
  source: ByteSource,
  architecture: Architecture | 'auto',
  notes: string[],
): Promise<{ architecture: Architecture; weights: ConvWeights }> {
  if (architecture !== 'auto') return { architecture, weights: await readConvWeights(source, layerTableFor(architecture)) };
  try {
    return { architecture: 'vgg19', weights: await readConvWeights(source, layerTableFor('vgg19')) };
  } catch (err) {
    if (!(err instanceof WeightsError)) throw err;
    try {
      const weights = await readConvWeights(source, layerTableFor('vgg16'));
      notes.push('The file holds VGG-16 weights; using the VGG-16 layer table.');
      return { architecture: 'vgg16', weights };
    } catch {
      throw err; // the VGG-19 message names what was looked for
    }
  }
}

async function download(url: string, progress: ProgressFn, signal: AbortSignal): Promise<Blob> {
  let parsed: URL;
  try {
    parsed = new URL(url, self.location.href);
  } catch {
    throw new DownloadError(`'${url}' is not a URL`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new DownloadError(`'${url}' is not an http(s) URL`);
  }
  progress('download', 0, undefined, `connecting to ${parsed.host}…`);
  let response: Response;
  try {
    response = await fetch(parsed, { signal, mode: 'cors', credentials: 'omit' });
  } catch (err) {
    if (signal.aborted) throw err;
    throw new DownloadError(
      `could not download ${parsed.href}: the network failed or the server does not allow downloads from other sites (CORS). ` +
        'Download the file yourself and choose it with "weights file from disk".',
      { cause: err },
    );
  }
  if (!response.ok) throw new DownloadError(`could not download ${parsed.href}: HTTP ${response.status} ${response.statusText}`);
  const total = Number(response.headers.get('content-length')) || undefined;
  if (!response.body) return response.blob();
  const reader = response.body.getReader();
  const chunks: Uint8Array<ArrayBuffer>[] = [];
  let loaded = 0;
  let lastReport = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value as Uint8Array<ArrayBuffer>);
    loaded += value.length;
    const now = performance.now();
    if (now - lastReport > 100) {
      lastReport = now;
      progress('download', loaded, total, `downloading ${urlFileName(url)}: ${formatBytes(loaded)}${total ? ` of ${formatBytes(total)}` : ''}`);
    }
  }
  if (total !== undefined && loaded !== total) {
    throw new DownloadError(`the download of ${parsed.href} stopped at ${formatBytes(loaded)} of ${formatBytes(total)}; try again`);
  }
  progress('download', loaded, total ?? loaded, `downloaded ${formatBytes(loaded)}`);
  return new Blob(chunks);
}

/** Checks a download against the registry's SHA-256 prefix (the hex in torchvision-style file names). */
async function verify(blob: Blob, name: string, sha256Prefix: string, progress: ProgressFn, notes: string[]): Promise<void> {
  progress('read', 0, undefined, `verifying ${name} (SHA-256 of ${formatBytes(blob.size)})…`);
  let hex: string;
  try {
    const digest = await crypto.subtle.digest('SHA-256', await blob.arrayBuffer());
    hex = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
  } catch (err) {
    notes.push(`Could not verify ${name}'s checksum (${(err as Error).message}); its contents are still checked as they are read.`);
    return;
  }
  if (!hex.startsWith(sha256Prefix.toLowerCase())) {
    throw new DownloadError(`${name}: the download is corrupt or not the expected file: SHA-256 ${hex.slice(0, 16)}… does not start with ${sha256Prefix}`);
  }
}

// ---------------------------------------------------------------------------------------
// Cache Storage

interface Meta {
  name: string;
  architecture: Architecture;
  preprocessing: PreprocessingFamily;
  source: string;
  savedAt: number;
}

async function openCache(): Promise<Cache | undefined> {
  if (typeof caches === 'undefined') return undefined; // not a secure context (plain http to another host)
  return caches.open(CACHE_NAME);
}

function cacheUrl(id: string): string {
  return new URL(`neural-style-weights/${encodeURIComponent(id)}.safetensors`, self.location.origin).href;
}

function readMeta(text: string | null): Meta | undefined {
  if (!text) return undefined;
  try {
    const m = JSON.parse(decodeURIComponent(text)) as Meta;
    if (typeof m.name !== 'string' || (m.architecture !== 'vgg19' && m.architecture !== 'vgg16')) return undefined;
    if (!['caffe', 'torchvision', 'frossard'].includes(m.preprocessing)) return undefined;
    return m;
  } catch {
    return undefined;
  }
}

async function store(model: LoadedModel, architecture: Architecture, preprocessing: PreprocessingFamily, source: string): Promise<CachedWeights> {
  const cache = await openCache();
  if (!cache) throw new Error('Cache Storage is unavailable (the page is not in a secure context)');
  const tensors = new Map<string, Tensor>();
  for (const layer of convLayers(model.table)) {
    const p = model.weights.get(layer.name)!;
    tensors.set(`${layer.name}.weight`, p.weight);
    tensors.set(`${layer.name}.bias`, p.bias);
  }
  const meta: Meta = { name: model.name, architecture, preprocessing, source, savedAt: Date.now() };
  const bytes = encodeSafetensors(tensors, {
    format: 'neural-style conv weights',
    model: model.name,
    architecture,
    preprocessing,
    source,
  }) as Uint8Array<ArrayBuffer>;
  const id = `${model.name} · ${architecture} · ${preprocessing}`;
  await cache.put(
    cacheUrl(id),
    new Response(new Blob([bytes]), {
      headers: {
        'content-type': 'application/octet-stream',
        'content-length': String(bytes.length),
        [META_HEADER]: encodeURIComponent(JSON.stringify(meta)),
      },
    }),
  );
  return { id, ...meta, bytes: bytes.length };
}

export async function listCached(): Promise<CachedWeights[]> {
  const cache = await openCache();
  if (!cache) return [];
  const out: CachedWeights[] = [];
  for (const request of await cache.keys()) {
    const response = await cache.match(request);
    const meta = readMeta(response?.headers.get(META_HEADER) ?? null);
    const m = /\/neural-style-weights\/(.+)\.safetensors$/.exec(new URL(request.url).pathname);
    if (!meta || !m) continue;
    out.push({ id: decodeURIComponent(m[1]!), ...meta, bytes: Number(response!.headers.get('content-length')) || 0 });
  }
  return out.sort((a, b) => b.savedAt - a.savedAt);
}

export async function deleteCached(id: string): Promise<void> {
  await (await openCache())?.delete(cacheUrl(id));
}
