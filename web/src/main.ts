/**
 * The page: images in, settings, start/pause/stop, live preview and loss chart, PNG out.
 * All computation happens in worker.ts; this file only decodes images (createImageBitmap)
 * and draws what the worker sends.
 */
import { MODELS } from '../../src/models/registry.js';
import { decodeImageBlob } from '../../src/platform/browser-image.js';
import type { RgbImage } from '../../src/image/types.js';
import type { StylizeOptions } from '../../src/options/index.js';
import { LossChart } from './loss-chart.js';
import type { BackendChoice, CachedWeights, Frame, FromWorker, ToWorker, WeightsInfo, WeightsSource } from './protocol.js';

/** Images are decoded at most this large (longer side); the run resizes to the chosen size anyway. */
const DECODE_MAX_SIDE = 4096;
/** Preview at least every this many iterations (and at least once a second). */
const PREVIEW_EVERY = 5;
const LAST_WEIGHTS_KEY = 'neural-style:weights';

function $<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} is missing from index.html`);
  return el as T;
}

const ui = {
  backend: $('backend'),
  form: $<HTMLFormElement>('controls'),
  contentDrop: $('content-drop'),
  contentFile: $<HTMLInputElement>('content-file'),
  contentPreview: $<HTMLImageElement>('content-preview'),
  styleDrop: $('style-drop'),
  styleFiles: $<HTMLInputElement>('style-files'),
  styleList: $<HTMLUListElement>('style-list'),
  weightsKind: $<HTMLSelectElement>('weights-kind'),
  weightsSeed: $<HTMLInputElement>('weights-seed'),
  weightsFile: $<HTMLInputElement>('weights-file'),
  weightsUrl: $<HTMLInputElement>('weights-url'),
  weightsUrls: $<HTMLDataListElement>('weights-urls'),
  weightsDownload: $<HTMLButtonElement>('weights-download'),
  weightsArch: $<HTMLSelectElement>('weights-arch'),
  weightsPre: $<HTMLSelectElement>('weights-pre'),
  weightsForget: $<HTMLButtonElement>('weights-forget'),
  weightsStatus: $('weights-status'),
  weightsProgress: $<HTMLProgressElement>('weights-progress'),
  weightsCancel: $<HTMLButtonElement>('weights-cancel'),
  imageSize: $<HTMLInputElement>('image-size'),
  numIterations: $<HTMLInputElement>('num-iterations'),
  contentWeight: $<HTMLInputElement>('content-weight'),
  styleWeight: $<HTMLInputElement>('style-weight'),
  tvWeight: $<HTMLInputElement>('tv-weight'),
  optimizer: $<HTMLSelectElement>('optimizer'),
  lrField: $('lr-field'),
  learningRate: $<HTMLInputElement>('learning-rate'),
  init: $<HTMLSelectElement>('init'),
  backendChoice: $<HTMLSelectElement>('backend-choice'),
  originalColors: $<HTMLInputElement>('original-colors'),
  start: $<HTMLButtonElement>('start'),
  pause: $<HTMLButtonElement>('pause'),
  stop: $<HTMLButtonElement>('stop'),
  download: $<HTMLButtonElement>('download'),
  messages: $('messages'),
  result: $<HTMLCanvasElement>('result'),
  progressText: $('progress-text'),
  chart: $<HTMLCanvasElement>('loss-chart'),
};

// ---------------------------------------------------------------------------------------
// State

interface Picked {
  name: string;
  image: RgbImage;
  thumbnail: string;
}
interface StylePick extends Picked {
  id: number;
  weight: number;
}

type RunState = 'idle' | 'running' | 'paused' | 'done' | 'error';

const state = {
  content: undefined as Picked | undefined,
  styles: [] as StylePick[],
  nextStyleId: 1,
  weights: 'none' as 'none' | 'loading' | 'ready' | 'error',
  weightsInfo: undefined as WeightsInfo | undefined,
  cached: [] as CachedWeights[],
  run: 'idle' as RunState,
  hasImage: false,
  runSize: 0,
};

const chart = new LossChart(ui.chart);

function setRunState(s: RunState): void {
  state.run = s;
  document.body.dataset.state = s;
  const active = s === 'running' || s === 'paused';
  ui.start.disabled = active;
  ui.pause.disabled = !active;
  ui.stop.disabled = !active;
  ui.pause.textContent = s === 'paused' ? 'Resume' : 'Pause';
  ui.download.disabled = !state.hasImage || active;
}

// ---------------------------------------------------------------------------------------
// Messages

function say(kind: 'warn' | 'error', text: string): void {
  const div = document.createElement('div');
  div.className = `msg ${kind}`;
  div.setAttribute('role', kind === 'error' ? 'alert' : 'status');
  const span = document.createElement('span');
  span.textContent = text;
  const close = document.createElement('button');
  close.type = 'button';
  close.textContent = '×';
  close.title = 'dismiss';
  close.addEventListener('click', () => div.remove());
  div.append(span, close);
  ui.messages.append(div);
}

function clearMessages(kind?: 'warn' | 'error'): void {
  for (const el of [...ui.messages.children]) if (!kind || el.classList.contains(kind)) el.remove();
}

// ---------------------------------------------------------------------------------------
// Worker

const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
function send(message: ToWorker): void {
  worker.postMessage(message);
}
worker.addEventListener('error', (e) => {
  say('error', `The compute worker failed to start: ${e.message || 'unknown error'} (details in the browser console).`);
  setRunState('error');
});
worker.addEventListener('message', (event: MessageEvent<FromWorker>) => onWorker(event.data));
send({ type: 'init', wasmPaths: new URL('ort/', document.baseURI).href });
send({ type: 'list-cached' });

function showFrame(frame: Frame): void {
  if (ui.result.width !== frame.width || ui.result.height !== frame.height) {
    ui.result.width = frame.width;
    ui.result.height = frame.height;
  }
  ui.result.getContext('2d')!.putImageData(new ImageData(frame.rgba, frame.width, frame.height), 0, 0);
  state.hasImage = true;
}

function seconds(ms: number): string {
  if (!Number.isFinite(ms)) return '?';
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const m = Math.floor(ms / 60_000);
  return `${m} min ${Math.round((ms % 60_000) / 1000)} s`;
}

function lossText(v: number): string {
  return Number.isFinite(v) ? v.toExponential(3) : String(v);
}

let firstCachedListing = true;

function onWorker(msg: FromWorker): void {
  switch (msg.type) {
    case 'ready': {
      const threads = `${msg.threads} thread${msg.threads === 1 ? '' : 's'}`;
      ui.backend.textContent = msg.webgpu.available ? 'WebGPU available' : `WASM (${threads})`;
      ui.backend.title = msg.webgpu.reason;
      document.body.dataset.webgpu = String(msg.webgpu.available);
      if (!msg.webgpu.available) {
        say('warn', `WebGPU is not available here (${msg.webgpu.reason}), so the app computes with WASM on the CPU: it works, but slowly. Small sizes (128–256 px) keep runs short.`);
      }
      if (!msg.isolated) {
        say('warn', 'This page is not cross-origin isolated, so WASM runs on one thread. Serving it with `neural-style serve` (which sends COOP/COEP headers) makes it faster.');
      }
      return;
    }
    case 'cached-list': {
      state.cached = msg.entries;
      renderWeightsOptions();
      if (firstCachedListing) {
        firstCachedListing = false;
        restoreWeightsChoice();
      }
      return;
    }
    case 'weights-progress': {
      ui.weightsStatus.textContent = msg.text;
      ui.weightsProgress.hidden = false;
      if (msg.total) {
        ui.weightsProgress.max = msg.total;
        ui.weightsProgress.value = msg.loaded;
      } else {
        ui.weightsProgress.removeAttribute('value');
      }
      return;
    }
    case 'weights-ready': {
      const info = msg.info;
      state.weights = 'ready';
      state.weightsInfo = info;
      document.body.dataset.weights = 'ready';
      ui.weightsProgress.hidden = true;
      ui.weightsCancel.hidden = true;
      const from = info.fromCache ? ' from the browser cache' : info.cachedAs ? ', saved in the browser cache for next time' : '';
      ui.weightsStatus.textContent =
        `Ready: ${info.name} (${info.architecture}, ${info.preprocessing} preprocessing, ${(info.bytes / 2 ** 20).toFixed(0)} MB of conv weights${from}; ${seconds(info.loadMs)})` +
        (info.lowQuality ? '. Random weights: expect textures rather than a faithful style.' : '');
      for (const note of info.notes) say('warn', note);
      if (info.cachedAs) {
        rememberWeights(`cached:${info.cachedAs.id}`);
        void navigator.storage?.persist?.().catch(() => undefined);
        send({ type: 'list-cached' });
      }
      return;
    }
    case 'weights-error': {
      state.weights = msg.kind === 'cancelled' ? 'none' : 'error';
      document.body.dataset.weights = state.weights;
      ui.weightsProgress.hidden = true;
      ui.weightsCancel.hidden = true;
      ui.weightsStatus.textContent = msg.kind === 'cancelled' ? 'Loading cancelled.' : 'Could not load these weights.';
      if (msg.kind !== 'cancelled') say('error', msg.message);
      return;
    }
    case 'status':
      ui.progressText.textContent = msg.text;
      return;
    case 'backend':
      ui.backend.textContent = msg.label;
      document.body.dataset.backend = msg.backend;
      if (msg.notice) say('warn', msg.notice);
      return;
    case 'progress': {
      chart.add(msg.iteration, msg.loss, msg.parts);
      if (msg.frame) showFrame(msg.frame);
      const perIt = msg.iteration > 0 ? msg.elapsedMs / msg.iteration : NaN;
      ui.progressText.textContent =
        `iteration ${msg.iteration}/${msg.numIterations} · loss ${lossText(msg.loss)} ` +
        `(content ${lossText(msg.parts.content)}, style ${lossText(msg.parts.style)}, tv ${lossText(msg.parts.tv)})` +
        (msg.iteration > 0 ? ` · ${seconds(perIt)}/iteration · ${seconds(msg.etaMs)} left` : '');
      document.body.dataset.iteration = String(msg.iteration);
      document.body.dataset.firstLoss = String(chart.first);
      document.body.dataset.lastLoss = String(msg.loss);
      return;
    }
    case 'paused':
      setRunState('paused');
      ui.progressText.textContent += ' · paused';
      return;
    case 'resumed':
      setRunState('running');
      return;
    case 'done': {
      showFrame(msg.frame);
      ui.progressText.textContent =
        `${msg.interrupted ? 'Stopped after' : 'Finished'} ${msg.iterations} iteration${msg.iterations === 1 ? '' : 's'} ` +
        `in ${seconds(msg.elapsedMs)} · final loss ${lossText(msg.loss)}`;
      setRunState('done');
      return;
    }
    case 'run-error': {
      if (msg.frame) showFrame(msg.frame);
      say('error', msg.message);
      ui.progressText.textContent = 'The run stopped with an error.';
      setRunState('error');
      return;
    }
  }
}

// ---------------------------------------------------------------------------------------
// Images

async function decode(file: File): Promise<Picked | undefined> {
  try {
    const image = await decodeImageBlob(file, { maxSide: DECODE_MAX_SIDE, name: file.name });
    return { name: file.name, image, thumbnail: URL.createObjectURL(file) };
  } catch (err) {
    say('error', (err as Error).message);
    return undefined;
  }
}

async function setContent(file: File): Promise<void> {
  const picked = await decode(file);
  if (!picked) return;
  if (state.content) URL.revokeObjectURL(state.content.thumbnail);
  state.content = picked;
  ui.contentPreview.src = picked.thumbnail;
  ui.contentPreview.hidden = false;
  ui.contentPreview.alt = picked.name;
  ui.contentDrop.querySelector('.drop-text')!.textContent = `${picked.name} (${picked.image.width}×${picked.image.height}) — drop or click to replace`;
}

async function addStyles(files: Iterable<File>): Promise<void> {
  for (const file of files) {
    const picked = await decode(file);
    if (picked) state.styles.push({ ...picked, id: state.nextStyleId++, weight: 100 });
  }
  renderStyles();
}

function renderStyles(): void {
  ui.styleList.replaceChildren(
    ...state.styles.map((s) => {
      const li = document.createElement('li');
      li.dataset.styleId = String(s.id);
      const img = document.createElement('img');
      img.src = s.thumbnail;
      img.alt = s.name;
      const mid = document.createElement('div');
      const name = document.createElement('div');
      name.className = 'name';
      name.textContent = `${s.name} (${s.image.width}×${s.image.height})`;
      const blend = document.createElement('label');
      blend.className = 'blend';
      const slider = document.createElement('input');
      slider.type = 'range';
      slider.min = '0';
      slider.max = '100';
      slider.value = String(s.weight);
      slider.title = 'blend weight';
      slider.setAttribute('aria-label', `blend weight of ${s.name}`);
      const out = document.createElement('span');
      const show = () => {
        const total = state.styles.reduce((a, t) => a + t.weight, 0);
        for (const t of state.styles) {
          const el = ui.styleList.querySelector(`li[data-style-id="${t.id}"] .share`);
          if (el) el.textContent = total > 0 ? `${Math.round((100 * t.weight) / total)}%` : '0%';
        }
      };
      out.className = 'share';
      slider.addEventListener('input', () => {
        s.weight = Number(slider.value);
        show();
      });
      blend.append(slider, out);
      mid.append(name, blend);
      const remove = document.createElement('button');
      remove.type = 'button';
      remove.textContent = '×';
      remove.title = `remove ${s.name}`;
      remove.addEventListener('click', () => {
        URL.revokeObjectURL(s.thumbnail);
        state.styles = state.styles.filter((t) => t !== s);
        renderStyles();
      });
      li.append(img, mid, remove);
      queueMicrotask(show);
      return li;
    }),
  );
}

function dropZone(zone: HTMLElement, onFiles: (files: File[]) => void): void {
  zone.addEventListener('dragover', (e) => {
    e.preventDefault();
    zone.classList.add('over');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('over');
    const files = [...(e.dataTransfer?.files ?? [])];
    if (files.length) onFiles(files);
  });
}

// A file dropped outside the drop zones would make the browser navigate away to it.
window.addEventListener('dragover', (e) => e.preventDefault());
window.addEventListener('drop', (e) => e.preventDefault());
dropZone(ui.contentDrop, (files) => void setContent(files[0]!));
dropZone(ui.styleDrop, (files) => void addStyles(files));
ui.contentFile.addEventListener('change', () => {
  const f = ui.contentFile.files?.[0];
  if (f) void setContent(f);
  ui.contentFile.value = '';
});
ui.styleFiles.addEventListener('change', () => {
  const files = [...(ui.styleFiles.files ?? [])];
  ui.styleFiles.value = '';
  void addStyles(files);
});

// ---------------------------------------------------------------------------------------
// Weights

for (const m of MODELS) {
  if (!m.url) continue;
  const o = document.createElement('option');
  o.value = m.url;
  o.label = `${m.name}: ${m.description}`;
  ui.weightsUrls.append(o);
}

function renderWeightsOptions(): void {
  const selected = ui.weightsKind.value;
  for (const o of [...ui.weightsKind.options]) if (o.value.startsWith('cached:')) o.remove();
  const fileOption = ui.weightsKind.querySelector('option[value="file"]');
  for (const c of state.cached) {
    const o = document.createElement('option');
    o.value = `cached:${c.id}`;
    o.textContent = `Cached: ${c.name} (${c.architecture}, ${c.preprocessing}, ${(c.bytes / 2 ** 20).toFixed(0)} MB)`;
    ui.weightsKind.insertBefore(o, fileOption);
  }
  if ([...ui.weightsKind.options].some((o) => o.value === selected)) ui.weightsKind.value = selected;
}

function showWeightsExtras(): void {
  const kind = ui.weightsKind.value.startsWith('cached:') ? 'cached' : ui.weightsKind.value;
  for (const el of document.querySelectorAll<HTMLElement>('.weights-extra')) {
    el.hidden = !(el.dataset.for ?? '').split(' ').includes(kind);
  }
}

function rememberWeights(value: string): void {
  try {
    localStorage.setItem(LAST_WEIGHTS_KEY, value);
  } catch {
    // storage disabled: nothing to remember
  }
}

function loadWeights(source: WeightsSource): void {
  state.weights = 'loading';
  state.weightsInfo = undefined;
  document.body.dataset.weights = 'loading';
  ui.weightsStatus.textContent = 'loading…';
  ui.weightsProgress.hidden = false;
  ui.weightsProgress.removeAttribute('value');
  ui.weightsCancel.hidden = source.kind === 'random';
  send({ type: 'load-weights', source });
}

function seed(): number {
  const n = Number(ui.weightsSeed.value);
  return Number.isSafeInteger(n) && n >= 0 ? n : 0;
}

/** Loads what the select shows, where that needs no further input. */
function onWeightsChoice(): void {
  showWeightsExtras();
  const v = ui.weightsKind.value;
  if (v === 'random') {
    rememberWeights(`random:${seed()}`);
    loadWeights({ kind: 'random', seed: seed() });
  } else if (v.startsWith('cached:')) {
    rememberWeights(v);
    loadWeights({ kind: 'cached', id: v.slice('cached:'.length) });
  } else if (v === 'file' && ui.weightsFile.files?.[0]) {
    loadFromFile();
  } else {
    state.weights = 'none';
    document.body.dataset.weights = 'none';
    ui.weightsStatus.textContent = v === 'file' ? 'Choose a weight file.' : 'Enter a URL and press Download.';
  }
}

function loadFromFile(): void {
  const file = ui.weightsFile.files?.[0];
  if (!file) return;
  loadWeights({
    kind: 'file',
    file,
    architecture: ui.weightsArch.value as 'auto',
    preprocessing: ui.weightsPre.value as 'auto',
  });
}

function restoreWeightsChoice(): void {
  let last: string | null = null;
  try {
    last = localStorage.getItem(LAST_WEIGHTS_KEY);
  } catch {
    // ignore
  }
  if (last?.startsWith('cached:') && state.cached.some((c) => `cached:${c.id}` === last)) {
    ui.weightsKind.value = last;
  } else {
    ui.weightsKind.value = 'random';
    const m = /^random:(\d+)$/.exec(last ?? '');
    if (m) ui.weightsSeed.value = m[1]!;
  }
  onWeightsChoice();
}

ui.weightsKind.addEventListener('change', onWeightsChoice);
ui.weightsSeed.addEventListener('change', () => ui.weightsKind.value === 'random' && onWeightsChoice());
ui.weightsFile.addEventListener('change', loadFromFile);
for (const sel of [ui.weightsArch, ui.weightsPre]) {
  sel.addEventListener('change', () => ui.weightsKind.value === 'file' && loadFromFile());
}
ui.weightsDownload.addEventListener('click', () => {
  const url = ui.weightsUrl.value.trim();
  if (!url) {
    say('error', 'Enter the URL of a .pth, .safetensors or .npz weight file.');
    return;
  }
  loadWeights({ kind: 'url', url, architecture: ui.weightsArch.value as 'auto', preprocessing: ui.weightsPre.value as 'auto' });
});
ui.weightsCancel.addEventListener('click', () => send({ type: 'cancel-weights' }));
ui.weightsForget.addEventListener('click', () => {
  const v = ui.weightsKind.value;
  if (!v.startsWith('cached:')) return;
  send({ type: 'delete-cached', id: v.slice('cached:'.length) });
  ui.weightsKind.value = 'random';
  onWeightsChoice();
});

// ---------------------------------------------------------------------------------------
// Settings and the run

ui.optimizer.addEventListener('change', () => (ui.lrField.hidden = ui.optimizer.value !== 'adam'));

function numberField(input: HTMLInputElement, label: string, check: (n: number) => boolean, rule: string): number {
  const n = Number(input.value);
  if (input.value.trim() === '' || !Number.isFinite(n) || !check(n)) {
    input.focus();
    throw new Error(`${label} must be ${rule}, got '${input.value}'`);
  }
  return n;
}

function readOptions(): Partial<StylizeOptions> {
  const int = (min: number, max: number) => (n: number) => Number.isInteger(n) && n >= min && n <= max;
  const nonNegative = (n: number) => n >= 0;
  const options: Partial<StylizeOptions> = {
    imageSize: numberField(ui.imageSize, 'Size', int(16, DECODE_MAX_SIDE), `a whole number from 16 to ${DECODE_MAX_SIDE}`),
    numIterations: numberField(ui.numIterations, 'Iterations', int(1, 100_000), 'a whole number from 1 to 100000'),
    contentWeight: numberField(ui.contentWeight, 'Content weight', nonNegative, 'a number ≥ 0'),
    styleWeight: numberField(ui.styleWeight, 'Style weight', nonNegative, 'a number ≥ 0'),
    tvWeight: numberField(ui.tvWeight, 'TV weight', nonNegative, 'a number ≥ 0'),
    optimizer: ui.optimizer.value as StylizeOptions['optimizer'],
    init: ui.init.value as StylizeOptions['init'],
    originalColors: ui.originalColors.checked,
    seed: seed(),
  };
  if (options.optimizer === 'adam') {
    options.learningRate = numberField(ui.learningRate, 'Learning rate', (n) => n > 0, 'a number > 0');
  }
  return options;
}

ui.form.addEventListener('submit', (e) => {
  e.preventDefault();
  if (state.run === 'running' || state.run === 'paused') return;
  clearMessages('error');
  try {
    if (!state.content) throw new Error('Choose a content image first.');
    if (state.styles.length === 0) throw new Error('Add at least one style image.');
    const weights = state.styles.map((s) => s.weight);
    if (weights.every((w) => w === 0)) throw new Error('Every style blend weight is 0: give at least one style a weight above 0.');
    if (state.weights === 'none' || state.weights === 'error') throw new Error('Load weights first (the offline preset needs no download).');
    const options = readOptions();
    options.styleBlendWeights = weights;
    state.runSize = options.imageSize!;
    chart.reset(options.numIterations!);
    document.body.dataset.iteration = '';
    document.body.dataset.firstLoss = '';
    document.body.dataset.lastLoss = '';
    ui.progressText.textContent = 'starting…';
    setRunState('running');
    send({
      type: 'run',
      content: state.content.image,
      styles: state.styles.map((s) => s.image),
      options,
      backend: ui.backendChoice.value as BackendChoice,
      previewEvery: PREVIEW_EVERY,
    });
  } catch (err) {
    say('error', (err as Error).message);
  }
});

ui.pause.addEventListener('click', () => {
  if (state.run === 'running') {
    send({ type: 'pause' });
    ui.pause.disabled = true; // until the worker confirms at the end of this iteration
  } else if (state.run === 'paused') {
    send({ type: 'resume' });
  }
});
ui.stop.addEventListener('click', () => {
  send({ type: 'stop' });
  ui.stop.disabled = true;
  ui.progressText.textContent += ' · stopping after this iteration…';
});
ui.download.addEventListener('click', () => {
  ui.result.toBlob((blob) => {
    if (!blob) {
      say('error', 'Could not encode the image as PNG.');
      return;
    }
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = `neural-style-${ui.result.width}x${ui.result.height}.png`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  }, 'image/png');
});

setRunState('idle');
