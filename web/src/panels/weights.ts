/**
 * The network's weights: the offline random preset, a file, a URL, or a copy the browser
 * cached last time (chosen again on the next visit). Loading happens in the worker
 * (../weights.ts); this panel asks for it and shows how it goes.
 */
import { MODELS } from '../../../src/index.js';
import { $ } from '../dom.js';
import type { CachedWeights, FromWorker, ToWorker, WeightsInfo, WeightsSource } from '../protocol.js';
import { seconds } from '../progress-text.js';
import type { Messages } from './messages.js';

const LAST_WEIGHTS_KEY = 'neural-style:weights';

type Msg<T extends FromWorker['type']> = Extract<FromWorker, { type: T }>;
export type WeightsState = 'none' | 'loading' | 'ready' | 'error';

export class WeightsPanel {
  private readonly kind = $<HTMLSelectElement>('weights-kind');
  private readonly seedField = $<HTMLInputElement>('weights-seed');
  private readonly file = $<HTMLInputElement>('weights-file');
  private readonly url = $<HTMLInputElement>('weights-url');
  private readonly urls = $<HTMLDataListElement>('weights-urls');
  private readonly download = $<HTMLButtonElement>('weights-download');
  private readonly arch = $<HTMLSelectElement>('weights-arch');
  private readonly pre = $<HTMLSelectElement>('weights-pre');
  private readonly forget = $<HTMLButtonElement>('weights-forget');
  private readonly status = $('weights-status');
  private readonly progress = $<HTMLProgressElement>('weights-progress');
  private readonly cancel = $<HTMLButtonElement>('weights-cancel');
  private cached: CachedWeights[] = [];
  private firstListing = true;
  state: WeightsState = 'none';

  constructor(
    private readonly messages: Messages,
    private readonly send: (m: ToWorker) => void,
    /** Told about every set of weights that becomes ready (the settings' method note). */
    private readonly onLoaded: (info: WeightsInfo) => void = () => undefined,
  ) {
    for (const m of MODELS) {
      if (!m.url) continue;
      const o = document.createElement('option');
      o.value = m.url;
      o.label = `${m.name}: ${m.description}`;
      this.urls.append(o);
    }
    this.kind.addEventListener('change', () => this.onChoice());
    this.seedField.addEventListener('change', () => this.kind.value === 'random' && this.onChoice());
    this.file.addEventListener('change', () => this.loadFromFile());
    for (const sel of [this.arch, this.pre]) sel.addEventListener('change', () => this.kind.value === 'file' && this.loadFromFile());
    this.download.addEventListener('click', () => {
      const url = this.url.value.trim();
      if (!url) {
        this.messages.say('error', 'Enter the URL of a .pth, .safetensors or .npz weight file.');
        return;
      }
      this.load({ kind: 'url', url, architecture: this.arch.value as 'auto', preprocessing: this.pre.value as 'auto' });
    });
    this.cancel.addEventListener('click', () => this.send({ type: 'cancel-weights' }));
    this.forget.addEventListener('click', () => {
      const v = this.kind.value;
      if (!v.startsWith('cached:')) return;
      this.send({ type: 'delete-cached', id: v.slice('cached:'.length) });
      this.kind.value = 'random';
      this.onChoice();
    });
  }

  // --- worker messages ------------------------------------------------------------------

  onCachedList(msg: Msg<'cached-list'>): void {
    this.cached = msg.entries;
    this.renderOptions();
    if (this.firstListing) {
      this.firstListing = false;
      this.restoreChoice();
    }
  }

  onProgress(msg: Msg<'weights-progress'>): void {
    this.status.textContent = msg.text;
    this.progress.hidden = false;
    if (msg.total) {
      this.progress.max = msg.total;
      this.progress.value = msg.loaded;
    } else {
      this.progress.removeAttribute('value');
    }
  }

