/**
 * What did the user mean by `podwhy why <target>` (and `/pod why <target>`)? Pure: the caller hands
 * in the namespace's Pods and workloads (from the cache or one LIST).
 *
 * Accepted: `name`, `ns/name`, `kind/name`, `ns/kind/name` (kind as kubectl spells it: pod, po,
 * deployment, deploy, sts, ds, job, rs, …). Without a kind, `name` is tried as a Pod, then as a
 * Deployment, StatefulSet, DaemonSet, Job or ReplicaSet, then as a Pod-name prefix. Not found →
 * the closest names by edit distance.
 */
import type { Pod, Workload } from '../contract/k8s.ts';
import { PodwhyError } from '../errors.ts';

export const KIND_ALIASES: Readonly<Record<string, string>> = {
  pod: 'Pod', pods: 'Pod', po: 'Pod',
  deployment: 'Deployment', deployments: 'Deployment', deploy: 'Deployment',
  statefulset: 'StatefulSet', statefulsets: 'StatefulSet', sts: 'StatefulSet',
  daemonset: 'DaemonSet', daemonsets: 'DaemonSet', ds: 'DaemonSet',
  job: 'Job', jobs: 'Job',
  cronjob: 'CronJob', cronjobs: 'CronJob', cj: 'CronJob',
  replicaset: 'ReplicaSet', replicasets: 'ReplicaSet', rs: 'ReplicaSet',
};

/** Workload kinds tried for a bare name, most specific intent first. */
export const WORKLOAD_PRIORITY: readonly string[] = ['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob', 'ReplicaSet'];

export interface TargetSpec {
  namespace: string;
  name: string;
  /** Set when the user named a kind (`deploy/web`). */
  kind?: string;
}

// A DNS-1123 subdomain, also allowing a trailing '-' or '.' so `web-` works as a prefix.
const NAME = /^[a-z0-9]([-a-z0-9.]{0,252})$/;

/**
 * Parses the target text. `namespace` is the -n flag; `defaultNamespace` comes from the kubeconfig
 * context. Throws PodwhyError `bad-input` for what cannot be a name or conflicts with -n.
 */
export function parseTarget(text: string, options: { namespace?: string; defaultNamespace: string }): TargetSpec {
  const parts = text.trim().split('/');
  let namespace: string | undefined;
  let kind: string | undefined;
  let name: string | undefined;
  if (parts.length === 1) {
    name = parts[0];
  } else if (parts.length === 2) {
    const alias = KIND_ALIASES[(parts[0] ?? '').toLowerCase()];
    if (alias) kind = alias;
    else namespace = parts[0];
    name = parts[1];
  } else if (parts.length === 3) {
    namespace = parts[0];
    kind = KIND_ALIASES[(parts[1] ?? '').toLowerCase()];
    if (!kind) throw new PodwhyError('bad-input', `unknown kind "${parts[1]}" in "${text}" (expected pod, deployment, statefulset, daemonset, job, cronjob or replicaset)`);
    name = parts[2];
  } else {
    throw new PodwhyError('bad-input', `"${text}" is not a Pod reference (use NAME, NAMESPACE/NAME or KIND/NAME)`);
  }
  if (!name || !NAME.test(name)) throw new PodwhyError('bad-input', `"${name ?? ''}" is not a valid Kubernetes name`);
  if (namespace !== undefined && !NAME.test(namespace)) throw new PodwhyError('bad-input', `"${namespace}" is not a valid namespace name`);
  if (namespace !== undefined && options.namespace !== undefined && namespace !== options.namespace) {
    throw new PodwhyError('bad-input', `"${text}" names namespace ${namespace} but -n says ${options.namespace}`);
  }
  const spec: TargetSpec = { namespace: namespace ?? options.namespace ?? options.defaultNamespace, name };
  if (kind) spec.kind = kind;
  return spec;
}

