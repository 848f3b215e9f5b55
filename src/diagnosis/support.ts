/**
 * Small pure helpers shared by the scenario detectors: time, events, container statuses,
 * quantities, exit codes. No I/O, no wall clock.
 */
import type { Evidence } from '../contract/diagnosis.ts';
import type { Container, ContainerStatus, KubeEvent, Node, Pod } from '../contract/k8s.ts';
import { parseQuantity } from '../contract/quantity.ts';
import type { PodSnapshot, Snapshot } from '../contract/snapshot.ts';
import { OOM_KILLED } from '../contract/upstream.ts';
import { shellQuote } from '../contract/shell-quote.ts';
import { indexOf, indexOfPod } from './snapshot-index.ts';

/** Seconds from `from` to `to` (RFC 3339 strings); null if either is missing or unparsable. */
export function secondsBetween(from: string | undefined | null, to: string | undefined | null): number | null {
  if (!from || !to) return null;
  const a = parseTime(from);
  const b = parseTime(to);
  if (Number.isNaN(a) || Number.isNaN(b)) return null;
  return Math.round((b - a) / 1000);
}

/**
 * Date.parse, remembered: a diagnosis compares the same few timestamps (observedAt above all) dozens of times, and
 * parsing was the largest single cost on healthy Pods. A memo of a pure function keeps the engine pure; it is
 * emptied when it grows past PARSED_TIMES_MAX so a long-running worker does not keep every timestamp it ever saw.
 */
const parsedTimes = new Map<string, number>();
const PARSED_TIMES_MAX = 4096;

export function parseTime(text: string): number {
  let time = parsedTimes.get(text);
  if (time === undefined) {
    time = Date.parse(text);
    if (parsedTimes.size >= PARSED_TIMES_MAX) parsedTimes.clear();
    parsedTimes.set(text, time);
  }
  return time;
}

/** When an event was last seen, whichever of the core/v1 and events.k8s.io fields it carries. */
export function eventLastSeen(event: KubeEvent): string | undefined {
  return event.series?.lastObservedTime ?? event.lastTimestamp ?? event.eventTime ?? event.firstTimestamp ?? event.metadata.creationTimestamp;
}

export function eventCount(event: KubeEvent): number {
  return event.series?.count ?? event.count ?? 1;
}

export function objectRef(kind: string, name: string): string {
  return `${kind}/${name}`;
}

export interface EventFilter {
  kind?: string;
  name?: string;
  uid?: string;
  namespace?: string;
  reasons?: readonly string[];
  type?: 'Normal' | 'Warning';
  /** Drop events last seen more than this many seconds before observedAt. */
  maxAgeSeconds?: number;
}

/**
 * Events matching the filter, newest first. An event matches an object by uid when both carry
 * one, else by kind + namespace + name (kubectl dumps of old events sometimes lack the uid).
 */
export function findEvents(snapshot: Snapshot, filter: EventFilter): KubeEvent[] {
  const index = indexOf(snapshot);
  if (index) {
    index.eventsNewestFirst ??= Object.freeze(newestFirst(snapshot.events));
    return index.eventsNewestFirst.filter((event) => matchesFilter(snapshot, event, filter));
  }
  // Filtering a stably sorted list keeps the order sorting the filtered list gives: the two paths agree.
  return newestFirst(snapshot.events.filter((event) => matchesFilter(snapshot, event, filter)));
}

function matchesFilter(snapshot: Snapshot, event: KubeEvent, filter: EventFilter): boolean {
  const ref = event.involvedObject;
  if (filter.kind && ref.kind !== filter.kind) return false;
  if (filter.uid && ref.uid) {
    if (ref.uid !== filter.uid) return false;
  } else {
    if (filter.name && ref.name !== filter.name) return false;
    if (filter.namespace && ref.namespace && ref.namespace !== filter.namespace) return false;
  }
  if (filter.reasons && !filter.reasons.includes(event.reason ?? '')) return false;
  if (filter.type && event.type !== filter.type) return false;
  return filter.maxAgeSeconds === undefined || isRecent(snapshot, event, filter.maxAgeSeconds);
}

