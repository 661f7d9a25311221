/**
 * The compute worker: holds onnxruntime-web and the loaded weights, and runs the same
 * `stylize()` the CLI runs, so the page stays responsive. It reports every iteration's
 * loss and, every few iterations, the current image. Before a run it makes the core's
 * pre-flight checks (sizes, memory within what this backend can hold), so an impossible
 * size is refused in a moment with a size that fits. Errors reach the page rendered with
 * the form's labels (describe-error.ts), never with CLI flags.
 *
 * Must not import anything Node-only (test/web/no-node-imports.test.ts walks its imports).
 */
import * as ort from 'onnxruntime-web';
import { NeuralStyleError, backendProfile, clearPhases, preflight, progressData, recordedPhases, resolveOptions, stylize, toRgbaBytes, type OrtModule, type Progress, type RgbImage } from '../../src/index.js';
import { registerBrowserBackends } from '../../src/browser.js';
import { wasmLabel, wasmThreads } from './backends.js';
import { describeError, firstLine, isOutOfMemory } from './describe-error.js';
import { dispatch, type Handlers } from './handlers.js';
import type { Frame, FromWorker, RunPhase, ToWorker } from './protocol.js';
import { warmUp } from './warm-up.js';
import { deleteCached, listCached, loadWeights, type Loaded } from './weights.js';

const scope = self as unknown as DedicatedWorkerGlobalScope;
registerBrowserBackends();
const ortModule = ort as unknown as OrtModule;

function post(message: FromWorker, transfer: Transferable[] = []): void {
  scope.postMessage(message, { transfer });
}

// ---------------------------------------------------------------------------------------
// Weights

let current: { loaded: Promise<Loaded>; abort: AbortController } | undefined;
/** The throw-away run that compiles the WASM kernels after a load (warm-up.ts); a run waits for it. */
let warming: Promise<void> = Promise.resolve();

async function handleLoad(source: Extract<ToWorker, { type: 'load-weights' }>['source']): Promise<void> {
  current?.abort.abort();
  const abort = new AbortController();
  const loaded = loadWeights(
    source,
    (phase, done, total, text) => post({ type: 'weights-progress', phase, loaded: done, total, text }),
    abort.signal,
  );
  const mine = { loaded, abort };
  current = mine;
  loaded.catch(() => undefined); // handled below; a run awaiting it reports its own error
  try {
    const { info, model } = await loaded;
    if (current === mine) {
      post({ type: 'weights-ready', info });
      const before = warming;
      warming = before.then(() => (abort.signal.aborted ? undefined : warmUp(ortModule, model, abort.signal)));
    }
  } catch (err) {
    if (current !== mine) return; // superseded by a newer load, which reports for itself
    const { kind, message } = abort.signal.aborted ? { kind: 'cancelled' as const, message: 'loading cancelled' } : describeError(err);
    if (kind === 'internal') console.error(err);
    post({ type: 'weights-error', kind, message });
  }
}

/** The weights most recently asked for, even if another load starts while waiting. */
async function latestModel(): Promise<Loaded['model']> {
  for (;;) {
    const c = current;
    if (!c) throw new NeuralStyleError('no weights are loaded: choose weights first');
    try {
      const { model } = await c.loaded;
      if (c === current) return model;
    } catch (err) {
      if (c === current) throw err;
    }
  }
}

// ---------------------------------------------------------------------------------------
// Runs

interface RunControl {
  abort: AbortController;
  paused: boolean;
  resume?: () => void;
}

let run: RunControl | undefined;

function frameOf(img: RgbImage): Frame {
  return { width: img.width, height: img.height, rgba: toRgbaBytes(img) as Uint8ClampedArray<ArrayBuffer> };
}

const nextTask = () => new Promise<void>((ok) => setTimeout(ok, 0));

