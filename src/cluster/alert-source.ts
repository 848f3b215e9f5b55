/**
 * The watch side of the alert flow (docs/architecture.md, "Alert"): informer change → cheap candidate
 * predicate (candidates.ts) → stabilization window (stabilizer.ts) → diagnosis job on the queue. It only
 * produces: jobs go to the diagnosis queue (through a replay buffer while Redis is away), and the
 * recovery of a Pod it handed on goes to the incident stage. It never waits for a diagnosis.
 */
import { FAILING_RECHECK_SECONDS, type Incident } from '../contract/incident.ts';
import type { KubeEvent, Node, Pod, Workload } from '../contract/k8s.ts';
import type { Logger } from '../log.ts';
import type { AgentMetrics } from '../metrics.ts';
import { ReplayBuffer, type DiagnosisQueue } from '../queue/diagnosis-queue.ts';
import type { WatchJob } from '../queue/jobs.ts';
import {
  eventTrigger, isPodHealthy, nodeCandidate, podCandidate, POD_CREATING_KINDS, preStopCandidate, workloadCandidate,
  workloadConditionCandidate, type Candidate, type StabilizationWindows,
} from './candidates.ts';
import { Stabilizer } from './stabilizer.ts';

export type ChangeType = 'add' | 'update' | 'delete';

export interface ClusterChange {
  resource: string;
  type: ChangeType;
  object: unknown;
}

/** What the watch side reads from the informer cache (ClusterCache implements it). */
export interface ClusterView {
  onChange(listener: (change: ClusterChange) => void): () => void;
  pod(uid: string): Pod | undefined;
  node(name: string): Node | undefined;
  podsOnNode(nodeName: string): Pod[];
  workload(uid: string): Workload | undefined;
  pods(namespace?: string): Pod[];
  /** Every Pod one at a time, when the view rebuilds Pods on read (ClusterCache: shaped.ts); else pods() is used. */
  eachPod?(): Iterable<Pod>;
  eachWorkload?(): Iterable<Workload>;
  nodes(): Node[];
  /** Every cached workload: resync looks for ones that cannot create their Pods. Absent: only their events are watched. */
  workloads?(): Workload[];
  /** The cached events about one object (FailedCreate of a workload, FailedPreStopHook of a Pod). */
  eventsFor?(kind: string, namespace: string | undefined, name: string, uid?: string): KubeEvent[];
  /** Whether the namespace's Pods are watched here (WATCH_NAMESPACES); absent: every namespace is. */
  watchesNamespace?(namespace: string): boolean;
}

/**
 * Where the watch side reports that a subject it handed on has recovered or is gone: the incident stage
 * (src/incidents/recorder.ts). The promises never reject; failures are logged there.
 */
export interface RecoverySink {
  podHealthy(uid: string): Promise<void>;
  podGone(uid: string): Promise<void>;
}

export interface AlertSourceOptions {
  cluster: string;
  view: ClusterView;
  /** The diagnosis queue of this cluster (only its producer side is used). */
  queue: Pick<DiagnosisQueue, 'enqueue'>;
  recoveries: RecoverySink;
  windows: StabilizationWindows;
  metrics: AgentMetrics;
  log: Logger;
  now?: () => number;
  /**
   * How often a candidate that still holds is diagnosed again (evidence updates, coalesced downstream; a Pod still
   * failing after "Mark resolved" re-opens its incident). Default FAILING_RECHECK_SECONDS, which Slack's texts promise.
   */
  refreshMs?: number;
  /** Stabilizer period; short enough to keep latency after the window well under 1 s. */
  tickMs?: number;
}

const EVENT_STALE_MS = 10 * 60_000;
/**
 * A FailedCreate older than this no longer says the workload still cannot create its Pods. The controllers
 * retry through their work queue's exponential back-off, which tops out at 1000 s
 * (client-go util/workqueue DefaultControllerRateLimiter), so a failure that holds repeats at least that often.
 */
const FAILED_CREATE_STALE_MS = 2 * 1000_000;

export class AlertSource {
  readonly #o: Required<AlertSourceOptions>;
  readonly #stabilizer: Stabilizer;
  readonly #buffer: ReplayBuffer;
  /** Pods and workloads that were handed on as candidates: only their recovery is worth telling the incident stage. */
  readonly #watched = new Set<string>();
  #unsubscribe: (() => void) | undefined;
  #timer: NodeJS.Timeout | undefined;
  /** A stabilizer pass is scheduled for the end of this turn (see #offer). */
  #dueSoon: NodeJS.Immediate | undefined;

