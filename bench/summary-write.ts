/**
 * `npm run bench:summary -- --write docs/performance.md`: the summary replaces the text
 * between two markers in a file, leaving the markers and everything outside them as they
 * were. The file is written as the weights' cache writes its files (writeFileAtomic: a
 * temporary sibling, then a rename), so an interrupted write never leaves half a page.
 */
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../src/models/cache-node.js';

export const BLOCK_START = '<!-- bench:summary start -->';
export const BLOCK_END = '<!-- bench:summary end -->';

export class BlockError extends Error {
  override name = 'BlockError';
}

/** `text` with the lines between the markers replaced by `block`; the markers kept on their own lines. */
export function replaceBlock(text: string, block: string, where = 'the file'): string {
  const start = text.indexOf(BLOCK_START);
  const end = text.indexOf(BLOCK_END);
  const missing = [start < 0 ? BLOCK_START : '', end < 0 ? BLOCK_END : ''].filter(Boolean);
  if (missing.length) throw new BlockError(`${where} has no ${missing.join(' and no ')}: add both markers, each on its own line, where the summary goes`);
  if (text.indexOf(BLOCK_START, start + 1) >= 0 || text.indexOf(BLOCK_END, end + 1) >= 0) throw new BlockError(`${where} has a marker twice: keep one ${BLOCK_START} and one ${BLOCK_END}`);
  if (end < start) throw new BlockError(`${where} has ${BLOCK_END} before ${BLOCK_START}`);
  return `${text.slice(0, start + BLOCK_START.length)}\n${block.trimEnd()}\n${text.slice(end)}`;
}

/** Replaces the block in `file`: read, replace, write atomically. */
export async function writeBlock(file: string, block: string): Promise<void> {
  const next = replaceBlock(await readFile(file, 'utf8'), block, file);
  await writeFileAtomic(file, new TextEncoder().encode(next));
}
