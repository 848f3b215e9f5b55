/**
 * What podwhy treats as a secret in text it did not write (log lines, event messages, container
 * arguments): one rule for the collector (log tails) and the engine (evidence). Pure.
 */
const SECRET_PATTERNS: readonly [RegExp, string][] = [
  [/(authorization:\s*(?:bearer|basic)\s+)\S+/gi, '$1[redacted]'],
  [/((?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key)["']?\s*[=:]\s*["']?)[^\s"',;]+/gi, '$1[redacted]'],
  [/\bxox[abposr]-[A-Za-z0-9-]+/g, '[redacted]'],
  [/\bAKIA[0-9A-Z]{16}\b/g, '[redacted]'],
  [/\beyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]{8,}/g, '[redacted]'],
];

/**
 * Every pattern above starts with one of these words or prefixes (case-insensitively): one scan that rules out most
 * text (the engine masks every evidence string and summary, so the five full scans were its largest single cost).
 */
const MAY_HOLD_SECRET = /authorization|passw|pwd|secret|token|api[_-]?key|access[_-]?key|xox[abposr]-|AKIA|eyJ/i;

export function redactSecrets(text: string): string {
  if (!MAY_HOLD_SECRET.test(text)) return text;
  return SECRET_PATTERNS.reduce((out, [pattern, replacement]) => out.replace(pattern, replacement), text);
}

/** The longest any one evidence or remediation string may be when it leaves the engine (Slack sections hold 3,000). */
export const MAX_FIELD_CHARS = 2_000;

export function boundText(text: string, max = MAX_FIELD_CHARS): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
