import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ALL_CAUSE_IDS, type CauseId } from '../contract/scenarios.ts';
import { PodwhyError } from '../errors.ts';

/**
 * Diagnosis jobs: what the watch side (src/cluster/alert-source.ts), the `/pod why` command and the
 * "re-diagnose" button put on a cluster's queue. Job data carries ids and short texts only, never objects,
 * Secret values or logs: BullMQ stores job data in clear text in Redis
 * (docs/gitbook/guide/going-to-production.md). The same
 * schema parses the data on the producer side (enqueue) and on the worker side (before the processor
 * runs), so a producer of another version cannot hand a worker something it does not understand.
 */

/**
 * A cluster name goes into queue names, job ids, deduplication ids, incident ids and Redis keys.
 * BullMQ forbids ':' in job ids (docs/gitbook/guide/jobs/job-ids.md) and incident ids use '/' as the
 * separator, so a cluster name is restricted to a DNS-label-like alphabet.
 */
export const ClusterName = z
  .string()
  .regex(/^[a-z0-9]([a-z0-9._-]{0,61}[a-z0-9])?$/, 'a cluster name is 1-63 characters of a-z, 0-9, ".", "_" or "-"');
export type ClusterName = z.infer<typeof ClusterName>;

/** Namespaces are DNS-1123 labels (k8s.io/apimachinery/pkg/util/validation: IsDNS1123Label). */
export const Namespace = z
  .string()
  .max(63)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'a namespace is a DNS-1123 label');

/** Pod and workload names are DNS-1123 subdomains (IsDNS1123Subdomain). */
export const ObjectName = z
  .string()
  .max(253)
  .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'an object name is a DNS-1123 subdomain');

/** metadata.uid: a UUID on real API servers; the simulator may use shorter ids. No ':' (job ids). */
export const Uid = z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'a uid is 1-64 characters of A-Z, a-z, 0-9 or "-"');

/** A workload kind such as `Deployment`, `StatefulSet`, `Job`, `ReplicaSet`. */
export const WorkloadKind = z.string().regex(/^[A-Z][A-Za-z0-9]{0,62}$/, 'a kind is a capitalised identifier');

/** A full cause id from the contract, e.g. `image-pull.unauthorized`. */
export const CauseIdSchema = z.enum(ALL_CAUSE_IDS as readonly [CauseId, ...CauseId[]]);

/** Request ids (Slack trigger ids, click idempotency keys) end up in deduplication ids: no ':'. */
export const RequestId = z.string().regex(/^[A-Za-z0-9._-]{1,128}$/, 'a request id is 1-128 characters of A-Z, a-z, 0-9, ".", "_" or "-"');

/** Where a command's answer goes. Slack ids and a message ts; no response_url (it is a bearer credential). */
export const ReplyTo = z.strictObject({
  channel: z.string().regex(/^[A-Z0-9]{1,32}$/, 'a Slack channel id'),
  threadTs: z.string().regex(/^\d{1,12}\.\d{1,8}$/, 'a Slack message ts').optional(),
  user: z.string().regex(/^[A-Z0-9]{1,32}$/, 'a Slack user id').optional(),
});
export type ReplyTo = z.infer<typeof ReplyTo>;

export const PodSubjectRef = z.strictObject({ kind: z.literal('Pod'), name: ObjectName, uid: Uid });
/** A workload with no Pod to show (quota or admission rejections): the owner is the subject. */
export const WorkloadSubjectRef = z.strictObject({
  kind: z.literal('Workload'),
  ownerKind: WorkloadKind,
  name: ObjectName,
  uid: Uid,
});
/**
 * What a person typed after `/pod why` (`web-7d9f`, `shop/web`, a workload name or a prefix). The gateway
 * holds no cluster credentials, so it cannot resolve the query to a uid: the agent does.
 */
export const QuerySubjectRef = z.strictObject({
  kind: z.literal('Query'),
  query: z.string().regex(/^[a-z0-9]([-a-z0-9./]{0,252})$/, 'a query is a name, a name prefix or namespace/name'),
});

export const IdentifiedSubject = z.discriminatedUnion('kind', [PodSubjectRef, WorkloadSubjectRef]);
export type IdentifiedSubject = z.infer<typeof IdentifiedSubject>;

const EnqueuedAt = z.iso.datetime({ offset: true });

