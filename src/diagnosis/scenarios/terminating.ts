/**
 * terminating: a Pod deleted long ago that will not go away.
 *
 * A graceful delete sets metadata.deletionTimestamp = the time of the request + the grace period
 * (metadata.deletionGracePeriodSeconds), so the timestamp already includes the grace period: the Pod is
 * overdue once observedAt passes it. The API server removes the object only when the kubelet has
 * confirmed the containers stopped (its final delete with grace 0) AND metadata.finalizers is empty.
 *
 * Primary cause, by what unblocks the deletion first:
 *  - node-lost: the node is NotReady/Unknown/gone, so no kubelet will ever confirm; nothing else
 *    matters until the node is back or the Pod is force-deleted (finalizers become other causes, and
 *    the stale container states prove nothing about SIGTERM handling);
 *  - unresponsive: the node is fine but a container still runs past its grace period, or the kubelet
 *    reports it failed to kill the Pod; stopping the containers comes before any finalizer;
 *  - finalizer: the containers have stopped and only metadata.finalizers keeps the object.
 * A Pod already force-deleted (deletionGracePeriodSeconds 0) waits for nobody but its finalizers.
 * Containers stopped, no finalizer, healthy node: the kubelet has not finished tearing the Pod down
 * (volume unmount, sandbox removal); that is still the node's side failing to complete, so unresponsive.
 */
import type { Evidence, Finding, Remediation, SuggestedAction } from '../../contract/diagnosis.ts';
import { formatDuration } from '../../contract/duration.ts';
import type { CauseOf } from '../../contract/scenarios.ts';
import type { EngineSettings } from '../../contract/settings.ts';
import type { PodSnapshot, Snapshot } from '../../contract/snapshot.ts';
import {
  CONDITION_DISRUPTION_TARGET,
  EVENT_KILLING,
  FAILED_PRE_STOP_HOOK,
  POD_REASON_NODE_LOST,
  TAINT_OUT_OF_SERVICE,
} from '../../contract/upstream.ts';
import { shellQuote } from '../../contract/shell-quote.ts';
import type { Detector } from '../detector.ts';
import {
  clip,
  containers,
  eventCount,
  eventEvidence,
  eventLastSeen,
  exitCodeMeaning,
  kubectl,
  podCondition,
  podEvents,
  secondsBetween,
  type ContainerView,
} from '../support.ts';
import {
  DOCS_FORCE_DELETE,
  DOCS_NON_GRACEFUL_SHUTDOWN,
  assessNode,
  controllerKind,
  controllerRef,
  isNodeLost,
  podNodeLossEvidence,
  type NodeState,
} from './unknown-node-loss.ts';

type Cause = CauseOf<'terminating'>;

// source: pkg/kubelet/events/event.go (FailedToKillPod = "FailedKillPod"); emitted by pkg/kubelet/kubelet.go
// as "error killing pod: %v" when killPod fails (e.g. `failed to "KillContainer" for "app" with KillContainerError: ...`).
const EVENT_FAILED_KILL_POD = 'FailedKillPod';

// source: staging/src/k8s.io/api/batch/v1/types.go (JobTrackingFinalizer)
const FINALIZER_JOB_TRACKING = 'batch.kubernetes.io/job-tracking';
// source: staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/types.go (FinalizerDeleteDependents, FinalizerOrphanDependents)
const FINALIZER_FOREGROUND = 'foregroundDeletion';
const FINALIZER_ORPHAN = 'orphan';

const DOCS_FINALIZERS = 'https://kubernetes.io/docs/concepts/overview/working-with-objects/finalizers/';
const DOCS_POD_TERMINATION = 'https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination';
// The warning from the finalizers page, quoted so the reader sees it before removing one.
const FINALIZER_WARNING = 'The Kubernetes docs warn: avoid manually removing finalizers; do it only when the purpose of the finalizer is understood and is accomplished in another way.';

export const terminating: Detector<'terminating'> = { scenario: 'terminating', detect };

