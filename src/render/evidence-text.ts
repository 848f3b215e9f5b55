/** Plain-text rendering of evidence, shared by every text surface (CLI, console notifier). Pure. */
import type { Evidence } from '../contract/diagnosis.ts';

/** One line per evidence item; shared by every text surface. */
export function formatEvidence(e: Evidence): string {
  switch (e.kind) {
    case 'status':
      return `${e.field} = ${e.value}`;
    case 'spec':
      return `${e.field} = ${e.value}${e.note ? ` (${e.note})` : ''}`;
    case 'event': {
      const age = e.ageSeconds === null ? '' : `, ${formatAge(e.ageSeconds)} ago`;
      return `event ${e.type} ${e.reason} on ${e.object} (x${e.count}${age}): ${e.message}`;
    }
    case 'exit-code': {
      const ran = e.ranForSeconds === null ? '' : ` after running ${formatAge(e.ranForSeconds)}`;
      return `container ${e.container} exited ${e.exitCode}${e.reason ? ` (${e.reason})` : ''}${ran}: ${e.meaning}`;
    }
    case 'node':
      return `node ${e.node}: ${e.detail}`;
    case 'quota':
      return `quota ${e.quota}: ${e.resource} used ${e.used} of ${e.hard}${e.requested ? `, this Pod asks ${e.requested}` : ''}`;
    case 'log':
      return `log ${e.container}${e.previous ? ' (previous run)' : ''}: ${e.line}`;
    case 'change':
      return `change: ${e.detail}`;
  }
}

export function formatAge(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 90) return `${s}s`;
  if (s < 90 * 60) return `${Math.round(s / 60)}m`;
  if (s < 48 * 3600) return `${Math.round(s / 360) / 10}h`;
  return `${Math.round(s / 86400)}d`;
}
