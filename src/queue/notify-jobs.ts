import { z } from 'zod';
import { ACTION_IDS } from '../contract/diagnosis.ts';
import type { NotifyCommand } from '../contract/incident.ts';
import { SCENARIO_IDS } from '../contract/scenarios.ts';
import { PodwhyError } from '../errors.ts';
import { CauseIdSchema, ClusterName, ReplyTo, RequestId } from './jobs.ts';

/**
 * Notify jobs: the NotifyCommands (src/contract/incident.ts) the incident stage hands to the delivering side,
 * as JSON on the notify queue. The same schema parses them on both sides (enqueue and before delivery), so
 * a delivering process of another version cannot be handed something it does not understand. Objects are
 * loose (unknown keys are kept, not refused): an agent one version ahead may add a field, and a gateway
 * that does not know it still delivers the rest. What a renderer reads is checked.
 */

const Text = z.string();
const Millis = z.number().finite();

const Subject = z.looseObject({ kind: Text, namespace: Text, name: Text, uid: Text });

const Evidence = z.discriminatedUnion('kind', [
  z.looseObject({ kind: z.literal('status'), field: Text, value: Text }),
  z.looseObject({ kind: z.literal('spec'), field: Text, value: Text, note: Text.optional() }),
  z.looseObject({ kind: z.literal('event'), object: Text, type: Text, reason: Text, message: Text, count: z.number(), ageSeconds: z.number().nullable() }),
  z.looseObject({
    kind: z.literal('exit-code'), container: Text, exitCode: z.number(), reason: Text.nullable(), meaning: Text,
    ranForSeconds: z.number().nullable(), finishedAt: Text.nullable(),
  }),
  z.looseObject({ kind: z.literal('node'), node: Text, detail: Text }),
  z.looseObject({ kind: z.literal('quota'), quota: Text, resource: Text, used: Text, hard: Text, requested: Text.nullable() }),
  z.looseObject({ kind: z.literal('log'), container: Text, previous: z.boolean(), line: Text }),
  z.looseObject({ kind: z.literal('change'), detail: Text }),
]);

const Diagnosis = z.looseObject({
  subject: Subject,
  scenario: z.enum(SCENARIO_IDS),
  cause: CauseIdSchema,
  otherCauses: z.array(CauseIdSchema),
  summary: Text,
  evidence: z.array(Evidence),
  remediation: z.array(z.looseObject({ text: Text, command: Text.optional(), snippet: Text.optional(), docsUrl: Text.optional() })),
  actions: z.array(z.looseObject({ action: z.enum(ACTION_IDS), reason: Text })),
});

export const PostedMessage = z.looseObject({ channel: Text.min(1), ts: Text.min(1) });

const IncidentPod = z.looseObject({
  uid: Text, namespace: Text, name: Text, state: z.enum(['failing', 'healthy', 'gone']), since: Millis, fingerprint: Text.optional(),
});

const Incident = z.looseObject({
  type: z.literal('incident'),
  id: Text.min(1),
  cluster: ClusterName,
  scope: z.enum(['workload', 'pod', 'node']),
  namespace: Text.nullable(),
  subject: z.looseObject({ kind: Text, name: Text }),
  cause: CauseIdSchema,
  channel: Text.min(1),
  status: z.enum(['open', 'resolved']),
  delivery: z.enum(['pending', 'message', 'digest']),
  posted: PostedMessage.optional(),
  pods: z.record(Text, IncidentPod),
  diagnosis: Diagnosis,
  fingerprint: Text,
  seen: z.looseObject({ causes: z.array(Text), classes: z.array(Text) }).optional(),
  shownFingerprint: Text.optional(),
  lastObservedAt: Text,
  firstSeenAt: Millis,
  lastSeenAt: Millis,
  openedAt: Millis,
  resolvedAt: Millis.optional(),
  occurrence: z.number().int().min(1),
  openEmittedAt: Millis.optional(),
  lastEmittedAt: Millis.optional(),
  pendingUpdate: z.boolean(),
  pendingReopen: z.boolean(),
  pendingResolve: z.boolean(),
  allClearSince: Millis.optional(),
  snoozedUntil: Millis.optional(),
  intervention: z.looseObject({ action: z.enum(['remove-finalizer', 'force-delete', 'restart-pod', 'mark-resolved']), by: Text, at: Millis, pod: Text.optional() }).optional(),
  snooze: z.looseObject({ by: Text, at: Millis, untilMs: Millis, target: Text }).optional(),
  dueAt: Millis.nullable(),
});

