/**
 * Objects reach podwhy in three dialects: kubectl JSON/YAML (strings), watch events (strings)
 * and client-node list results (Date objects; see podman-desktop/extension-kubernetes-dashboard#483).
 * normalizeObject turns all of them into the JSON shape the engine reads, and drops what the engine
 * never reads but costs memory (managedFields are 2–4 KB per Pod, ~30% of the object).
 */
const DROPPED_ANNOTATIONS = ['kubectl.kubernetes.io/last-applied-configuration'];

export function normalizeObject<T = unknown>(value: unknown): T {
  return normalizeValue(value, 0) as T;
}

function normalizeValue(value: unknown, depth: number): unknown {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.toISOString().replace('.000Z', 'Z');
  if (Array.isArray(value)) return value.map((item) => normalizeValue(item, depth + 1));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (item === undefined) continue;
    if (key === 'managedFields') continue;
    out[key] = normalizeValue(item, depth + 1);
  }
  if (depth <= 1 && isRecord(out.annotations)) {
    const annotations = { ...out.annotations };
    for (const key of DROPPED_ANNOTATIONS) delete annotations[key];
    out.annotations = annotations;
  }
  return out;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