async function handleRun(msg: Extract<ToWorker, { type: 'run' }>): Promise<void> {
  if (run) {
    post({ type: 'run-error', kind: 'usage', message: 'a run is already going; stop it first' });
    return;
  }
  const state: RunControl = { abort: new AbortController(), paused: false };
  run = state;
  // The warm-up's phases are not this run's; the run's go back with 'done'.
  const runStart = performance.now();
  clearPhases();
  const imageSize = msg.options.imageSize;
  let backend: 'webgpu' | 'wasm' = 'wasm';
  let lastImage: RgbImage | undefined;
  try {
    post({ type: 'status', text: 'waiting for the weights…' });
    const model = await latestModel();
    post({ type: 'status', text: 'compiling the WASM runtime…' });
    await warming;

    const gpu = msg.backend === 'wasm' ? undefined : await backendProfile('webgpu').probe(ortModule);
    backend = gpu?.available ? 'webgpu' : 'wasm';
    // With 'auto' the page already said at start-up that WebGPU is missing.
    let notice = msg.backend === 'webgpu' && gpu && !gpu.available ? `WebGPU is not available (${gpu.reason}): using WASM on the CPU instead (slower).` : undefined;

    for (let attempt = 0; ; attempt++) {
      post({ type: 'backend', backend, label: backend === 'webgpu' ? 'WebGPU' : wasmLabel(), notice });
      post({ type: 'status', text: `building and compiling the graphs on ${backend === 'webgpu' ? 'WebGPU' : 'WASM'}…` });
      let lastSent = -Infinity;
      let lastSentAt = 0;
      let started = false;
      try {
        // Seconds of checking here spare minutes of compiling and iterating towards a failure.
        preflight({
          table: model.table,
          options: resolveOptions({ ...msg.options, backend }, msg.styles.length),
          content: msg.content,
          styles: msg.styles,
          contentMasks: msg.contentMasks,
          availableBytes: backendProfile(backend).memoryBudget?.(backend === 'webgpu' && gpu ? gpu : { available: true }),
        });
        const result = await stylize({
          ort: ortModule,
          model,
          content: msg.content,
          styles: msg.styles,
          contentMasks: msg.contentMasks,
          options: { ...msg.options, backend },
          signal: state.abort.signal,
          onProgress: async (p: Progress) => {
            started = true;
            const now = performance.now();
            const last = p.iteration >= p.numIterations;
            const wantFrame = p.iteration === 0 || last || p.iteration - lastSent >= msg.previewEvery || now - lastSentAt > 1000;
            let frame: Frame | undefined;
            if (wantFrame) {
              lastImage = p.image();
              frame = frameOf(lastImage);
              lastSent = p.iteration;
              lastSentAt = now;
            }
            post(
              {
                type: 'progress',
                ...progressData(p),
                frame,
              },
              frame ? [frame.rgba.buffer] : [],
            );
            // Let pause/stop messages in: session.run does not yield to the event loop.
            await nextTask();
            if (state.paused && !state.abort.signal.aborted) {
              post({ type: 'paused' });
              await new Promise<void>((ok) => (state.resume = ok));
              state.resume = undefined;
              if (!state.abort.signal.aborted) post({ type: 'resumed' });
            }
          },
        });
        const frame = frameOf(result.image);
        post(
          { type: 'done', iterations: result.iterations, loss: result.loss, interrupted: result.interrupted, elapsedMs: result.elapsedMs, frame, phases: runPhases(runStart) },
          [frame.rgba.buffer],
        );
        return;
      } catch (err) {
        // WebGPU failing before the first iteration (an op or limit it lacks, a lost
        // device) is retried on WASM; running out of GPU memory is reported instead, as
        // WASM at the same size would be slow and likely run out too.
        const gpuTrouble = backend === 'webgpu' && !started && attempt === 0 && !(err instanceof NeuralStyleError) && !isOutOfMemory(err);
        if (!gpuTrouble || state.abort.signal.aborted) throw err;
        console.warn('WebGPU failed, retrying on WASM:', err);
        notice = `WebGPU failed (${firstLine(err)}): using WASM on the CPU instead (slower).`;
        backend = 'wasm';
      }
    }
  } catch (err) {
    const d = describeError(err, { imageSize, backend });
    if (d.kind === 'internal') console.error(err);
    const partial = (err as { partial?: RgbImage }).partial ?? lastImage;
    post({ type: 'run-error', ...d, frame: partial ? frameOf(partial) : undefined });
  } finally {
    run = undefined;
  }
}

// ---------------------------------------------------------------------------------------

/** What the worker does with each message from the page. */
const HANDLERS: Handlers<ToWorker> = {
  init: (msg) => {
    // The build puts the runtime under ort/<its version>/ (web/vite.config.ts), so that the
    // server can mark it immutable and Chromium keep V8's compiled code between visits.
    ort.env.wasm.wasmPaths = new URL(`${ort.env.versions.web}/`, msg.wasmPaths).href;
    ort.env.wasm.numThreads = wasmThreads();
    ort.env.logLevel = 'error';
    void backendProfile('webgpu')
      .probe(ortModule)
      .then((p) =>
        post({ type: 'ready', webgpu: { available: p.available, reason: p.available ? (p.detail ?? 'WebGPU adapter found') : p.reason }, isolated: scope.crossOriginIsolated, threads: ort.env.wasm.numThreads ?? 1 }),
      );
  },
  'list-cached': () => {
    void listCached()
      .then((entries) => post({ type: 'cached-list', entries }))
      .catch(() => post({ type: 'cached-list', entries: [] }));
  },
  'delete-cached': (msg) => {
    void deleteCached(msg.id).then(() => listCached().then((entries) => post({ type: 'cached-list', entries })));
  },
  'load-weights': (msg) => void handleLoad(msg.source),
  'cancel-weights': () => current?.abort.abort(),
  run: (msg) => void handleRun(msg),
  pause: () => {
    if (run) run.paused = true;
  },
  resume: () => {
    if (!run) return;
    run.paused = false;
    run.resume?.();
  },
  stop: () => {
    if (!run) return;
    run.abort.abort();
    run.resume?.();
  },
};

scope.onmessage = (event: MessageEvent<ToWorker>) => dispatch(HANDLERS, event.data);

/** The run's start-up phases so far, timed from the run message (`runStart`). */
function runPhases(runStart: number): RunPhase[] {
  return recordedPhases().map((p) => ({ phase: p.phase, start: Math.round(p.start - runStart), duration: Math.round(p.duration) }));
}