interface Facts {
  snapshot: PodSnapshot;
  settings: EngineSettings;
  /** Seconds since the grace period ended (observedAt − deletionTimestamp). */
  overdue: number;
  finalizers: string[];
  node: NodeState | null;
  running: ContainerView[];
  killEvents: ReturnType<typeof podEvents>;
}

function detect(snapshot: Snapshot, settings: EngineSettings): Finding<'terminating'> | null {
  if (snapshot.kind !== 'Pod') return null;
  const pod = snapshot.pod;
  const deletionTimestamp = pod.metadata.deletionTimestamp;
  if (!deletionTimestamp) return null;
  const overdue = secondsBetween(deletionTimestamp, snapshot.observedAt);
  // Within the grace period a Terminating Pod is just shutting down; in the allowance after it, settling.
  if (overdue === null || overdue < 0) return null;
  const settling = overdue < settings.terminatingOverdueSeconds
    ? { state: 'Terminating past its grace period', forSeconds: overdue, alertAfterSeconds: settings.terminatingOverdueSeconds }
    : undefined;

  const node = assessNode(snapshot);
  // The node controller marked the Pod NodeLost: kubectl prints it as Unknown, not Terminating, and the story is the
  // lost node (unknown.node-lost), unless a force-delete left only finalizers to wait for.
  // source: kubectl pkg/printers/internalversion/printers.go printPod (DeletionTimestamp set and status.reason
  // NodeUnreachablePodReason → "Unknown", else "Terminating").
  const forceDeleted = pod.metadata.deletionGracePeriodSeconds === 0 && (pod.metadata.finalizers ?? []).length > 0;
  if (pod.status?.reason === POD_REASON_NODE_LOST && node?.health !== 'ready' && !forceDeleted) return null;
  const facts: Facts = {
    snapshot,
    settings,
    overdue,
    finalizers: pod.metadata.finalizers ?? [],
    node,
    running: containers(pod).filter((c) => c.status?.state?.running),
    killEvents: eventsSinceDeletion(snapshot, [EVENT_FAILED_KILL_POD], settings),
  };

  const causes = rankCauses(facts);
  const [cause, ...otherCauses] = causes;
  if (!cause) return null;
  return {
    scenario: 'terminating',
    cause,
    otherCauses,
    summary: summary(cause, facts),
    evidence: evidence(cause, facts),
    remediation: remediation(cause, facts),
    actions: actions(cause, facts),
    ...(settling ? { settling } : {}),
  };
}

function rankCauses(facts: Facts): Cause[] {
  const { node, finalizers, running, killEvents } = facts;
  const hasFinalizers = finalizers.length > 0;
  // Already force-deleted (grace 0, by a user or the pod garbage collector): the API server no longer
  // waits for the kubelet, so only the finalizers hold the object, whatever state the node is in.
  if (hasFinalizers && facts.snapshot.pod.metadata.deletionGracePeriodSeconds === 0) {
    return isNodeLost(node) ? ['finalizer', 'node-lost'] : ['finalizer'];
  }
  if (isNodeLost(node)) return hasFinalizers ? ['node-lost', 'finalizer'] : ['node-lost'];
  if (running.length > 0 || killEvents.length > 0) return hasFinalizers ? ['unresponsive', 'finalizer'] : ['unresponsive'];
  if (hasFinalizers) return ['finalizer'];
  // Bound to a node that is not known to be lost, containers stopped, no finalizer: the kubelet's teardown is stuck.
  if (node) return ['unresponsive'];
  // Never scheduled and no finalizer: the API server deletes such a Pod at once; nothing is stuck.
  return [];
}

/** Events last seen after the delete request (deletionTimestamp − grace period), newest first. */
function eventsSinceDeletion(snapshot: PodSnapshot, reasons: readonly string[], settings: EngineSettings) {
  const { deletionTimestamp, deletionGracePeriodSeconds } = snapshot.pod.metadata;
  const requestedAgo = (secondsBetween(deletionTimestamp, snapshot.observedAt) ?? 0) + (deletionGracePeriodSeconds ?? 0);
  return podEvents(snapshot, reasons, settings.eventStaleSeconds).filter((e) => {
    const age = secondsBetween(eventLastSeen(e), snapshot.observedAt);
    return age === null || age <= requestedAgo;
  });
}

