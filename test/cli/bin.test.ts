/**
 * bin/neural-style.js, the installed command, runs the built dist/ (npm ci builds it
 * through `prepare`). Skipped where dist/ has not been built.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
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

describe.skipIf(process.platform === 'win32')("bin/neural-style.js's first line", () => {
  it('runs the file with node and glibc malloc asked for transparent huge pages', () => {
    // The same first line on a script that prints what the command's process sees; run as
    // a command (not `node FILE`), as the installed `neural-style` is.
    const first = readFileSync(bin, 'utf8').split('\n')[0]!;
    const dir = mkdtempSync(join(tmpdir(), 'ns-shebang-'));
    try {
      const script = join(dir, 'probe.js');
      writeFileSync(script, `${first}\nconsole.log(process.env.GLIBC_TUNABLES ?? 'unset');\n`);
      chmodSync(script, 0o755);
      const r = spawnSync(script, [], { encoding: 'utf8', env: { ...process.env, GLIBC_TUNABLES: undefined }, timeout: 30_000 });
      expect(r.stderr).toBe('');
      expect(r.stdout.trim()).toBe('glibc.malloc.hugetlb=1');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
