/**
 * Start the command again with glibc's malloc asked for transparent huge pages, where that
 * helps and nothing says otherwise.
 *
 * Why: onnxruntime's buffers are fresh memory on a session's first runs, and on Linux each
 * 4 KiB page of it is a fault and a zeroing; for a short run that was most of its style
 * targets and first evaluation (bench/RESULTS.md#huge-pages). `GLIBC_TUNABLES=
 * glibc.malloc.hugetlb=1` makes malloc `madvise` its blocks for huge pages, but glibc reads
 * it only when a process starts, so the command starts itself once more with it: with
 * `process.execve` where Node has it (the process is replaced), else as a child that this
 * process waits for, passing on signals and the exit status.
 *
 * Not done (the command runs as it is) when: not Linux; the kernel's THP mode is not
 * `madvise` (`always` needs nothing, `never` allows nothing); the C library is not glibc
 * 2.35 or newer (older ones and musl ignore the tunable); GLIBC_TUNABLES already names
 * `glibc.malloc.hugetlb`; or NEURAL_STYLE_HUGE_PAGES=0. A relaunched process meets the
 * fourth, so it never relaunches again.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

export const HUGE_PAGES_ENV = 'NEURAL_STYLE_HUGE_PAGES';
const TUNABLE = 'glibc.malloc.hugetlb=1';
/** A GLIBC_TUNABLES value that already says what malloc does about huge pages (any value: the caller's choice). */
const SETS_HUGETLB = /(^|:)glibc\.malloc\.hugetlb=/;

export interface HugePageFacts {
  platform: string;
  /** The bracketed word of /sys/kernel/mm/transparent_hugepage/enabled, or undefined. */
  thpMode?: string;
  /** glibc's version at run time ('2.36'), or undefined for another C library. */
  glibc?: string;
  env: Record<string, string | undefined>;
}

/** The environment to start again with, or undefined when the command should just run. */
export function hugePagesEnv(f: HugePageFacts): Record<string, string | undefined> | undefined {
  if (f.platform !== 'linux' || f.env[HUGE_PAGES_ENV] === '0' || f.thpMode !== 'madvise') return undefined;
  const [major = 0, minor = 0] = (f.glibc ?? '').split('.').map(Number);
  if (major < 2 || (major === 2 && minor < 35)) return undefined;
  const current = f.env.GLIBC_TUNABLES ?? '';
  if (SETS_HUGETLB.test(current)) return undefined;
  return { ...f.env, GLIBC_TUNABLES: current ? `${current}:${TUNABLE}` : TUNABLE };
}

/** This machine's facts; the cheap ones first, glibc's version (a process report) only when they pass. */
export function hugePageFacts(): HugePageFacts {
  const base: HugePageFacts = { platform: process.platform, env: process.env };
  if (base.platform !== 'linux' || process.env[HUGE_PAGES_ENV] === '0' || SETS_HUGETLB.test(process.env.GLIBC_TUNABLES ?? '')) return base;
  try {
    base.thpMode = /\[(\w+)\]/.exec(readFileSync('/sys/kernel/mm/transparent_hugepage/enabled', 'utf8'))?.[1];
  } catch {
    return base; // no THP in this kernel
  }
  if (base.thpMode !== 'madvise') return base;
  const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
  base.glibc = header?.glibcVersionRuntime;
  return base;
}

/**
 * Whether a foreground job's terminal signal reaches the child as well: the process is in
 * its terminal's foreground process group (/proc/self/stat: pgrp == tpgid), and the child,
 * started in the same group, got Ctrl-C itself. Passing it on would make it a second one,
 * which the command takes as "quit without saving".
 */
function terminalSentIt(): boolean {
  try {
    const f = readFileSync('/proc/self/stat', 'utf8');
    const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return fields[2] === fields[5] && Number(fields[5]) > 0; // pgrp, tpgid
  } catch {
    return false;
  }
}

/**
 * Start the command again with huge pages when `hugePagesEnv` says so. Returns false when
 * the command should run in this process; otherwise this process becomes, or waits for, the
 * relaunched one and exits with its status (the returned promise never settles).
 */
export function relaunchWithHugePages(entry: string): false | Promise<never> {
  const env = hugePagesEnv(hugePageFacts());
  if (!env) return false;
  const args = [...process.execArgv, entry, ...process.argv.slice(2)];
  const execve = (process as { execve?: (file: string, args: string[], env: Record<string, string | undefined>) => never }).execve;
  if (execve) execve(process.execPath, [process.execPath, ...args], env);
  return new Promise<never>(() => {
    const child = spawn(process.execPath, args, { env, stdio: 'inherit' });
    const pass = (signal: NodeJS.Signals) => {
      if ((signal === 'SIGINT' || signal === 'SIGQUIT') && terminalSentIt()) return;
      child.kill(signal);
    };
    const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'];
    for (const s of signals) process.on(s, pass);
    child.on('error', (err) => {
      process.stderr.write(`neural-style: could not start again with huge pages (${err.message}); set ${HUGE_PAGES_ENV}=0 to run without\n`);
      process.exit(1);
    });
    child.on('exit', (code, signal) => {
      for (const s of signals) process.off(s, pass);
      if (signal) process.kill(process.pid, signal); // end the way the child ended
      else process.exit(code ?? 1);
    });
  });
}