function summary(cause: Cause, facts: Facts): string {
  const { snapshot, overdue, finalizers, node, running, killEvents } = facts;
  const name = snapshot.pod.metadata.name;
  const head = `Pod ${name} has been Terminating ${formatDuration(overdue)} past its grace period`;
  switch (cause) {
    case 'node-lost': {
      // The other reading of the same facts: a Pod on a lost node (unknown.node-lost), which kubectl would print as
      // Unknown had the node controller marked it NodeLost.
      const reading = ' kubectl shows it as Terminating; seen from its node, it is a Pod on a lost node (unknown.node-lost).';
      return node?.health === 'gone'
        ? `${head}: its node ${node.name} no longer exists, so no kubelet can confirm the containers stopped.${reading}`
        : `${head}: its node ${node?.name ?? '?'} ${node?.phrase ?? 'is lost'}, so the kubelet cannot confirm the containers stopped.${reading}`;
    }
    case 'finalizer': {
      const list = finalizers.map((f) => `"${f}"`).join(', ');
      return snapshot.pod.metadata.deletionGracePeriodSeconds === 0
        ? `${head}: it was already force-deleted, so only metadata.finalizers (${list}) keeps the object; the owning controller has not removed it.`
        : `${head}: its containers have stopped, but metadata.finalizers still lists ${list}, which the owning controller has not removed.`;
    }
    case 'unresponsive': {
      if (running.length > 0) {
        const preStop = eventsSinceDeletion(snapshot, [FAILED_PRE_STOP_HOOK], facts.settings).length > 0 ? ' Its preStop hook failed.' : '';
        const kill = killEvents[0] ? ` The kubelet reports it cannot kill the Pod (FailedKillPod ×${eventCount(killEvents[0])}).` : '';
        return `${head}: container ${running.map((c) => c.name).join(', ')} is still running on node ${node?.name ?? '?'} long after SIGTERM and the SIGKILL due when the grace period ended.${kill}${preStop}`;
      }
      const kill = killEvents[0];
      if (kill) return `${head}: the kubelet on node ${node?.name ?? '?'} failed to kill it (${clip(kill.message ?? '', 160)}).`;
      return `${head}: its containers have stopped and no finalizer remains, but the kubelet on node ${node?.name ?? '?'} has not finished tearing it down (volume unmount or sandbox removal).`;
    }
  }
}

function evidence(cause: Cause, facts: Facts): Evidence[] {
  const { snapshot, settings, overdue, finalizers, node, running } = facts;
  const pod = snapshot.pod;
  const out: Evidence[] = [
    { kind: 'spec', field: 'metadata.deletionTimestamp', value: pod.metadata.deletionTimestamp ?? '', note: `grace period elapsed ${formatDuration(overdue)} ago` },
  ];
  if (pod.metadata.deletionGracePeriodSeconds !== undefined) {
    out.push({ kind: 'spec', field: 'metadata.deletionGracePeriodSeconds', value: String(pod.metadata.deletionGracePeriodSeconds) });
  }
  if (finalizers.length > 0) {
    out.push({ kind: 'spec', field: 'metadata.finalizers', value: JSON.stringify(finalizers), note: 'the API server keeps the object until this list is empty' });
  }
  const disruption = podCondition(pod, CONDITION_DISRUPTION_TARGET);
  if (disruption?.status === 'True') {
    out.push({
      kind: 'status',
      field: `status.conditions[${CONDITION_DISRUPTION_TARGET}]`,
      value: `True${disruption.reason ? ` (${disruption.reason}${disruption.message ? `: ${disruption.message}` : ''})` : ''}`,
    });
  }
  if (node) out.push(...node.evidence);
  if (isNodeLost(node)) {
    // The container states were last reported before the node was lost: stale, so not shown as facts.
    out.push(...podNodeLossEvidence(snapshot, settings.eventStaleSeconds));
  } else {
    out.push(...containerEvidence(facts));
  }
  const reasons = cause === 'node-lost' ? [] : [EVENT_FAILED_KILL_POD, FAILED_PRE_STOP_HOOK, EVENT_KILLING];
  for (const reason of reasons) {
    const event = eventsSinceDeletion(snapshot, [reason], settings)[0];
    if (event) out.push(eventEvidence(event, snapshot.observedAt));
  }
  if (cause === 'unresponsive' && running.length > 0 && pod.spec.terminationGracePeriodSeconds !== undefined) {
    out.push({ kind: 'spec', field: 'spec.terminationGracePeriodSeconds', value: String(pod.spec.terminationGracePeriodSeconds) });
  }
  return out;
}

