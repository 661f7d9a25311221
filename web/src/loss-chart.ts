/**
 * A small hand-drawn line chart of the loss per iteration on a canvas: log-scale y (the
 * loss falls over orders of magnitude), the total bold and dashed, the weighted parts
 * thin. The curves are the run's own parts, through the series the CLI's plot draws
 * (src/util/loss-series.ts), so a new loss term gets a curve here and there at once.
 */
import { lossSeries, seriesValue, type LossSeries } from '../../src/index.js';

export interface LossPoint {
  iteration: number;
  loss: number;
  parts: Record<string, number>;
  /** The run's total, when the point says (a run in stages counts every stage's). */
  numIterations?: number;
}

export class LossChart {
  private points: LossPoint[] = [];
  /** The parts the run has reported so far, in the order they first came (a method's stages may differ). */
  private series: LossSeries[] = lossSeries([]);
  private parts: string[] = [];
  private numIterations = 1;
  private frame = 0;

  constructor(private readonly canvas: HTMLCanvasElement) {
    this.draw();
  }

  reset(numIterations: number): void {
    this.points = [];
    this.series = lossSeries([]);
    this.parts = [];
    this.numIterations = Math.max(1, numIterations);
    this.schedule();
  }

  add(point: LossPoint): void {
    const fresh = Object.keys(point.parts).filter((k) => !this.parts.includes(k));
    if (fresh.length > 0) this.series = lossSeries((this.parts = [...this.parts, ...fresh]));
    // The form's count is per scale for a method with scales; the run's reports say the whole.
    if (point.numIterations !== undefined) this.numIterations = Math.max(1, point.numIterations);
    // Copied, so a progress message's preview frame is not kept alive by the chart.
    this.points.push({ iteration: point.iteration, loss: point.loss, parts: point.parts });
    this.schedule();
  }

  get first(): number | undefined {
    return this.points[0]?.loss;
  }

  get last(): number | undefined {
    return this.points.at(-1)?.loss;
  }

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }

  draw(): void {
    const c = this.canvas;
    const dpr = Math.max(1, Math.min(3, globalThis.devicePixelRatio || 1));
    const cssWidth = c.clientWidth || c.width;
    const cssHeight = Math.round(cssWidth * 0.62);
    if (c.width !== Math.round(cssWidth * dpr)) {
      c.width = Math.round(cssWidth * dpr);
      c.height = Math.round(cssHeight * dpr);
    }
    const ctx = c.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const W = c.width / dpr;
    const H = c.height / dpr;
    const style = getComputedStyle(c);
    const fg = style.color || '#222';
    ctx.clearRect(0, 0, W, H);
    ctx.font = '11px system-ui, sans-serif';
    const left = 52;
    const right = 10;
    const top = 22;
    const bottom = 26;
    const plotW = W - left - right;
    const plotH = H - top - bottom;

    // y range over every positive value shown, in log10
    let lo = Infinity;
    let hi = -Infinity;
    for (const p of this.points) {
      for (const s of this.series) {
        const v = seriesValue(p, s.key);
        if (v > 0 && Number.isFinite(v)) {
          lo = Math.min(lo, Math.log10(v));
          hi = Math.max(hi, Math.log10(v));
        }
      }
    }
    if (!Number.isFinite(lo)) {
      lo = 0;
      hi = 1;
    }
    // Parts far below the total (a TV term of 1e-7 at the start) would squash the total
    // into a flat line at the top: show at most 5 decades below the smallest total.
    const minTotal = Math.min(...this.points.map((p) => p.loss).filter((v) => v > 0 && Number.isFinite(v)));
    if (Number.isFinite(minTotal)) lo = Math.max(lo, Math.log10(minTotal) - 5);
    lo = Math.floor(lo);
    hi = Math.max(lo + 1, Math.ceil(hi));
    const maxIt = Math.max(this.numIterations, this.points.at(-1)?.iteration ?? 1);
    const x = (it: number) => left + (it / maxIt) * plotW;
    const y = (v: number) => top + (1 - (Math.log10(v) - lo) / (hi - lo)) * plotH;

    // grid and axes
    ctx.strokeStyle = 'rgba(128,128,128,0.25)';
    ctx.fillStyle = fg;
    ctx.lineWidth = 1;
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    const step = Math.max(1, Math.ceil((hi - lo) / 6));
    for (let e = lo; e <= hi; e += step) {
      const yy = top + (1 - (e - lo) / (hi - lo)) * plotH;
      ctx.beginPath();
      ctx.moveTo(left, yy);
      ctx.lineTo(left + plotW, yy);
      ctx.stroke();
      ctx.fillText(`1e${e}`, left - 6, yy);
    }
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    for (const t of ticks(maxIt)) {
      const xx = x(t);
      ctx.beginPath();
      ctx.moveTo(xx, top);
      ctx.lineTo(xx, top + plotH);
      ctx.stroke();
      ctx.fillText(String(t), xx, top + plotH + 5);
    }
    ctx.strokeStyle = fg;
    ctx.strokeRect(left, top, plotW, plotH);

    // series
    for (const s of this.series) {
      ctx.strokeStyle = colourOf(s, fg);
      ctx.lineWidth = s.key === 'loss' ? 2.2 : 1.2;
      ctx.setLineDash(s.dash ? s.dash.split(' ').map(Number) : []);
      ctx.beginPath();
      let pen = false;
      for (const p of this.points) {
        const v = seriesValue(p, s.key);
        if (!(v > 0) || !Number.isFinite(v)) {
          pen = false;
          continue;
        }
        const yy = Math.min(top + plotH, y(v)); // clipped to the bottom edge
        if (pen) ctx.lineTo(x(p.iteration), yy);
        else ctx.moveTo(x(p.iteration), yy);
        pen = true;
      }
      ctx.stroke();
    }
    ctx.setLineDash([]);

    // legend
    ctx.textAlign = 'left';
    ctx.textBaseline = 'middle';
    let lx = left;
    for (const s of this.series) {
      ctx.fillStyle = colourOf(s, fg);
      ctx.fillRect(lx, 8, 14, 3);
      ctx.fillStyle = fg;
      ctx.fillText(s.label, lx + 18, 10);
      lx += 18 + ctx.measureText(s.label).width + 14;
    }
    if (this.points.length === 0) {
      ctx.textAlign = 'center';
      ctx.fillStyle = style.color;
      ctx.globalAlpha = 0.6;
      ctx.fillText('no run yet', left + plotW / 2, top + plotH / 2);
      ctx.globalAlpha = 1;
    }
  }
}

/**
 * The plot's colour, except that the total (near-black on the CLI's white SVG) takes the
 * page's text colour, so it stays visible in dark mode.
 */
function colourOf(s: LossSeries, fg: string): string {
  return s.key === 'loss' ? fg : s.colour;
}

/** About five round iteration ticks from 0 to max. */
function ticks(max: number): number[] {
  const raw = max / 5;
  const mag = 10 ** Math.floor(Math.log10(Math.max(1, raw)));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let t = 0; t <= max; t += step) out.push(t);
  return out;
}
