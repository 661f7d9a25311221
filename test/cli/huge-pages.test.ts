/**
 * The command starting itself again with glibc's malloc asked for huge pages
 * (src/cli/huge-pages-node.ts): when it does, and — where this machine qualifies and dist/
 * is built — that the relaunched process has the tunable, and that exit codes and signals
 * sent to the first process reach the run (SIGTERM and SIGINT still stop it cleanly, the
 * image written).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hugePageFacts, hugePagesEnv, type HugePageFacts } from '../../src/cli/huge-pages-node.js';
import { makeFixture, ROOT, small, type Fixture } from './helpers.js';

const linux: HugePageFacts = { platform: 'linux', thpMode: 'madvise', glibc: '2.36', env: { PATH: '/bin' } };

describe('hugePagesEnv', () => {
  it('adds the tunable on Linux with THP in madvise mode and glibc ≥ 2.35, keeping the rest of the environment', () => {
    expect(hugePagesEnv(linux)).toEqual({ PATH: '/bin', GLIBC_TUNABLES: 'glibc.malloc.hugetlb=1' });
    expect(hugePagesEnv({ ...linux, glibc: '2.35' })?.GLIBC_TUNABLES).toBe('glibc.malloc.hugetlb=1');
    expect(hugePagesEnv({ ...linux, glibc: '3.0' })?.GLIBC_TUNABLES).toBe('glibc.malloc.hugetlb=1');
  });

  it('appends to tunables of the caller’s own, and leaves a caller’s hugetlb setting alone (so a relaunched process never relaunches)', () => {
    expect(hugePagesEnv({ ...linux, env: { GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' } })?.GLIBC_TUNABLES).toBe('glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1');
    expect(hugePagesEnv({ ...linux, env: { GLIBC_TUNABLES: 'glibc.malloc.hugetlb=0' } })).toBeUndefined();
    expect(hugePagesEnv({ ...linux, env: { GLIBC_TUNABLES: 'glibc.malloc.arena_max=2:glibc.malloc.hugetlb=2' } })).toBeUndefined();
    const once = hugePagesEnv(linux)!;
    expect(hugePagesEnv({ ...linux, env: once })).toBeUndefined();
  });

  it('does nothing off Linux, without THP in madvise mode, on glibc < 2.35 or another C library, or with NEURAL_STYLE_HUGE_PAGES=0', () => {
    expect(hugePagesEnv({ ...linux, platform: 'darwin' })).toBeUndefined();
    expect(hugePagesEnv({ ...linux, thpMode: 'always' })).toBeUndefined();
    expect(hugePagesEnv({ ...linux, thpMode: 'never' })).toBeUndefined();
    expect(hugePagesEnv({ ...linux, thpMode: undefined })).toBeUndefined();
    expect(hugePagesEnv({ ...linux, glibc: '2.31' })).toBeUndefined();
    expect(hugePagesEnv({ ...linux, glibc: undefined })).toBeUndefined();
    expect(hugePagesEnv({ ...linux, env: { NEURAL_STYLE_HUGE_PAGES: '0' } })).toBeUndefined();
  });
});

const bin = join(ROOT, 'bin/neural-style.js');
const relaunches = existsSync(join(ROOT, 'dist/cli/main.js')) && hugePagesEnv({ ...hugePageFacts(), env: {} }) !== undefined;

describe.skipIf(!relaunches)('bin/neural-style.js relaunched with huge pages (Linux, THP madvise, glibc ≥ 2.35, dist/ built)', () => {
  let f: Fixture;
  let probe: string;
  beforeAll(async () => {
    f = await makeFixture('ns-huge-');
    // Preloaded into both processes (NODE_OPTIONS is inherited): each says, on exit, its pid and its GLIBC_TUNABLES.
    probe = join(f.dir, 'probe.mjs');
    writeFileSync(probe, "process.on('exit', () => process.stderr.write(`probe ${process.pid} ${process.env.GLIBC_TUNABLES ?? 'unset'}\\n`));\n");
  });
  afterAll(() => f.cleanup());
  const env = (extra: Record<string, string> = {}) => ({ ...process.env, GLIBC_TUNABLES: '', NEURAL_STYLE_HUGE_PAGES: '', ...extra });

  it('runs the command in a second process that has the tunable, with the first one’s exit code; not with NEURAL_STYLE_HUGE_PAGES=0', () => {
    const r = spawnSync(process.execPath, [bin, '-c', 'a.jpg', '-s', 'b.jpg', '--image-size', 'huge'], { cwd: ROOT, encoding: 'utf8', env: env({ NODE_OPTIONS: `--import ${probe}` }), timeout: 30_000 });
    expect(r.status).toBe(2);
    const probes = r.stderr.split('\n').filter((l) => l.startsWith('probe '));
    expect(probes.map((l) => l.split(' ')[2])).toEqual(['glibc.malloc.hugetlb=1', '']);
    expect(r.stderr).toContain("error: --image-size must be a whole number ≥ 1, got 'huge'\n");
    const off = spawnSync(process.execPath, [bin, '--version'], { cwd: ROOT, encoding: 'utf8', env: env({ NODE_OPTIONS: `--import ${probe}`, NEURAL_STYLE_HUGE_PAGES: '0' }), timeout: 30_000 });
    expect(off.status).toBe(0);
    expect(off.stderr.split('\n').filter((l) => l.startsWith('probe '))).toHaveLength(1);
  });

  it.skipIf(!existsSync('/usr/bin/script'))('stops cleanly, once, on Ctrl-C in a terminal, which signals both processes', { timeout: 60_000 }, async () => {
    // util-linux's `script` runs the command on a pseudo-terminal and copies its stdin there,
    // so the \x03 below is a real Ctrl-C: the terminal sends SIGINT to its foreground process
    // group, the first process and the relaunched one alike. Passed on as well, the run would
    // get it twice and quit without saving.
    const out = join(f.dir, 'tty.png');
    const command = [process.execPath, bin, ...small(f, ['--num-iterations', '3000', '-o', out])].map((a) => `'${a}'`).join(' ');
    const child = spawn('/usr/bin/script', ['-qefc', command, '/dev/null'], { cwd: ROOT, env: env(), stdio: ['pipe', 'pipe', 'pipe'] });
    let text = '';
    let sent = false;
    child.stdout.on('data', (d: Buffer) => {
      text += d;
      if (!sent && /\s\d+\/3000/.test(text)) {
        sent = true;
        child.stdin.write('\x03');
      }
    });
    const overrun = setTimeout(() => spawnSync('pkill', ['-KILL', '-f', out]), 40_000);
    const exit = await new Promise<number | null>((ok) => child.on('close', (c) => ok(c))).finally(() => clearTimeout(overrun));
    expect(sent).toBe(true);
    expect(text.match(/SIGINT: stopping cleanly/g)).toHaveLength(1);
    expect(text).not.toContain('quitting without saving');
    expect(exit).toBe(130);
    expect(existsSync(out)).toBe(true);
  });

  for (const [signal, code] of [['SIGTERM', 143], ['SIGINT', 130]] as const) {
    it(`passes ${signal} sent to the first process on to the run, which stops cleanly and writes its image`, { timeout: 60_000 }, async () => {
      const out = join(f.dir, `${signal}.png`);
      const child = spawn(process.execPath, [bin, ...small(f, ['--num-iterations', '2000', '--json', '-o', out])], { cwd: ROOT, env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d));
      let sent = false;
      child.stdout.on('data', () => {
        if (!sent) {
          sent = true;
          child.kill(signal);
        }
      });
      // A run that never hears of it would go on for minutes: ended here after 40 s, and by the test's end whatever happens.
      const overrun = setTimeout(() => spawnSync('pkill', ['-KILL', '-P', String(child.pid)]) && child.kill('SIGKILL'), 40_000);
      const exit = await new Promise<number | null>((ok) => child.on('close', (c) => ok(c))).finally(() => clearTimeout(overrun));
      expect(sent).toBe(true);
      expect(stderr).toContain(`${signal}: stopping cleanly`);
      expect(exit).toBe(code);
      expect(existsSync(out)).toBe(true);
    });
  }
});

// Where the machine does not qualify, say why the relaunch tests were skipped.
if (!relaunches) console.log('huge-pages relaunch tests skipped: dist/ not built, or this machine does not qualify', hugePageFacts());
