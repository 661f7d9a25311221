/**
 * Where the WASM backend's start-up of a run goes — graph building, session creation,
 * style and content targets, the first evaluation — with onnxruntime-web's WASM build in
 * Node (V8, as in the tab): the library's own phases (src/util/phases.ts) per run. Runs
 * the same short run several times in one process: the first pays V8 compiling the
 * runtime; the later ones are what a tab whose runtime is compiled (the warm-up, or V8's
 * code cache on a second visit) pays after Start.
 *
 *   npx tsx bench/wasm-startup.ts [--size 128] [--runs 3] [--threads 2]
 */
import * as ortWeb from 'onnxruntime-web';
import { layerTableFor, preprocessingFor, randomVggWeights, stylize, type OrtModule, type RgbImage } from '../src/index.js';
import { registerBrowserBackends } from '../src/browser.js';
import { clearPhases, recordedPhases } from '../src/util/phases.js';
import { int, readArgs } from './args.js';

const { values: args } = readArgs({
  usage: 'npx tsx bench/wasm-startup.ts [options]',
  flags: {
    size: int(128, 'square image size'),
    runs: int(3, 'runs in this process (the first compiles the runtime)'),
    threads: int(2, 'WASM threads'),
  },
});
registerBrowserBackends();
ortWeb.env.wasm.numThreads = args.threads;
ortWeb.env.logLevel = 'error';
const table = layerTableFor('vgg19');
const model = { name: 'vgg19-random', table, weights: randomVggWeights(table, 0), preprocessing: preprocessingFor('caffe') };
const image = (phase: number): RgbImage => {
  const data = new Float32Array(args.size * args.size * 3);
  for (let i = 0; i < data.length; i++) data[i] = ((i * (7 + phase)) % 251) / 250;
  return { width: args.size, height: args.size, data };
};
for (let run = 1; run <= args.runs; run++) {
  clearPhases();
  const t0 = performance.now();
  let first = NaN;
  await stylize({
    ort: ortWeb as unknown as OrtModule,
    model,
    content: image(0),
    styles: [image(1)],
    options: { imageSize: args.size, numIterations: 2, optimizer: 'adam', backend: 'wasm' },
    onProgress: (p) => {
      if (p.iteration === 1) first = performance.now() - t0;
    },
  });
  const phases = recordedPhases().map((p) => `${p.phase} ${Math.round(p.duration)}`).join(', ');
  console.log(`run ${run}: start → first iteration ${Math.round(first)} ms; ${phases}`);
}
