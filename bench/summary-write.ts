/**
 * `npm run bench:summary -- --write docs/performance.md`: the summary replaces the text
 * between two markers in a file, leaving the markers and everything outside them as they
 * were. The file is written whole to a temporary name beside it and renamed over it, so an
 * interrupted write never leaves half a page.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';

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

/** Replaces the block in `file`: read, replace, write to a temporary file beside it, rename. */
export function writeBlock(file: string, block: string): void {
  const next = replaceBlock(readFileSync(file, 'utf8'), block, file);
  const tmp = `${file}.bench-summary-${process.pid}.tmp`;
  writeFileSync(tmp, next);
  renameSync(tmp, file);
}