  constructor(options: AlertSourceOptions) {
    // Options passed as `undefined` (e.g. an unset knob forwarded by the agent) must not erase the defaults.
    const given = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as AlertSourceOptions;
    this.#o = { now: Date.now, refreshMs: FAILING_RECHECK_SECONDS * 1000, tickMs: 200, ...given };
    this.#stabilizer = new Stabilizer({
      now: this.#o.now,
      refreshMs: this.#o.refreshMs,
      recheck: (candidate) => this.#recheck(candidate),
    });
    this.#buffer = new ReplayBuffer({
      enqueue: (job) => this.#o.queue.enqueue(job),
      onRejected: (job, error) => this.#o.log.warn({ err: error, subject: job.subject }, 'Diagnosis job rejected'),
      onOverflow: () => this.resync(),
    });
  }

  get stabilizer(): Stabilizer {
    return this.#stabilizer;
  }

  /** Starts listening to the cache and the stabilizer timer. Call after the cache has synced. */
  start(): void {
    this.#unsubscribe = this.#o.view.onChange((change) => this.#onChange(change));
    this.resync();
    this.#buffer.start();
    this.#timer = setInterval(() => this.tick(), this.#o.tickMs);
    this.#timer.unref();
  }

  /** Re-derives every candidate from the cache: after start, a relist, or a lost Redis write. */
  resync(): void {
    for (const pod of this.#o.view.eachPod?.() ?? this.#o.view.pods()) this.#examinePod(pod);
    // A workload that cannot create its Pods has no Pod to examine; its condition or its FailedCreate events
    // (already in the cache at start, so no change reports them) are all there is.
    for (const workload of this.#o.view.eachWorkload?.() ?? this.#o.view.workloads?.() ?? []) this.#examineWorkload(workload);
    const nowMs = this.#o.now();
    for (const node of this.#o.view.nodes()) {
      const candidate = nodeCandidate(node, nowMs, this.#o.windows);
      if (candidate) this.#stabilizer.offer(candidate);
    }
  }

  /**
   * Brings the open incidents (in Redis, they outlive this process) in line with the synced cache. Pods
   * deleted or recovered while no agent watched (a restart, a crash, a deploy of the agent) raise no
   * informer event now, so without this they stay 'failing' in their incident for ever and it never
   * resolves. Pods still failing are watched again, so their later recovery is reported.
   */
  async reconcile(openIncidents: readonly Incident[]): Promise<void> {
    const { view, recoveries } = this.#o;
    for (const incident of openIncidents) {
      for (const member of Object.values(incident.pods)) {
        if (member.state === 'gone') continue;
        // Another shard's Pod (a node incident lists the Pods of every shard): not in this cache is not gone.
        if (view.watchesNamespace && !view.watchesNamespace(member.namespace)) continue;
        const pod = view.pod(member.uid);
        if (!pod) {
          // Workload-subject incidents (FailedCreate) list the workload's uid: gone only when it is.
          if (!view.workload(member.uid)) await recoveries.podGone(member.uid);
        } else if (isPodHealthy(pod)) {
          if (member.state === 'failing') await recoveries.podHealthy(member.uid);
        } else {
          this.#watched.add(member.uid);
        }
      }
    }
  }

  /** One beat: hands on what has come due. */
  tick(): void {
    for (const candidate of this.#stabilizer.tick()) this.#handOn(candidate);
  }

  stop(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    if (this.#dueSoon) clearImmediate(this.#dueSoon);
    this.#dueSoon = undefined;
    this.#buffer.stop();
  }

  #onChange(change: ClusterChange): void {
    this.#o.metrics.eventsSeen.inc({ cluster: this.#o.cluster, resource: change.resource, type: change.type });
    switch (change.resource) {
      case 'pods': {
        const pod = change.object as Pod;
        if (change.type === 'delete') this.#podGone(pod);
        else this.#examinePod(pod);
        return;
      }
      case 'events': {
        if (change.type === 'delete') return;
        this.#examineEvent(change.object as KubeEvent);
        return;
      }
      // The controllers that create Pods (candidates.ts POD_CREATING_KINDS).
      case 'replicasets':
      case 'statefulsets':
      case 'daemonsets':
      case 'jobs': {
        const workload = change.object as Workload;
        if (change.type === 'delete') this.#stabilizer.withdraw('Workload', workload.metadata.uid ?? '');
        else this.#examineWorkload(workload);
        return;
      }
      case 'nodes': {
        const node = change.object as Node;
        const candidate = change.type === 'delete' ? null : nodeCandidate(node, this.#o.now(), this.#o.windows);
        if (candidate) this.#offer(candidate);
        else this.#stabilizer.withdraw('Node', node.metadata.uid ?? node.metadata.name);
        return;
      }
    }
  }

  #offer(candidate: Candidate): void {
    this.#o.metrics.candidates.inc({ cluster: this.#o.cluster, hint: candidate.hint });
    const isNew = !this.#stabilizer.has(candidate.subject.kind, candidate.subject.uid);
    this.#stabilizer.offer(candidate);
    // A new failure whose window is already over (a crash loop, an OOM kill, a Pod first seen long after it
    // began failing) is handed on at the end of this turn instead of at the next tick, up to tickMs later.
    // One pass serves every candidate offered in the same turn (an informer hands over events in batches);
    // the updates of a Pod already known wait for the tick, so they cost no extra passes.
    if (isNew && candidate.dueAtMs <= this.#o.now() && !this.#dueSoon && this.#timer) {
      this.#dueSoon = setImmediate(() => {
        this.#dueSoon = undefined;
        this.tick();
      });
    }
  }

  #examinePod(pod: Pod): void {
    const uid = pod.metadata.uid;
    if (!uid) return;
    const candidate = this.#podCandidate(pod);
    if (candidate) {
      this.#offer(candidate);
      return;
    }
    this.#stabilizer.withdraw('Pod', uid);
    if (this.#watched.has(uid) && isPodHealthy(pod)) {
      this.#watched.delete(uid);
      void this.#o.recoveries.podHealthy(uid);
    }
  }

  /** podCandidate, plus what only the cached events tell: a terminating Pod whose preStop hook failed. */
  #podCandidate(pod: Pod): Candidate | null {
    const nowMs = this.#o.now();
    const candidate = podCandidate(pod, nowMs, this.#o.windows);
    if (candidate?.hint !== 'terminating' || !this.#o.view.eventsFor) return candidate;
    const failedHook = this.#o.view
      .eventsFor('Pod', pod.metadata.namespace, pod.metadata.name, pod.metadata.uid)
      .find((e) => e.type === 'Warning' && e.reason === 'FailedPreStopHook');
    return (failedHook && preStopCandidate(pod, failedHook, nowMs)) ?? candidate;
  }

  /** A Pod-creating workload that reports, in its status or its events, that it cannot create its Pods. */
  #examineWorkload(workload: Workload): void {
    const uid = workload.metadata.uid;
    if (!uid || !POD_CREATING_KINDS.has(workload.kind)) return;
    const nowMs = this.#o.now();
    const fromCondition = workloadConditionCandidate(workload, nowMs, this.#o.windows);
    if (fromCondition) {
      this.#offer(fromCondition);
      return;
    }
    const failedCreate = this.#latestFailedCreate(workload);
    const trigger = failedCreate && eventTrigger(failedCreate);
    const candidate = failedCreate && trigger && workloadCandidate({ ...trigger, uid }, failedCreate, nowMs, this.#o.windows);
    if (candidate && this.#workloadStillFailing(workload, candidate, nowMs)) {
      this.#offer(candidate);
      return;
    }
    // It creates its Pods again: its incident (which lists the workload in place of Pods) may resolve.
    this.#stabilizer.withdraw('Workload', uid);
    if (this.#watched.delete(uid)) void this.#o.recoveries.podHealthy(uid);
  }

  /** The most recent FailedCreate about the workload in the cache, if any. */
  #latestFailedCreate(workload: Workload): KubeEvent | undefined {
    let latest: KubeEvent | undefined;
    let latestMs = -Infinity;
    for (const event of this.#o.view.eventsFor?.(workload.kind, workload.metadata.namespace, workload.metadata.name, workload.metadata.uid) ?? []) {
      if (event.type !== 'Warning' || event.reason !== 'FailedCreate') continue;
      const at = lastSeenMs(event);
      if (at > latestMs) {
        latest = event;
        latestMs = at;
      }
    }
    return latest;
  }

  /**
   * Whether a workload with a FailedCreate candidate still lacks its Pods: not once it has as many as it wants,
   * nor when its ReplicaFailure condition is gone or its last FailedCreate is stale.
   */
  #workloadStillFailing(workload: Workload, candidate: Candidate, nowMs: number): boolean {
    const { wanted, have } = replicasOf(workload);
    if (wanted !== undefined && have >= wanted) return false;
    if (workloadConditionCandidate(workload, nowMs, this.#o.windows)) return true;
    if (this.#o.view.eventsFor) {
      const latest = this.#latestFailedCreate(workload);
      const at = latest ? lastSeenMs(latest) : NaN;
      return !Number.isNaN(at) && nowMs - at <= FAILED_CREATE_STALE_MS;
    }
    return nowMs - Date.parse(candidate.since) <= EVENT_STALE_MS * 6;
  }

  #podGone(pod: Pod): void {
    const uid = pod.metadata.uid;
    if (!uid) return;
    this.#stabilizer.withdraw('Pod', uid);
    if (this.#watched.delete(uid)) void this.#o.recoveries.podGone(uid);
  }

  #examineEvent(event: KubeEvent): void {
    const trigger = eventTrigger(event);
    if (!trigger) return;
    if (trigger.kind === 'Pod' && trigger.uid) {
      const pod = this.#o.view.pod(trigger.uid);
      if (pod) this.#examinePod(pod);
      return;
    }
    const candidate = workloadCandidate(trigger, event, this.#o.now(), this.#o.windows);
    if (candidate && this.#o.view.workload(candidate.subject.uid)) this.#offer(candidate);
  }

  /** Whether a pending candidate still holds, from the cache's current state (the stabilizer asks). */
  #recheck(candidate: Candidate): Candidate | null {
    const nowMs = this.#o.now();
    switch (candidate.subject.kind) {
      case 'Pod': {
        const pod = this.#o.view.pod(candidate.subject.uid);
        return pod ? this.#podCandidate(pod) : null;
      }
      case 'Node': {
        const node = this.#o.view.node(candidate.subject.name);
        return node ? nodeCandidate(node, nowMs, this.#o.windows) : null;
      }
      case 'Workload': {
        // A FailedCreate repeats while it holds; once the controller has its Pods, the workload is fine.
        const workload = this.#o.view.workload(candidate.subject.uid);
        if (!workload) return null;
        return this.#workloadStillFailing(workload, candidate, nowMs) ? candidate : null;
      }
    }
  }

  /** A candidate came due: its diagnosis jobs go on the queue. */
  #handOn(candidate: Candidate): void {
    const { subject } = candidate;
    const enqueuedAt = new Date(this.#o.now()).toISOString();
    const base = { trigger: 'watch' as const, cluster: this.#o.cluster, candidateHint: candidate.hint, enqueuedAt };
    const jobs: WatchJob[] = [];
    if (subject.kind === 'Pod') {
      jobs.push({ ...base, namespace: subject.namespace, subject: { kind: 'Pod', name: subject.name, uid: subject.uid } });
    } else if (subject.kind === 'Workload') {
      jobs.push({ ...base, namespace: subject.namespace, subject: { kind: 'Workload', ownerKind: subject.objectKind, name: subject.name, uid: subject.uid } });
    } else {
      // A lost node: every Pod on it is diagnosed; the incident manager folds them into one node incident.
      for (const pod of this.#o.view.podsOnNode(subject.name)) {
        if (!pod.metadata.uid || pod.status?.phase === 'Succeeded') continue;
        // A Pod with a candidate of its own (its Ready=False from the node controller) is diagnosed through it.
        if (this.#stabilizer.has('Pod', pod.metadata.uid)) continue;
        jobs.push({ ...base, namespace: pod.metadata.namespace ?? '', subject: { kind: 'Pod', name: pod.metadata.name, uid: pod.metadata.uid } });
      }
    }
    for (const job of jobs) {
      this.#watched.add(job.subject.uid);
      void this.#buffer.submit(job).then(
        (outcome) => this.#o.metrics.jobs.inc({ cluster: this.#o.cluster, outcome }),
        (error: unknown) => this.#o.log.warn({ err: error }, 'Diagnosis job not queued'),
      );
    }
  }
}

/** When an event was last seen (NaN when it does not say): a deduplicated series reports its last repeat. */
function lastSeenMs(event: KubeEvent): number {
  return Date.parse(event.series?.lastObservedTime ?? event.lastTimestamp ?? event.eventTime ?? event.firstTimestamp ?? '');
}

/**
 * How many Pods a workload wants and has. A DaemonSet has no spec.replicas: it wants one Pod per eligible node
 * (status.desiredNumberScheduled) and has those its Pods run on (status.currentNumberScheduled). A Job's wish
 * (parallelism, completions) is not a count of Pods that must exist, so it is undefined.
 */
function replicasOf(workload: Workload): { wanted: number | undefined; have: number } {
  const status = workload.status ?? {};
  const count = (value: unknown): number | undefined => (typeof value === 'number' ? value : undefined);
  if (workload.kind === 'DaemonSet') return { wanted: count(status['desiredNumberScheduled']), have: count(status['currentNumberScheduled']) ?? 0 };
  return { wanted: workload.spec?.replicas, have: status.replicas ?? 0 };
}
