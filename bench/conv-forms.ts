/**
 * Per-layer timing of the convolution forms (src/graph/winograd): for each 3×3 conv shape
 * of VGG-19 at an image size — forward C→K, and its input gradient K→C at the same side —
 * one session per form over a single conv, evaluated interleaved (direct F2 F4, F2 F4
 * direct, …) so that a shared machine's noise falls on all alike. Prints median ms per
 * form and the ratio to direct: the measurements behind src/graph/winograd/table.ts.
 *
 *   npx tsx bench/conv-forms.ts --size 512 --reps 7 [--threads 2] [--profile] [--only conv4_2,conv5_1]
 *   npx tsx bench/conv-forms.ts --size 512x384      (width x height: a landscape photo's maps)
 *   npx tsx bench/conv-forms.ts --backend wasm --size 128   # onnxruntime-web's WASM in Node
 *
 * --backend wasm times onnxruntime-web's WASM build in Node (V8, as in Chromium) with the
 * wasm backend's session options and Winograd output transform: its Conv is im2col + a
 * 128-bit SIMD GEMM without MLAS's NCHWc kernels, so its best forms may differ from the CPU's.
 *
 * --profile runs onnxruntime's profiler on each lowered session and prints each op
 * type's share of the form's time over the timed runs.
 */
import * as ortNode from 'onnxruntime-node';
import { GraphBuilder } from '../src/graph/builder.js';
import { encodeModel } from '../src/graph/encode.js';
import { lowerConvolutions, type ConvForm } from '../src/graph/winograd/index.js';
import { cpuBackend, wasmBackend } from '../src/backends/index.js';
import { Rng } from '../src/util/random.js';
import { ArgsError, custom, flag, int, readArgs, str } from './args.js';
import { median, parseShape, type Shape } from './common.js';
import { lastRuns, profiling } from './ort-profile.js';

/** VGG-19's distinct 3×3 conv shapes up to conv5_1: [C, K, feature side ÷ image side]. */
const LAYERS: Array<[string, number, number, number]> = [
  ['conv1_2', 64, 64, 1],
  ['conv2_1', 64, 128, 2],
  ['conv2_2', 128, 128, 2],
  ['conv3_1', 128, 256, 4],
  ['conv3_2', 256, 256, 4],
  ['conv4_1', 256, 512, 8],
  ['conv4_2', 512, 512, 8],
  ['conv5_1', 512, 512, 16],
];
const FORMS: ConvForm[] = ['direct', 'F2', 'F4', 'F6'];

const args = readArgs(
  {
    usage: 'npx tsx bench/conv-forms.ts [options]',
    flags: {
      size: custom<Shape, Shape>({ width: 512, height: 512 }, 'image size the layer shapes are taken at: a side or WIDTHxHEIGHT', 'S', (raw, flag) => {
        const shape = parseShape(raw);
        if (!shape) throw new ArgsError(`${flag} wants a size like 512 or 512x384, not '${raw}'`);
        return shape;
      }, '512'),
      reps: int(7, 'timed runs per form (interleaved)'),
      warmup: int(1, "untimed runs per form first (wasm: V8 tiers the kernels up during the first runs, so give it 3+)"),
      threads: int(2, 'intra-op threads'),
      backend: str('cpu', 'cpu (onnxruntime-node) or wasm (onnxruntime-web in Node)', 'NAME'),
      profile: flag("onnxruntime's profiler on each lowered session: each op type's share of the form's time"),
      only: str('', `only these layers, comma-separated (${LAYERS.map(([n]) => n).join(',')})`, 'LIST'),
    },
  },
  // A misspelt layer would leave the table silently empty.
  (v) => {
    for (const n of v.only ? v.only.split(',') : []) if (!LAYERS.some(([name]) => name === n)) throw new ArgsError(`--only: unknown layer '${n}'`);
    if (v.backend !== 'cpu' && v.backend !== 'wasm') throw new ArgsError(`--backend: cpu or wasm, not '${v.backend}'`);
    return v;
  },
);

