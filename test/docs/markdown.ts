/**
 * Reading the user docs the way a reader copies from them: the README and docs/*.md, their
 * fenced `sh` blocks split into simple commands and shell words, their relative links and
 * their headings' anchors. Only as much of the shell as the docs use: `\` line continuations,
 * `#` comments, `&&` / `||` / `;` / `|` between commands, '…' and "…" quoting, `$(…)` kept
 * as one word, redirections, and leading `NAME=value` assignments.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = new URL('../../', import.meta.url).pathname;

/** The pages a user reads: README.md and every docs/*.md, as paths relative to the root. */
export function userPages(): string[] {
  const docs = readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`);
  return ['README.md', ...docs];
}

export const readPage = (page: string) => readFileSync(join(ROOT, page), 'utf8');

export interface Block {
  /** The info string: `sh`, `ts`, `nginx`, … */
  lang: string;
  /** 1-based line of the block's first content line. */
  line: number;
  text: string;
}

export function fencedBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```(\S*)\s*$/.exec(lines[i]!);
    if (!open) continue;
    const indent = open[1]!.length;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !/^\s*```\s*$/.test(lines[j]!); j++) body.push(lines[j]!.slice(Math.min(indent, lines[j]!.search(/\S|$/))));
    blocks.push({ lang: open[2]!, line: i + 2, text: body.join('\n') });
    i = j;
  }
  return blocks;
}

export interface ShellCommand {
  page: string;
  /** 1-based line in the page where the command's (logical) line starts. */
  line: number;
  /** The words, quotes removed; `$(…)` and `$VAR` left as written. */
  argv: string[];
  /** Files the command's redirections write. */
  redirects: string[];
  /** The logical line as written, for messages. */
  source: string;
}

/** The simple commands of a shell block, in order. */
export function shellCommands(page: string, block: Block): ShellCommand[] {
  const out: ShellCommand[] = [];
  const physical = block.text.split('\n');
  for (let i = 0; i < physical.length; i++) {
    const line = block.line + i;
    let logical = physical[i]!;
    while (/\\\s*$/.test(logical) && i + 1 < physical.length) logical = logical.replace(/\\\s*$/, ' ') + physical[++i]!;
    for (const words of splitCommands(logical)) {
      const redirects: string[] = [];
      const argv: string[] = [];
      for (let k = 0; k < words.length; k++) {
        const w = words[k]!;
        const redirect = /^(\d?>>?|<)(.*)$/.exec(w);
        if (redirect) {
          const target = redirect[2] !== '' ? redirect[2]! : words[++k]!;
          if (redirect[1] !== '<') redirects.push(target);
          continue;
        }
        argv.push(w);
      }
      while (argv.length > 0 && /^[A-Za-z_][A-Za-z0-9_]*=/.test(argv[0]!)) argv.shift();
      if (argv.length > 0) out.push({ page, line, argv, redirects, source: logical.trim() });
    }
  }
  return out;
}

/** One logical line → the words of each simple command in it (comments dropped). */
function splitCommands(line: string): string[][] {
  const commands: string[][] = [];
  let words: string[] = [];
  let word: string | undefined;
  const endWord = () => {
    if (word !== undefined) words.push(word);
    word = undefined;
  };
  const endCommand = () => {
    endWord();
    if (words.length > 0) commands.push(words);
    words = [];
  };
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new Error(`unterminated ' in: ${line}`);
      word = (word ?? '') + line.slice(i + 1, end);
      i = end;
    } else if (c === '"') {
      let j = i + 1;
      let s = '';
      for (; j < line.length && line[j] !== '"'; j++) s += line[j] === '\\' && j + 1 < line.length ? line[++j] : line[j];
      if (j >= line.length) throw new Error(`unterminated " in: ${line}`);
      word = (word ?? '') + s;
      i = j;
    } else if (c === '$' && line[i + 1] === '(') {
      let depth = 0;
      let j = i + 1;
      for (; j < line.length; j++) {
        if (line[j] === '(') depth++;
        else if (line[j] === ')' && --depth === 0) break;
      }
      word = (word ?? '') + line.slice(i, j + 1);
      i = j;
    } else if (c === '\\' && i + 1 < line.length) {
      word = (word ?? '') + line[++i];
    } else if (c === '#' && word === undefined) {
      break;
    } else if (c === ';' || c === '|' || (c === '&' && line[i + 1] === '&')) {
      if ((c === '|' && line[i + 1] === '|') || c === '&') i++;
      endCommand();
    } else if (/\s/.test(c)) {
      endWord();
    } else {
      word = (word ?? '') + c;
    }
  }
  endCommand();
  return commands;
}

/** Every command in the `sh` blocks of a page. */
export function pageCommands(page: string): ShellCommand[] {
  return fencedBlocks(readPage(page))
    .filter((b) => ['sh', 'bash', 'shell', 'console'].includes(b.lang))
    .flatMap((b) => shellCommands(page, b));
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
export function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** The anchors a page offers: its headings' slugs (outside code blocks) and explicit `<a id>`s. */
export function anchors(markdown: string): Set<string> {
  const out = new Set<string>();
  let inCode = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*```/.test(line)) inCode = !inCode;
    if (inCode) continue;
    const h = /^#{1,6}\s+(.*)$/.exec(line);
    if (h) out.add(slug(h[1]!));
    for (const m of line.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) out.add(m[1]!);
  }
  return out;
}

/** Relative links of a page (outside code blocks): [text](target), with their line. */
export function relativeLinks(markdown: string): { target: string; line: number }[] {
  const out: { target: string; line: number }[] = [];
  let inCode = false;
  markdown.split('\n').forEach((line, i) => {
    if (/^\s*```/.test(line)) inCode = !inCode;
    if (inCode) return;
    for (const m of line.replace(/`[^`]*`/g, '').matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
      const target = m[1]!;
      if (!/^[a-z][a-z0-9+.-]*:/i.test(target)) out.push({ target, line: i + 1 });
    }
  });
  return out;
}
