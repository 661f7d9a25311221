/**
 * The shape of the source tree, checked with a maintained tool (madge):
 *  - no import cycles in src/ (type-only imports included), and the check finds one when
 *    one is added;
 *  - nothing outside src/cli imports it (the command is a front end on the library);
 *  - the core — everything but the front ends (cli, jobs, web-server) and the platform
 *    files (`*-node.ts`, `*-browser.ts`, platform/, node.ts) — imports no `node:` module, no
 *    onnxruntime package at run time (types from onnxruntime-common only), and touches
 *    no DOM.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import madge from 'madge';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../../', import.meta.url).pathname;
const SRC = join(ROOT, 'src');

async function graphOf(dir: string) {
  return madge(dir, { fileExtensions: ['ts'], tsConfig: join(ROOT, 'tsconfig.json'), detectiveOptions: { ts: { skipTypeImports: false } } });
}

/** Front ends and platform files: everything else is the core. */
function isCore(file: string): boolean {
  return !(
    /^(cli|jobs|web-server|platform)\//.test(file) ||
    /-(node|browser)\.ts$/.test(file) ||
    file === 'node.ts' ||
    file === 'browser.ts'
  );
}

/** The code without its comments. */
function code(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

describe('the source tree', () => {
  it('has no import cycles (type-only imports included)', async () => {
    expect((await graphOf(SRC)).circular()).toEqual([]);
  });

  it('the cycle check finds a cycle when one is added', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ns-cycle-'));
    try {
      cpSync(SRC, join(dir, 'src'), { recursive: true });
      // The options' types reaching up to the Stylizer, which reads the options: a cycle.
      const file = join(dir, 'src/options/types.ts');
      writeFileSync(file, `import type { Stylizer } from '../stylize/stylizer.js';\nexport type Cycle = Stylizer;\n${readFileSync(file, 'utf8')}`);
      const cycles = (await graphOf(join(dir, 'src'))).circular();
      expect(cycles.length).toBeGreaterThan(0);
      expect(cycles.some((c) => c.includes('options/types.ts') && c.includes('stylize/stylizer.ts'))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('nothing outside src/cli imports src/cli', async () => {
    const deps = (await graphOf(SRC)).obj();
    const offenders = Object.entries(deps).flatMap(([file, imports]) => (file.startsWith('cli/') ? [] : imports.filter((i) => i.startsWith('cli/')).map((i) => `${file} → ${i}`)));
    expect(offenders).toEqual([]);
  });

  it('the web app uses the public API: the main entry and the browser entry, nothing deeper', async () => {
    const web = await madge(join(ROOT, 'web/src'), { fileExtensions: ['ts'], tsConfig: join(ROOT, 'tsconfig.json') });
    const deep = Object.entries(web.obj()).filter(([file]) => !file.startsWith('../')).flatMap(([file, imports]) =>
      imports.filter((i) => i.includes('src/') && !/(^|\/)src\/(index|browser)\.ts$/.test(i)).map((i) => `web/src/${file} → ${i}`),
    );
    expect(deep).toEqual([]);
    // Not vacuous: the app does import the library.
    expect(Object.values(web.obj()).flat().some((i) => /src\/index\.ts$/.test(i))).toBe(true);
  });

  it('the core imports no node: module, no onnxruntime at run time, and no DOM', async () => {
    const files = Object.keys((await graphOf(SRC)).obj()).filter(isCore);
    expect(files.length).toBeGreaterThan(100);
    const problems: string[] = [];
    for (const file of files) {
      const text = code(readFileSync(join(SRC, file), 'utf8'));
      for (const m of text.matchAll(/^\s*import\s+(type\s+)?[^;]*?from\s+['"]([^'"]+)['"]/gm)) {
        const [, typeOnly, spec] = m as unknown as [string, string | undefined, string];
        if (spec.startsWith('node:') || /^(fs|path|os|crypto|url|stream|buffer|child_process|worker_threads)(\/|$)/.test(spec)) problems.push(`${file}: imports ${spec}`);
        if (spec.startsWith('onnxruntime') && !typeOnly) problems.push(`${file}: imports ${spec} at run time`);
        if (spec === 'sharp' || spec === 'bullmq' || spec === 'ioredis') problems.push(`${file}: imports ${spec}`);
      }
      for (const m of text.matchAll(/\bimport\(\s*['"](node:[^'"]+|onnxruntime[^'"]*)['"]\s*\)/g)) problems.push(`${file}: imports ${m[1]} dynamically`);
      if (/\b(document|window|navigator)\s*\./.test(text)) problems.push(`${file}: touches the DOM`);
      if (/\bprocess\.|\bBuffer\./.test(text)) problems.push(`${file}: uses Node's process or Buffer`);
    }
    expect(problems).toEqual([]);
  });
});
