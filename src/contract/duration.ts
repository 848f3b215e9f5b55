/**
 * How podwhy writes a length of time for a person ("45s", "12m", "3.5h", "4d"): one wording for
 * the engine's summaries and evidence and for the renderers. Pure.
 */

/** Seconds as a short human duration: seconds under 90 s, minutes under 90 min, hours (one decimal) under 48 h, then days. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 90) return `${s}s`;
  if (s < 90 * 60) return `${Math.round(s / 60)}m`;
  if (s < 48 * 3600) return `${Math.round((s / 3600) * 10) / 10}h`;
  return `${Math.round(s / 86400)}d`;
}
