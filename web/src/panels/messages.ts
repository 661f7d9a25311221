/** The page's message list: warnings and errors, each dismissible, some with a fix to apply. */

export type MessageKind = 'warn' | 'error';

/** A button beside a message that applies the core's advice (e.g. "Use Size 1024"). */
export interface MessageAction {
  label: string;
  run: () => void;
}

export class Messages {
  constructor(private readonly box: HTMLElement) {}

  say(kind: MessageKind, text: string, action?: MessageAction): void {
    const div = document.createElement('div');
    div.className = `msg ${kind}`;
    div.setAttribute('role', kind === 'error' ? 'alert' : 'status');
    const span = document.createElement('span');
    span.textContent = asSentence(text);
    div.append(span);
    if (action) {
      const fix = document.createElement('button');
      fix.type = 'button';
      fix.className = 'fix';
      fix.textContent = action.label;
      fix.addEventListener('click', () => {
        action.run();
        div.remove();
      });
      div.append(' ', fix);
    }
    const close = document.createElement('button');
    close.type = 'button';
    close.textContent = '×';
    close.title = 'dismiss';
    close.addEventListener('click', () => div.remove());
    // The spaces keep the parts apart where the flex gap does not reach: copied text, the
    // element's text, a screen reader ("…1341.1 GB. Use Size 1232", not "…GBUse Size 1232").
    div.append(' ', close);
    this.box.append(div);
  }

  clear(kind?: MessageKind): void {
    for (const el of [...this.box.children]) if (!kind || el.classList.contains(kind)) el.remove();
  }
}

/** The core's messages end without a full stop, the page's own with one: each ends one sentence. */
function asSentence(text: string): string {
  return /[.!?…]$/.test(text) ? text : `${text}.`;
}
