/**
 * The header's backend indicator: what the worker found at start-up (WebGPU or not,
 * threads or not, with a warning where that makes runs slow) and what a run uses.
 */
import { $ } from '../dom.js';
import type { FromWorker } from '../protocol.js';
import type { Messages } from './messages.js';

type Msg<T extends FromWorker['type']> = Extract<FromWorker, { type: T }>;

export class BackendPanel {
  private readonly label = $('backend');

  constructor(private readonly messages: Messages) {}

  onReady(msg: Msg<'ready'>): void {
    const threads = `${msg.threads} thread${msg.threads === 1 ? '' : 's'}`;
    this.label.textContent = msg.webgpu.available ? 'WebGPU available' : `WASM (${threads})`;
    this.label.title = msg.webgpu.reason;
    document.body.dataset.webgpu = String(msg.webgpu.available);
    if (!msg.webgpu.available) {
      this.messages.say(
        'warn',
        `WebGPU is not available here (${msg.webgpu.reason}), so the app computes with WASM on the CPU: it works, but slowly. Small sizes (128–256 px) keep runs short.`,
      );
    }
    if (!msg.isolated) {
      this.messages.say(
        'warn',
        'This page is not cross-origin isolated, so WASM runs on one thread. Serving it with `neural-style serve` (which sends COOP/COEP headers) makes it faster.',
      );
    }
  }

  onBackend(msg: Msg<'backend'>): void {
    this.label.textContent = msg.label;
    document.body.dataset.backend = msg.backend;
    if (msg.notice) this.messages.say('warn', msg.notice);
  }
}
