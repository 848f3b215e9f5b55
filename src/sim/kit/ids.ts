/**
 * Names, uids, hashes and time formats the way the control plane produces them, from a seeded
 * random source so a seeded simulator builds the same cluster every time.
 */
import { createHash } from 'node:crypto';

// source: kubernetes/kubernetes staging/src/k8s.io/apimachinery/pkg/util/rand/rand.go (alphanums: no vowels,
//   no confusable digits), used by names.SimpleNameGenerator for generateName suffixes and by SafeEncodeString.
const ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

export interface Rng {
  /** A float in [0, 1). */
  next(): number;
  int(maxExclusive: number): number;
}

/** mulberry32: small, fast, good enough for names and jitter. */
export function createRng(seed: number): Rng {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (maxExclusive) => Math.floor(next() * maxExclusive) };
}

/** A random (version 4 layout) UUID from the seeded source, as the apiserver assigns metadata.uid. */
export function uuid(rng: Rng): string {
  const hex = Array.from({ length: 32 }, () => rng.int(16).toString(16));
  hex[12] = '4';
  hex[16] = ((rng.int(16) & 0x3) | 0x8).toString(16);
  const s = hex.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}

/** The 5-character suffix of a generated name (ReplicaSet, Job and DaemonSet Pods). */
export function nameSuffix(rng: Rng): string {
  let s = '';
  for (let i = 0; i < 5; i++) s += ALPHANUMS[rng.int(ALPHANUMS.length)];
  return s;
}

/**
 * pod-template-hash: FNV-32a of the Pod template, printed in decimal and mapped onto the safe alphabet.
 * source: kubernetes/kubernetes pkg/controller/controller_utils.go (ComputeHash: fnv.New32a, then
 *   rand.SafeEncodeString(fmt.Sprint(hasher.Sum32()))). The real hash is of the Go struct dump, so the
 *   value differs from a real cluster's for the same template; the shape is the same.
 */
export function templateHash(template: unknown, collisionCount = 0): string {
  let hash = 0x811c9dc5;
  const text = JSON.stringify(template) + (collisionCount > 0 ? String(collisionCount) : '');
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i) & 0xff;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return [...String(hash >>> 0)].map((d) => ALPHANUMS[d.charCodeAt(0) % ALPHANUMS.length]).join('');
}

/** 64 hex characters (a container or image digest) derived from the inputs. */
export function digest(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex');
}

const imageIds = new Map<string, string>();

/** What the runtime reports as imageID: the repository with the manifest digest. */
export function imageIdOf(image: string): string {
  let id = imageIds.get(image);
  if (id === undefined) {
    const repo = image.replace(/@.*$/, '').replace(/:[^/:]+$/, '');
    id = `${repo}@sha256:${digest('image', image)}`;
    imageIds.set(image, id);
  }
  return id;
}

/** RFC 3339 with second precision, as metav1.Time marshals. */
export function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** RFC 3339 with microseconds, as metav1.MicroTime marshals (events.k8s.io eventTime, series.lastObservedTime). */
export function isoMicro(ms: number, micros = 0): string {
  const base = new Date(Math.floor(ms)).toISOString().replace(/Z$/, '');
  return `${base}${String(micros % 1000).padStart(3, '0')}Z`;
}

/**
 * A Go time.Duration as String() prints it: "10s", "1m20s", "5m0s".
 * source: go src/time/time.go (Duration.String); used by the kubelet in "back-off %s restarting failed container".
 */
export function goDuration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  return h > 0 ? `${h}h${m}m${rest}s` : `${m}m${rest}s`;
}

/** CPU millicores as a canonical resource.Quantity string: 2000 → "2", 1800 → "1800m". */
export function formatMilliCpu(millis: number): string {
  return millis % 1000 === 0 ? String(millis / 1000) : `${millis}m`;
}
