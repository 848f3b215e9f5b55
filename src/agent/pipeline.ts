/**
 * The alert flow of one cluster: informer change → cheap candidate predicate → stabilization window
 * → diagnosis job (deduplicated per uid + hint) → worker: fresh snapshot → engine → incident manager
 * → notifier. Everything with side effects is injected, so the same pipeline runs in one process
 * (in-process queue, memory incidents) or scaled out (BullMQ, Redis incidents).
 */
import type { KubeEvent, Node, Pod, Workload } from '../contract/k8s.ts';
import type { Diagnosis } from '../contract/diagnosis.ts';
import type { PodSnapshot, Snapshot, WorkloadSnapshot } from '../contract/snapshot.ts';
import { diagnose } from '../diagnosis/engine.ts';
import {
  eventTrigger, isPodHealthy, nodeCandidate, podCandidate, workloadCandidate,
  type Candidate, type StabilizationWindows,
} from '../alerts/candidates.ts';
import { Stabilizer } from '../alerts/stabilizer.ts';
import { incidentKeyOf, incidentOwnerOf, type IncidentManager } from '../alerts/incidents.ts';
import type { NotifyCommand } from '../contract/incident.ts';
import type { Notifier } from '../alerts/notifier.ts';
import { routeChannel, type ChannelRouting } from '../alerts/channel-routing.ts';
import { ReplayBuffer, type DiagnosisQueue, type DiagnoseProcessor, type ProcessorContext } from '../queue/diagnosis-queue.ts';
import type { DiagnoseJob, WatchJob } from '../queue/jobs.ts';
import type { AgentMetrics } from '../metrics.ts';
import type { Logger } from '../log.ts';

export type ChangeType = 'add' | 'update' | 'delete';

export interface ClusterChange {
  resource: string;
  type: ChangeType;
  object: unknown;
}

/** What the pipeline reads from the informer cache (ClusterCache implements it). */
export interface ClusterView {
  onChange(listener: (change: ClusterChange) => void): () => void;
  pod(uid: string): Pod | undefined;
  node(name: string): Node | undefined;
  podsOnNode(nodeName: string): Pod[];
  workload(uid: string): Workload | undefined;
  pods(namespace?: string): Pod[];
  nodes(): Node[];
}

/** What the worker needs to build a fresh snapshot (SnapshotCollector implements it). */
export interface SnapshotSource {
  collect(ref: { uid: string }, options?: { withLogs?: boolean }): Promise<PodSnapshot | null>;
  collectWorkload(ref: { uid: string }): Promise<WorkloadSnapshot | null>;
}

export interface AlertPipelineOptions {
  cluster: string;
  view: ClusterView;
  snapshots: SnapshotSource;
  queue: DiagnosisQueue;
  incidents: IncidentManager;
  notifier: Notifier;
  routing: ChannelRouting;
  windows: StabilizationWindows;
  metrics: AgentMetrics;
  log: Logger;
  now?: () => number;
  /** How often a candidate that still holds is diagnosed again (evidence updates; coalesced downstream). */
  refreshMs?: number;
  /** Stabilizer and incident timer period; short enough to keep latency after the window well under 1 s. */
  tickMs?: number;
  /** Called with each diagnosis the workers produce (the demo prints progress from it). */
  onDiagnosis?: (diagnosis: Diagnosis) => void;
  /** Called after each notification is delivered. */
  onNotified?: (command: NotifyCommand) => void;
}

const EVENT_STALE_MS = 10 * 60_000;
/** Owner kinds the informers cache (src/cluster/cache.ts RESOURCES): a Pod's chain through them should be complete. */
const CACHED_OWNER_KINDS: ReadonlySet<string> = new Set(['ReplicaSet', 'Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob']);
/** Runs of a job that wait for a Pod's owners to reach the cache; the last run goes ahead with what it has. */
const OWNER_WAIT_ATTEMPTS = 3;

export class AlertPipeline {
  readonly #o: Required<Omit<AlertPipelineOptions, 'onDiagnosis' | 'onNotified'>> & Pick<AlertPipelineOptions, 'onDiagnosis' | 'onNotified'>;
  readonly #stabilizer: Stabilizer;
  readonly #buffer: ReplayBuffer;
  /** Pods that were handed on as candidates: only their recovery is worth telling the incident manager. */
  readonly #watched = new Set<string>();
  #unsubscribe: (() => void) | undefined;
  #timer: NodeJS.Timeout | undefined;
  #ticking = false;
  /** A stabilizer pass is scheduled for the end of this turn (see #offer). */
  #dueSoon: NodeJS.Immediate | undefined;

