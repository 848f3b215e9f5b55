/**
 * The agent's side of `/pod why` and `/pod logs` (docs/architecture.md, "/pod why"): the query a person
 * typed, resolved on this agent's informer cache the way `podwhy why` resolves it (src/cluster/resolve-target.ts:
 * ns/name, kind/name, workload names, prefixes, closest names for a typo), then diagnosed with the real engine
 * or read as a redacted log tail. Without a namespace every watched namespace is searched, and a name found in
 * several is answered with a question, not a guess. The answer is plain data (ReplyAnswer) for a reply command;
 * nothing here records into incidents.
 */
import type { Diagnosis } from '../contract/diagnosis.ts';
import type { HealthyPodRef, ReplyAnswer } from '../contract/incident.ts';
import type { Pod, Workload } from '../contract/k8s.ts';
import { redactSecrets } from '../contract/redact.ts';
import type { Snapshot } from '../contract/snapshot.ts';
import { diagnose } from '../diagnosis/engine.ts';
import { isPodwhyError } from '../errors.ts';
import type { CommandJob } from '../queue/jobs.ts';
import type { ClusterCache } from './cache.ts';
import { logCandidate, toLogLines, type SnapshotCollector } from './collector.ts';
import type { ClusterReader } from './ports.ts';
import { closestNames, parseTarget, resolveTarget, type Resolution, type TargetSpec } from './resolve-target.ts';
import { POD_CREATING_KINDS } from './snapshot.ts';

/** Log tails read for a workload or a prefix: fifty crash-looping replicas tell the same story. */
const MAX_LOG_TAILS = 5;
/** `/pod logs` shows at most this many lines (issue 8). */
export const LOG_TAIL_LINES = 50;

export interface QueryDeps {
  cache: ClusterCache;
  collector: SnapshotCollector;
  reader: Pick<ClusterReader, 'namespaceExists' | 'readLogTail'>;
  /** WATCH_NAMESPACES; empty: the whole cluster. */
  watchedNamespaces: readonly string[];
}

type Located = { namespace: string; spec: TargetSpec; resolution: Exclude<Resolution, { kind: 'not-found' }> };

/** Answers one command job. Never throws for what a person can act on: errors become an error answer. */
export async function answerQuery(job: CommandJob, deps: QueryDeps): Promise<ReplyAnswer> {
  try {
    const located = await locate(job, deps);
    if ('kind' in located && located.kind === 'error') return located;
    const found = located as Located;
    if (job.verb === 'logs') return await readLogs(found, job, deps);
    return await diagnoseFound(found, deps);
  } catch (error) {
    if (isPodwhyError(error)) return { kind: 'error', code: error.code, message: error.message };
    throw error;
  }
}

