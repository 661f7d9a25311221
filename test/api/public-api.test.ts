/** The README's library example, run as written (offline weights, tiny size). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { stylize, type Progress } from '../../src/index.js';
import { readImage, resolveModel, writeImage } from '../../src/node.js';

const dir = mkdtempSync(join(tmpdir(), 'neural-style-api-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function picture(path: string, seed: number): Promise<string> {
  const w = 40, h = 30;
  const px = Buffer.alloc(w * h * 3);
  for (let i = 0; i < px.length; i++) px[i] = (i * 37 + seed * 101 + ((i / 3) % w) * 5) % 256;
  await sharp(px, { raw: { width: w, height: h, channels: 3 } }).png().toFile(path);
  return path;
}

describe('public API', () => {
  it('stylizes files the way the README shows', async () => {
    const model = await resolveModel({ model: 'vgg19-random' });
    const seen: Progress[] = [];
    const result = await stylize({
      ort,
      model,
      content: await readImage(await picture(join(dir, 'photo.png'), 1)),
      styles: [await readImage(await picture(join(dir, 'painting.png'), 2))],
      options: { imageSize: 32, numIterations: 5 },
      onProgress: (p) => void seen.push(p),
    });
    await writeImage(join(dir, 'out.png'), result.image);

    expect(seen.map((p) => p.iteration)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(seen.at(-1)!.loss).toBeLessThan(seen[0]!.loss);
    const meta = await sharp(join(dir, 'out.png')).metadata();
    expect([meta.width, meta.height]).toEqual([32, 24]);
  });
});

describe('public API: a Stylizer for many images', () => {
  it('runs the README example: one Stylizer, several frames', async () => {
    const { createStylizer } = await import('../../src/index.js');
    const model = await resolveModel({ model: 'vgg19-random' });
    const painting = await readImage(await picture(join(dir, 'p2.png'), 3));
    const frames = [await readImage(await picture(join(dir, 'f1.png'), 4)), await readImage(await picture(join(dir, 'f2.png'), 5))];
    const results = [];
    const stylizer = await createStylizer({ ort, model, styles: [painting], options: { imageSize: 32, numIterations: 2 } });
    for (const frame of frames) results.push(await stylizer.run({ content: frame }));
    await stylizer.release();
    expect(results.map((r) => [r.image.width, r.image.height])).toEqual([[32, 24], [32, 24]]);
    expect(Object.keys(results[0]!.parts)).toEqual(['content', 'style', 'tv']);
  });
});

describe('public API: a backend registered from outside the library', () => {
  it('stylises on a profile this file registers (the CPU with other session options), with no edit under src/', async () => {
    const { cpuBackend, registerBackend, unregisterBackend, backendNames } = await import('../../src/index.js');
    let sessions = 0;
    registerBackend({
      ...cpuBackend,
      name: 'cpu-single-thread',
      label: 'CPU, one thread',
      sessionOptions: (extra) => {
        sessions++;
        return cpuBackend.sessionOptions({ intraOpNumThreads: 1, interOpNumThreads: 1, ...extra });
      },
    });
    try {
      expect(backendNames()).toContain('cpu-single-thread');
      const model = await resolveModel({ model: 'vgg19-random' });
      const image = await readImage(await picture(join(dir, 'b1.png'), 6));
      const options = { imageSize: 32, numIterations: 3, optimizer: 'adam' as const, seed: 3 };
      const mine = await stylize({ ort, model, content: image, styles: [image], options: { ...options, backend: 'cpu-single-thread' } });
      // Its sessions were built with its options (features and objective at least)…
      expect(sessions).toBeGreaterThanOrEqual(2);
      // …and it computes what the CPU computes.
      const cpu = await stylize({ ort, model, content: image, styles: [image], options: { ...options, backend: 'cpu' } });
      expect(mine.loss).toBeCloseTo(cpu.loss, 3);
    } finally {
      unregisterBackend('cpu-single-thread');
    }
  });

  it('an unknown backend is an OptionError listing the registered ones', async () => {
    const { OptionError } = await import('../../src/index.js');
    const model = await resolveModel({ model: 'vgg19-random' });
    const image = await readImage(await picture(join(dir, 'b2.png'), 7));
    const err = await stylize({ ort, model, content: image, styles: [image], options: { imageSize: 32, numIterations: 1, backend: 'nonsense' } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OptionError);
    expect((err as Error).message).toBe("backend must be one of auto, cpu, webgpu, wasm, got 'nonsense'");
  });
});

describe('public API in tiers', () => {
  it('the main entry has what a user calls; the graph internals are in neural-style/advanced', async () => {
    const main = await import('../../src/index.js');
    for (const name of ['stylize', 'createStylizer', 'resolveOptions', 'stylizeOptionSpecs', 'maskFromImage', 'stylizeVideo', 'NeuralStyleError', 'registerBackend', 'registerOptimizer', 'registerLossTerm', 'defineTerm']) {
      expect(main, name).toHaveProperty(name);
    }
    for (const name of ['GraphBuilder', 'addGradient', 'CompiledObjective', 'TiledObjective', 'buildObjectiveGraph']) expect(main, name).not.toHaveProperty(name);
    const advanced = await import('../../src/advanced.js');
    for (const name of ['GraphBuilder', 'addGradient', 'addGradients', 'registerGradient', 'applyPasses', 'CompiledObjective', 'TiledObjective', 'buildObjectiveGraph', 'pyramid']) {
      expect(advanced, name).toHaveProperty(name);
    }
    const node = await import('../../src/node.js');
    for (const name of ['resolveModel', 'readImage', 'writeImage', 'JobClient', 'runWorker', 'threadedOrt', 'decodeClip']) expect(node, name).toHaveProperty(name);
  });
});
