/**
 * The browser's compute path without a browser: stylize() on onnxruntime-web's WASM
 * backend (which also runs in Node), checked against onnxruntime-node on the same tiny
 * problem. Catches differences between the two runtimes' behaviour (pre-allocated
 * outputs, provider names, graph forms) in seconds, before the Chromium test.
 */
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { beforeAll, describe, expect, it } from 'vitest';
import { randomVggModel } from '../../src/models/random-model.js';
import type { OrtModule } from '../../src/runtime/ort.js';
import { stylize } from '../../src/stylize/stylize.js';
import { pattern } from '../helpers/pattern-image.js';

const content = pattern(24, 17, (x, y, c) => (c === 0 ? x / 23 : c === 1 ? y / 16 : (x - 12) ** 2 + (y - 8) ** 2 < 30 ? 1 : 0.2));
const style = pattern(20, 20, (x, y, c) => (Math.floor((x + y) / 3) % 2 ? [0.9, 0.7, 0.1][c]! : [0.1, 0.2, 0.8][c]!));
const model = randomVggModel('vgg19', 0, [4, 8, 8, 8, 8]);

async function losses(ort: OrtModule, backend: 'cpu' | 'wasm'): Promise<number[]> {
  const out: number[] = [];
  await stylize({
    ort,
    model,
    content,
    styles: [style],
    options: { imageSize: 24, numIterations: 4, init: 'image', optimizer: 'lbfgs', backend },
    onProgress: (p) => void out.push(p.loss),
  });
  return out;
}

describe('stylize on onnxruntime-web (WASM) in Node', () => {
  beforeAll(() => {
    ortWeb.env.wasm.numThreads = 1; // no worker threads to tear down in a test process
    ortWeb.env.logLevel = 'error';
  });

  it('optimises: the loss falls, as it does on onnxruntime-node, from the same start', async () => {
    const web = await losses(ortWeb as unknown as OrtModule, 'wasm');
    const node = await losses(ortNode as unknown as OrtModule, 'cpu');
    expect(web).toHaveLength(5);
    // A zero gradient (e.g. an output onnxruntime-web never wrote) would leave it flat.
    expect(web.at(-1)!).toBeLessThan(web[0]! * 0.95);
    expect(node.at(-1)!).toBeLessThan(node[0]! * 0.95);
    // Same objective and the same path (the graphs may differ in form, not in value).
    web.forEach((loss, i) => expect(Math.abs(loss - node[i]!) / node[i]!, `iteration ${i}: web ${loss}, node ${node[i]}`).toBeLessThan(0.01));
  }, 60_000);
});
