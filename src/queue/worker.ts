/**
 * The diagnosis worker (docs/architecture.md, "Alert"): one job in, a fresh snapshot from the informer cache
 * (+ log tail), the pure engine, and the diagnosis handed on to the incident stage. Both queues run it
 * (in-process.ts, bullmq.ts); it is idempotent per job, since BullMQ delivers at least once.
 */
import type { Diagnosis } from '../contract/diagnosis.ts';
import type { Pod, Workload } from '../contract/k8s.ts';
import type { PodSnapshot, Snapshot, WorkloadSnapshot } from '../contract/snapshot.ts';
import { diagnose } from '../diagnosis/engine.ts';
import { countDiagnosis, type AgentMetrics } from '../metrics.ts';
import type { ReplyAnswer, ReplyCommand } from '../contract/incident.ts';
import type { DiagnoseProcessor, ProcessorContext } from './diagnosis-queue.ts';
import { executeAction, type ActDeps } from './act.ts';
import type { ActJob, CommandJob, DiagnoseJob, IncidentActionJob, RediagnoseJob, WatchJob } from './jobs.ts';
import { executeIncidentAction, type IncidentActions } from './incident-action.ts';
import type { IncidentIntervention } from '../contract/incident.ts';
import type { Logger } from '../log.ts';

/** What the worker needs to build a fresh snapshot (SnapshotCollector implements it). */
export interface SnapshotSource {
  collect(ref: { uid: string }, options?: { withLogs?: boolean }): Promise<PodSnapshot | null>;
  collectWorkload(ref: { uid: string }): Promise<WorkloadSnapshot | null>;
}

/** The informer cache's owner lookup (ClusterCache implements it). */
export interface OwnerLookup {
  workload(uid: string): Workload | undefined;
}

/** The next stage: the incident recorder (src/incidents/recorder.ts). */
export interface DiagnosisSink {
  /** Records a diagnosis into its incident and hands on what to notify. Throws to have the job retried. */
  record(diagnosis: Diagnosis, snapshot: Snapshot): Promise<void>;
  /** The job's Pod no longer exists. */
  podGone(uid: string): Promise<void>;
  /** "Snooze" / "Mark resolved" from Slack (incident-action.ts); absent: those jobs are refused. */
  snoozeIncident?: IncidentActions['snoozeIncident'];
  markResolved?: IncidentActions['markResolved'];
  /** A one-click fix was done on a Pod of this incident: its parent message shows it. */
  noteIntervention?(id: string, intervention: Omit<IncidentIntervention, 'at'>): Promise<void>;
}

export interface DiagnoseWorkerDeps {
  cluster: string;
  snapshots: SnapshotSource;
  owners: OwnerLookup;
  incidents: DiagnosisSink;
  metrics: AgentMetrics;
  now: () => number;
  /** Called with each diagnosis (the demo prints progress from it). */
  onDiagnosis?: ((diagnosis: Diagnosis) => void) | undefined;
  /** Answers `/pod why|logs` (src/cluster/answer-query.ts) and hands the reply to the notify queue; absent: command jobs are refused. */
  commands?: CommandAnswering | undefined;
  /** Runs one-click fixes (act.ts), reported through `commands.reply`; absent (ACTIONS_ENABLED=false): act jobs are refused. */
  actions?: ActDeps | undefined;
  /** Whether this process's caches hold the namespace's Pods (ClusterCache.watchesNamespace); absent: all of them. */
  watchesNamespace?: ((namespace: string) => boolean) | undefined;
  /**
   * A shard of a large cluster (src/queue/sharded.ts): hands a job for a namespace it does not watch to a shard that
   * does; false when none is known.
   */
  forward?: ((job: DiagnoseJob) => Promise<boolean>) | undefined;
  /** For the audit lines of incident actions and the warnings of steps that must not fail a job. */
  log?: Logger | undefined;
}

export interface CommandAnswering {
  answer(job: CommandJob): Promise<ReplyAnswer>;
  /** The notify queue's enqueue: the reply travels like every other notification. */
  reply(command: ReplyCommand): Promise<void>;
}

