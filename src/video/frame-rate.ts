/**
 * Frame rates as people read them. ffprobe gives a clip's rate as a fraction ("6/1",
 * "30000/1001"), which the encoder is handed unchanged (exact); messages show it as a
 * number, to two decimals where it is not whole ("6", "29.97").
 */
export function fpsText(rate: string): string {
  const [num, den = '1'] = rate.split('/');
  const fps = Number(num) / Number(den);
  // 0/0 (ffprobe's "unknown") and anything else unreadable is shown as given.
  if (!Number.isFinite(fps) || fps <= 0) return rate;
  return String(Math.round(fps * 100) / 100);
}
