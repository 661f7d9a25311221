/**
 * What the page does with each message from the worker: one record per FromWorker type,
 * routed to the panel it concerns. Panels are imported as types only, so a Node test can
 * build this table with stand-ins and check that every message type has an entry.
 */
import type { Handlers } from './handlers.js';
import type { BackendPanel } from './panels/backend.js';
import type { RunPanel } from './panels/run.js';
import type { WeightsPanel } from './panels/weights.js';
import type { FromWorker } from './protocol.js';

export type PageHandlers = Handlers<FromWorker>;

export interface Panels {
  backend: Pick<BackendPanel, 'onReady' | 'onBackend'>;
  weights: Pick<WeightsPanel, 'onCachedList' | 'onProgress' | 'onReady' | 'onError'>;
  run: Pick<RunPanel, 'onStatus' | 'onProgress' | 'onPaused' | 'onResumed' | 'onDone' | 'onError'>;
}

export function pageHandlers({ backend, weights, run }: Panels): PageHandlers {
  return {
    ready: (m) => backend.onReady(m),
    backend: (m) => backend.onBackend(m),
    'cached-list': (m) => weights.onCachedList(m),
    'weights-progress': (m) => weights.onProgress(m),
    'weights-ready': (m) => weights.onReady(m),
    'weights-error': (m) => weights.onError(m),
    status: (m) => run.onStatus(m),
    progress: (m) => run.onProgress(m),
    paused: () => run.onPaused(),
    resumed: () => run.onResumed(),
    done: (m) => run.onDone(m),
    'run-error': (m) => run.onError(m),
  };
}