const profileOf = args.backend === 'wasm' ? wasmBackend : cpuBackend;
/** onnxruntime-web's thread count is global (env.wasm.numThreads), not a session option. */
const ort: typeof ortNode = args.backend === 'wasm' ? await webOrt(args.threads) : ortNode;
async function webOrt(threads: number): Promise<typeof ortNode> {
  const web = await import('onnxruntime-web');
  web.env.wasm.numThreads = threads;
  web.env.logLevel = 'error';
  return web as unknown as typeof ortNode;
}

async function session(C: number, K: number, form: ConvForm, profile: ReturnType<typeof profiling> | undefined) {
  const g = new GraphBuilder();
  const x = g.addInput('x', [1, C, 'H', 'W']);
  const rng = new Rng(C * 1000 + K);
  const w = g.addInitializer('w', rng.fillNormal(new Float32Array(K * C * 9), Math.sqrt(2 / (9 * C))), [K, C, 3, 3]);
  const b = g.addInitializer('b', rng.fillNormal(new Float32Array(K), 0.1), [K]);
  // ReLU after, as in the network: onnxruntime fuses it into a direct Conv.
  const y = g.op('Relu', [g.op('Conv', [x, w, b], { kernel_shape: [3, 3], strides: [1, 1], dilations: [1, 1], pads: [1, 1, 1, 1] })]);
  g.addOutput(g.op('Identity', [y], {}, 'y'), [1, K, 'H', 'W']);
  if (form !== 'direct') lowerConvolutions(g, () => form, undefined, profileOf.winogradOutput);
  const options = profileOf.sessionOptions({ intraOpNumThreads: args.threads, ...profile?.options });
  return ort.InferenceSession.create(encodeModel(g), options);
}

const rows: string[] = [];
for (const [name, c0, k0, scale] of LAYERS) {
  if (args.only && !args.only.split(',').includes(name)) continue;
  // Each pooling halves a map, rounding down (VGG's 2×2 max pool, stride 2).
  const w = Math.floor(args.size.width / scale);
  const h = Math.floor(args.size.height / scale);
  for (const [role, C, K] of [['forward', c0, k0], ['inputGrad', k0, c0]] as const) {
    if (role === 'inputGrad' && C === K && name !== 'conv1_2' && LAYERS.some(([, c, k, s]) => c === C && k === K && s === scale && c !== c0)) continue;
    const profiles = FORMS.map((f) => (args.profile && f !== 'direct' ? profiling(`${name}-${role}-${f}`) : undefined));
    const sessions = await Promise.all(FORMS.map((f, i) => session(C, K, f, profiles[i])));
    const x = { x: new ort.Tensor('float32', new Rng(7).fillNormal(new Float32Array(C * h * w)).map(Math.abs), [1, C, h, w]) };
    for (let r = 0; r < args.warmup; r++) for (const s of sessions) await s.run(x);
    const times = FORMS.map(() => [] as number[]);
    for (let r = 0; r < args.reps; r++) {
      for (let k = 0; k < FORMS.length; k++) {
        const i = (k + r) % FORMS.length;
        const t0 = performance.now();
        await sessions[i]!.run(x);
        times[i]!.push(performance.now() - t0);
      }
    }
    const med = times.map(median);
    const best = FORMS[med.indexOf(Math.min(...med))]!;
    const line = `${name.padEnd(8)} ${role.padEnd(9)} C${String(C).padEnd(4)} K${String(K).padEnd(4)} ${`${w}×${h}`.padStart(9)}  ` +
      FORMS.map((f, i) => `${f} ${med[i]!.toFixed(1).padStart(7)} ms ×${(med[i]! / med[0]!).toFixed(2)}`).join('  ') + `  best ${best}`;
    console.log(line);
    rows.push(line);
    for (const [i, s] of sessions.entries()) {
      const profile = profiles[i];
      if (profile) {
        s.endProfiling();
        const byOp = new Map<string, number>();
        for (const e of lastRuns(profile.read(), args.reps)) byOp.set(e.args?.op_name ?? '?', (byOp.get(e.args?.op_name ?? '?') ?? 0) + e.dur);
        const total = [...byOp.values()].reduce((a, b) => a + b, 0);
        console.log(`   ${FORMS[i]}: ` + [...byOp].sort((a, b) => b[1] - a[1]).map(([op, d]) => `${op} ${((100 * d) / total).toFixed(0)}%`).join(' '));
      }
      await s.release();
    }
  }
}
