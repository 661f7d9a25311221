/**
 * bench/quiet.ts: the wait web.ts makes for the open browser to stop compiling before it
 * times the CLI. The /proc reading on a made-up tree (command names with spaces and
 * parentheses), and the wait itself on a real busy child.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { descendantTicks, ticksBetween, waitForQuietChildren } from '../../bench/quiet.js';

/** /proc/PID/stat as Linux writes it: pid (comm) state ppid … utime (14th) stime (15th) … */
function stat(pid: number, comm: string, ppid: number, utime: number, stime: number): string {
  const rest = ['S', ppid, 0, 0, 0, 0, 0, 0, 0, 0, 0, utime, stime, 0, 0, 20, 0, 1];
  return `${pid} (${comm}) ${rest.join(' ')}\n`;
}

describe('descendantTicks', () => {
  it('sums utime + stime over every descendant of the root, not the root or strangers', () => {
    const proc = mkdtempSync(join(tmpdir(), 'ns-proc-'));
    try {
      const add = (pid: number, comm: string, ppid: number, u: number, s: number) => {
        mkdirSync(join(proc, String(pid)));
        writeFileSync(join(proc, String(pid), 'stat'), stat(pid, comm, ppid, u, s));
      };
      add(10, 'node', 1, 500, 500);
      add(11, 'chromium', 10, 7, 3);
      add(12, 'chromium (renderer) x', 11, 40, 2); // a name with spaces and a ')'
      add(13, 'Web Content', 12, 1, 1);
      add(20, 'other', 1, 900, 900);
      mkdirSync(join(proc, 'self'));
      expect(descendantTicks(10, proc)).toEqual(new Map([[11, 10], [12, 42], [13, 2]]));
      expect(descendantTicks(12, proc)).toEqual(new Map([[13, 2]]));
      expect(descendantTicks(99, proc).size).toBe(0);
    } finally {
      rmSync(proc, { recursive: true, force: true });
    }
  });
});

describe('ticksBetween', () => {
  it('adds each process’s own increase and a new one’s whole count; one that exited takes nothing off', () => {
    const before = new Map([[11, 100], [12, 5000]]);
    const after = new Map([[11, 130], [13, 20]]); // 12 exited (a closed renderer), 13 is new
    expect(ticksBetween(before, after)).toBe(30 + 20);
  });
});

describe.skipIf(process.platform !== 'linux')('waitForQuietChildren', () => {
  it('waits while a child keeps a core busy, and returns once it has stopped', async () => {
    const busy = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
    try {
      await sleep(200);
      const loud = await waitForQuietChildren({ windowMs: 300, timeoutMs: 900 });
      expect(loud.quiet).toBe(false);
      expect(loud.waitedMs).toBeGreaterThanOrEqual(900);
    } finally {
      busy.kill('SIGKILL');
    }
    await new Promise((r) => busy.once('exit', r));
    const calm = await waitForQuietChildren({ windowMs: 300, timeoutMs: 3000 });
    expect(calm.quiet).toBe(true);
    expect(calm.waitedMs).toBeLessThan(1000);
  });
});