/** The informer saw a candidate failure and it stayed for the stabilization window. */
export const WatchJob = z.strictObject({
  trigger: z.literal('watch'),
  cluster: ClusterName,
  namespace: Namespace,
  subject: IdentifiedSubject,
  /** The full cause id the cheap predicate guessed; part of the deduplication id. */
  candidateCause: CauseIdSchema.optional(),
  /** Or the predicate's coarser hint (`crash`, `image-pull`, …) when it cannot name a cause. */
  candidateHint: z.string().regex(/^[a-z0-9-]{1,40}$/, 'a candidate hint is 1-40 characters of a-z, 0-9 or "-"').optional(),
  enqueuedAt: EnqueuedAt,
});
export type WatchJob = z.infer<typeof WatchJob>;

/** A container name: a DNS-1123 label. */
export const ContainerName = z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'a container name is a DNS-1123 label');

/** `/pod why …` or `/pod logs …` from a person (or a read-only button): answered in `replyTo`. */
export const CommandJob = z.strictObject({
  trigger: z.literal('command'),
  cluster: ClusterName,
  /** why (also when absent): diagnose; logs: the redacted tail of one container. */
  verb: z.enum(['why', 'logs']).optional(),
  /** logs: which container (default: the one that crashed, else the first). */
  container: ContainerName.optional(),
  /** logs: the previous (crashed) run, as `kubectl logs --previous`. */
  previous: z.boolean().optional(),
  /** Who asked (a Slack user id) and what they typed after `/pod`: shown under the answer; not a secret. */
  requestedBy: z.string().regex(/^[A-Z0-9]{1,32}$/, 'a Slack user id').optional(),
  commandText: z.string().max(600).optional(),
  /** Absent when the query names no namespace and the channel maps to none. */
  namespace: Namespace.optional(),
  subject: z.discriminatedUnion('kind', [PodSubjectRef, WorkloadSubjectRef, QuerySubjectRef]),
  requestId: RequestId,
  replyTo: ReplyTo,
  enqueuedAt: EnqueuedAt,
});
export type CommandJob = z.infer<typeof CommandJob>;

/** The "re-diagnose" button on an incident message. */
export const RediagnoseJob = z.strictObject({
  trigger: z.literal('rediagnose'),
  cluster: ClusterName,
  namespace: Namespace,
  subject: IdentifiedSubject,
  requestId: RequestId,
  /** The incident whose message the button sits on. */
  incidentId: z.string().min(1).max(600).optional(),
  replyTo: ReplyTo.optional(),
  enqueuedAt: EnqueuedAt,
});
export type RediagnoseJob = z.infer<typeof RediagnoseJob>;

/** The buttons that change the cluster (docs/architecture.md, "Button click"). */
export const MUTATING_ACTIONS = ['remove-finalizer', 'force-delete', 'restart-pod'] as const;
export type MutatingAction = (typeof MUTATING_ACTIONS)[number];

/**
 * A click on a button that changes the cluster, authorized, confirmed and claimed by the gateway: the agent of
 * that cluster re-reads the Pod, checks its uid and that the cause still holds, and acts with preconditions
 * (src/cluster/act.ts). Ids only: who clicked, where to report.
 */
export const ActJob = z.strictObject({
  trigger: z.literal('act'),
  cluster: ClusterName,
  namespace: Namespace,
  subject: PodSubjectRef,
  action: z.enum(MUTATING_ACTIONS),
  /** A StatefulSet Pod's force-delete needs the Pod's name typed (the gateway's modal); the agent checks the owner. */
  typedConfirmation: z.boolean().optional(),
  requestId: RequestId,
  requestedBy: z.string().regex(/^[A-Z0-9]{1,32}$/, 'a Slack user id'),
  /** ACTION_AUTHORIZATION=kubernetes: the Kubernetes user (the clicker's Slack email) the agent checks with a SubjectAccessReview. */
  asUser: z.string().min(3).max(254).regex(/^[^\s:]+$/, 'an email-like user name').optional(),
  incidentId: z.string().min(1).max(700).optional(),
  replyTo: ReplyTo,
  enqueuedAt: EnqueuedAt,
});
export type ActJob = z.infer<typeof ActJob>;

/** The incident buttons (docs/architecture.md, "Button click"): podwhy's own state, not the cluster's. */
export const INCIDENT_ACTIONS = ['snooze', 'mark-resolved'] as const;
export type IncidentActionId = (typeof INCIDENT_ACTIONS)[number];
/** What a snooze may last: 1 hour or 1 day. */
export const SNOOZE_SECONDS = [3_600, 86_400] as const;
export const SnoozeChoice = z.strictObject({
  /** `workload`: this incident's workload (a node incident: its node); `namespace`: every incident of its namespace. */
  scope: z.enum(['workload', 'namespace']),
  seconds: z.union([z.literal(SNOOZE_SECONDS[0]), z.literal(SNOOZE_SECONDS[1])]),
});
export type SnoozeChoice = z.infer<typeof SnoozeChoice>;

