/**
 * One side of `npm run bench`: a process that sets up the objective for one backend and
 * image shape (--size wide, --height high; square without it), then answers commands from bench.ts on stdin with one JSON line each:
 *   eval        one timed evaluation      → { ms, cpuMs, loss }
 *   stylize N   N Adam steps from the content image → { totalMs, perStepMs, firstLoss, lastLoss,
 *               evalMs: [per step], optimizerMs: [per step] }
 *   stylize-lbfgs N   the same with L-BFGS (history 100)
 *   stats       → { peakRss }
 *   quit
 * With `--probe BACKEND` it only checks that a small session runs on that backend.
 * Backend `wasm` is onnxruntime-web's WASM build in Node (threads: env.wasm.numThreads),
 * the browser app's CPU path without the browser.
 */
import { createInterface } from 'node:readline';
import * as ortNode from 'onnxruntime-node';
import { GraphBuilder } from '../src/graph/builder.js';
import { encodeModel } from '../src/graph/encode.js';
import { Adam, Lbfgs } from '../src/optim/index.js';
import { estimateMemory, memoryQueryFor } from '../src/runtime/memory.js';
import { CompiledObjective } from '../src/runtime/objective.js';
import { cpuBackend, graphForms, wasmBackend, webgpuBackend, type BackendProfile, type SessionOptions } from '../src/backends/index.js';
import type { OrtModule } from '../src/runtime/ort.js';
import { ArgsError, int, oneOf, readArgs, str } from './args.js';
import { BENCH_SPEC, makeTargets, peakRssBytes, vgg19RandomWeights } from './common.js';
import { formsOf, VARIANTS } from './variant-table.js';
import { BACKENDS, type BackendName } from './worker-client.js';

/** The profiles a bench run names (it runs what it is told: nothing probed here). */
const PROFILES: Record<BackendName, BackendProfile> = { cpu: cpuBackend, wasm: wasmBackend, webgpu: webgpuBackend(async () => ({ available: true })) };

/** A profile with other session options on top (a variant's, a thread count): a backend of its own. */
function withSession(profile: BackendProfile, session: SessionOptions): BackendProfile {
  return { ...profile, sessionOptions: (extra) => profile.sessionOptions({ ...session, ...extra }) };
}

/**
 * The command line worker-client.ts (startOurWorker) and bench.ts (--probe) build: the
 * same names on both sides, strict, so a renamed flag fails here instead of running the
 * defaults.
 */
const args = readArgs(
  {
    usage: 'bench-worker.ts --backend B --size N [--height N] [options] | --probe B   (spawned by bench.ts and variants.ts)',
    flags: {
      probe: oneOf(BACKENDS, undefined, 'only check that a small session runs on this backend'),
      backend: oneOf(BACKENDS, undefined, 'the backend to serve (required without --probe)'),
      size: int(undefined, 'image width (required without --probe)'),
      height: int(undefined, 'image height (default: --size, a square)'),
      threads: int(2, 'intra-op threads (0: onnxruntime default)'),
      warmup: int(1, 'untimed evaluations before "ready"'),
      variant: str('defaults', 'a name from bench/variant-table.ts'),
    },
  },
  (v) => {
    if (v.probe !== undefined) return v;
    if (v.backend === undefined || v.size === undefined) throw new ArgsError('--backend and --size are required (or --probe BACKEND)');
    if (!VARIANTS[v.variant]) throw new ArgsError(`--variant: unknown variant '${v.variant}'`);
    return v;
  },
);

const reply = (o: object) => process.stdout.write(`${JSON.stringify(o)}\n`);

/** onnxruntime-node, or onnxruntime-web for the `wasm` backend (its thread count is global). */
async function ortFor(backend: BackendName, threads: number): Promise<OrtModule> {
  if (backend !== 'wasm') return ortNode as unknown as OrtModule;
  const web = await import('onnxruntime-web');
  web.env.wasm.numThreads = threads > 0 ? threads : 2;
  web.env.logLevel = 'error';
  return web as unknown as OrtModule;
}

