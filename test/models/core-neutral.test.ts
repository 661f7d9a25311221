/** src/models is shared with the browser build: only *-node.ts files may import Node. */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../src/models/', import.meta.url));

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? tsFiles(`${dir}${e.name}/`) : e.name.endsWith('.ts') ? [`${dir}${e.name}`] : [],
  );
}

describe('src/models is platform-neutral', () => {
  const files = tsFiles(ROOT).filter((f) => !f.endsWith('-node.ts'));
  it.each(files.map((f) => [f.slice(ROOT.length), f]))('%s imports no Node or onnxruntime module', (_, file) => {
    const source = readFileSync(file, 'utf8');
    const imports = [...source.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)].map((m) => m[1]!);
    const forbidden = imports.filter((m) => m.startsWith('node:') || /^(fs|path|os|crypto|url|stream|buffer|child_process)(\/|$)/.test(m) || m.startsWith('onnxruntime') || m.startsWith('sharp'));
    expect(forbidden).toEqual([]);
    expect(source).not.toMatch(/\bprocess\.|\bBuffer\./);
  });
});