function isRecent(snapshot: Snapshot, event: KubeEvent, maxAgeSeconds: number): boolean {
  const age = secondsBetween(eventLastSeen(event), snapshot.observedAt);
  return age === null || age <= maxAgeSeconds;
}

/** A new array of the events, newest first (stable: events seen at the same moment keep their order; undated last). */
function newestFirst(events: readonly KubeEvent[]): KubeEvent[] {
  const keyed = events.map((event, position) => ({ event, position, time: parseTime(eventLastSeen(event) ?? '') || 0 }));
  keyed.sort((a, b) => b.time - a.time || a.position - b.position);
  return keyed.map((k) => k.event);
}

/** Events about the snapshot's Pod (by uid or name), newest first. */
export function podEvents(snapshot: PodSnapshot, reasons?: readonly string[], maxAgeSeconds?: number): KubeEvent[] {
  const { metadata } = snapshot.pod;
  const index = indexOf(snapshot);
  if (!index) {
    return findEvents(snapshot, { kind: 'Pod', name: metadata.name, namespace: metadata.namespace, uid: metadata.uid, reasons, maxAgeSeconds });
  }
  index.podEvents ??= Object.freeze(findEvents(snapshot, { kind: 'Pod', name: metadata.name, namespace: metadata.namespace, uid: metadata.uid }));
  let events: readonly KubeEvent[] = index.podEvents;
  if (reasons?.length === 1) {
    index.podEventsByReason ??= byReason(index.podEvents);
    events = index.podEventsByReason.get(reasons[0]!) ?? [];
  } else if (reasons) {
    events = events.filter((event) => reasons.includes(event.reason ?? ''));
  }
  return maxAgeSeconds === undefined ? [...events] : events.filter((event) => isRecent(snapshot, event, maxAgeSeconds));
}

function byReason(events: readonly KubeEvent[]): ReadonlyMap<string, readonly KubeEvent[]> {
  const map = new Map<string, KubeEvent[]>();
  for (const event of events) {
    const reason = event.reason ?? '';
    const list = map.get(reason);
    if (list) list.push(event);
    else map.set(reason, [event]);
  }
  return map;
}

export function eventEvidence(event: KubeEvent, observedAt: string): Evidence {
  const ref = event.involvedObject;
  return {
    kind: 'event',
    object: objectRef(ref.kind ?? 'Object', ref.name ?? '?'),
    type: event.type ?? 'Normal',
    reason: event.reason ?? '',
    message: event.message ?? '',
    count: eventCount(event),
    ageSeconds: secondsBetween(eventLastSeen(event), observedAt),
  };
}

/** A container status together with its spec and where it lives in the Pod. */
export interface ContainerView {
  name: string;
  isInit: boolean;
  spec: Container | undefined;
  status: ContainerStatus | undefined;
  /** `status.containerStatuses[app]` or `status.initContainerStatuses[init-db]` */
  statusPath: string;
  /** `spec.containers[app]` or `spec.initContainers[init-db]` */
  specPath: string;
}

/**
 * Every container of the Pod, init containers first, each with its spec and status: spec order, then any status
 * without a spec; the first spec and the first status of a name. Shared (frozen) within one diagnosis.
 */
export function containers(pod: Pod): readonly ContainerView[] {
  const index = indexOfPod(pod);
  if (index) return (index.containerViews ??= Object.freeze(buildContainerViews(pod).map((view) => Object.freeze(view)))) as readonly ContainerView[];
  return buildContainerViews(pod);
}

function buildContainerViews(pod: Pod): ContainerView[] {
  const views: ContainerView[] = [];
  addContainerViews(views, true, pod.spec.initContainers, pod.status?.initContainerStatuses);
  addContainerViews(views, false, pod.spec.containers, pod.status?.containerStatuses);
  return views;
}

function addContainerViews(views: ContainerView[], isInit: boolean, specs: Container[] | undefined, statuses: ContainerStatus[] | undefined): void {
  const seen = new Set<string>();
  const add = (name: string) => {
    seen.add(name);
    views.push({
      name,
      isInit,
      spec: specs?.find((c) => c.name === name),
      status: statuses?.find((s) => s.name === name),
      statusPath: `status.${isInit ? 'initContainerStatuses' : 'containerStatuses'}[${name}]`,
      specPath: `spec.${isInit ? 'initContainers' : 'containers'}[${name}]`,
    });
  };
  for (const spec of specs ?? []) if (!seen.has(spec.name)) add(spec.name);
  for (const status of statuses ?? []) if (!seen.has(status.name)) add(status.name);
}