function containerEvidence(facts: Facts): Evidence[] {
  const { snapshot } = facts;
  const out: Evidence[] = [];
  for (const view of containers(snapshot.pod)) {
    const state = view.status?.state;
    if (state?.running) {
      const since = secondsBetween(state.running.startedAt, snapshot.observedAt);
      out.push({ kind: 'status', field: `${view.statusPath}.state`, value: `running${since !== null ? ` (started ${formatDuration(since)} ago)` : ''}` });
    } else if (state?.terminated && !view.isInit) {
      const t = state.terminated;
      out.push({
        kind: 'exit-code',
        container: view.name,
        exitCode: t.exitCode,
        reason: t.reason ?? null,
        meaning: exitCodeMeaning(t.exitCode, t.reason, { podDeleting: true }),
        ranForSeconds: secondsBetween(t.startedAt, t.finishedAt),
        finishedAt: t.finishedAt ?? null,
      });
    }
  }
  return out;
}

function remediation(cause: Cause, facts: Facts): Remediation[] {
  switch (cause) {
    case 'node-lost':
      return nodeLostRemediation(facts);
    case 'finalizer':
      return finalizerRemediation(facts);
    case 'unresponsive':
      return unresponsiveRemediation(facts);
  }
}

function forceDeleteCommand(facts: Facts): string {
  const pod = facts.snapshot.pod;
  return kubectl(pod.metadata.namespace, `delete pod ${shellQuote(pod.metadata.name)} --grace-period=0 --force`);
}

function statefulSetWarning(facts: Facts, nodeName: string, context: 'node-lost' | 'unresponsive'): Remediation | null {
  const pod = facts.snapshot.pod;
  if (controllerKind(pod) !== 'StatefulSet') return null;
  const name = pod.metadata.name;
  const risk = context === 'node-lost'
    ? `if ${name} is in fact still running on ${nodeName} (a network partition rather than a dead machine), the StatefulSet controller starts a second ${name}`
    : `the old ${name} is still running on ${nodeName}, so the StatefulSet controller would start a second ${name} next to it`;
  const check = context === 'node-lost' ? 'Confirm the machine is powered off first.' : `Make sure the old container is really gone from ${nodeName} first.`;
  return {
    text: `Pod ${name} belongs to ${controllerRef(pod)}. A force delete does not wait for the kubelet: ${risk} with the same identity and volume, breaking the StatefulSet's at-most-one-Pod-per-identity guarantee. ${check}`,
    docsUrl: DOCS_FORCE_DELETE,
  };
}

