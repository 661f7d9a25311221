import { createHash } from 'node:crypto';
import { flagOf } from '../../src/cli/options.js';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DownloadError, NeuralStyleError, UsageError, WeightsError } from '../../src/errors.js';
import { vgg19Table } from '../../src/models/layers.js';
import { caffePreprocessing, torchvisionPreprocessing, frossardPreprocessing } from '../../src/models/preprocessing.js';
import { randomVggWeights } from '../../src/models/random-model.js';
import { getModelEntry, MODELS, type ModelEntry } from '../../src/models/registry.js';
import { fetchModel, listModels, resolveModel } from '../../src/models/resolve-node.js';
import { clearProxyEnv, closedPort, startFileServer, type TestServer } from '../helpers/http-server.js';
import { expected, expectMatches, FIXTURES, fixtureBytes, fixturePath } from './fixtures.js';

const LEGACY = fixtureBytes(FIXTURES.legacy);
const LEGACY_SHA = createHash('sha256').update(LEGACY).digest('hex');

let server: TestServer;
let dir: string;
let restoreProxyEnv: () => void;
/** The registry with 'vgg19' pointing at the test server's copy of the legacy fixture. */
let registry: ModelEntry[];

beforeAll(async () => {
  server = await startFileServer({
    '/models/mini-vgg19-legacy.pth': { body: LEGACY },
    '/mirror/vgg19-d01eb7cb.pth': { body: LEGACY },
  });
  const vgg19: ModelEntry = {
    ...getModelEntry('vgg19'),
    url: `${server.url}/models/mini-vgg19-legacy.pth`,
    integrity: { sha256Prefix: LEGACY_SHA.slice(0, 8), size: LEGACY.length },
  };
  registry = MODELS.map((e) => (e.name === 'vgg19' ? vgg19 : e));
});

afterAll(() => server.close());

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ns-resolve-'));
  server.requests.length = 0;
  restoreProxyEnv = clearProxyEnv();
});

afterEach(async () => {
  restoreProxyEnv();
  await rm(dir, { recursive: true, force: true });
});

const ORIGINAL = 'mini-vgg19-legacy.pth';
const COMPACT = 'mini-vgg19-legacy.conv.safetensors';

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