const Digest = z.looseObject({
  type: z.literal('digest'),
  id: Text.min(1),
  cluster: ClusterName,
  channel: Text.min(1),
  startedAt: Millis,
  lastAddedAt: Millis,
  entries: z.array(z.looseObject({
    incidentId: Text, namespace: Text.nullable(), subject: Text, cause: CauseIdSchema, summary: Text, failingPods: z.number(), addedAt: Millis,
  })),
  total: z.number().int().min(0),
  posted: PostedMessage.optional(),
  lastEmittedAt: Millis.optional(),
  pendingUpdate: z.boolean(),
  dueAt: Millis.nullable(),
});

const PodCounts = z.looseObject({ failing: z.number(), healthy: z.number(), gone: z.number(), total: z.number() });

const incidentPart = { incident: Incident, diagnosis: Diagnosis, pods: PodCounts };

const HealthyPodRef = z.looseObject({ namespace: Text, name: Text, uid: Text.optional(), phase: Text, ready: Text.optional() });

const ReplyAnswer = z.discriminatedUnion('kind', [
  z.looseObject({
    kind: z.literal('diagnoses'),
    diagnoses: z.array(Diagnosis),
    note: Text.optional(),
    healthy: z.array(HealthyPodRef).optional(),
    target: Text.optional(),
    total: z.number().int().nonnegative().optional(),
  }),
  z.looseObject({ kind: z.literal('logs'), namespace: Text, pod: Text, container: Text, previous: z.boolean(), lines: z.array(Text).max(200) }),
  z.looseObject({
    kind: z.literal('action'), action: z.enum(['remove-finalizer', 'force-delete', 'restart-pod']), namespace: Text, pod: Text, uid: Text, by: Text,
    outcome: z.enum(['done', 'replaced', 'gone', 'cause-gone', 'forbidden', 'denied', 'needs-typed-confirmation', 'failed']), detail: Text.optional(),
  }),
  z.looseObject({
    kind: z.literal('incident-action'), action: z.enum(['snooze', 'mark-resolved']), by: Text, target: Text, outcome: z.enum(['done', 'gone', 'already-resolved']),
    forSeconds: z.number().int().positive().optional(), untilMs: Millis.optional(), stillFailing: z.number().int().nonnegative().optional(),
  }),
  z.looseObject({ kind: z.literal('error'), code: Text.min(1), message: Text, suggestions: z.array(Text).optional(), namespace: Text.optional(), name: Text.optional() }),
]);

const ReplyRequest = z.looseObject({ requestedBy: z.string().regex(/^[A-Z0-9]{1,32}$/), commandText: Text });

export const NotifyJob = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('open'), ...incidentPart }),
  z.looseObject({ type: z.literal('update'), ...incidentPart, target: PostedMessage }),
  z.looseObject({ type: z.literal('reopen'), ...incidentPart, target: PostedMessage }),
  z.looseObject({ type: z.literal('resolve'), ...incidentPart, target: PostedMessage }),
  z.looseObject({ type: z.literal('digest'), digest: Digest, target: PostedMessage.optional() }),
  z.looseObject({ type: z.literal('reply'), cluster: ClusterName, requestId: RequestId, replyTo: ReplyTo, answer: ReplyAnswer, request: ReplyRequest.optional() }),
]);

/**
 * Parses notify job data (from the incident stage or from Redis). Throws PodwhyError 'bad-input' listing
 * every problem: the delivering side treats that as unrecoverable, since retrying cannot fix bad data.
 */
export function parseNotifyCommand(data: unknown): NotifyCommand {
  const result = NotifyJob.safeParse(data);
  if (!result.success) {
    throw new PodwhyError('bad-input', `Invalid notify job:\n${z.prettifyError(result.error)}`, {
      issues: result.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
    });
  }
  // The schema's type is the contract type plus the unknown keys it keeps (checked below at compile time).
  return result.data;
}

/** Fails to compile when the schema and the contract type drift apart. */
const _schemaMatchesContract: z.infer<typeof NotifyJob> extends NotifyCommand ? true : never = true;