/**
 * "Snooze" or "Mark resolved" on an incident's message, authorized, fresh and claimed by the gateway: the agent of
 * that cluster, which owns the incident manager, changes the incident and reports in the thread
 * (src/queue/incident-action.ts).
 */
export const IncidentActionJob = z.strictObject({
  trigger: z.literal('incident-action'),
  cluster: ClusterName,
  incidentId: z.string().min(1).max(700),
  /** The Pod (or workload) whose message carries the button: for the audit line and the logs. */
  namespace: Namespace,
  subject: IdentifiedSubject,
  action: z.enum(INCIDENT_ACTIONS),
  /** snooze only. */
  snooze: SnoozeChoice.optional(),
  requestId: RequestId,
  requestedBy: z.string().regex(/^[A-Z0-9]{1,32}$/, 'a Slack user id'),
  replyTo: ReplyTo,
  enqueuedAt: EnqueuedAt,
}).refine((job) => (job.action === 'snooze') === (job.snooze !== undefined), { message: 'a snooze (and only a snooze) says for how long and what' });
export type IncidentActionJob = z.infer<typeof IncidentActionJob>;

export const DiagnoseJob = z.discriminatedUnion('trigger', [WatchJob, CommandJob, RediagnoseJob, ActJob, IncidentActionJob]);
export type DiagnoseJob = z.infer<typeof DiagnoseJob>;

/**
 * Parses job data (from a caller or from Redis). Throws PodwhyError 'bad-input' listing every problem;
 * the worker turns that into an unrecoverable failure, since retrying cannot fix bad data.
 */
export function parseDiagnoseJob(data: unknown): DiagnoseJob {
  const result = DiagnoseJob.safeParse(data);
  if (!result.success) {
    throw new PodwhyError('bad-input', `Invalid diagnose job:\n${z.prettifyError(result.error)}`, {
      issues: result.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
    });
  }
  return result.data;
}

/**
 * The queue of one cluster: a worker of cluster X only ever sees jobs of cluster X. With `shard`, the queue of
 * one shard of it (processes that watch the same WATCH_NAMESPACES, shardOf): its watch jobs name Pods only its
 * own informer caches hold (docs/architecture.md, "Sharding one large cluster").
 */
export function queueNameFor(cluster: string, shard?: string): string {
  const name = `podwhy-diagnose-${ClusterName.parse(cluster)}`;
  return shard === undefined ? name : `${name}.shard-${shard}`;
}

/**
 * The shard of a process that watches only some namespaces (WATCH_NAMESPACES): the same set, in any order, gives
 * the same id, so an agent and the `podwhy worker`s started with its namespaces share one queue. None for a
 * process that watches the whole cluster. A digest, not the names: a list of namespaces can be long.
 */
export function shardOf(namespaces: readonly string[]): string | undefined {
  if (namespaces.length === 0) return undefined;
  return createHash('sha256').update([...new Set(namespaces)].sort().join(',')).digest('hex').slice(0, 12);
}

/**
 * The deduplication id: one pending diagnosis per (cluster, subject uid, cause or hint) for watch jobs, so a
 * flapping Pod does not pile up jobs; per request for commands (a person always gets an answer, and a
 * Slack retry of the same request does not run twice). Contains no ':' (BullMQ job ids).
 */
export function dedupIdOf(job: DiagnoseJob): string {
  switch (job.trigger) {
    case 'watch':
      return `${job.cluster}-${job.subject.uid}-${job.candidateCause ?? job.candidateHint ?? 'any'}`;
    case 'rediagnose':
      return `${job.cluster}-${job.subject.uid}-rediagnose`;
    case 'command':
      return `${job.cluster}-command-${job.requestId}`;
    case 'act':
      // One per Pod and action: a replayed or concurrent click that got past the gateway's claim still acts once.
      return `${job.cluster}-act-${job.subject.uid}-${job.action}`;
    case 'incident-action':
      return `${job.cluster}-incident-${job.requestId}`;
  }
}

/**
 * Commands and re-diagnoses have a person waiting for the answer: they run before watch jobs, which can
 * number thousands during a storm.
 */
export function isUrgent(job: DiagnoseJob): boolean {
  return job.trigger !== 'watch';
}
