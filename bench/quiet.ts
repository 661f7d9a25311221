/**
 * Waiting until this process's children have gone quiet before a timed run: the benches
 * that keep a browser open beside the CLI (web.ts) would otherwise time the CLI while V8 in
 * the browser is still compiling onnxruntime-web's WASM on the same cores, long after the
 * tab's run ended, and the tab's ratio would look better than it is
 * (bench/RESULTS.md#huge-pages).
 *
 * Linux only (it reads /proc); elsewhere it returns at once.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** CPU time (clock ticks, utime + stime) of each descendant of `root`, by pid, from /proc/PID/stat. */
export function descendantTicks(root: number, procDir = '/proc'): Map<number, number> {
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
    ticks.set(pid, Number(f[11]) + Number(f[12]));
    const siblings = children.get(ppid);
    if (siblings) siblings.push(pid);
    else children.set(ppid, [pid]);
  }
  const out = new Map<number, number>();
  const stack = [...(children.get(root) ?? [])];
  while (stack.length) {
    const pid = stack.pop()!;
    out.set(pid, ticks.get(pid) ?? 0);
    stack.push(...(children.get(pid) ?? []));
  }
  return out;
}

/**
 * The CPU ticks the descendants used between two readings: each process's own increase, a
 * new one's whole count. Not the difference of two totals, in which a process that exited
 * meanwhile (Chromium ends renderers) would take its whole lifetime off the second.
 */
export function ticksBetween(before: Map<number, number>, after: Map<number, number>): number {
  let used = 0;
  for (const [pid, t] of after) used += t - (before.get(pid) ?? 0);
  return used;
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
    const used = ticksBetween(before, descendantTicks(process.pid)) / hz / (windowMs / 1000);
    const waitedMs = performance.now() - start;
    if (used < maxCores) return { waitedMs, quiet: true };
    if (waitedMs >= timeoutMs) return { waitedMs, quiet: false };
  }
}
