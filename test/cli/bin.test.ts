/**
 * bin/neural-style.js, the installed command, runs the built dist/ (npm ci builds it
 * through `prepare`). Skipped where dist/ has not been built.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers.js';

const built = existsSync(join(ROOT, 'dist/cli/main.js'));
const bin = join(ROOT, 'bin/neural-style.js');
const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });

describe.skipIf(!built)('bin/neural-style.js (needs `npm run build`)', () => {
  it('is the package bin and prints the version', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; bin: Record<string, string> };
    expect(pkg.bin['neural-style']).toBe('bin/neural-style.js');
    const r = run('--version');
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(pkg.version);
  });

  it('exits 2 with one line for a usage error', () => {
    const r = run('-c', 'a.jpg', '-s', 'b.jpg', '--image-size', 'huge');
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("error: --image-size must be a whole number ≥ 1, got 'huge'\n");
    expect(r.stdout).toBe('');
  });
});