/** A 3×3 conv on a 16×16 image: enough to find out whether the backend can run at all. */
async function probe(backend: BackendName): Promise<void> {
  const ort = await ortFor(backend, 1);
  const g = new GraphBuilder();
  const x = g.addInput('x', [1, 3, 16, 16]);
  const w = g.addInitializer('w', new Float32Array(8 * 3 * 9).fill(0.1), [8, 3, 3, 3]);
  g.addOutput(g.op('Conv', [x, w], { kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [1, 1], dilations: [1, 1] }, 'y'), [1, 8, 16, 16]);
  const session = await ort.InferenceSession.create(encodeModel(g), PROFILES[backend].sessionOptions());
  const out = await session.run({ x: new ort.Tensor('float32', new Float32Array(3 * 256).fill(1), [1, 3, 16, 16]) });
  const y = out['y']!.data as Float32Array;
  await session.release();
  // interior pixel: 27 taps × 0.1
  if (Math.abs(y[17]! - 2.7) > 1e-3) throw new Error(`${backend} computed ${y[17]} instead of 2.7`);
  console.log(`${backend}: ok`);
}

async function serve(backend: BackendName, size: number, height: number): Promise<void> {
  const { threads, warmup, variant: variantName } = args;
  const variant = VARIANTS[variantName]!;
  const t0 = performance.now();
  const ort = await ortFor(backend, threads);
  const net = vgg19RandomWeights(0);
  // Threads only when asked: 0 keeps onnxruntime's default (one per physical core).
  const intra = threads > 0 && backend !== 'wasm' ? { intraOpNumThreads: threads } : {};
  const profile = withSession(PROFILES[backend], { ...intra, ...variant.session });
  // The image size (the longer side, as --image-size) picks each conv's form (src/graph/winograd/table.ts).
  const spec = { ...BENCH_SPEC, imageSize: Math.max(size, height) };
  const shape = { width: size, height };
  const { targets, content } = await makeTargets(ort, net, spec, size, PROFILES[backend], height);
  const rssBeforeObjective = process.memoryUsage().rss;
  const c0 = performance.now();
  // Tuned for this shape, as a run of a photo of this shape is (GraphSetup.shape).
  const objective = await CompiledObjective.create(ort, net, spec, { backend: profile, forms: formsOf(variant), shape });
  const createMs = performance.now() - c0;
  const evaluator = objective.bind(targets, size, height);
  const w0 = performance.now();
  for (let i = 0; i < warmup; i++) await evaluator.evaluate(content);
  const warmupMs = (performance.now() - w0) / Math.max(1, warmup);
  // The conv forms the objective took: the variant's, else auto's for this size.
  const forms = { ...graphForms(PROFILES[backend], spec, shape), ...formsOf(variant) };
  const estimate = estimateMemory(memoryQueryFor(net, [...spec.contentLayers, ...spec.styleLayers], size, height, forms.convForm, forms.winogradOutput));
  reply({ ready: true, variant: variantName, setupMs: performance.now() - t0, createMs, warmupMs, rssBeforeObjective, estimate });

  for await (const line of createInterface({ input: process.stdin })) {
    const [cmd, n] = line.trim().split(/\s+/);
    if (cmd === 'eval') {
      const cpu0 = process.cpuUsage();
      const s = performance.now();
      const e = await evaluator.evaluate(content);
      const ms = performance.now() - s;
      const cpu = process.cpuUsage(cpu0);
      reply({ ms, cpuMs: (cpu.user + cpu.system) / 1000, loss: e.loss });
    } else if (cmd === 'stylize' || cmd === 'stylize-lbfgs') {
      const steps = Number(n);
      const x = content.slice();
      // Adam with lr 10, or L-BFGS as neural-style runs it (history 100, step 1).
      const optimizer = cmd === 'stylize' ? new Adam({ lr: 10 }) : new Lbfgs({ historySize: 100 });
      let first = NaN;
      let last = NaN;
      // Each step split into its evaluation and the optimiser's own work, to tell a slow
      // evaluation inside a long run from the optimiser's cost.
      const evalMs: number[] = [];
      const optimizerMs: number[] = [];
      const s = performance.now();
      for (let i = 0; i < steps; i++) {
        const t0 = performance.now();
        const e = await evaluator.evaluate(x);
        const t1 = performance.now();
        if (i === 0) first = e.loss;
        last = e.loss;
        optimizer.step(x, e.loss, e.grad);
        evalMs.push(t1 - t0);
        optimizerMs.push(performance.now() - t1);
      }
      const totalMs = performance.now() - s;
      reply({ steps, totalMs, perStepMs: totalMs / steps, firstLoss: first, lastLoss: last, evalMs, optimizerMs });
    } else if (cmd === 'stats') {
      reply({ peakRss: peakRssBytes() });
    } else if (cmd === 'quit') {
      break;
    } else {
      reply({ error: `unknown command ${line}` });
    }
  }
  await objective.release();
}

if (args.probe) await probe(args.probe);
else await serve(args.backend!, args.size!, args.height ?? args.size!);
