/**
 * `--plot FILE.svg|png`: the loss curves of a run as a small hand-written SVG, log-scale y
 * (losses span decades), one line per loss part the run has and one for the total. PNG goes through
 * sharp's SVG renderer. Non-positive values (a part switched off with weight 0) have no
 * logarithm and are left out of their line.
 */
import { extname } from 'node:path';
import sharp from 'sharp';
import { UsageError } from '../errors.js';
import { writeFileAtomic } from '../models/cache-node.js';
import { lossSeries, seriesValue } from '../util/loss-series.js';

export interface LossPoint {
  iteration: number;
  loss: number;
  /** The run's loss parts by name. */
  parts: Record<string, number>;
}

const W = 640;
const H = 400;
const M = { left: 64, right: 96, top: 28, bottom: 44 };

export function plotFormat(path: string): 'svg' | 'png' {
  const ext = extname(path).toLowerCase();
  if (ext === '.svg') return 'svg';
  if (ext === '.png') return 'png';
  throw new UsageError(`--plot ${path}: the plot is written as .svg or .png, not ${ext ? `"${ext}"` : 'a name without extension'}`);
}

export function lossPlotSvg(points: readonly LossPoint[], title = 'neural-style loss'): string {
  // Every part any point has, in the order they first appear (a method's stages may have different terms).
  const SERIES = lossSeries([...new Set(points.flatMap((p) => Object.keys(p.parts)))]);
  const positive = points.flatMap((p) => SERIES.map((s) => seriesValue(p, s.key))).filter((v) => v > 0 && Number.isFinite(v));
  let lo = Math.floor(Math.log10(positive.length ? Math.min(...positive) : 1));
  let hi = Math.ceil(Math.log10(positive.length ? Math.max(...positive) : 10));
  if (hi <= lo) hi = lo + 1;
  if (hi - lo > 12) lo = hi - 12; // tiny parts (a TV loss of 1e-9) would squash the rest
  const first = points.length ? points[0]!.iteration : 0;
  const last = points.length ? Math.max(points[points.length - 1]!.iteration, first + 1) : 1;
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const x = (it: number) => M.left + ((it - first) / (last - first)) * pw;
  const y = (v: number) => M.top + (1 - (Math.log10(v) - lo) / (hi - lo)) * ph;
  const f = (n: number) => n.toFixed(1);

  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="#ffffff"/>`,
    `<text x="${W / 2}" y="16" text-anchor="middle" font-size="13">${escapeXml(title)}</text>`,
  ];
  for (let e = lo; e <= hi; e++) {
    const yy = f(y(10 ** e));
    out.push(`<line x1="${M.left}" y1="${yy}" x2="${M.left + pw}" y2="${yy}" stroke="#dddddd"/>`);
    out.push(`<text x="${M.left - 6}" y="${yy}" text-anchor="end" dominant-baseline="middle">1e${e}</text>`);
  }
  for (const it of xTicks(first, last)) {
    const xx = f(x(it));
    out.push(`<line x1="${xx}" y1="${M.top + ph}" x2="${xx}" y2="${M.top + ph + 4}" stroke="#333333"/>`);
    out.push(`<text x="${xx}" y="${M.top + ph + 16}" text-anchor="middle">${it}</text>`);
  }
  out.push(`<rect x="${M.left}" y="${M.top}" width="${pw}" height="${ph}" fill="none" stroke="#333333"/>`);
  out.push(`<text x="${M.left + pw / 2}" y="${H - 8}" text-anchor="middle">iteration</text>`);
  SERIES.forEach((s, i) => {
    const v = (p: LossPoint) => seriesValue(p, s.key);
    const pts = points.filter((p) => v(p) > 0 && Number.isFinite(v(p)) && Math.log10(v(p)) >= lo);
    if (pts.length > 0) {
      const d = pts.map((p, j) => `${j ? 'L' : 'M'}${f(x(p.iteration))},${f(y(v(p)))}`).join('');
      out.push(`<path d="${d}" fill="none" stroke="${s.colour}" stroke-width="1.5"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>`);
    }
    const ly = M.top + 12 + i * 16;
    out.push(
      `<line x1="${W - M.right + 10}" y1="${ly}" x2="${W - M.right + 28}" y2="${ly}" stroke="${s.colour}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>`,
    );
    out.push(`<text x="${W - M.right + 32}" y="${ly}" dominant-baseline="middle">${s.label}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}

/** About six round iteration numbers across [first, last]. */
function xTicks(first: number, last: number): number[] {
  const span = last - first;
  const raw = span / 6;
  const mag = 10 ** Math.floor(Math.log10(Math.max(raw, 1)));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  for (let t = Math.ceil(first / step) * step; t <= last; t += step) ticks.push(t);
  return ticks;
}

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Write the plot atomically, as SVG text or a PNG rendering of it. */
export async function writeLossPlot(path: string, points: readonly LossPoint[]): Promise<void> {
  const svg = lossPlotSvg(points);
  const bytes = plotFormat(path) === 'svg' ? new TextEncoder().encode(svg) : await sharp(Buffer.from(svg)).png().toBuffer();
  await writeFileAtomic(path, bytes);
}
