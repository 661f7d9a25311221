/**
 * A Stylizer compiles once: over several content images of the same size, onnxruntime
 * sessions are created once and each style image's features are extracted once; only the
 * content's own features are computed per run. Counted at onnxruntime's own API.
 */
import * as ort from 'onnxruntime-node';
import type { InferenceSession } from 'onnxruntime-common';
import { describe, expect, it } from 'vitest';
import { randomVggModel } from '../../src/models/random-model.js';
import type { OrtModule } from '../../src/runtime/ort.js';
import { createStylizer, stylize } from '../../src/stylize/stylize.js';
import { pattern } from '../helpers/pattern-image.js';

/** onnxruntime with every session creation and every run counted, per graph kind. */
function countingOrt() {
  const counts = { sessions: 0, featureRuns: 0, objectiveRuns: 0 };
  const create = async (...args: Parameters<typeof ort.InferenceSession.create>): Promise<InferenceSession> => {
    counts.sessions++;
    const session = await (ort.InferenceSession.create as (...a: unknown[]) => Promise<InferenceSession>)(...args);
    // The objective is the graph with the image gradient among its outputs.
    const kind = session.outputNames.includes('x_grad') ? 'objectiveRuns' : 'featureRuns';
    const run = session.run.bind(session);
    (session as { run: unknown }).run = (...a: Parameters<typeof run>) => {
      counts[kind]++;
      return run(...a);
    };
    return session;
  };
  const module = { Tensor: ort.Tensor, InferenceSession: { create } } as unknown as OrtModule;
  return { module, counts };
}

const styles = [
  pattern(20, 20, (x, y, c) => (Math.floor((x + y) / 3) % 2 ? [0.9, 0.7, 0.1][c]! : [0.1, 0.2, 0.8][c]!)),
  pattern(22, 18, (x, y, c) => ((x * y) % 5 > 2 ? [0.2, 0.9, 0.4][c]! : [0.7, 0.1, 0.3][c]!)),
];
const contents = [0, 1, 2].map((k) => pattern(24, 18, (x, y, c) => ((x + k * y + c * 3) % (4 + k)) / (3 + k)));
const model = randomVggModel('vgg19', 0, [4, 8, 8, 8, 8]);
const options = { imageSize: 24, numIterations: 3, init: 'image' as const };

describe('Stylizer', () => {
  it('creates its sessions and style targets once for three content images', async () => {
    const { module, counts } = countingOrt();
    const stylizer = await createStylizer({ ort: module, model, styles, options });
    expect(counts).toEqual({ sessions: 2, featureRuns: 0, objectiveRuns: 0 });
    const results = [];
    for (const content of contents) results.push(await stylizer.run({ content }));
    await stylizer.release();

    expect(counts.sessions).toBe(2);
    // Two style extractions (once, at the first run) + one content extraction per image.
    expect(counts.featureRuns).toBe(styles.length + contents.length);
    // Iterations 0…3 for each image: four evaluations per run.
    expect(counts.objectiveRuns).toBe(contents.length * (options.numIterations + 1));
    // Three different images, three different results.
    expect(results[0]!.loss).not.toBe(results[1]!.loss);
    expect(results[1]!.loss).not.toBe(results[2]!.loss);
  });

  it('gives exactly what a fresh stylize() gives for the same image', async () => {
    const stylizer = await createStylizer({ ort: ort as unknown as OrtModule, model, styles, options });
    await stylizer.run({ content: contents[0]! });
    const reused = await stylizer.run({ content: contents[2]! });
    await stylizer.release();
    const fresh = await stylize({ ort: ort as unknown as OrtModule, model, styles, options, content: contents[2]! });
    expect(reused.loss).toBe(fresh.loss);
    expect(reused.parts).toEqual(fresh.parts);
    expect(Buffer.from(reused.image.data.buffer).equals(Buffer.from(fresh.image.data.buffer))).toBe(true);
  });

  it('keeps one style target set per style size for coarse-to-fine runs', async () => {
    const { module, counts } = countingOrt();
    const stylizer = await createStylizer({ ort: module, model, styles, options: { ...options, imageSize: 32, multires: [24] } });
    await stylizer.run({ content: contents[0]! });
    await stylizer.run({ content: contents[1]! });
    await stylizer.release();
    expect(counts.sessions).toBe(2);
    // Styles at two sizes once each, and each content at two sizes per run.
    expect(counts.featureRuns).toBe(2 * styles.length + 2 * 2);
  });
});
