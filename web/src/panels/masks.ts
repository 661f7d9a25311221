/**
 * Regions (Gatys et al. 2017 spatial control): one mask per style image, painted with a
 * brush and an eraser on the content image, or uploaded. When "Paint a region per style"
 * is on, the run gets the masks and the styles become regions instead of a blend.
 */
import { fitMaxSide, maskFromImage, resize, resizeMask, type Mask, type RgbImage } from '../../../src/index.js';
import { decodeImageBlob } from '../../../src/browser.js';
import { $ } from '../dom.js';
import { overlay, paintStroke, REGION_COLOURS } from '../mask-paint.js';
import type { ImagesPanel } from './images.js';
import type { Messages } from './messages.js';

/** The painting canvas's longer side; masks are resized to the content by the library. */
const PAINT_SIDE = 256;

export class MasksPanel {
  private readonly enabled = $<HTMLInputElement>('use-masks');
  private readonly tools = $('mask-tools');
  private readonly which = $<HTMLSelectElement>('mask-style');
  private readonly eraser = $<HTMLInputElement>('mask-eraser');
  private readonly size = $<HTMLInputElement>('mask-size');
  private readonly file = $<HTMLInputElement>('mask-file');
  private readonly canvas = $<HTMLCanvasElement>('mask-canvas');
  /** Masks by style id, at the canvas's size. */
  private readonly masks = new Map<number, Mask>();
  private content: RgbImage | undefined;
  private last: { x: number; y: number } | undefined;

  constructor(private readonly images: ImagesPanel, private readonly messages: Messages) {
    images.onChange(() => this.sync());
    this.enabled.addEventListener('change', () => this.sync());
    this.which.addEventListener('change', () => this.draw());
    this.canvas.addEventListener('pointerdown', (e) => {
      this.canvas.setPointerCapture(e.pointerId);
      this.last = this.at(e);
      this.paint(this.last);
    });
    this.canvas.addEventListener('pointermove', (e) => {
      if (!this.last) return;
      const p = this.at(e);
      this.paint(p);
      this.last = p;
    });
    const end = () => (this.last = undefined);
    this.canvas.addEventListener('pointerup', end);
    this.canvas.addEventListener('pointercancel', end);
    this.file.addEventListener('change', () => {
      const f = this.file.files?.[0];
      this.file.value = '';
      if (f) void this.upload(f);
    });
    this.sync();
  }

  /** One mask per style image, in order, when regions are on; undefined otherwise. */
  get contentMasks(): Mask[] | undefined {
    if (!this.enabled.checked) return undefined;
    return this.images.styleIds.map((id) => this.maskOf(id));
  }

  private maskOf(id: number): Mask {
    let m = this.masks.get(id);
    if (!m || m.width !== this.canvas.width || m.height !== this.canvas.height) {
      m = { width: this.canvas.width, height: this.canvas.height, data: new Float32Array(this.canvas.width * this.canvas.height) };
      this.masks.set(id, m);
    }
    return m;
  }

  private selected(): number | undefined {
    const id = Number(this.which.value);
    return Number.isFinite(id) && this.images.styleIds.includes(id) ? id : undefined;
  }

  /** Follow the images panel: the canvas takes the content's shape, the list the styles. */
  private sync(): void {
    const content = this.images.content;
    this.tools.hidden = !this.enabled.checked;
    if (content !== this.content && content) {
      const s = fitMaxSide(content.width, content.height, PAINT_SIDE);
      this.canvas.width = s.width;
      this.canvas.height = s.height;
      this.content = resize(content, s.width, s.height);
      this.masks.clear();
    }
    const current = this.which.value;
    this.which.replaceChildren(
      ...this.images.styleIds.map((id, i) => {
        const o = document.createElement('option');
        o.value = String(id);
        o.textContent = `${i + 1}: ${this.images.styleNames[i]}`;
        return o;
      }),
    );
    if (this.images.styleIds.map(String).includes(current)) this.which.value = current;
    this.draw();
  }

  private at(e: PointerEvent): { x: number; y: number } {
    const r = this.canvas.getBoundingClientRect();
    return { x: ((e.clientX - r.left) * this.canvas.width) / r.width, y: ((e.clientY - r.top) * this.canvas.height) / r.height };
  }

  private paint(p: { x: number; y: number }): void {
    const id = this.selected();
    if (id === undefined || !this.content) return;
    paintStroke(this.maskOf(id), this.last ?? p, p, Number(this.size.value), this.eraser.checked ? 0 : 1);
    this.draw();
  }

  private async upload(file: File): Promise<void> {
    const id = this.selected();
    if (id === undefined || !this.content) {
      this.messages.say('error', 'Choose a content image and a style first, then its mask.');
      return;
    }
    try {
      const img = await decodeImageBlob(file, { maxSide: 4096, name: file.name });
      const m = resizeMask(maskFromImage(img), this.canvas.width, this.canvas.height);
      this.maskOf(id).data.set(m.data);
      this.draw();
    } catch (err) {
      this.messages.say('error', (err as Error).message);
    }
  }

  private draw(): void {
    const id = this.selected();
    if (!this.content || id === undefined) return;
    const i = this.images.styleIds.indexOf(id);
    const rgba = overlay(this.content, this.maskOf(id), REGION_COLOURS[i % REGION_COLOURS.length]!);
    this.canvas.getContext('2d')!.putImageData(new ImageData(rgba as Uint8ClampedArray<ArrayBuffer>, this.canvas.width, this.canvas.height), 0, 0);
  }
}
