/**
 * The content and style images: file pickers and drop zones, thumbnails, and a blend
 * slider per style image. Images are decoded here, on the page (createImageBitmap), and
 * handed to the worker as pixels.
 */
import type { RgbImage } from '../../../src/index.js';
import { decodeImageBlob } from '../../../src/browser.js';
import { $ } from '../dom.js';
import type { Messages } from './messages.js';

/** Images are decoded at most this large (longer side); the run resizes to the chosen size anyway. */
const DECODE_MAX_SIDE = 4096;

export interface Picked {
  name: string;
  /** The file as chosen: a job on the server gets these bytes, decoded there as the CLI decodes them. */
  file: File;
  image: RgbImage;
  thumbnail: string;
}

interface StylePick extends Picked {
  id: number;
  /** The slider's position, 0–100; the library normalises the weights to sum 1. */
  weight: number;
}

export class ImagesPanel {
  private readonly contentDrop = $('content-drop');
  private readonly contentFile = $<HTMLInputElement>('content-file');
  private readonly contentPreview = $<HTMLImageElement>('content-preview');
  private readonly styleDrop = $('style-drop');
  private readonly styleFiles = $<HTMLInputElement>('style-files');
  private readonly styleList = $<HTMLUListElement>('style-list');
  private picked: Picked | undefined;
  private picks: StylePick[] = [];
  private nextStyleId = 1;
  private readonly listeners: Array<() => void> = [];

  constructor(private readonly messages: Messages) {
    // A file dropped outside the drop zones would make the browser navigate away to it.
    window.addEventListener('dragover', (e) => e.preventDefault());
    window.addEventListener('drop', (e) => e.preventDefault());
    dropZone(this.contentDrop, (files) => void this.setContent(files[0]!));
    dropZone(this.styleDrop, (files) => void this.addStyles(files));
    this.contentFile.addEventListener('change', () => {
      const f = this.contentFile.files?.[0];
      if (f) void this.setContent(f);
      this.contentFile.value = '';
    });
    this.styleFiles.addEventListener('change', () => {
      const files = [...(this.styleFiles.files ?? [])];
      this.styleFiles.value = '';
      void this.addStyles(files);
    });
  }

  get content(): RgbImage | undefined {
    return this.picked?.image;
  }

  get contentUpload(): File | undefined {
    return this.picked?.file;
  }

  get styleUploads(): File[] {
    return this.picks.map((s) => s.file);
  }

  get styles(): RgbImage[] {
    return this.picks.map((s) => s.image);
  }

  /** Stable ids and names of the style images, in order (the masks panel keys its masks by id). */
  get styleIds(): number[] {
    return this.picks.map((s) => s.id);
  }

  get styleNames(): string[] {
    return this.picks.map((s) => s.name);
  }

  /** Called whenever the content image or the list of styles changes. */
  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }

  /** One weight per style image, in order. */
  get blendWeights(): number[] {
    return this.picks.map((s) => s.weight);
  }

  private async decode(file: File): Promise<Picked | undefined> {
    try {
      const image = await decodeImageBlob(file, { maxSide: DECODE_MAX_SIDE, name: file.name });
      return { name: file.name, file, image, thumbnail: URL.createObjectURL(file) };
    } catch (err) {
      this.messages.say('error', (err as Error).message);
      return undefined;
    }
  }

  private async setContent(file: File): Promise<void> {
    const picked = await this.decode(file);
    if (!picked) return;
    if (this.picked) URL.revokeObjectURL(this.picked.thumbnail);
    this.picked = picked;
    this.contentPreview.src = picked.thumbnail;
    this.contentPreview.hidden = false;
    this.contentPreview.alt = picked.name;
    this.contentDrop.querySelector('.drop-text')!.textContent =
      `${picked.name} (${picked.image.width}×${picked.image.height}) — drop or click to replace`;
    this.changed();
  }

  private async addStyles(files: Iterable<File>): Promise<void> {
    for (const file of files) {
      const picked = await this.decode(file);
      if (picked) this.picks.push({ ...picked, id: this.nextStyleId++, weight: 100 });
    }
    this.renderStyles();
  }

  /** Each style's share of the blend, next to its slider. */
  private showShares(): void {
    const total = this.picks.reduce((a, t) => a + t.weight, 0);
    for (const t of this.picks) {
      const el = this.styleList.querySelector(`li[data-style-id="${t.id}"] .share`);
      if (el) el.textContent = total > 0 ? `${Math.round((100 * t.weight) / total)}%` : '0%';
    }
  }

  private renderStyles(): void {
    this.styleList.replaceChildren(...this.picks.map((s) => this.styleItem(s)));
    this.showShares();
    this.changed();
  }

  private styleItem(s: StylePick): HTMLLIElement {
    const li = document.createElement('li');
    li.dataset.styleId = String(s.id);
    const img = document.createElement('img');
    img.src = s.thumbnail;
    img.alt = s.name;
    const mid = document.createElement('div');
    const name = document.createElement('div');
    name.className = 'name';
    name.textContent = `${s.name} (${s.image.width}×${s.image.height})`;
    const blend = document.createElement('label');
    blend.className = 'blend';
    const slider = document.createElement('input');
    slider.type = 'range';
    slider.min = '0';
    slider.max = '100';
    slider.value = String(s.weight);
    slider.title = 'blend weight';
    slider.setAttribute('aria-label', `blend weight of ${s.name}`);
    const share = document.createElement('span');
    share.className = 'share';
    slider.addEventListener('input', () => {
      s.weight = Number(slider.value);
      this.showShares();
    });
    blend.append(slider, share);
    mid.append(name, blend);
    const remove = document.createElement('button');
    remove.type = 'button';
    remove.textContent = '×';
    remove.title = `remove ${s.name}`;
    remove.addEventListener('click', () => {
      URL.revokeObjectURL(s.thumbnail);
      this.picks = this.picks.filter((t) => t !== s);
      this.renderStyles();
    });
    li.append(img, mid, remove);
    return li;
  }
}

function dropZone(zone: HTMLElement, onFiles: (files: File[]) => void): void {
  zone.addEventListener('dragover', (e) => {
    e.preventDefault();
    zone.classList.add('over');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('over');
    const files = [...(e.dataTransfer?.files ?? [])];
    if (files.length) onFiles(files);
  });
}