describe('resolveModel from the registry', () => {
  it('downloads on first use, then writes a compact copy that later runs read', async () => {
    const notices: string[] = [];
    let lastProgress = 0;
    const model = await resolveModel({
      model: 'vgg19',
      cacheDir: dir,
      registry,
      onNotice: (m) => notices.push(m),
      onProgress: (p) => (lastProgress = p.bytesDone),
    });
    expect(model.name).toBe('vgg19');
    expect(model.table.architecture).toBe('vgg19');
    expect(model.preprocessing).toEqual(caffePreprocessing);
    expectMatches(model.weights, expected.vgg19);
    expect(lastProgress).toBe(LEGACY.length);
    expect(notices.some((n) => n.includes('Downloading') && n.includes(join(dir, ORIGINAL)))).toBe(true);
    expect((await readdir(dir)).sort()).toEqual([COMPACT, ORIGINAL]);
    expect(server.requests).toHaveLength(1);

    // The next run reads the compact copy: the original is no longer needed.
    await rm(join(dir, ORIGINAL));
    const again = await resolveModel({ model: 'vgg19', cacheDir: dir, registry });
    expectMatches(again.weights, expected.vgg19);
    expect(server.requests).toHaveLength(1);
  });

  it('ignores a corrupt compact copy and rebuilds it from the original', async () => {
    await resolveModel({ model: 'vgg19', cacheDir: dir, registry });
    const compact = join(dir, COMPACT);
    for (const garbage of [new Uint8Array(5), new TextEncoder().encode('<html>oops</html>'), new Uint8Array(4096).fill(7)]) {
      await writeFile(compact, garbage);
      const notices: string[] = [];
      const model = await resolveModel({ model: 'vgg19', cacheDir: dir, registry, onNotice: (m) => notices.push(m) });
      expectMatches(model.weights, expected.vgg19);
      expect(notices.join('\n')).toMatch(/compact copy .* is unreadable .* rebuilding/);
      expect((await stat(compact)).size).toBeGreaterThan(4096);
    }
    expect(server.requests).toHaveLength(1);
    // The rebuilt copy is good on its own.
    await rm(join(dir, ORIGINAL));
    expectMatches((await resolveModel({ model: 'vgg19', cacheDir: dir, registry })).weights, expected.vgg19);
  });

  it('lazily (the CLI): shapes now, values on load(); a compact copy whose values are damaged is rebuilt then', async () => {
    await resolveModel({ model: 'vgg19', cacheDir: dir, registry });
    const compact = join(dir, COMPACT);
    // The header intact, the last values NaN: only reading the values finds it.
    const bytes = await readFile(compact);
    bytes.fill(0xff, bytes.length - 64);
    await writeFile(compact, bytes);
    const notices: string[] = [];
    const model = await resolveModel({ model: 'vgg19', cacheDir: dir, registry, lazy: true, onNotice: (m) => notices.push(m) });
    const first = model.weights.get('conv1_1')!.weight;
    expect(first.recipe).toMatch(new RegExp(`^file:.*${COMPACT}\\|.*#conv1_1\\.weight$`));
    expect(() => first.data).toThrow(/not loaded/);
    expect(notices).toEqual([]);
    await model.weights.load!();
    expectMatches(model.weights, expected.vgg19);
    expect(notices.join('\n')).toMatch(/compact copy .* is unreadable .* rebuilding/);
    expect(server.requests).toHaveLength(1);
  });

  it('downloads again when the compact copy is corrupt and the original is gone', async () => {
    await resolveModel({ model: 'vgg19', cacheDir: dir, registry });
    await rm(join(dir, ORIGINAL));
    await writeFile(join(dir, COMPACT), 'not safetensors');
    const model = await resolveModel({ model: 'vgg19', cacheDir: dir, registry });
    expectMatches(model.weights, expected.vgg19);
    expect(server.requests).toHaveLength(2);
  });

  it('refuses a file placed in the cache that is not the expected one', async () => {
    const placed = join(dir, ORIGINAL);
    await writeFile(placed, fixtureBytes(FIXTURES.zip));
    const err = await failure(resolveModel({ model: 'vgg19', cacheDir: dir, registry }));
    expect(err).toBeInstanceOf(WeightsError);
    expect(err.message).toContain(placed);
    expect(err.message).toContain("not the weight file of model 'vgg19'");
    expect((err as NeuralStyleError).render(flagOf)).toContain('give it as --model-file to use it anyway');
    expect(await readdir(dir)).toEqual([ORIGINAL]);
    expect(server.requests).toHaveLength(0);
  });

  it('accepts the right file placed in the cache by hand', async () => {
    await writeFile(join(dir, ORIGINAL), LEGACY);
    expectMatches((await resolveModel({ model: 'vgg19', cacheDir: dir, registry })).weights, expected.vgg19);
    expect(server.requests).toHaveLength(0);
    expect(await exists(join(dir, COMPACT))).toBe(true);
  });

  it('takes the cache dir and a download mirror from the environment', async () => {
    const cache = join(dir, 'env-cache');
    const env = { NEURAL_STYLE_CACHE: cache, NEURAL_STYLE_MODEL_BASE_URL: `${server.url}/mirror/` };
    // The real 'vgg19' entry, rebased onto the mirror: the served bytes are the mini fixture,
    // so the checksum in the file name (d01eb7cb) cannot match.
    const err = await failure(resolveModel({ model: 'vgg19', env }));
    expect(err).toBeInstanceOf(DownloadError);
    const url = `${server.url}/mirror/vgg19-d01eb7cb.pth`;
    const path = join(cache, 'vgg19-d01eb7cb.pth');
    expect(err.message).toContain(url);
    expect(err.message).toContain(path);
    expect(err.message).toContain('expected a SHA-256 starting with d01eb7cb');
    expect(err.message).toContain(`place it at ${path}`);
    expect(server.requests.map((r) => r.url)).toEqual(['/mirror/vgg19-d01eb7cb.pth']);
    expect(await readdir(cache)).toEqual([]);
  });

  it('reports a missing file (404) and no network, naming URL, cache path and the manual fix', async () => {
    const missing = registry.map((e) => (e.name === 'vgg19' ? { ...e, url: `${server.url}/models/nope.pth` } : e));
    const err404 = await failure(resolveModel({ model: 'vgg19', cacheDir: dir, registry: missing }));
    expect(err404).toBeInstanceOf(DownloadError);
    expect(err404.message).toContain('HTTP 404');
    expect(err404.message).toContain(`${server.url}/models/nope.pth`);
    expect(err404.message).toContain(`place it at ${join(dir, 'nope.pth')}`);

    const offline = `http://127.0.0.1:${await closedPort()}/models/`;
    const errNet = await failure(resolveModel({ model: 'vgg19', cacheDir: dir, registry, baseUrl: offline }));
    expect(errNet).toBeInstanceOf(DownloadError);
    expect(errNet.message).toContain('no network');
    expect(errNet.message).toContain(`${offline}${ORIGINAL}`);
    expect(errNet.message).toContain(`place it at ${join(dir, ORIGINAL)}`);
    expect((errNet as NeuralStyleError).render(flagOf)).toContain('give it as --model-file with --model vgg19');
    expect(await readdir(dir)).toEqual([]);
  });

  it('rejects unknown model names with the list of known ones', async () => {
    const err = await failure(resolveModel({ model: 'alexnet', cacheDir: dir }));
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toContain('vgg19-random');
  });
});

