/**
 * onnxruntime's own profiler, as the benches read it: session options that write the
 * profile into a fresh temporary folder, and the node kernel events of the last model runs
 * (so warm-up runs are left out).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ProfileEvent {
  cat: string;
  name: string;
  dur: number;
  args?: { op_name?: string; provider?: string; output_size?: string; activation_size?: string };
}

/** Profiling options for one session, and `read()`: its events, once the session has ended profiling; the folder is removed. */
export function profiling(prefix: string): { options: { enableProfiling: true; profileFilePrefix: string }; read(): ProfileEvent[] } {
  const dir = mkdtempSync(join(tmpdir(), 'ns-profile-'));
  return {
    options: { enableProfiling: true, profileFilePrefix: join(dir, prefix) },
    read() {
      const file = readdirSync(dir).find((f) => f.endsWith('.json'));
      const events = file ? (JSON.parse(readFileSync(join(dir, file), 'utf8')) as ProfileEvent[]) : [];
      rmSync(dir, { recursive: true, force: true });
      return events;
    },
  };
}

/** The node kernel events of the last `runs` model runs. */
export function lastRuns(events: ProfileEvent[], runs: number): ProfileEvent[] {
  const perRun: ProfileEvent[][] = [];
  let current: ProfileEvent[] = [];
  for (const e of events) {
    if (e.cat === 'Node' && e.name.endsWith('_kernel_time')) current.push(e);
    if (e.cat === 'Session' && e.name === 'model_run') {
      perRun.push(current);
      current = [];
    }
  }
  return perRun.slice(-runs).flat();
}
