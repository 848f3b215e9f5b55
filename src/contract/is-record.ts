/**
 * The one type guard for "a JSON object" (not null, not an array), for code that walks parsed
 * Kubernetes JSON whose shape it cannot trust. Pure.
 */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
