/**
 * One of our runs for `npm run bench:methods`, in a process of its own (so its peak RSS is
 * the run's alone): stylize() with `--method` at `--size` on the CPU, VGG-16 from the
 * weights file bench/methods.ts wrote (torchvision's preprocessing, as the methods'
 * network has), the CLI's memory budget (free memory). Prints one JSON line:
 *
 *   runMs          stylize() from call to result (sessions, targets, every stage, colour match)
 *   searchMs       NNST: each scale's nearest-neighbour search (centring both sets, the
 *                  chunked product and argmax, gathering the targets): the User Timing
 *                  measure src/methods/nnst/index.ts makes around it; null if it made none
 *   searchOrtMs    NNST: of which inside the search session's runs (product + argmax)
 *   estimate       src/stylize/preflight.ts runMemory(): its `method` and `total` bytes
 *   stages         [{ side, iterations }] as the progress reports name them
 *   peakRssBytes   this process's peak resident set
 *
 *   tsx bench/methods-run.ts --method nnst --content C --style S --weights W.json [--size 512] [--iterations 200] [--output O.png]
 */
import { freemem } from 'node:os';
import { PerformanceObserver } from 'node:perf_hooks';
import * as ortNode from 'onnxruntime-node';
import type { InferenceSession } from 'onnxruntime-common';
import { registerNodeBackends } from '../src/backends/register-node.js';
import { readImage } from '../src/image/decode-node.js';
import { writeImage } from '../src/image/encode-node.js';
import { NNST_SEARCH_MEASURE } from '../src/methods/nnst/index.js';
import { vgg16Table } from '../src/models/layers.js';
import { torchvisionPreprocessing } from '../src/models/preprocessing.js';
import type { LoadedModel } from '../src/models/types.js';
import { resolveOptions, type StylizeOptions } from '../src/options/index.js';
import type { OrtModule } from '../src/runtime/ort.js';
import { chooseTile, runMemory } from '../src/stylize/preflight.js';
import { stylize } from '../src/stylize/stylize.js';
import { int, oneOf, readArgs, str } from './args.js';
import { peakRssBytes } from './common.js';
import { readWeightsFile, weightsAbsSum } from './weights-file.js';

const { values: args } = readArgs({
  usage: 'methods-run.ts --method nnst|strotss --content C --style S --weights W.json [options]   (spawned by bench/methods.ts)',
  flags: {
    method: oneOf(['nnst', 'strotss'], undefined, 'the method to run (required)'),
    content: str(undefined, 'content image (required)', 'PATH'),
    style: str(undefined, 'style image (required)', 'PATH'),
    weights: str(undefined, "the weights file's JSON index (required)", 'PATH'),
    size: int(512, 'image size (longer side)'),
    iterations: int(200, 'iterations per scale'),
    output: str(undefined, 'write the result here', 'PATH'),
  },
});
const { method, content: contentPath, style: stylePath, weights: weightsPath } = args;
if (!method || !contentPath || !stylePath || !weightsPath) {
  console.error('methods-run.ts: --method, --content, --style and --weights are required');
  process.exit(2);
}
registerNodeBackends();

/** onnxruntime as stylize() gets it, with the search session's runs timed (found by its inputs q, s and output nearest). */
const searchOrt = { ms: 0, runs: 0 };
function timedOrt(ort: OrtModule): OrtModule {
  const create = (async (...a: Parameters<typeof ort.InferenceSession.create>) => {
    const session = (await (ort.InferenceSession.create as (...x: unknown[]) => Promise<InferenceSession>)(...a)) as InferenceSession;
    if (session.inputNames.join() === 'q,s' && session.outputNames.join() === 'nearest') {
      const run = session.run.bind(session);
      session.run = (async (...r: Parameters<InferenceSession['run']>) => {
        const t = performance.now();
        try {
          return await (run as (...x: unknown[]) => ReturnType<InferenceSession['run']>)(...r);
        } finally {
          searchOrt.ms += performance.now() - t;
          searchOrt.runs++;
        }
      }) as InferenceSession['run'];
    }
    return session;
  }) as typeof ort.InferenceSession.create;
  return { Tensor: ort.Tensor, InferenceSession: Object.assign(Object.create(ort.InferenceSession) as typeof ort.InferenceSession, { create }) };
}

const search = { ms: 0, scales: 0 };
const observer = new PerformanceObserver((list) => {
  for (const e of list.getEntriesByName(NNST_SEARCH_MEASURE)) {
    search.ms += e.duration;
    search.scales++;
  }
});
observer.observe({ entryTypes: ['measure'] });

const weights = readWeightsFile(weightsPath);
const model: LoadedModel = { name: 'random-vgg16-file', table: vgg16Table, weights, preprocessing: torchvisionPreprocessing };
const content = await readImage(contentPath);
const style = await readImage(stylePath);
const options: Partial<StylizeOptions> = { method, imageSize: args.size, numIterations: args.iterations, backend: 'cpu' };
// What the CLI gives a run on the CPU: the free memory (register-node.ts nodeCpuBackend.memoryBudget).
const availableBytes = freemem();
const plan = { table: vgg16Table, options: resolveOptions(options, 1), content, styles: [style], availableBytes };
const estimate = runMemory(plan, chooseTile(plan));

const stages = new Map<number, { side: number; last: number }>();
const started = performance.now();
const result = await stylize({
  ort: timedOrt(ortNode as unknown as OrtModule),
  model,
  content,
  styles: [style],
  options,
  availableBytes,
  onProgress: (p) => void stages.set(p.stage?.index ?? 0, { side: p.size, last: p.iteration }),
});
const runMs = performance.now() - started;
await new Promise((resolve) => setImmediate(resolve)); // the observer's last entries
observer.disconnect();
if (args.output) await writeImage(args.output, result.image);

let before = 0;
const ran = [...stages.entries()].sort((a, b) => a[0] - b[0]).map(([, s]) => {
  const steps = s.last - before;
  before = s.last;
  return { side: s.side, iterations: steps };
});
console.log(
  JSON.stringify({
    method,
    runMs,
    searchMs: search.scales > 0 ? search.ms : null,
    searchScales: search.scales,
    searchOrtMs: searchOrt.runs > 0 ? searchOrt.ms : null,
    searchOrtRuns: searchOrt.runs,
    estimate: { method: estimate.method, total: estimate.total },
    availableBytes,
    stages: ran,
    output: { width: result.image.width, height: result.image.height },
    interrupted: result.interrupted,
    weightsAbsSum: weightsAbsSum(weights),
    peakRssBytes: peakRssBytes(),
  }),
);
