/**
 * The README is a user's page (at most 400 lines, opening with the two commands that install
 * and run the program and run the tests), and every relative link in it and in docs/ leads
 * somewhere: a file that exists and, with `#anchor`, a heading (or `<a id>`) of that page.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';
import { anchors, fencedBlocks, readPage, relativeLinks, ROOT, userPages } from './markdown.js';

describe('README.md', () => {
  const readme = readPage('README.md');

  it('is at most 400 lines', () => {
    expect(readme.split('\n').length).toBeLessThanOrEqual(400);
  });

  it('opens with two commands: install and run the program, run the tests', () => {
    const first = fencedBlocks(readme)[0]!;
    const before = readme.slice(0, readme.indexOf('```'));
    expect(before.trim(), 'only the title before the first block').toMatch(/^# [^\n]+$/);
    expect(first.lang).toBe('sh');
    const lines = first.text.split('\n').filter((l) => l.trim() !== '');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^npm ci && npx neural-style /);
    expect(lines[1]).toBe('npm test');
  });
});

describe('links in README.md and docs/', () => {
  const cases = userPages().flatMap((page) => relativeLinks(readPage(page)).map((l) => [`${page}:${l.line} → ${l.target}`, page, l.target] as const));

  it('finds links', () => {
    expect(cases.length).toBeGreaterThan(20);
  });

  it.each(cases)('%s', (_name, page, target) => {
    const [file, anchor] = target.split('#') as [string, string | undefined];
    const path = file === '' ? join(ROOT, page) : normalize(join(ROOT, dirname(page), decodeURIComponent(file)));
    expect(existsSync(path), `${path} does not exist`).toBe(true);
    if (anchor === undefined) return;
    expect(statSync(path).isFile() && path.endsWith('.md'), `#${anchor} points into ${path}, which is not a Markdown page`).toBe(true);
    expect([...anchors(readFileSync(path, 'utf8'))], `${path} has no heading or <a id> for #${anchor}`).toContain(anchor);
  });
});