export interface ResolveScope {
  /** The Pods of the target's namespace. */
  pods: readonly Pod[];
  /** The workloads of the target's namespace. */
  workloads: readonly Workload[];
  /** A workload's Pods, through intermediate owners (Deployment → ReplicaSet → Pod). */
  podsOfWorkload(workload: Workload): Pod[];
}

export type Resolution =
  | { kind: 'pod'; pod: Pod }
  | { kind: 'workload'; workload: Workload; pods: Pod[] }
  | { kind: 'prefix'; prefix: string; pods: Pod[] }
  | { kind: 'not-found'; suggestions: string[] };

export function resolveTarget(spec: TargetSpec, scope: ResolveScope): Resolution {
  const { name, kind } = spec;
  const podNamed = scope.pods.find((p) => p.metadata.name === name);
  if (kind === 'Pod') return podNamed ? { kind: 'pod', pod: podNamed } : { kind: 'not-found', suggestions: closestNames(name, scope.pods.map((p) => p.metadata.name)) };
  if (kind) {
    const workload = scope.workloads.find((w) => w.kind === kind && w.metadata.name === name);
    if (workload) return { kind: 'workload', workload, pods: byName(scope.podsOfWorkload(workload)) };
    return { kind: 'not-found', suggestions: closestNames(name, scope.workloads.filter((w) => w.kind === kind).map((w) => w.metadata.name)) };
  }
  if (podNamed) return { kind: 'pod', pod: podNamed };
  for (const workloadKind of WORKLOAD_PRIORITY) {
    const workload = scope.workloads.find((w) => w.kind === workloadKind && w.metadata.name === name);
    if (workload) return { kind: 'workload', workload, pods: byName(scope.podsOfWorkload(workload)) };
  }
  const prefixed = byName(scope.pods.filter((p) => p.metadata.name.startsWith(name)));
  const [only] = prefixed;
  if (prefixed.length === 1 && only) return { kind: 'pod', pod: only };
  if (prefixed.length > 1) return { kind: 'prefix', prefix: name, pods: prefixed };
  const candidates = [
    ...scope.pods.map((p) => p.metadata.name),
    ...scope.workloads.filter((w) => WORKLOAD_PRIORITY.includes(w.kind)).map((w) => `${w.kind.toLowerCase()}/${w.metadata.name}`),
  ];
  return { kind: 'not-found', suggestions: closestNames(name, candidates) };
}

function byName(pods: readonly Pod[]): Pod[] {
  return [...pods].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
}

/**
 * Up to `max` candidates closest to `target`: by edit distance (at most a third of the longer
 * name, and at least 2), or containing the target; nearest first, then alphabetical.
 * `kind/name` candidates are compared by their name part.
 */
export function closestNames(target: string, candidates: readonly string[], max = 5): string[] {
  const scored: { name: string; distance: number }[] = [];
  for (const candidate of new Set(candidates)) {
    const bare = candidate.includes('/') ? candidate.slice(candidate.indexOf('/') + 1) : candidate;
    const limit = Math.max(2, Math.floor(Math.max(target.length, bare.length) / 3));
    const distance = editDistance(target, bare, limit);
    if (distance <= limit) scored.push({ name: candidate, distance });
    else if (bare.includes(target) || (target.length >= 3 && target.includes(bare))) scored.push({ name: candidate, distance: limit + 1 });
  }
  return scored
    .sort((a, b) => a.distance - b.distance || a.name.localeCompare(b.name))
    .slice(0, max)
    .map((s) => s.name);
}

/** Levenshtein distance, giving up (returning limit + 1) once it must exceed `limit`. */
export function editDistance(a: string, b: string, limit = Number.POSITIVE_INFINITY): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const value = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
      current.push(value);
      if (value < rowMin) rowMin = value;
    }
    if (rowMin > limit) return limit + 1;
    previous = current;
  }
  return previous[b.length] ?? 0;
}