  constructor(options: AlertPipelineOptions) {
    // Options passed as `undefined` (e.g. an unset knob forwarded by the agent) must not erase the defaults.
    const given = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as AlertPipelineOptions;
    this.#o = { now: Date.now, refreshMs: 60_000, tickMs: 200, ...given };
    this.#stabilizer = new Stabilizer({
      now: this.#o.now,
      refreshMs: this.#o.refreshMs,
      recheck: (candidate) => this.#recheck(candidate),
      onDue: (candidate) => this.#onDue(candidate),
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

  /** Starts listening to the cache, the workers and the timers. Call after the cache has synced. */
  /** `watch: false` (a `podwhy worker`) only runs jobs; the agent of the cluster produces them. */
  async start(options: { concurrency: number; runWorkers: boolean; watch?: boolean }): Promise<void> {
    if (options.watch !== false) {
      this.#unsubscribe = this.#o.view.onChange((change) => this.#onChange(change));
      this.resync();
      this.#buffer.start();
      await this.reconcile();
    }
    if (options.runWorkers) await this.#o.queue.startWorkers(this.processor, { concurrency: options.concurrency });
    this.#timer = setInterval(() => void this.tick(), this.#o.tickMs);
    this.#timer.unref();
  }

  /** Re-derives every candidate from the cache: after start, a relist, or a lost Redis write. */
  resync(): void {
    for (const pod of this.#o.view.pods()) this.#examinePod(pod);
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
  async reconcile(): Promise<void> {
    const { cluster, view, incidents } = this.#o;
    try {
      for (const incident of await incidents.listOpen(cluster)) {
        for (const member of Object.values(incident.pods)) {
          if (member.state === 'gone') continue;
          const pod = view.pod(member.uid);
          if (!pod) {
            // Workload-subject incidents (FailedCreate) list the workload's uid: gone only when it is.
            if (!view.workload(member.uid)) await this.#settle(incidents.resolvePod(cluster, member.uid));
          } else if (isPodHealthy(pod)) {
            if (member.state === 'failing') await this.#settle(incidents.podHealthy(cluster, member.uid));
          } else {
            this.#watched.add(member.uid);
          }
        }
      }
    } catch (error) {
      this.#o.log.warn({ err: error }, 'Could not reconcile open incidents with the cluster');
    }
  }

  /** One beat: hand on what is due, deliver coalesced incident updates and resolutions. */
  async tick(): Promise<void> {
    if (this.#ticking) return;
    this.#ticking = true;
    try {
      this.#stabilizer.tick();
      for (const command of await this.#o.incidents.flushDue(this.#o.cluster)) await this.#deliver(command);
    } catch (error) {
      this.#o.log.warn({ err: error }, 'Alert pipeline tick failed');
    } finally {
      this.#ticking = false;
    }
  }

  async stop(): Promise<void> {
    this.#unsubscribe?.();
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
        this.#stabilizer.tick();
      });
    }
  }

  #examinePod(pod: Pod): void {
    const uid = pod.metadata.uid;
    if (!uid) return;
    const candidate = podCandidate(pod, this.#o.now(), this.#o.windows);
    if (candidate) {
      this.#offer(candidate);
      return;
    }
    this.#stabilizer.withdraw('Pod', uid);
    if (this.#watched.has(uid) && isPodHealthy(pod)) {
      this.#watched.delete(uid);
      void this.#settle(this.#o.incidents.podHealthy(this.#o.cluster, uid));
    }
  }

  #podGone(pod: Pod): void {
    const uid = pod.metadata.uid;
    if (!uid) return;
    this.#stabilizer.withdraw('Pod', uid);
    if (this.#watched.delete(uid)) void this.#settle(this.#o.incidents.resolvePod(this.#o.cluster, uid));
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

  #recheck(candidate: Candidate): Candidate | null {
    const nowMs = this.#o.now();
    switch (candidate.subject.kind) {
      case 'Pod': {
        const pod = this.#o.view.pod(candidate.subject.uid);
        return pod ? podCandidate(pod, nowMs, this.#o.windows) : null;
      }
      case 'Node': {
        const node = this.#o.view.node(candidate.subject.name);
        return node ? nodeCandidate(node, nowMs, this.#o.windows) : null;
      }
      case 'Workload': {
        // A FailedCreate repeats while it holds; once the controller has its Pods, the workload is fine.
        const workload = this.#o.view.workload(candidate.subject.uid);
        if (!workload) return null;
        const wanted = workload.spec?.replicas;
        const have = workload.status?.replicas ?? 0;
        if (wanted !== undefined && have >= wanted) return null;
        return nowMs - Date.parse(candidate.since) > EVENT_STALE_MS * 6 ? null : candidate;
      }
    }
  }

  #onDue(candidate: Candidate): void {
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
      if (job.subject.kind === 'Pod') this.#watched.add(job.subject.uid);
      void this.#buffer.submit(job).then(
        (outcome) => this.#o.metrics.jobs.inc({ cluster: this.#o.cluster, outcome }),
        (error: unknown) => this.#o.log.warn({ err: error }, 'Diagnosis job not queued'),
      );
    }
  }

  /** The worker's processor: fresh snapshot → engine → incident → notifier. Idempotent per job. */
  readonly processor: DiagnoseProcessor = async (job: DiagnoseJob, ctx?: ProcessorContext) => {
    if (job.cluster !== this.#o.cluster) throw new Error(`job for cluster ${job.cluster} reached the worker of ${this.#o.cluster}`);
    if (job.subject.kind === 'Query') return; // commands are answered by the command handler, not by alerts
    const snapshot: Snapshot | null =
      job.subject.kind === 'Pod'
        ? await this.#o.snapshots.collect({ uid: job.subject.uid })
        : await this.#o.snapshots.collectWorkload({ uid: job.subject.uid });
    if (!snapshot) {
      if (job.subject.kind === 'Pod') await this.#settle(this.#o.incidents.resolvePod(this.#o.cluster, job.subject.uid));
      return;
    }
    // Each resource has its own watch stream, so a new Deployment's Pods can reach the cache before its
    // ReplicaSet or the Deployment itself. Keyed on that truncated owner chain the incident would be a
    // second thread (ReplicaSet/x, then Deployment/y) once the chain arrives (test/agent/crash-loop.test.ts
    // caught it under load): retry shortly instead (a thrown error is retried with back-off).
    if (snapshot.kind === 'Pod' && (ctx?.attempt ?? OWNER_WAIT_ATTEMPTS) < OWNER_WAIT_ATTEMPTS && this.#ownerMissing(snapshot.pod)) {
      throw new Error(`owners of Pod ${snapshot.pod.metadata.namespace}/${snapshot.pod.metadata.name} are not cached yet`);
    }
    const diagnosis = diagnose(snapshot);
    this.#o.metrics.jobs.inc({ cluster: this.#o.cluster, outcome: 'completed' });
    if (!diagnosis || (diagnosis.settling && job.trigger === 'watch')) return;
    this.#o.metrics.diagnoses.inc({ cluster: this.#o.cluster, scenario: diagnosis.scenario, cause: diagnosis.cause });
    this.#o.onDiagnosis?.(diagnosis);
    const owner = snapshot.kind === 'Pod' ? incidentOwnerOf(snapshot.owners) : { kind: snapshot.workload.kind, name: snapshot.workload.metadata.name };
    const observation = {
      cluster: this.#o.cluster,
      diagnosis,
      owner: owner ?? undefined,
      node: snapshot.kind === 'Pod' ? snapshot.pod.spec.nodeName : undefined,
      channel: '',
      observedAt: snapshot.observedAt,
    };
    // Node incidents have no namespace: they go to the node channel.
    observation.channel = routeChannel(this.#o.routing, incidentKeyOf(observation).namespace);
    const command = await this.#o.incidents.record(observation);
    if (command) await this.#deliver(command);
    if (job.trigger === 'watch') {
      this.#o.metrics.latency.observe({ cluster: this.#o.cluster }, Math.max(0, this.#o.now() - Date.parse(job.enqueuedAt)) / 1000);
    }
  };

  /** Whether the Pod's controller chain leads to an owner of a cached kind that the cache does not hold (yet). */
  #ownerMissing(pod: Pod): boolean {
    let refs = pod.metadata.ownerReferences;
    for (let depth = 0; refs && depth < 5; depth++) {
      const ref = refs.find((r) => r.controller) ?? refs[0];
      if (!ref || !CACHED_OWNER_KINDS.has(ref.kind)) return false;
      const owner = this.#o.view.workload(ref.uid);
      if (!owner) return true;
      refs = owner.metadata.ownerReferences;
    }
    return false;
  }

  async #deliver(command: NotifyCommand): Promise<void> {
    await this.#o.incidents.deliver(command, this.#o.notifier);
    this.#o.metrics.notifications.inc({ cluster: this.#o.cluster, kind: command.type });
    this.#o.onNotified?.(command);
  }

  async #settle(commands: Promise<NotifyCommand[]>): Promise<void> {
    try {
      for (const command of await commands) await this.#deliver(command);
    } catch (error) {
      this.#o.log.warn({ err: error }, 'Incident update failed');
    }
  }
}
