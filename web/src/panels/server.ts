/**
 * Run on: this tab | the server. "The server" is offered when this page's own origin
 * answers the job API (GET /api/info; `neural-style serve --api` serves both, so no CORS
 * is needed). A server that wants a token says so (401): the token is asked for once and
 * kept for the session (tokenStore). The model the job runs is named here: the weights
 * loaded in the page stay in the page.
 */
import { runOptionSpecs } from '../../../src/index.js';
import { $ } from '../dom.js';
import { ApiError, type JobsApi } from '../server/api-client.js';
import { apiMessage } from '../server/server-run.js';
import { tokenStore } from '../server/token.js';
import type { Messages } from './messages.js';

export type ServerState = 'absent' | 'ready' | 'token-needed';

export class ServerPanel {
  private readonly tab = $<HTMLInputElement>('run-on-tab');
  private readonly server = $<HTMLInputElement>('run-on-server');
  private readonly status = $('server-status');
  private readonly extra = $('server-extra');
  private readonly model = $<HTMLInputElement>('server-model');
  private readonly token = $<HTMLInputElement>('server-token');
  private readonly remember = $<HTMLInputElement>('server-remember');
  private readonly useToken = $<HTMLButtonElement>('server-token-use');
  private readonly listeners: Array<(s: ServerState) => void> = [];
  state: ServerState = 'absent';

  constructor(
    private readonly api: JobsApi,
    private readonly messages: Messages,
  ) {
    const model = runOptionSpecs().find((s) => s.key === 'model')!;
    this.model.value = String(model.default);
    this.model.title = model.help;
    this.remember.checked = tokenStore.remembered();
    for (const radio of [this.tab, this.server]) radio.addEventListener('change', () => this.show());
    this.useToken.addEventListener('click', () => {
      tokenStore.set(this.token.value, this.remember.checked);
      this.token.value = '';
      void this.probe(true);
    });
    this.token.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') (e.preventDefault(), this.useToken.click());
    });
    this.show();
  }

  /** The run goes to the server. */
  get onServer(): boolean {
    return this.server.checked && this.state === 'ready';
  }

  get modelName(): string {
    return this.model.value.trim() || String(runOptionSpecs().find((s) => s.key === 'model')!.default);
  }

  onChange(listener: (s: ServerState) => void): void {
    this.listeners.push(listener);
  }

  /** Ask the API whether it is there and takes our token; `said`: a token was just entered, so a refusal is an error message. */
  async probe(said = false): Promise<ServerState> {
    try {
      if (!(await this.api.info()).jobs) return this.absent();
      this.set('ready', tokenStore.get() ? 'The server runs jobs; your token is accepted.' : 'The server runs jobs.');
      if (said) this.messages.clear('error');
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) {
        const wrong = tokenStore.get() !== undefined;
        this.set('token-needed', wrong ? 'The server refused the token: enter the right one.' : 'The server runs jobs for those with its token: enter it.');
        if (wrong) this.messages.say('error', apiMessage(e));
      } else {
        return this.absent();
      }
    }
    return this.state;
  }

  private absent(): ServerState {
    this.set('absent', 'This page’s server runs no jobs (start it with neural-style serve --api).');
    return this.state;
  }

  private set(state: ServerState, text: string): void {
    this.state = state;
    document.body.dataset.server = state;
    this.status.textContent = text;
    this.server.disabled = state === 'absent';
    if (state === 'absent') this.tab.checked = true;
    this.show();
    for (const l of this.listeners) l(state);
  }

  private show(): void {
    this.extra.hidden = !this.server.checked;
    this.token.closest('.token')!.toggleAttribute('hidden', this.state === 'ready' && tokenStore.get() === undefined);
  }
}