function nodeLostRemediation(facts: Facts): Remediation[] {
  const node = facts.node as NodeState;
  const out: Remediation[] = [];
  if (node.health === 'gone') {
    out.push({
      text: `Node ${node.name} was deleted, so no kubelet will ever confirm this Pod's deletion. Force-delete the Pod object.`,
      command: forceDeleteCommand(facts),
      docsUrl: DOCS_FORCE_DELETE,
    });
  } else {
    out.push({
      text: `Bring node ${node.name} back (check the instance in your cloud console, then the kubelet on the machine); the kubelet finishes the deletion as soon as it reports again.`,
      command: `kubectl describe node ${shellQuote(node.name)}`,
    });
    out.push({
      text: `If ${node.name} is gone for good, mark it out of service (non-graceful node shutdown) so the control plane force-deletes its terminating Pods and detaches their volumes, or delete the Node object; for this Pod alone, force-delete it.`,
      command: `kubectl taint nodes ${shellQuote(node.name)} ${TAINT_OUT_OF_SERVICE}=nodeshutdown:NoExecute`,
      docsUrl: DOCS_NON_GRACEFUL_SHUTDOWN,
    });
    out.push({ text: 'Force-delete the Pod object (the kubelet cannot confirm; the API server removes it at once).', command: forceDeleteCommand(facts), docsUrl: DOCS_FORCE_DELETE });
  }
  const warning = statefulSetWarning(facts, node.name, 'node-lost');
  if (warning) out.push(warning);
  if (facts.finalizers.length > 0) {
    out.push({
      text: `Even force-deleted, the Pod stays until metadata.finalizers (${facts.finalizers.join(', ')}) is empty: ${finalizerHint(facts.finalizers[0] ?? '', facts)}`,
      docsUrl: DOCS_FINALIZERS,
    });
  }
  return out;
}

function finalizerHint(finalizer: string, facts: Facts): string {
  const pod = facts.snapshot.pod;
  switch (finalizer) {
    case FINALIZER_JOB_TRACKING: {
      const job = (pod.metadata.ownerReferences ?? []).find((r) => r.kind === 'Job')?.name;
      return `"${FINALIZER_JOB_TRACKING}" is the Job controller's (kube-controller-manager): it removes it once it has counted the Pod's result in the Job's status. Check that kube-controller-manager is healthy${job ? ` and that Job ${job} still exists (${kubectl(pod.metadata.namespace, `get job ${shellQuote(job)}`)})` : ''}.`;
    }
    case FINALIZER_FOREGROUND:
      return `"${FINALIZER_FOREGROUND}" is the garbage collector's: it waits until every object owned by this Pod (blockOwnerDeletion) is deleted. Look for the Pod's dependents.`;
    case FINALIZER_ORPHAN:
      return `"${FINALIZER_ORPHAN}" is the garbage collector's: it removes the ownerReferences from the Pod's dependents first. Check that kube-controller-manager is healthy.`;
    default: {
      const domain = finalizer.includes('/') ? finalizer.split('/')[0] : finalizer;
      return `"${finalizer}" belongs to a third-party controller (${domain}): check that it is still installed and running, and read its logs for why it has not finished its cleanup.`;
    }
  }
}

function finalizerRemediation(facts: Facts): Remediation[] {
  const pod = facts.snapshot.pod;
  const out: Remediation[] = facts.finalizers.map((finalizer) => ({ text: finalizerHint(finalizer, facts), docsUrl: DOCS_FINALIZERS }));
  if (isNodeLost(facts.node)) {
    out.push({
      text: `Node ${facts.node.name} is lost as well, so nothing confirms the containers stopped: if it may come back, make sure whatever the finalizer guards (connections, registrations, volumes) is not still in use there.`,
      command: `kubectl describe node ${shellQuote(facts.node.name)}`,
    });
  }
  const first = facts.finalizers[0] ?? '';
  // A JSON Patch with a `test` op fails instead of removing a finalizer that changed meanwhile.
  const patch = JSON.stringify([{ op: 'test', path: '/metadata/finalizers/0', value: first }, { op: 'remove', path: '/metadata/finalizers/0' }]);
  out.push({
    text: `Only if that controller is gone for good and its cleanup is done (or done by hand), remove the finalizer. ${FINALIZER_WARNING}`,
    command: kubectl(pod.metadata.namespace, `patch pod ${shellQuote(pod.metadata.name)} --type=json -p ${shellQuote(patch)}`),
    docsUrl: DOCS_FINALIZERS,
  });
  return out;
}

