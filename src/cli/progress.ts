/**
 * What a run shows while it works, in one of four modes:
 *   json   one JSON object per iteration on stdout, nothing else there;
 *   bar    a cli-progress bar (iteration, loss, ETA) when stdout is a terminal;
 *   lines  a plain line every --print-iter iterations when it is not (logs, CI, pipes);
 *   none   --quiet.
 * Notes (backend chosen, files saved) go to stderr, except in quiet mode.
 */
import cliProgress from 'cli-progress';
import type { Progress, RunInput } from '../stylize/types.js';

type TileEvent = Parameters<NonNullable<RunInput['onTile']>>[0];

export interface OutStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
}

export type ProgressMode = 'json' | 'bar' | 'lines' | 'none';

export function progressMode(o: { json: boolean; quiet: boolean }, stdout: OutStream): ProgressMode {
  if (o.json) return 'json';
  if (o.quiet) return 'none';
  return stdout.isTTY ? 'bar' : 'lines';
}

/** 1234.5 → "1.235e+3"; losses span decades, so scientific notation reads best. */
export function fmtLoss(v: number): string {
  return v.toExponential(3);
}

/** 83_000 ms → "1m 23s". */
export function fmtDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

/**
 * One `--json` line: the iteration, the total, one field per loss part the run has (today
 * `content`, `style`, `tv`; a registered term adds its own), and the elapsed time.
 */
export function progressRecord(p: Pick<Progress, 'iteration' | 'loss' | 'parts' | 'elapsedMs' | 'stage' | 'tiles'>): Record<string, number> {
  const where = {
    ...(p.stage ? { stage: p.stage.index, stages: p.stage.count, size: p.stage.size } : {}),
    ...(p.tiles !== undefined ? { tiles: p.tiles } : {}),
  };
  return { iteration: p.iteration, loss: p.loss, ...p.parts, elapsedMs: p.elapsedMs, ...where };
}

/** " (stage 2/3, 1024 px, 12 tiles)": where a coarse-to-fine or tiled run is; '' for a plain one. */
export function whereText(p: Pick<Progress, 'stage' | 'tiles'>): string {
  const bits = [
    ...(p.stage ? [`stage ${p.stage.index}/${p.stage.count}, ${p.stage.size} px`] : []),
    ...(p.tiles !== undefined ? [`${p.tiles} tile${p.tiles === 1 ? '' : 's'}`] : []),
  ];
  return bits.length ? ` (${bits.join(', ')})` : '';
}

/** Lines about tiles at most this often: an evaluation at print size takes minutes, a tile seconds. */
const TILE_LINE_MS = 10_000;

/** "content 1.234e+3, style 5.678e+5, tv 9.000e+1". */
export function partsText(parts: Record<string, number>): string {
  return Object.entries(parts)
    .map(([name, v]) => `${name} ${fmtLoss(v)}`)
    .join(', ');
}

export class ProgressReporter {
  private bar: cliProgress.SingleBar | undefined;
  private lastTileLine = Date.now();
  private lastWhere = '';

  constructor(
    readonly mode: ProgressMode,
    private readonly stdout: OutStream,
    private readonly printIter: number,
  ) {}

  update(p: Progress): void {
    switch (this.mode) {
      case 'json':
        this.stdout.write(JSON.stringify(progressRecord(p)) + '\n');
        break;
      case 'lines':
        if (this.printIter > 0 && (p.iteration % this.printIter === 0 || p.iteration === p.numIterations)) {
          this.stdout.write(
            `Iteration ${p.iteration}/${p.numIterations}${whereText(p)}: loss ${fmtLoss(p.loss)} ` +
              `(${partsText(p.parts)}), ` +
              `${fmtDuration(p.elapsedMs)} elapsed` +
              (p.iteration < p.numIterations && p.iteration > 0 ? `, ETA ${fmtDuration(p.etaMs)}` : '') +
              '\n',
          );
        }
        break;
      case 'bar': {
        // Not {eta}/{duration}: cli-progress fills those itself, from its own clock.
        this.lastWhere = whereText(p);
        const payload = {
          loss: fmtLoss(p.loss),
          etaText: p.iteration > 0 ? fmtDuration(p.etaMs) : '…',
          elapsedText: fmtDuration(p.elapsedMs),
          where: this.lastWhere,
        };
        if (!this.bar) {
          this.bar = new cliProgress.SingleBar(
            {
              format: ' {bar} {value}/{total}{where} | loss {loss} | {elapsedText} elapsed | ETA {etaText}',
              stream: this.stdout as NodeJS.WritableStream,
              hideCursor: true,
              barsize: 24,
              fps: 5,
            },
            cliProgress.Presets.shades_classic,
          );
          this.bar.start(p.numIterations, p.iteration, payload);
        } else {
          this.bar.update(p.iteration, payload);
        }
        break;
      }
      case 'none':
        break;
    }
  }

  /** A tiled evaluation's progress: the bar shows the tile; lines mode prints one every 10 s at most. */
  tile(t: TileEvent): void {
    const stage = t.stage ? `stage ${t.stage.index}/${t.stage.count}, ` : '';
    const text = `${stage}${t.pass} pass, tile ${t.tile}/${t.tiles}`;
    if (this.mode === 'bar' && this.bar) this.bar.update({ where: `${this.lastWhere} [${text}]` });
    else if (this.mode === 'lines' && this.printIter > 0 && Date.now() - this.lastTileLine >= TILE_LINE_MS) {
      this.lastTileLine = Date.now();
      this.stdout.write(`  iteration ${t.iteration}: ${text}\n`);
    }
  }

  /** Ends the bar's line so later messages start on a fresh one. */
  stop(): void {
    this.bar?.stop();
    this.bar = undefined;
  }

  /** True while a bar owns the terminal line (so per-iteration notes are better left out). */
  get drawing(): boolean {
    return this.bar !== undefined;
  }
}
