/**
 * Waiting until this process's children have gone quiet before a timed run: the benches
 * that keep a browser open beside the CLI (web.ts) would otherwise time the CLI while V8 in
 * the browser is still compiling onnxruntime-web's WASM on both cores, long after the tab's
 * run ended — at 07:58–08:05 on 2026-12-06 that made the CLI's 256 px run 600 ms an
 * iteration against its 312–332 alone, and the tab's ratio look better than it was
 * (bench/RESULTS.md#huge-pages).
 *
 * Linux only (it reads /proc); elsewhere it returns at once.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** CPU time (clock ticks) of every descendant of `root`, from /proc/PID/stat. */
export function descendantTicks(root: number, procDir = '/proc'): number {
  const children = new Map<number, number[]>();
  const ticks = new Map<number, number>();
  for (const name of readdirSync(procDir)) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`${procDir}/${name}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    // The command name is in parentheses and may hold spaces: the fields after the last ')'.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const pid = Number(name);
    const ppid = Number(f[1]);
    ticks.set(pid, Number(f[11]) + Number(f[12])); // utime + stime
    children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  }
  let sum = 0;
  const stack = [...(children.get(root) ?? [])];
  while (stack.length) {
    const pid = stack.pop()!;
    sum += ticks.get(pid) ?? 0;
    stack.push(...(children.get(pid) ?? []));
  }
  return sum;
}

/**
 * Resolves once this process's descendants used under `maxCores` of a core over a
 * `windowMs` window, or after `timeoutMs`; with how long it waited and whether they went quiet.
 */
export async function waitForQuietChildren(o: { maxCores?: number; windowMs?: number; timeoutMs?: number } = {}): Promise<{ waitedMs: number; quiet: boolean }> {
  const { maxCores = 0.1, windowMs = 1000, timeoutMs = 120_000 } = o;
  const start = performance.now();
  if (process.platform !== 'linux') return { waitedMs: 0, quiet: true };
  const hz = 100; // USER_HZ: 100 on every Linux Node runs on
  for (;;) {
    const before = descendantTicks(process.pid);
    await sleep(windowMs);
    const used = (descendantTicks(process.pid) - before) / hz / (windowMs / 1000);
    const waitedMs = performance.now() - start;
    if (used < maxCores) return { waitedMs, quiet: true };
    if (waitedMs >= timeoutMs) return { waitedMs, quiet: false };
  }
}