  onReady({ info }: Msg<'weights-ready'>): void {
    this.setState('ready');
    this.progress.hidden = true;
    this.cancel.hidden = true;
    const from = info.fromCache ? ' from the browser cache' : info.cachedAs ? ', saved in the browser cache for next time' : '';
    this.status.textContent =
      `Ready: ${info.name} (${info.architecture}, ${info.preprocessing} preprocessing, ${(info.bytes / 2 ** 20).toFixed(0)} MB of conv weights${from}; ${seconds(info.loadMs)})` +
      (info.lowQuality ? '. Random weights: expect textures rather than a faithful style.' : '');
    for (const note of info.notes) this.messages.say('warn', note);
    this.onLoaded(info);
    if (info.cachedAs) {
      remember(`cached:${info.cachedAs.id}`);
      void navigator.storage?.persist?.().catch(() => undefined);
      this.send({ type: 'list-cached' });
    }
  }

  onError(msg: Msg<'weights-error'>): void {
    const cancelled = msg.kind === 'cancelled';
    this.setState(cancelled ? 'none' : 'error');
    this.progress.hidden = true;
    this.cancel.hidden = true;
    this.status.textContent = cancelled ? 'Loading cancelled.' : 'Could not load these weights.';
    if (!cancelled) this.messages.say('error', msg.message);
  }

  // --- choosing and loading -------------------------------------------------------------

  private setState(s: WeightsState): void {
    this.state = s;
    document.body.dataset.weights = s;
  }

  /** The random preset's seed; anything unusable is 0 (the settings form checks the field itself). */
  private seed(): number {
    const n = Number(this.seedField.value);
    return Number.isSafeInteger(n) && n >= 0 ? n : 0;
  }

  private renderOptions(): void {
    const selected = this.kind.value;
    for (const o of [...this.kind.options]) if (o.value.startsWith('cached:')) o.remove();
    const fileOption = this.kind.querySelector('option[value="file"]');
    for (const c of this.cached) {
      const o = document.createElement('option');
      o.value = `cached:${c.id}`;
      o.textContent = `Cached: ${c.name} (${c.architecture}, ${c.preprocessing}, ${(c.bytes / 2 ** 20).toFixed(0)} MB)`;
      this.kind.insertBefore(o, fileOption);
    }
    if ([...this.kind.options].some((o) => o.value === selected)) this.kind.value = selected;
  }

  private showExtras(): void {
    const kind = this.kind.value.startsWith('cached:') ? 'cached' : this.kind.value;
    for (const el of document.querySelectorAll<HTMLElement>('.weights-extra')) {
      el.hidden = !(el.dataset.for ?? '').split(' ').includes(kind);
    }
  }

  private load(source: WeightsSource): void {
    this.setState('loading');
    this.status.textContent = 'loading…';
    this.progress.hidden = false;
    this.progress.removeAttribute('value');
    this.cancel.hidden = source.kind === 'random';
    this.send({ type: 'load-weights', source });
  }

  /** Loads what the select shows, where that needs no further input. */
  private onChoice(): void {
    this.showExtras();
    const v = this.kind.value;
    if (v === 'random') {
      remember(`random:${this.seed()}`);
      this.load({ kind: 'random', seed: this.seed() });
    } else if (v.startsWith('cached:')) {
      remember(v);
      this.load({ kind: 'cached', id: v.slice('cached:'.length) });
    } else if (v === 'file' && this.file.files?.[0]) {
      this.loadFromFile();
    } else {
      this.setState('none');
      this.status.textContent = v === 'file' ? 'Choose a weight file.' : 'Enter a URL and press Download.';
    }
  }

  private loadFromFile(): void {
    const file = this.file.files?.[0];
    if (!file) return;
    this.load({ kind: 'file', file, architecture: this.arch.value as 'auto', preprocessing: this.pre.value as 'auto' });
  }

  private restoreChoice(): void {
    let last: string | null = null;
    try {
      last = localStorage.getItem(LAST_WEIGHTS_KEY);
    } catch {
      // storage disabled: nothing remembered
    }
    if (last?.startsWith('cached:') && this.cached.some((c) => `cached:${c.id}` === last)) {
      this.kind.value = last;
    } else {
      this.kind.value = 'random';
      const m = /^random:(\d+)$/.exec(last ?? '');
      if (m) this.seedField.value = m[1]!;
    }
    this.onChoice();
  }
}

function remember(value: string): void {
  try {
    localStorage.setItem(LAST_WEIGHTS_KEY, value);
  } catch {
    // storage disabled: nothing to remember
  }
}
