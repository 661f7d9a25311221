/** Images from the server (a progress preview's data: URL, the result's bytes) as the pixel frames the run panel draws. */
import type { Frame } from '../protocol.js';

export async function frameOf(blob: Blob): Promise<Frame> {
  const bitmap = await createImageBitmap(blob);
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const g = canvas.getContext('2d')!;
  g.drawImage(bitmap, 0, 0);
  bitmap.close();
  return { width: canvas.width, height: canvas.height, rgba: g.getImageData(0, 0, canvas.width, canvas.height).data };
}

/** A `data:image/png;base64,…` URL's bytes, without a fetch (which a strict connect-src would refuse). */
export function dataUrlBlob(url: string): Blob {
  const m = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  if (!m) throw new Error('a preview that is not a base64 data: URL');
  const bin = atob(m[2]!);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return new Blob([bytes], { type: m[1] });
}
