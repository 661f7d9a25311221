/** Two significant digits, written one way: 26, 0.25, 1.5e-4, 1e+29 (advice quotes numbers so). */
export function formatNumber(v: number): string {
  const r = Number(v.toPrecision(2));
  const a = Math.abs(r);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? r.toExponential().replace(/\.?0+e/, 'e') : String(r);
}
