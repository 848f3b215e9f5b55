/** Plain-text rendering of evidence, shared by every text surface (CLI, console notifier). Pure. */
import type { Evidence } from '../contract/diagnosis.ts';

/**
 * Longest line a text surface prints. Cluster strings are not bounded by the API server (a core/v1
 * Event message, a condition message, container args), and one 50 KB message must not become a
 * 50 KB terminal line; the start of a message carries its meaning, so clipping keeps the start.
 */
export const MAX_TEXT_LINE = 2_000;

/** Line breaks inside a value (kubelet's FailedMount output has them) would break "one line per item". */
const LINE_BREAKS = /\r\n|[\n\r\u2028\u2029]/g;
/**
 * C0/C1 controls (a terminal escape sequence in an Event message could rewrite the user's screen) and
 * the bidirectional overrides and isolates that reorder what a reader sees (CVE-2021-42574, "Trojan Source").
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE_CHARACTERS = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/g;

/** A cluster-supplied string made safe to print as one terminal line of at most `max` characters. */
export function toTextLine(text: string, max: number = MAX_TEXT_LINE): string {
  const line = text.replace(LINE_BREAKS, ' ').replace(/\t/g, ' ').replace(UNSAFE_CHARACTERS, '\uFFFD');
  if (line.length <= max) return line;
  // Do not cut a surrogate pair in half.
  const end = /[\uD800-\uDBFF]/.test(line[max - 2] ?? '') ? max - 2 : max - 1;
  return `${line.slice(0, end)}…`;
}

/** One line per evidence item; shared by every text surface. */
export function formatEvidence(e: Evidence): string {
  return toTextLine(describeEvidence(e));
}

function describeEvidence(e: Evidence): string {
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