export function podCondition(pod: Pod, type: string) {
  return pod.status?.conditions?.find((c) => c.type === type);
}

export function nodeCondition(node: Node, type: string) {
  return node.status?.conditions?.find((c) => c.type === type);
}

/** A node is Ready only when its Ready condition says True. */
export function isNodeReady(node: Node): boolean {
  return nodeCondition(node, 'Ready')?.status === 'True';
}

export function podRef(pod: Pod): string {
  return objectRef('Pod', pod.metadata.name);
}

/** `kubectl -n <ns>` prefix for commands in remediation text. */
export function kubectl(namespace: string | undefined, rest: string): string {
  return namespace ? `kubectl -n ${shellQuote(namespace)} ${rest}` : `kubectl ${rest}`;
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'Ki', 'Mi', 'Gi', 'Ti'];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const rounded = Math.round(value * 10) / 10;
  return `${rounded}${units[unit]}`;
}

export function formatCpu(cores: number): string {
  return cores < 1 ? `${Math.round(cores * 1000)}m` : `${Math.round(cores * 100) / 100}`;
}

const SIGNALS: Record<number, string> = {
  1: 'SIGHUP', 2: 'SIGINT', 3: 'SIGQUIT', 4: 'SIGILL', 5: 'SIGTRAP', 6: 'SIGABRT', 7: 'SIGBUS', 8: 'SIGFPE',
  9: 'SIGKILL', 10: 'SIGUSR1', 11: 'SIGSEGV', 12: 'SIGUSR2', 13: 'SIGPIPE', 14: 'SIGALRM', 15: 'SIGTERM',
};

/**
 * What an exit code means. Codes above 128 are 128 + the signal number that killed the process
 * (shell and container runtime convention); 137 alone does not prove an OOM kill.
 */
export function exitCodeMeaning(code: number, reason?: string | null, options: { podDeleting?: boolean } = {}): string {
  if (reason === OOM_KILLED) return `${code}: killed by the kernel OOM killer (reason OOMKilled)`;
  // A container of a Pod being deleted was asked to stop: exit 0 is the clean stop, not a process with nothing to do.
  if (code === 0 && options.podDeleting) return '0: exited successfully: a clean stop on the Pod\'s deletion';
  switch (code) {
    case 0: return '0: exited successfully; for a long-running container this means the main process has nothing to do in the foreground';
    case 1: return '1: general application error (the program reported a failure)';
    case 2: return '2: bad command-line arguments or shell builtin misuse; also the exit code of an unrecovered Go panic';
    case 126: return '126: command found but not executable (permissions or wrong binary format)';
    case 127: return '127: command not found (wrong command/entrypoint or missing binary in the image)';
    case 128: return '128: invalid exit argument';
    case 130: return '130 = 128+2 (SIGINT): interrupted';
    case 134: return '134 = 128+6 (SIGABRT): the process aborted (assertion failure, abort(), JVM/glibc fatal error)';
    case 137: return '137 = 128+9 (SIGKILL): killed from outside — an OOM kill, a liveness-probe kill after the grace period, or a forced stop';
    case 139: return '139 = 128+11 (SIGSEGV): segmentation fault (invalid memory access, often a native library bug)';
    case 143: return '143 = 128+15 (SIGTERM): asked to stop (a probe kill, a rollout, a drain or eviction)';
    case 255: return '255: exit status out of range or a fatal error before the program could report one';
  }
  if (code > 128 && code < 160) {
    const signal = code - 128;
    return `${code} = 128+${signal} (${SIGNALS[signal] ?? `signal ${signal}`}): killed by a signal`;
  }
  return `${code}: application-defined exit code`;
}

/** The container's memory limit in bytes, if it sets one. */
export function memoryLimitBytes(container: Container | undefined): number | null {
  return parseQuantity(container?.resources?.limits?.memory);
}

/** Shorten long cluster strings (log lines, messages) for evidence; keeps the start, which carries the meaning. */
export function clip(text: string, max = 300): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