function unresponsiveRemediation(facts: Facts): Remediation[] {
  const { snapshot, running, node } = facts;
  const pod = snapshot.pod;
  const nodeName = node?.name ?? '?';
  const grace = pod.metadata.deletionGracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? 30;
  const out: Remediation[] = [];
  if (node?.health === 'no-data') {
    out.push({
      text: `The snapshot holds no Node objects, so node ${nodeName} could not be checked: if it is NotReady or gone, no kubelet will ever confirm this deletion and the fix is the node (or a force delete), not the application.`,
      command: `kubectl get node ${shellQuote(nodeName)}`,
    });
  }
  out.push({
    text: `The kubelet sends SIGTERM, waits the grace period (${grace}s here) and then has the runtime SIGKILL the container. A container alive long after that means the kill itself failed: a process stuck in uninterruptible I/O (D state, often a hung NFS or disk mount), or a hung container runtime. Read the kubelet log for this Pod on ${nodeName} and inspect the container there.`,
    command: `journalctl -u kubelet | grep ${shellQuote(pod.metadata.uid ?? pod.metadata.name)}; crictl ps --name ${running[0]?.name ? shellQuote(running[0]?.name) : '<container>'}; crictl inspect <container-id>`,
  });
  if (running.length > 0 || facts.killEvents.length > 0) {
    out.push({
      text: `Make the application exit promptly on SIGTERM so deletions never depend on SIGKILL: the process is PID 1 in its container, which gets no default signal handlers, so it must handle SIGTERM itself; use the exec form (CMD ["app"]) rather than the shell form (CMD app), whose /bin/sh does not forward signals, or run an init such as tini; keep preStop hooks plus shutdown well under spec.terminationGracePeriodSeconds.`,
      docsUrl: DOCS_POD_TERMINATION,
    });
  } else {
    out.push({
      text: `The containers are stopped, so look for what the kubelet is still waiting on: a volume that will not unmount (FailedUnmount/UnmountVolume errors) or a sandbox the runtime cannot remove.`,
      command: `journalctl -u kubelet | grep ${shellQuote(pod.metadata.uid ?? pod.metadata.name)}`,
    });
  }
  out.push({
    text: `As a last resort force-delete the Pod object. The runtime may keep the old process running on ${nodeName} until the kubelet manages to kill it, so a replacement can briefly run alongside it.`,
    command: forceDeleteCommand(facts),
    docsUrl: DOCS_FORCE_DELETE,
  });
  const warning = statefulSetWarning(facts, nodeName, 'unresponsive');
  if (warning) out.push(warning);
  return out;
}

function actions(cause: Cause, facts: Facts): SuggestedAction[] {
  const pod = facts.snapshot.pod;
  switch (cause) {
    case 'node-lost': {
      const nodeName = facts.node?.name ?? '?';
      const isStatefulSet = controllerKind(pod) === 'StatefulSet';
      return [{
        action: 'force-delete',
        reason: isStatefulSet
          ? `Removes the Pod without the kubelet's confirmation. Pod ${pod.metadata.name} belongs to ${controllerRef(pod)}: only do this once node ${nodeName} is confirmed powered off, or two Pods with the same identity may run at once.`
          : `Node ${nodeName} cannot confirm the deletion; force-deleting removes the Pod object so its controller can replace it elsewhere.`,
      }];
    }
    case 'finalizer':
      return [{
        action: 'remove-finalizer',
        reason: `Removes ${facts.finalizers.map((f) => `"${f}"`).join(', ')} from the Pod. Use it only when the controller that owns it is gone and its cleanup is done. ${FINALIZER_WARNING}`,
      }];
    case 'unresponsive':
      return [
        { action: 'show-logs', reason: 'See whether the application logged receiving SIGTERM and how far its shutdown got.' },
        { action: 'rediagnose', reason: 'Check again after the kubelet or runtime on the node has been looked at.' },
        // The last resort of the remediation above; a StatefulSet Pod's button asks for its name typed (src/slack/remediation.ts).
        {
          action: 'force-delete',
          reason: controllerKind(pod) === 'StatefulSet'
            ? `Last resort: removes the Pod object although its container may still run on ${facts.node?.name ?? '?'}; ${controllerRef(pod)} would then start a second Pod with the same identity next to it.`
            : `Last resort: removes the Pod object so its controller can replace it; the old process may keep running on ${facts.node?.name ?? '?'} until the kubelet manages to kill it.`,
        },
      ];
  }
}
