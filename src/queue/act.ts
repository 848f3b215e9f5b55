/**
 * Runs an `act` job (docs/architecture.md, "Button click"): the agent of the Pod's cluster re-reads the Pod with
 * one GET by name, checks that it is still the Pod the button named (its uid) and that the engine still offers
 * this fix for it, then acts with preconditions so a Pod changed or replaced in between makes the API server refuse
 * (JSON Patch `test` ops on the uid and each finalizer; delete with preconditions.uid). Every outcome, including
 * "nothing done", becomes the audit line in the thread and a structured log line.
 */
import type { ActionResult } from '../contract/incident.ts';
import type { Pod } from '../contract/k8s.ts';
import { diagnose } from '../diagnosis/engine.ts';
import { isPodwhyError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { AccessReviewer, ClusterActor, ClusterReader } from '../cluster/ports.ts';
import type { ActJob } from './jobs.ts';
import type { SnapshotSource } from './worker.ts';

export interface ActDeps {
  reader: Pick<ClusterReader, 'getPod'>;
  actor: ClusterActor;
  snapshots: SnapshotSource;
  log: Logger;
  /** ACTION_AUTHORIZATION=kubernetes: every act job must name its user, checked with a SubjectAccessReview. */
  accessReviews?: AccessReviewer | undefined;
}

export async function executeAction(job: ActJob, deps: ActDeps): Promise<ActionResult> {
  const ref = { namespace: job.namespace, name: job.subject.name };
  const result = (outcome: ActionResult['outcome'], detail?: string): ActionResult => ({
    kind: 'action', action: job.action, namespace: job.namespace, pod: job.subject.name, uid: job.subject.uid, by: job.requestedBy, outcome,
    ...(detail !== undefined && { detail }),
  });
  const started = Date.now();
  const outcome = await decideAndAct(job, deps, ref, result);
  // The audit record (PLATFORM.md §5): who, what, on which object, when, and what the API server answered.
  deps.log.info(
    { audit: 'action', cluster: job.cluster, user: job.requestedBy, action: job.action, namespace: job.namespace, pod: job.subject.name, uid: job.subject.uid, requestId: job.requestId, channel: job.replyTo.channel, outcome: outcome.outcome, detail: outcome.detail, latencyMs: Date.now() - started },
    'One-click action',
  );
  return outcome;
}

async function decideAndAct(job: ActJob, deps: ActDeps, ref: { namespace: string; name: string }, result: (outcome: ActionResult['outcome'], detail?: string) => ActionResult): Promise<ActionResult> {
  const pod = await deps.reader.getPod(ref);
  if (!pod) return result('gone');
  if (pod.metadata.uid !== job.subject.uid) return result('replaced');
  const snapshot = await deps.snapshots.collect({ uid: job.subject.uid });
  const diagnosis = snapshot ? diagnose(snapshot) : null;
  if (!diagnosis || !diagnosis.actions.some((a) => a.action === job.action)) {
    return result('cause-gone', diagnosis ? `now ${diagnosis.cause}` : 'the Pod has no problem podwhy can see');
  }
  const owners = snapshot?.kind === 'Pod' ? snapshot.owners : [];
  if (job.action === 'force-delete' && isStatefulSetPod(pod, owners) && !job.typedConfirmation) return result('needs-typed-confirmation');
  if (job.action === 'restart-pod' && !pod.metadata.ownerReferences?.some((o) => o.controller)) return result('failed', 'the Pod has no controller to re-create it');
  if (deps.accessReviews) {
    // Nobody does through Slack what they could not do with kubectl (docs/architecture.md, "Button click").
    if (!job.asUser) return result('denied', 'no Kubernetes user for this click');
    const verb = job.action === 'remove-finalizer' ? 'patch' : 'delete';
    const review = await deps.accessReviews.canI({ user: job.asUser, verb, namespace: job.namespace, name: job.subject.name });
    if (!review.allowed) return result('denied', `${job.asUser} may not ${verb} pods in ${job.namespace}`);
  }
  try {
    switch (job.action) {
      case 'remove-finalizer': {
        const current = pod.metadata.finalizers ?? [];
        await deps.actor.removeFinalizers(ref, { uid: job.subject.uid, current, remove: current });
        break;
      }
      case 'force-delete':
        await deps.actor.deletePod(ref, { uid: job.subject.uid, force: true });
        break;
      case 'restart-pod':
        await deps.actor.deletePod(ref, { uid: job.subject.uid });
        break;
    }
  } catch (error) {
    if (isPodwhyError(error, 'conflict')) return result('replaced');
    if (isPodwhyError(error, 'pod-not-found')) return result('gone');
    if (isPodwhyError(error, 'forbidden')) return result('forbidden', error.message);
    if (isPodwhyError(error, 'api-unreachable')) throw error; // retried by the queue: nothing was done yet
    return result('failed', error instanceof Error ? error.message : String(error));
  }
  return result('done');
}

function isStatefulSetPod(pod: Pod, owners: readonly { kind: string }[]): boolean {
  return pod.metadata.ownerReferences?.some((o) => o.kind === 'StatefulSet') === true || owners.some((o) => o.kind === 'StatefulSet');
}
