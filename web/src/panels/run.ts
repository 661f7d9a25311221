/**
 * The run: Start (checks what is missing, reads the settings, sends the run), Pause and
 * Resume, Stop, the live preview, the progress line, the loss chart, and Download PNG.
 */
import { NeuralStyleError, OptionError, checkMasks } from '../../../src/index.js';
import { $ } from '../dom.js';
import { LossChart } from '../loss-chart.js';
import { doneLine, progressLine } from '../progress-text.js';
import type { Frame, FromWorker, ToWorker } from '../protocol.js';
import { saveBlob } from '../save.js';
import { labelOf } from '../settings.js';
import type { ImagesPanel } from './images.js';
import type { MasksPanel } from './masks.js';
import type { Messages } from './messages.js';
import type { SettingsPanel } from './settings.js';
import type { WeightsPanel } from './weights.js';

/** Dispatched on `document` for every progress report, with a ProgressEventDetail. */
export const PROGRESS_EVENT = 'neural-style:progress';

export interface ProgressEventDetail {
  iteration: number;
  /** Milliseconds since the run's first iteration began, as the worker measured them. */
  elapsedMs: number;
  loss: number;
}

/** Preview at least every this many iterations (and at least once a second). */
const PREVIEW_EVERY = 5;

type Msg<T extends FromWorker['type']> = Extract<FromWorker, { type: T }>;
type RunRequest = Extract<ToWorker, { type: 'run' }>;
type RunState = 'idle' | 'running' | 'paused' | 'done' | 'error';

export interface RunDeps {
  messages: Messages;
  send: (m: ToWorker) => void;
  images: ImagesPanel;
  masks: MasksPanel;
  weights: WeightsPanel;
  settings: SettingsPanel;
  /** The next run goes to the job service, not this tab's worker (panels/server.ts). */
  onServer: () => boolean;
}

export class RunPanel {
  private readonly form = $<HTMLFormElement>('controls');
  private readonly start = $<HTMLButtonElement>('start');
  private readonly pause = $<HTMLButtonElement>('pause');
  private readonly stop = $<HTMLButtonElement>('stop');
  private readonly download = $<HTMLButtonElement>('download');
  private readonly result = $<HTMLCanvasElement>('result');
  private readonly text = $('progress-text');
  private readonly chart = new LossChart($<HTMLCanvasElement>('loss-chart'));
  private state: RunState = 'idle';
  private hasImage = false;
  /** The run in progress (or the last) is a job on the server: it cannot pause. */
  private remote = false;
  /** A server job's result as the server encoded it: Download saves these bytes, not the canvas re-encoded. */
  private serverResult: { blob: Blob; name: string } | undefined;

