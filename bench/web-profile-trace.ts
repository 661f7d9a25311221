/**
 * The arithmetic of bench/web-profile.ts, apart from the browser: self time per function
 * and thread from a Chrome trace's V8 CPU profile events (`Profile` and its `ProfileChunk`s,
 * category disabled-by-default-v8.cpu_profiler), within a window of the trace's clock.
 */

export interface TraceEvent {
  name: string;
  ph: string;
  pid: number;
  tid: number;
  ts: number;
  id?: string;
  args?: { name?: string; data?: Record<string, unknown> & { message?: unknown } };
}

interface CallFrame {
  functionName: string;
  url?: string;
  lineNumber?: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
}

interface ChunkData {
  cpuProfile?: { nodes?: ProfileNode[]; samples?: number[] };
  timeDeltas?: number[];
}

export interface ThreadTimes {
  pid: number;
  tid: number;
  thread: string;
  /** Sampled microseconds in the window, idle included. */
  totalUs: number;
  /** Self time per function, longest first. */
  functions: { name: string; us: number }[];
}

function label(f: CallFrame): string {
  const name = f.functionName || '(anonymous)';
  if (!f.url) return name;
  const file = f.url.split('/').pop()!.split('?')[0];
  return `${name} ${file}:${(f.lineNumber ?? 0) + 1}`;
}

/** Each profiled thread's self time per function between `from` and `to` (trace µs). */
export function selfTimes(events: readonly TraceEvent[], from: number, to: number): ThreadTimes[] {
  const names = new Map<string, string>();
  for (const e of events) if (e.ph === 'M' && e.name === 'thread_name') names.set(`${e.pid}:${e.tid}`, e.args?.name ?? '');
  const profiles = new Map<string, { pid: number; tid: number; t: number; nodes: Map<number, string>; samples: { t: number; node: number }[] }>();
  for (const e of events) {
    if (e.name === 'Profile') {
      profiles.set(`${e.pid}:${e.id}`, { pid: e.pid, tid: e.tid, t: Number(e.args?.data?.startTime ?? e.ts), nodes: new Map(), samples: [] });
    }
  }
  for (const e of events) {
    if (e.name !== 'ProfileChunk') continue;
    const p = profiles.get(`${e.pid}:${e.id}`);
    if (!p) continue;
    const d = e.args?.data as ChunkData | undefined;
    for (const n of d?.cpuProfile?.nodes ?? []) p.nodes.set(n.id, label(n.callFrame));
    const samples = d?.cpuProfile?.samples ?? [];
    const deltas = d?.timeDeltas ?? [];
    samples.forEach((node, i) => {
      p.t += deltas[i] ?? 0;
      p.samples.push({ t: p.t, node });
    });
  }
  const out: ThreadTimes[] = [];
  for (const p of profiles.values()) {
    const per = new Map<string, number>();
    let total = 0;
    for (let i = 0; i + 1 < p.samples.length; i++) {
      const s = p.samples[i]!;
      if (s.t < from || s.t >= to) continue;
      const us = p.samples[i + 1]!.t - s.t;
      const name = p.nodes.get(s.node) ?? `node ${s.node}`;
      per.set(name, (per.get(name) ?? 0) + us);
      total += us;
    }
    if (total === 0) continue;
    out.push({
      pid: p.pid,
      tid: p.tid,
      thread: names.get(`${p.pid}:${p.tid}`) || 'thread',
      totalUs: total,
      functions: [...per].map(([name, us]) => ({ name, us })).sort((a, b) => b.us - a.us),
    });
  }
  return out.sort((a, b) => b.totalUs - a.totalUs);
}

/**
 * V8's WASM compile work (Liftoff on first call, TurboFan tier-up in the background), in
 * ms per trace event name, before `from` and between `from` and `to`.
 */
export function wasmCompileMs(events: readonly (TraceEvent & { dur?: number })[], from: number, to: number): Record<string, { before: number; window: number }> {
  const out: Record<string, { before: number; window: number }> = {};
  for (const e of events) {
    if (!e.dur || !['wasm.TopTierCompilation', 'wasm.CompileLazy', 'wasm.CompileBaseline'].includes(e.name)) continue;
    const o = (out[e.name] ??= { before: 0, window: 0 });
    if (e.ts < from) o.before += e.dur / 1000;
    else if (e.ts < to) o.window += e.dur / 1000;
  }
  return out;
}