/** Owner kinds the informers cache (src/cluster/cache.ts RESOURCES): a Pod's chain through them should be complete. */
const CACHED_OWNER_KINDS: ReadonlySet<string> = new Set(['ReplicaSet', 'Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob']);
/** Runs of a job that wait for a Pod's owners to reach the cache; the last run goes ahead with what it has. */
const OWNER_WAIT_ATTEMPTS = 3;

/**
 * Runs one diagnosis job:
 * - watch: a candidate came due on the watch side; the diagnosis goes to its incident, and the latency from
 *   the job's enqueue to here is observed;
 * - rediagnose: the "re-diagnose" button; the diagnosis goes to its incident like a watch job's;
 * - command: `/pod why|logs` from a person. Its answer is a `reply` notify command; a person's question
 *   never records into an incident.
 */
export async function processDiagnoseJob(job: DiagnoseJob, ctx: ProcessorContext | undefined, deps: DiagnoseWorkerDeps): Promise<void> {
  if (job.cluster !== deps.cluster) throw new Error(`job for cluster ${job.cluster} reached the worker of ${deps.cluster}`);
  // The gateway's jobs come through the cluster's queue, which every shard consumes; only a shard that watches the
  // namespace can answer (another would call the Pod gone, or the namespace not watched).
  if (job.trigger !== 'watch' && job.namespace !== undefined && deps.watchesNamespace?.(job.namespace) === false && (await deps.forward?.(job))) {
    deps.metrics.jobs.inc({ cluster: deps.cluster, outcome: 'forwarded' });
    return;
  }
  switch (job.trigger) {
    case 'watch':
      if (await diagnoseIntoIncident(job, ctx, deps)) {
        deps.metrics.latency.observe({ cluster: deps.cluster }, Math.max(0, deps.now() - Date.parse(job.enqueuedAt)) / 1000);
      }
      return;
    case 'rediagnose':
      await diagnoseIntoIncident(job, ctx, deps);
      return;
    case 'command':
      return answerCommand(job, deps);
    case 'act':
      return act(job, deps);
    case 'incident-action':
      return incidentAction(job, deps);
  }
}

async function incidentAction(job: IncidentActionJob, deps: DiagnoseWorkerDeps): Promise<void> {
  const { snoozeIncident, markResolved } = deps.incidents;
  if (!deps.commands || !snoozeIncident || !markResolved) throw new Error(`incident-action job ${job.requestId} reached a worker without incidents to change`);
  const answer = await executeIncidentAction(job, { snoozeIncident: snoozeIncident.bind(deps.incidents), markResolved: markResolved.bind(deps.incidents) }, deps.actions?.log ?? deps.log);
  deps.metrics.jobs.inc({ cluster: deps.cluster, outcome: 'completed' });
  await deps.commands.reply({ type: 'reply', cluster: job.cluster, requestId: job.requestId, replyTo: job.replyTo, answer });
}

async function act(job: ActJob, deps: DiagnoseWorkerDeps): Promise<void> {
  if (!deps.commands) throw new Error(`act job ${job.requestId} reached a worker that does not answer commands`);
  // A gateway with ACTIONS_ENABLED in front of an agent without it: say so in the thread rather than fail silently.
  const answer = deps.actions
    ? await executeAction(job, deps.actions)
    : ({ kind: 'action', action: job.action, namespace: job.namespace, pod: job.subject.name, uid: job.subject.uid, by: job.requestedBy, outcome: 'failed', detail: `one-click fixes are turned off on the agent of cluster ${job.cluster} (ACTIONS_ENABLED=false); nothing done` } as const);
  deps.metrics.jobs.inc({ cluster: deps.cluster, outcome: 'completed' });
  await deps.commands.reply({ type: 'reply', cluster: job.cluster, requestId: job.requestId, replyTo: job.replyTo, answer });
  // The incident's parent shows the fix too, not only its thread (after the audit line: that one must not wait on this).
  if (answer.outcome === 'done' && job.incidentId && deps.incidents.noteIntervention) {
    await deps.incidents.noteIntervention(job.incidentId, { action: job.action, by: job.requestedBy, pod: job.subject.name }).catch((error: unknown) => {
      (deps.actions?.log ?? deps.log)?.warn({ err: error, incident: job.incidentId }, 'Could not show a one-click fix on its incident message');
    });
  }
}