  constructor(private readonly d: RunDeps) {
    this.form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.begin();
    });
    this.pause.addEventListener('click', () => {
      if (this.state === 'running') {
        d.send({ type: 'pause' });
        this.pause.disabled = true; // until the worker confirms at the end of this iteration
      } else if (this.state === 'paused') {
        d.send({ type: 'resume' });
      }
    });
    this.stop.addEventListener('click', () => {
      d.send({ type: 'stop' });
      this.stop.disabled = true;
      this.text.textContent += ' · stopping after this iteration…';
    });
    this.download.addEventListener('click', () => this.save());
    this.setState('idle');
  }

  // --- worker messages ------------------------------------------------------------------

  onStatus(msg: Msg<'status'>): void {
    this.text.textContent = msg.text;
  }

  onProgress(msg: Msg<'progress'>): void {
    this.chart.add(msg);
    if (msg.frame) this.show(msg.frame);
    this.text.textContent = progressLine(msg);
    document.body.dataset.iteration = String(msg.iteration);
    document.body.dataset.firstLoss = String(this.chart.first);
    document.body.dataset.lastLoss = String(msg.loss);
    // For scripts driving the page (bench/web.ts times iterations from these): every
    // iteration, not only the ones the data-* attributes happen to be read at.
    document.dispatchEvent(new CustomEvent<ProgressEventDetail>(PROGRESS_EVENT, { detail: { iteration: msg.iteration, elapsedMs: msg.elapsedMs, loss: msg.loss } }));
  }

  onPaused(): void {
    this.setState('paused');
    this.text.textContent += ' · paused';
  }

  onResumed(): void {
    this.setState('running');
  }

  onDone(msg: Msg<'done'>): void {
    this.show(msg.frame);
    this.text.textContent = doneLine(msg);
    this.setState('done');
  }

  onError(msg: Msg<'run-error'>): void {
    if (msg.frame) this.show(msg.frame);
    const s = msg.suggestion;
    const fix = s && this.d.settings.canApply(s) ? { label: `Use ${labelOf(s.option)} ${String(s.value)}`, run: () => this.d.settings.apply(s) } : undefined;
    this.d.messages.say('error', msg.message, fix);
    this.text.textContent = 'The run stopped with an error.';
    this.setState('error');
  }

  // --- a job on the server (server/server-run.ts) -----------------------------------------

  /** A server job picked from the list is followed: the run's display starts afresh. */
  began(numIterations: number): void {
    this.remote = true;
    this.reset(numIterations);
    this.setState('running');
  }

  resultReady(blob: Blob, name: string): void {
    this.serverResult = { blob, name };
  }

  cancelled(text: string): void {
    this.text.textContent = text;
    this.setState('done');
  }

  /** The worker itself could not start: nothing will run. */
  failed(reason: string): void {
    this.d.messages.say('error', `The compute worker failed to start: ${reason} (details in the browser console).`);
    this.setState('error');
  }

  // --- the run ----------------------------------------------------------------------------

  private begin(): void {
    if (this.state === 'running' || this.state === 'paused') return;
    this.d.messages.clear('error');
    let run: RunRequest;
    try {
      run = this.request();
    } catch (err) {
      // Refused before anything changed: the state, images, masks and picture stay as they were.
      this.refuse(err);
      return;
    }
    this.remote = this.d.onServer();
    this.reset(run.options.numIterations ?? 1);
    this.setState('running');
    try {
      this.d.send(run);
    } catch (err) {
      // The worker never got the run (e.g. postMessage could not clone it): nothing to stop.
      this.refuse(err);
      this.text.textContent = 'The run did not start.';
      this.setState('error');
    }
  }

  private reset(numIterations: number): void {
    this.serverResult = undefined;
    this.chart.reset(numIterations);
    document.body.dataset.iteration = '';
    document.body.dataset.firstLoss = '';
    document.body.dataset.lastLoss = '';
    this.text.textContent = 'starting…';
  }

  /** The run to send, after every check the page can make; throws what is missing or wrong. */
  private request(): RunRequest {
    const { images, masks, weights, settings } = this.d;
    const content = images.content;
    if (!content) throw new Error('Choose a content image first.');
    if (images.styles.length === 0) throw new Error('Add at least one style image.');
    const blend = images.blendWeights;
    if (blend.every((w) => w === 0)) throw new Error('Every style blend weight is 0: give at least one style a weight above 0.');
    // A job on the server runs the model named in the run-on panel, not the page's weights.
    if (!this.d.onServer() && (weights.state === 'none' || weights.state === 'error')) throw new Error('Load weights first (the offline preset needs no download).');
    const options = settings.read({ ...settings.presetOptions, styleBlendWeights: blend });
    const contentMasks = masks.contentMasks;
    // The library's own checks (count, empty masks), in the page's words, before the worker starts.
    checkMasks(images.styles.length, contentMasks);
    return { type: 'run', content, styles: images.styles, contentMasks, options, backend: settings.backend, previewEvery: PREVIEW_EVERY };
  }

  private refuse(err: unknown): void {
    if (err instanceof OptionError) this.d.settings.focus(err.option);
    this.d.messages.say('error', err instanceof NeuralStyleError ? err.render(labelOf) : (err as Error).message);
  }

  private setState(s: RunState): void {
    this.state = s;
    document.body.dataset.state = s;
    const active = s === 'running' || s === 'paused';
    this.start.disabled = active;
    this.pause.disabled = !active || this.remote;
    this.stop.disabled = !active;
    this.pause.textContent = s === 'paused' ? 'Resume' : 'Pause';
    this.download.disabled = !this.hasImage || active;
  }

  private show(frame: Frame): void {
    if (this.result.width !== frame.width || this.result.height !== frame.height) {
      this.result.width = frame.width;
      this.result.height = frame.height;
    }
    this.result.getContext('2d')!.putImageData(new ImageData(frame.rgba, frame.width, frame.height), 0, 0);
    this.hasImage = true;
  }

  private save(): void {
    if (this.serverResult) return saveBlob(this.serverResult.blob, this.serverResult.name);
    this.result.toBlob((blob) => {
      if (!blob) {
        this.d.messages.say('error', 'Could not encode the image as PNG.');
        return;
      }
      saveBlob(blob, `neural-style-${this.result.width}x${this.result.height}.png`);
    }, 'image/png');
  }
}