describe('resolveModel with --model-file', () => {
  it("reads the user's file with the named model's layout and preprocessing, writing nothing", async () => {
    const cache = join(dir, 'cache');
    const model = await resolveModel({ model: 'vgg19-torchvision', modelFile: fixturePath(FIXTURES.legacy), cacheDir: cache });
    expect(model.preprocessing).toEqual(torchvisionPreprocessing);
    expectMatches(model.weights, expected.vgg19);
    const vgg16 = await resolveModel({ model: 'vgg16', modelFile: fixturePath(FIXTURES.npz), cacheDir: cache });
    expect(vgg16.table.architecture).toBe('vgg16');
    // Frossard's .npz carries its own (RGB) preprocessing whatever --model says.
    expect(vgg16.preprocessing).toEqual(frossardPreprocessing);
    expectMatches(vgg16.weights, expected.vgg16);
    expect(await exists(cache)).toBe(false);
    expect(server.requests).toHaveLength(0);
  });

  it('fails with the weights error when the file does not fit the layout', async () => {
    const err = await failure(resolveModel({ model: 'vgg16', modelFile: fixturePath(FIXTURES.legacy) }));
    expect(err).toBeInstanceOf(WeightsError);
    expect(err.message).toContain(fixturePath(FIXTURES.legacy));
  });
});

describe('vgg19-random', () => {
  it('needs no file and no network, and is reproducible from the seed', async () => {
    const cache = join(dir, 'never-created');
    const a = await resolveModel({ model: 'vgg19-random', seed: 3, cacheDir: cache });
    expect(a.table.architecture).toBe('vgg19');
    expect(a.preprocessing.family).toBe('caffe');
    expect(a.weights.size).toBe(16);
    expect(a.weights.get('conv5_4')!.weight.dims).toEqual([512, 512, 3, 3]);
    // Same seed, same stream: a narrow network's first filters are the full one's first filters
    // (generating full VGG19 twice would cost seconds).
    const narrow = randomVggWeights(vgg19Table, 3, [4, 4, 4, 4, 4]).get('conv1_1')!.weight.data;
    expect(Array.from(a.weights.get('conv1_1')!.weight.data.subarray(0, narrow.length))).toEqual(Array.from(narrow));
    const other = randomVggWeights(vgg19Table, 4, [4, 4, 4, 4, 4]).get('conv1_1')!.weight.data;
    expect(Array.from(other)).not.toEqual(Array.from(narrow));
    expect(await exists(cache)).toBe(false);
  });
});

describe('listModels and fetchModel', () => {
  it('lists every model with its cache status', async () => {
    const before = await listModels(dir, { registry });
    expect(before.map((m) => m.name)).toEqual(MODELS.map((m) => m.name));
    const vgg19 = before.find((m) => m.name === 'vgg19')!;
    expect(vgg19).toMatchObject({ cached: false, path: join(dir, ORIGINAL), size: LEGACY.length });
    const random = before.find((m) => m.name === 'vgg19-random')!;
    expect(random.cached).toBe(true);
    expect(random.path).toBeUndefined();
    expect(before.find((m) => m.name === 'vgg19-torchvision')).toMatchObject({
      cached: false,
      size: 574_673_361,
      path: join(dir, 'vgg19-dcbb9e9d.pth'),
      url: 'https://download.pytorch.org/models/vgg19-dcbb9e9d.pth',
    });
    expect(before.find((m) => m.name === 'vgg16')!.size).toBeUndefined();

    await fetchModel('vgg19', { cacheDir: dir, registry });
    const after = await listModels(dir, { registry });
    expect(after.find((m) => m.name === 'vgg19')).toMatchObject({ cached: true, size: LEGACY.length });
  });

  it('fetches once, verifies what is cached, and replaces a damaged file', async () => {
    const first = await fetchModel('vgg19', { cacheDir: dir, registry });
    expect(first).toEqual({ name: 'vgg19', path: join(dir, ORIGINAL), bytes: LEGACY.length, downloaded: true });
    const second = await fetchModel('vgg19', { cacheDir: dir, registry });
    expect(second.downloaded).toBe(false);
    expect(server.requests).toHaveLength(1);

    const damaged = LEGACY.slice();
    damaged[1000] = damaged[1000]! ^ 0xff;
    await writeFile(join(dir, ORIGINAL), damaged);
    const notices: string[] = [];
    const third = await fetchModel('vgg19', { cacheDir: dir, registry, onNotice: (m) => notices.push(m) });
    expect(third.downloaded).toBe(true);
    expect(notices.join('\n')).toContain('damaged');
    expect(createHash('sha256').update(fixtureBytes(FIXTURES.legacy)).digest('hex')).toBe(LEGACY_SHA);

    const forced = await fetchModel('vgg19', { cacheDir: dir, registry, force: true });
    expect(forced.downloaded).toBe(true);
    expect(server.requests).toHaveLength(3);
    expect(await readdir(dir)).toEqual([ORIGINAL]);
  });

  it('has nothing to fetch for vgg19-random', async () => {
    expect(await fetchModel('vgg19-random', { cacheDir: dir })).toEqual({ name: 'vgg19-random', downloaded: false });
    expect(await readdir(dir)).toEqual([]);
  });
});