/** The processor the queues run, bound to its dependencies. */
export function createDiagnoseProcessor(deps: DiagnoseWorkerDeps): DiagnoseProcessor {
  return (job, ctx) => processDiagnoseJob(job, ctx, deps);
}

/** True when a diagnosis was recorded (a healthy subject or a gone Pod records none). */
async function diagnoseIntoIncident(job: WatchJob | RediagnoseJob, ctx: ProcessorContext | undefined, deps: DiagnoseWorkerDeps): Promise<boolean> {
  // A shard of a large cluster (docs/architecture.md, "Sharding one large cluster") takes re-diagnoses from the
  // cluster's queue that may name another shard's Pod: not in this cache is not gone. Retried (with back-off), the
  // job reaches another shard's worker.
  if (deps.watchesNamespace && !deps.watchesNamespace(job.namespace)) {
    throw new Error(`namespace ${job.namespace} is not watched by this process; left for the shard that watches it`);
  }
  const snapshot: Snapshot | null =
    job.subject.kind === 'Pod'
      ? await deps.snapshots.collect({ uid: job.subject.uid })
      : await deps.snapshots.collectWorkload({ uid: job.subject.uid });
  if (!snapshot) {
    if (job.subject.kind === 'Pod') await deps.incidents.podGone(job.subject.uid);
    return false;
  }
  // Each resource has its own watch stream, so a new Deployment's Pods can reach the cache before its
  // ReplicaSet or the Deployment itself. Keyed on that truncated owner chain the incident would be a
  // second thread (ReplicaSet/x, then Deployment/y) once the chain arrives (test/agent/crash-loop.test.ts
  // caught it under load): retry shortly instead (a thrown error is retried with back-off).
  // The same holds for a workload subject (a ReplicaSet that cannot create its Pods, keyed on its Deployment).
  const subject = snapshot.kind === 'Pod' ? snapshot.pod : snapshot.workload;
  if ((ctx?.attempt ?? OWNER_WAIT_ATTEMPTS) < OWNER_WAIT_ATTEMPTS && ownerMissing(subject, deps.owners)) {
    throw new Error(`owners of ${snapshot.kind === 'Pod' ? 'Pod' : subject.kind} ${subject.metadata.namespace}/${subject.metadata.name} are not cached yet`);
  }
  const diagnosis = diagnose(snapshot);
  deps.metrics.jobs.inc({ cluster: deps.cluster, outcome: 'completed' });
  // A failure younger than the engine's own threshold (Diagnosis.settling) answers a person's question but is not
  // worth an incident yet: the alert path waits for it to persist (docs/scenarios.md, "Settling").
  if (!diagnosis || diagnosis.settling) return false;
  countDiagnosis(deps.metrics, deps.cluster, diagnosis);
  deps.onDiagnosis?.(diagnosis);
  await deps.incidents.record(diagnosis, snapshot);
  return true;
}

async function answerCommand(job: CommandJob, deps: DiagnoseWorkerDeps): Promise<void> {
  if (!deps.commands) throw new Error(`command job ${job.requestId} reached a worker that does not answer commands`);
  const answer = await deps.commands.answer(job);
  deps.metrics.jobs.inc({ cluster: deps.cluster, outcome: 'completed' });
  for (const diagnosis of answer.kind === 'diagnoses' ? answer.diagnoses : []) {
    deps.metrics.diagnoses.inc({ cluster: deps.cluster, scenario: diagnosis.scenario, cause: diagnosis.cause });
  }
  await deps.commands.reply({
    type: 'reply',
    cluster: job.cluster,
    requestId: job.requestId,
    replyTo: job.replyTo,
    answer,
    ...(job.requestedBy !== undefined && { request: { requestedBy: job.requestedBy, commandText: job.commandText ?? '' } }),
  });
}

/** Whether the object's controller chain leads to an owner of a cached kind that the cache does not hold (yet). */
function ownerMissing(object: Pod | Workload, owners: OwnerLookup): boolean {
  let refs = object.metadata.ownerReferences;
  for (let depth = 0; refs && depth < 5; depth++) {
    const ref = refs.find((r) => r.controller) ?? refs[0];
    if (!ref || !CACHED_OWNER_KINDS.has(ref.kind)) return false;
    const owner = owners.workload(ref.uid);
    if (!owner) return true;
    refs = owner.metadata.ownerReferences;
  }
  return false;
}