async function locate(job: CommandJob, deps: QueryDeps): Promise<Located | Extract<ReplyAnswer, { kind: 'error' }>> {
  const { subject } = job;
  if (subject.kind === 'Pod') {
    // A button names the Pod by uid: that Pod, never a later one with the same name.
    const pod = deps.cache.pod(subject.uid);
    if (!pod) return { kind: 'error', code: 'gone', message: `Pod ${job.namespace ?? ''}/${subject.name} no longer exists (it was deleted or replaced)`, name: subject.name };
    const namespace = pod.metadata.namespace ?? '';
    return { namespace, spec: { namespace, name: pod.metadata.name, kind: 'Pod' }, resolution: { kind: 'pod', pod } };
  }
  if (subject.kind === 'Workload') {
    const workload = deps.cache.workload(subject.uid);
    if (!workload) return { kind: 'error', code: 'gone', message: `${subject.ownerKind} ${subject.name} no longer exists`, name: subject.name };
    const namespace = workload.metadata.namespace ?? '';
    return { namespace, spec: { namespace, name: subject.name, kind: workload.kind }, resolution: { kind: 'workload', workload, pods: scopeOf(deps.cache, namespace).podsOfWorkload(workload) } };
  }
  // '' stands for "not given": then every watched namespace is searched.
  const spec = parseTarget(subject.query, { ...(job.namespace !== undefined && { namespace: job.namespace }), defaultNamespace: '' });
  if (spec.namespace !== '') {
    const resolution = resolveTarget(spec, scopeOf(deps.cache, spec.namespace));
    if (resolution.kind !== 'not-found') return { namespace: spec.namespace, spec, resolution };
    return notFound(spec, resolution.suggestions, deps);
  }
  const namespaces = namespacesOf(deps.cache);
  const hits: Located[] = [];
  const suggestions: string[] = [];
  for (const namespace of namespaces) {
    const resolution = resolveTarget({ ...spec, namespace }, scopeOf(deps.cache, namespace));
    if (resolution.kind === 'not-found') suggestions.push(...resolution.suggestions.map((s) => `${namespace}/${s}`));
    else hits.push({ namespace, spec: { ...spec, namespace }, resolution });
  }
  const [only] = hits;
  if (hits.length === 1 && only) return only;
  if (hits.length > 1) {
    const places = hits.map((h) => `${h.namespace}/${spec.name}`);
    return { kind: 'error', code: 'ambiguous', message: `"${spec.name}" is in ${hits.length} namespaces; say which with -n NAMESPACE or NAMESPACE/NAME`, suggestions: places, name: spec.name };
  }
  const closest = closestNames(spec.name, suggestions);
  return { kind: 'error', code: 'pod-not-found', message: `no Pod or workload named "${spec.name}" in ${describeScope(deps)}`, suggestions: closest, name: spec.name, namespace: '' };
}

async function notFound(spec: TargetSpec, suggestions: string[], deps: QueryDeps): Promise<Extract<ReplyAnswer, { kind: 'error' }>> {
  const { namespace, name } = spec;
  if (deps.watchedNamespaces.length > 0 && !deps.watchedNamespaces.includes(namespace)) {
    return { kind: 'error', code: 'namespace-not-found', message: `namespace "${namespace}" is not watched by podwhy on this cluster (WATCH_NAMESPACES: ${deps.watchedNamespaces.join(', ')})`, namespace, suggestions: closestNames(namespace, deps.watchedNamespaces) };
  }
  const empty = deps.cache.pods(namespace).length === 0 && deps.cache.workloads(namespace).length === 0;
  if (empty && (await deps.reader.namespaceExists(namespace)) === false) {
    return { kind: 'error', code: 'namespace-not-found', message: `namespace "${namespace}" does not exist`, namespace, suggestions: closestNames(namespace, namespacesOf(deps.cache)) };
  }
  return { kind: 'error', code: 'pod-not-found', message: `no Pod or workload named "${name}" in namespace "${namespace}"`, namespace, name, suggestions };
}

function describeScope(deps: QueryDeps): string {
  return deps.watchedNamespaces.length > 0 ? `the watched namespaces (${deps.watchedNamespaces.join(', ')})` : 'any namespace';
}

function namespacesOf(cache: ClusterCache): string[] {
  return cache.objectNamespaces();
}

function scopeOf(cache: ClusterCache, namespace: string) {
  return {
    pods: cache.pods(namespace),
    workloads: cache.workloads(namespace),
    podsOfWorkload: (w: Workload) => (w.metadata.uid ? cache.podsOfWorkload(w.metadata.uid) : []),
  };
}

