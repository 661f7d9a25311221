/**
 * The page: images in, weights, settings, start/pause/stop, live preview and loss chart,
 * PNG out. Each fieldset is a panel (panels/); the worker's messages reach them through
 * one handler table (page-handlers.ts). All computation happens in worker.ts; the page
 * only decodes images (createImageBitmap) and draws what the worker sends. A run on the
 * server (panels/server.ts) goes to the job API instead, and its events come back as the
 * worker's messages (server/server-run.ts), through the same handler table.
 */
import { $ } from './dom.js';
import { dispatch } from './handlers.js';
import { pageHandlers } from './page-handlers.js';
import { BackendPanel } from './panels/backend.js';
import { ImagesPanel } from './panels/images.js';
import { JobsPanel } from './panels/jobs.js';
import { MasksPanel } from './panels/masks.js';
import { Messages } from './panels/messages.js';
import { RunPanel } from './panels/run.js';
import { ServerPanel } from './panels/server.js';
import { SettingsPanel } from './panels/settings.js';
import { WeightsPanel } from './panels/weights.js';
import type { FromWorker, ToWorker } from './protocol.js';
import { JobsApi } from './server/api-client.js';
import { apiBase } from './server/api-base.js';
import { ServerRunner } from './server/server-run.js';
import { tokenStore } from './server/token.js';

const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
const send = (message: ToWorker) => worker.postMessage(message);
// The API of the server that served this page, or the one `?api=URL` names (api-base.ts).
const api = new JobsApi(apiBase(document.baseURI), () => tokenStore.get());

const messages = new Messages($('messages'));
const settings = new SettingsPanel();
const images = new ImagesPanel(messages);
const masks = new MasksPanel(images, messages);
const weights = new WeightsPanel(messages, send, (info) => settings.weightsLoaded(info));
const backend = new BackendPanel(messages);
const server = new ServerPanel(api, messages);
/** The run's messages: to the server when the run is (or the job followed is) there, else to the worker. */
const sendRun = (message: ToWorker) => {
  const remote = message.type === 'run' ? server.onServer : runner.following !== undefined;
  if (!remote) return send(message);
  runner.send(message, () => ({ content: images.contentUpload!, styles: images.styleUploads, model: server.modelName }));
};
const run = new RunPanel({ messages, send: sendRun, images, masks, weights, settings, onServer: () => server.onServer });
const handlers = pageHandlers({ backend, weights, run });
const jobs: JobsPanel = new JobsPanel(api, () => runner);
const runner = new ServerRunner(api, {
  handle: (m) => dispatch(handlers, m),
  began: (n) => run.began(n),
  resultReady: (blob, name) => run.resultReady(blob, name),
  cancelled: (text) => run.cancelled(text),
  jobsChanged: () => void jobs.refresh(),
});
server.onChange((state) => {
  if (state === 'ready') void jobs.refresh();
});
void server.probe();

worker.addEventListener('error', (e) => run.failed(e.message || 'unknown error'));
worker.addEventListener('message', (event: MessageEvent<FromWorker>) => dispatch(handlers, event.data));
send({ type: 'init', wasmPaths: new URL('ort/', document.baseURI).href });
send({ type: 'list-cached' });
