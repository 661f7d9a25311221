/**
 * The page: images in, weights, settings, start/pause/stop, live preview and loss chart,
 * PNG out. Each fieldset is a panel (panels/); the worker's messages reach them through
 * one handler table (page-handlers.ts). All computation happens in worker.ts; the page
 * only decodes images (createImageBitmap) and draws what the worker sends.
 */
import { $ } from './dom.js';
import { dispatch } from './handlers.js';
import { pageHandlers } from './page-handlers.js';
import { BackendPanel } from './panels/backend.js';
import { ImagesPanel } from './panels/images.js';
import { MasksPanel } from './panels/masks.js';
import { Messages } from './panels/messages.js';
import { RunPanel } from './panels/run.js';
import { SettingsPanel } from './panels/settings.js';
import { WeightsPanel } from './panels/weights.js';
import type { FromWorker, ToWorker } from './protocol.js';

const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
const send = (message: ToWorker) => worker.postMessage(message);

const messages = new Messages($('messages'));
const settings = new SettingsPanel();
const images = new ImagesPanel(messages);
const masks = new MasksPanel(images, messages);
const weights = new WeightsPanel(messages, send, (info) => settings.weightsLoaded(info));
const backend = new BackendPanel(messages);
const run = new RunPanel({ messages, send, images, masks, weights, settings });
const handlers = pageHandlers({ backend, weights, run });

worker.addEventListener('error', (e) => run.failed(e.message || 'unknown error'));
worker.addEventListener('message', (event: MessageEvent<FromWorker>) => dispatch(handlers, event.data));
send({ type: 'init', wasmPaths: new URL('ort/', document.baseURI).href });
send({ type: 'list-cached' });
