/**
 * The browser bundle must not pull in anything Node-only. Walks the runtime import graph
 * (type-only imports are erased by the compiler, so they are not followed) from the
 * worker entry and the page entry through every module under web/ and src/, and fails on
 * `node:*`, a Node builtin (fs, path, os, …), onnxruntime-node, or another Node-only package.
 */
import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const NODE_ONLY_PACKAGES = ['onnxruntime-node', 'sharp', 'undici'];
const BUILTINS = new Set(builtinModules.flatMap((m) => [m, m.split('/')[0]!]));

function isNodeOnly(specifier: string): boolean {
  if (specifier.startsWith('node:')) return true;
  if (BUILTINS.has(specifier) || BUILTINS.has(specifier.split('/')[0]!)) return true;
  return NODE_ONLY_PACKAGES.some((p) => specifier === p || specifier.startsWith(`${p}/`));
}

const parsed = new Map<string, string[]>();

/** Runtime module specifiers of one file: value imports, re-exports, import(), new URL(…, import.meta.url). */
function runtimeSpecifiers(file: string): string[] {
  const known = parsed.get(file);
  if (known) return known;
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const out: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const typeOnly =
        clause?.isTypeOnly ||
        (clause && !clause.name && clause.namedBindings && ts.isNamedImports(clause.namedBindings) &&
          clause.namedBindings.elements.length > 0 && clause.namedBindings.elements.every((e) => e.isTypeOnly));
      if (!typeOnly) out.push(node.moduleSpecifier.text);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      if (!node.isTypeOnly) out.push(node.moduleSpecifier.text);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      const e = node.moduleReference.expression;
      if (ts.isStringLiteral(e) && !node.isTypeOnly) out.push(e.text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [arg] = node.arguments;
      if (arg && ts.isStringLiteralLike(arg)) out.push(arg.text);
    } else if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'require') {
      const [arg] = node.arguments;
      if (arg && ts.isStringLiteralLike(arg)) out.push(arg.text);
    } else if (ts.isNewExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'URL') {
      // new URL('./worker.ts', import.meta.url): a module Vite bundles (the worker entry)
      const [arg, base] = node.arguments ?? [];
      if (arg && ts.isStringLiteralLike(arg) && base?.getText() === 'import.meta.url' && /\.[cm]?[jt]s$/.test(arg.text)) out.push(arg.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  parsed.set(file, out);
  return out;
}

function resolveRelative(from: string, specifier: string): string {
  const base = resolve(dirname(from), specifier);
  const candidates = [base, base.replace(/\.js$/, '.ts'), base.replace(/\.mjs$/, '.mts'), `${base}.ts`, join(base, 'index.ts')];
  const found = candidates.find((c) => existsSync(c) && !c.endsWith('/'));
  if (!found) throw new Error(`${relative(repo, from)}: cannot resolve '${specifier}'`);
  return found;
}

interface Walk {
  modules: string[];
  violations: string[];
}

function walkImports(entry: string): Walk {
  const seen = new Set<string>();
  const violations: string[] = [];
  const queue = [entry];
  while (queue.length) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const spec of runtimeSpecifiers(file)) {
      if (spec.startsWith('.') || spec.startsWith('/')) queue.push(resolveRelative(file, spec));
      else if (isNodeOnly(spec)) violations.push(`${relative(repo, file)} imports '${spec}'`);
    }
  }
  return { modules: [...seen].map((f) => relative(repo, f)).sort(), violations };
}

describe('browser import graph', () => {
  it('the worker entry imports nothing Node-only, transitively', () => {
    const { modules, violations } = walkImports(join(repo, 'web/src/worker.ts'));
    // Sanity: the walk reached the algorithm, the runtime and the weight formats.
    expect(modules).toContain('src/stylize/stylize.ts');
    expect(modules).toContain('src/runtime/objective.ts');
    expect(modules).toContain('src/models/formats/detect.ts');
    expect(modules.length).toBeGreaterThan(30);
    expect(violations, `Node-only imports reachable from the worker:\n${violations.join('\n')}`).toEqual([]);
  });

  it('the page entry imports nothing Node-only either', () => {
    const { modules, violations } = walkImports(join(repo, 'web/src/main.ts'));
    expect(modules).toContain('web/src/worker.ts');
    expect(violations).toEqual([]);
  });

  it('the check itself notices Node imports', () => {
    const { violations } = walkImports(join(repo, 'src/web-server/serve-node.ts'));
    expect(violations.some((v) => v.includes("'node:http'"))).toBe(true);
    expect(isNodeOnly('fs')).toBe(true);
    expect(isNodeOnly('path')).toBe(true);
    expect(isNodeOnly('fs/promises')).toBe(true);
    expect(isNodeOnly('onnxruntime-node')).toBe(true);
    expect(isNodeOnly('onnxruntime-web')).toBe(false);
    expect(isNodeOnly('@bufbuild/protobuf')).toBe(false);
  });
});