async function diagnoseFound(found: Located, deps: QueryDeps): Promise<ReplyAnswer> {
  const { resolution } = found;
  if (resolution.kind === 'pod') {
    const diagnosis = diagnose(await deps.collector.snapshotOf(resolution.pod, { withLogs: true }));
    return diagnosis ? { kind: 'diagnoses', diagnoses: [diagnosis] } : { kind: 'diagnoses', diagnoses: [], healthy: [healthyOf(resolution.pod)] };
  }
  const diagnoses: Diagnosis[] = [];
  const healthy: HealthyPodRef[] = [];
  for (const [index, pod] of resolution.pods.entries()) {
    const diagnosis = diagnose(await deps.collector.snapshotOf(pod, { withLogs: index < MAX_LOG_TAILS }));
    if (diagnosis) diagnoses.push(diagnosis);
    else healthy.push(healthyOf(pod));
  }
  if (resolution.kind === 'workload') {
    // Quota or admission failures leave no Pod: the pod-creating workloads carry them (as in `podwhy why`).
    const snapshots: Snapshot[] = [];
    for (const w of podCreatingWorkloads(resolution.workload, deps.cache)) {
      const snapshot = w.metadata.uid ? await deps.collector.collectWorkload({ uid: w.metadata.uid }) : null;
      if (snapshot) snapshots.push(snapshot);
    }
    for (const snapshot of snapshots) {
      const diagnosis = diagnose(snapshot);
      if (diagnosis) diagnoses.push(diagnosis);
    }
  }
  const target = resolution.kind === 'workload' ? `${resolution.workload.kind.toLowerCase()}/${resolution.workload.metadata.name}` : `${resolution.prefix}*`;
  return { kind: 'diagnoses', diagnoses, healthy, target: `${found.namespace}/${target}`, total: resolution.pods.length };
}

/** The workload itself when it creates Pods, and (for a Deployment) its ReplicaSets that still want Pods. */
export function podCreatingWorkloads(workload: Workload, cache: ClusterCache): Workload[] {
  const out: Workload[] = [];
  if (POD_CREATING_KINDS.includes(workload.kind)) out.push(workload);
  if (workload.metadata.uid) {
    for (const child of cache.workloadsOwnedBy(workload.metadata.uid)) {
      if (POD_CREATING_KINDS.includes(child.kind) && (child.spec?.replicas ?? 1) > 0) out.push(child);
    }
  }
  return out;
}

export function healthyOf(pod: Pod): HealthyPodRef {
  const statuses = pod.status?.containerStatuses ?? [];
  const ref: HealthyPodRef = { namespace: pod.metadata.namespace ?? '', name: pod.metadata.name, phase: pod.status?.phase ?? 'Unknown' };
  if (pod.metadata.uid) ref.uid = pod.metadata.uid;
  if (statuses.length > 0) ref.ready = `${statuses.filter((s) => s.ready).length}/${statuses.length}`;
  return ref;
}

async function readLogs(found: Located, job: CommandJob, deps: QueryDeps): Promise<ReplyAnswer> {
  const { resolution } = found;
  if (resolution.kind !== 'pod') {
    const names = resolution.pods.map((p) => p.metadata.name).slice(0, 5);
    return { kind: 'error', code: 'ambiguous', message: `"${found.spec.name}" matches ${resolution.pods.length} Pods; /pod logs reads one Pod's log: name one`, suggestions: names, name: found.spec.name, namespace: found.namespace };
  }
  const pod = resolution.pod;
  const containers = [...(pod.spec.initContainers ?? []), ...pod.spec.containers].map((c) => c.name);
  const telling = logCandidate(pod, new Date().toISOString());
  const container = job.container ?? telling?.container ?? pod.spec.containers[0]?.name;
  if (!container || !containers.includes(container)) {
    return { kind: 'error', code: 'bad-input', message: `Pod ${found.namespace}/${pod.metadata.name} has no container "${job.container ?? ''}" (it has: ${containers.join(', ')})`, suggestions: containers };
  }
  const previous = job.previous ?? (job.container === undefined ? (telling?.previous ?? false) : false);
  const text = await deps.reader.readLogTail({ namespace: found.namespace, name: pod.metadata.name }, container, { previous, tailLines: LOG_TAIL_LINES, limitBytes: 64 * 1024 });
  const lines = toLogLines(text, { lines: LOG_TAIL_LINES, maxLineLength: 1_000 }).map(redactSecrets);
  return { kind: 'logs', namespace: found.namespace, pod: pod.metadata.name, container, previous, lines };
}
