/**
 * Just enough of a DOM to build the page's panels in Node: elements by id (made on first
 * ask, as index.html would have them), text, buttons' `disabled`, `dataset` and events; canvases
 * have no 2-D context. No layout and no parsing: what needs a real browser is
 * tested in Chromium (e2e.test.ts). Install it with `vi.stubGlobal` through `fakeDom()`;
 * `vi.unstubAllGlobals()` takes it away.
 */
import { vi } from 'vitest';

export class FakeElement extends EventTarget {
  readonly children: FakeElement[] = [];
  parent: FakeElement | undefined;
  readonly dataset: Record<string, string> = {};
  readonly attributes = new Map<string, string>();
  private text = '';
  id = '';
  className = '';
  disabled = false;
  hidden = false;
  type = '';
  title = '';
  width = 300;
  height = 150;
  clientWidth = 0;

  constructor(readonly tagName: string) {
    super();
  }

  /** Like the DOM's: its own text, or all of its descendants' text, joined with nothing. */
  get textContent(): string {
    return this.children.length ? this.children.map((c) => c.textContent).join('') : this.text;
  }

  set textContent(value: string) {
    this.replaceChildren();
    this.text = value;
  }

  get classList() {
    const names = () => this.className.split(/\s+/).filter(Boolean);
    return {
      contains: (n: string) => names().includes(n),
      add: (n: string) => void (this.className = [...new Set([...names(), n])].join(' ')),
      remove: (n: string) => void (this.className = names().filter((m) => m !== n).join(' ')),
    };
  }

  setAttribute(name: string, value: string): void {
    this.attributes.set(name, value);
  }

  append(...nodes: (FakeElement | string)[]): void {
    for (const n of nodes) {
      const el = typeof n === 'string' ? textNode(n) : n;
      el.remove();
      el.parent = this;
      this.children.push(el);
    }
  }

  replaceChildren(...nodes: (FakeElement | string)[]): void {
    for (const c of [...this.children]) c.remove();
    this.text = '';
    this.append(...nodes);
  }

  remove(): void {
    const siblings = this.parent?.children;
    if (siblings) siblings.splice(siblings.indexOf(this), 1);
    this.parent = undefined;
  }

  click(): void {
    if (!this.disabled) this.dispatchEvent(new Event('click'));
  }

  /** Every descendant whose class list has `name`, in document order. */
  byClass(name: string): FakeElement[] {
    return this.children.flatMap((c) => [...(c.classList.contains(name) ? [c] : []), ...c.byClass(name)]);
  }

  /** No 2-D context, as a browser without one would say: charts then skip drawing. */
  getContext(): null {
    return null;
  }
}

function textNode(text: string): FakeElement {
  const n = new FakeElement('#text');
  n.textContent = text;
  return n;
}

export class FakeDocument extends EventTarget {
  readonly body = new FakeElement('body');
  private readonly byId = new Map<string, FakeElement>();

  getElementById(id: string): FakeElement {
    let el = this.byId.get(id);
    if (!el) {
      el = new FakeElement(id);
      el.id = id;
      this.byId.set(id, el);
    }
    return el;
  }

  createElement(tag: string): FakeElement {
    return new FakeElement(tag);
  }
}

/** A fresh fake document as `document`, with the few window globals the panels call. */
export function fakeDom(): FakeDocument {
  const doc = new FakeDocument();
  vi.stubGlobal('document', doc);
  vi.stubGlobal('requestAnimationFrame', () => 0);
  vi.stubGlobal('getComputedStyle', () => ({ color: '' }));
  return doc;
}
