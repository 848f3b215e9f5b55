/**
 * evicted: the Pod was put out of its node, not crashed.
 *
 * Kubelet node-pressure eviction leaves the Pod at phase Failed, status.reason "Evicted", with a
 * status.message that names the starved resource and, when the kubelet could tell, the container
 * that used more than it requested; kubelet admission under pressure rejects a new Pod the same way
 * ("The node had condition: [DiskPressure]."). The cause comes from that message:
 *  - memory: "The node was low on resource: memory." or a MemoryPressure admission rejection;
 *  - disk: ephemeral-storage / inodes pressure, a container or Pod over its ephemeral-storage limit,
 *    an emptyDir over its sizeLimit, or a DiskPressure admission rejection;
 *  - other: PID pressure, and the disruptions that are not resource eviction but remove the Pod all the
 *    same: scheduler preemption, taint-based deletion (a NoExecute taint the Pod does not tolerate),
 *    kubelet preemption for a critical Pod, graceful node shutdown.
 * Voluntary evictions (the Eviction API: kubectl drain, descheduler, autoscaler scale-down) respect
 * PodDisruptionBudgets and are routine, so they stay silent. Taint deletions caused by a lost node
 * are `unknown`'s or `terminating`'s, which run first.
 */
import type { Evidence, Finding, Remediation, SuggestedAction } from '../../contract/diagnosis.ts';
import { formatDuration } from '../../contract/duration.ts';
import type { Condition, KubeEvent } from '../../contract/k8s.ts';
import { parseQuantity } from '../../contract/quantity.ts';
import type { CauseOf } from '../../contract/scenarios.ts';
import type { EngineSettings } from '../../contract/settings.ts';
import type { PodSnapshot, Snapshot } from '../../contract/snapshot.ts';
import {
  CONDITION_DISRUPTION_TARGET,
  EVENT_TAINT_MANAGER_EVICTION,
  NODE_DISK_PRESSURE,
  NODE_MEMORY_PRESSURE,
  NODE_PID_PRESSURE,
  REASON_EVICTED,
  TAINT_MANAGER_MARKING_PREFIX,
} from '../../contract/upstream.ts';
import { shellQuote } from '../../contract/shell-quote.ts';
import type { Detector } from '../detector.ts';
import {
  eventEvidence,
  findEvents,
  formatBytes,
  kubectl,
  nodeCondition,
  podCondition,
  podEvents,
  secondsBetween,
} from '../support.ts';
import { controllerKind, controllerRef } from './unknown-node-loss.ts';

type Cause = CauseOf<'evicted'>;

// source: pkg/kubelet/eviction/helpers.go (nodeLowMessageFmt "The node was low on resource: %v. ")
const NODE_LOW_RE = /The node was low on resource: ([A-Za-z-]+)\./;
// source: pkg/kubelet/eviction/helpers.go (nodeConditionMessageFmt "The node had condition: %v. "; used by the
// eviction manager's Admit in pkg/kubelet/eviction/eviction_manager.go, printing a Go slice: "[MemoryPressure DiskPressure]")
const NODE_CONDITION_RE = /The node had condition: \[([^\]]*)\]\./;
// source: pkg/kubelet/kubelet.go (rejectPod: status.message is "Pod was rejected: " + the admission message)
const REJECTED_PREFIX = 'Pod was rejected: ';
// source: pkg/kubelet/eviction/helpers.go (thresholdMetMessageFmt "Threshold quantity: %v, available: %v. ")
const THRESHOLD_RE = /Threshold quantity: ([^,\s]+), available: (\S+?)\.(?:\s|$)/;
// source: pkg/kubelet/eviction/helpers.go (containerMessageFmt "Container %s was using %s, request is %s, has larger consumption of %v. ")
const CONTAINER_USAGE_RE = /Container (\S+) was using (\S+), request is (\S+), has larger consumption of ([A-Za-z-]+)\./g;
// source: pkg/kubelet/eviction/helpers.go (podMessageFmt "Pod %s was using %s, request is %s, has larger consumption of %v. ")
const POD_USAGE_RE = /Pod (\S+) was using (\S+), request is (\S+), has larger consumption of ([A-Za-z-]+)\./;
// source: pkg/kubelet/eviction/helpers.go (containerEphemeralStorageMessageFmt "Container %s exceeded its local ephemeral storage limit %q. ")
const CONTAINER_EPHEMERAL_RE = /Container (\S+) exceeded its local ephemeral storage limit "([^"]*)"\./;
// source: pkg/kubelet/eviction/helpers.go (podEphemeralStorageMessageFmt "Pod ephemeral local storage usage exceeds the total limit of containers %s. ")
const POD_EPHEMERAL_RE = /Pod ephemeral local storage usage exceeds the total limit of containers (\S+?)\.(?:\s|$)/;
// source: pkg/kubelet/eviction/helpers.go (emptyDirMessageFmt "Usage of EmptyDir volume %q exceeds the limit %q. ")
const EMPTY_DIR_RE = /Usage of EmptyDir volume "([^"]*)" exceeds the limit "([^"]*)"\./;

// The resource names the kubelet prints (v1.ResourceMemory, v1.ResourceEphemeralStorage and the
// internal resourceInodes / resourcePids in pkg/kubelet/eviction/helpers.go). The signal-style names
// are what kubelets before 1.9 printed ("The node was low on resource: nodefsInodes.").
const MEMORY_RESOURCES: readonly string[] = ['memory'];
const DISK_RESOURCES: readonly string[] = ['ephemeral-storage', 'inodes', 'nodefs', 'imagefs', 'nodefsInodes', 'imagefsInodes'];
// Node condition types (src/contract/upstream.ts).
const PRESSURE_CONDITIONS = [NODE_MEMORY_PRESSURE, NODE_DISK_PRESSURE, NODE_PID_PRESSURE] as const;

// source: pkg/kubelet/eviction/eviction_manager.go (node event: Warning EvictionThresholdMet "Attempting to reclaim %s")
const EVENT_EVICTION_THRESHOLD_MET = 'EvictionThresholdMet';

// source: pkg/kubelet/preemption/preemption.go (status.reason events.PreemptContainer = "Preempting",
// message "Preempted in order to admit critical pod")
const REASON_KUBELET_PREEMPTING = 'Preempting';
// source: pkg/kubelet/nodeshutdown/nodeshutdown_manager_linux.go (nodeShutdownReason, nodeShutdownMessage)
const REASON_NODE_SHUTDOWN = 'Terminated';
const MESSAGE_NODE_SHUTDOWN = 'Pod was terminated in response to imminent node shutdown.';

// The reasons of the DisruptionTarget condition (CONDITION_DISRUPTION_TARGET).
// source: staging/src/k8s.io/api/core/v1/types.go (PodReasonPreemptionByScheduler,
// PodReasonTerminationByKubelet); pkg/controller/tainteviction/taint_eviction.go ("DeletionByTaintManager",
// "Taint manager: deleting due to NoExecute taint"); pkg/registry/core/pod/storage/eviction.go ("EvictionByEvictionAPI").
const DISRUPTION_PREEMPTION = 'PreemptionByScheduler';
// source: kubernetes#114623 renamed it in 1.27; 1.25 and 1.26 wrote "PreemptionByKubeScheduler" (message "Kube-scheduler:
// preempting").
const DISRUPTION_PREEMPTION_BEFORE_1_27 = 'PreemptionByKubeScheduler';
const DISRUPTION_TAINT_MANAGER = 'DeletionByTaintManager';
const DISRUPTION_EVICTION_API = 'EvictionByEvictionAPI';
// source: staging/src/k8s.io/api/core/v1/types.go (PodReasonTerminationByKubelet): the kubelet's eviction manager (the
// eviction message), graceful node shutdown (nodeShutdownMessage) and kubelet preemption (preemption.go message).
const DISRUPTION_KUBELET = 'TerminationByKubelet';
// source: pkg/controller/podgc/gc_controller.go (DeletionByPodGC, "PodGC: node no longer exists" / "PodGC: terminating
// pod ... with out-of-service taint")
const DISRUPTION_POD_GC = 'DeletionByPodGC';
// source: pkg/scheduler/framework/preemption/preemption.go (Normal "Preempted", "Preempted by pod %v on node %v" — the preemptor's UID)
const EVENT_PREEMPTED = 'Preempted';
const PREEMPTED_BY_RE = /Preempted by pod (\S+) on node (\S+)/;

const DOCS_NODE_PRESSURE = 'https://kubernetes.io/docs/concepts/scheduling-eviction/node-pressure-eviction/';
const DOCS_PREEMPTION = 'https://kubernetes.io/docs/concepts/scheduling-eviction/pod-priority-preemption/';
const DOCS_TAINTS = 'https://kubernetes.io/docs/concepts/scheduling-eviction/taint-and-toleration/';
const DOCS_EPHEMERAL = 'https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/#local-ephemeral-storage';
const DOCS_GRACEFUL_SHUTDOWN = 'https://kubernetes.io/docs/concepts/cluster-administration/node-shutdown/#graceful-node-shutdown';

/** What the eviction message says, parsed. */
interface Parsed {
  cause: Cause;
  otherCauses: Cause[];
  /** The starved node resource ("memory", "ephemeral-storage", "pids"), when node pressure. */
  resource: string | null;
  /** Node conditions an admission rejection named. */
  admissionConditions: string[];
  threshold: { quantity: string; available: string } | null;
  usages: { container: string; usage: string; request: string; resource: string }[];
  podUsage: { usage: string; request: string; resource: string } | null;
  containerEphemeral: { container: string; limit: string } | null;
  podEphemeralLimit: string | null;
  emptyDir: { volume: string; limit: string } | null;
}

/** A disruption that removed the Pod without kubelet resource eviction. */
type Disruption =
  | { kind: 'scheduler-preemption'; preemptor: string | null; node: string | null; events: KubeEvent[]; condition: Condition | undefined }
  | { kind: 'taint-manager'; events: KubeEvent[]; condition: Condition | undefined }
  | { kind: 'kubelet-preemption' }
  | { kind: 'node-shutdown' }
  /** Evicted through the Eviction API (kubectl drain, an autoscaler, the descheduler): voluntary, PDB-respecting. */
  | { kind: 'api-eviction'; condition: Condition }
  /** Deleted by the Pod garbage collector (its node is gone, or out of service). */
  | { kind: 'pod-gc'; condition: Condition };

export const evicted: Detector<'evicted'> = { scenario: 'evicted', detect };

function detect(snapshot: Snapshot, settings: EngineSettings): Finding<'evicted'> | null {
  if (snapshot.kind !== 'Pod') return null;
  const status = snapshot.pod.status;
  if (status?.phase === 'Failed' && status.reason === REASON_EVICTED) return kubeletEviction(snapshot, settings);
  if (status?.phase === 'Succeeded') return null;
  // The kubelet is evicting the Pod under node pressure right now: DisruptionTarget says so before the phase does.
  const target = podCondition(snapshot.pod, CONDITION_DISRUPTION_TARGET);
  if (target?.status === 'True' && target.reason === DISRUPTION_KUBELET && isResourceEviction(target.message) && status?.phase !== 'Failed') {
    return kubeletEviction(snapshot, settings, target);
  }
  const disruption = findDisruption(snapshot, settings);
  return disruption ? disruptionFinding(snapshot, disruption, settings) : null;
}

/** A TerminationByKubelet message of the eviction manager (node pressure, a local-storage limit), not a shutdown or preemption. */
function isResourceEviction(message: string | undefined): boolean {
  if (!message) return false;
  return NODE_LOW_RE.test(message) || CONTAINER_EPHEMERAL_RE.test(message) || POD_EPHEMERAL_RE.test(message) || EMPTY_DIR_RE.test(message);
}

// ---------------------------------------------------------------- kubelet eviction (phase Failed, reason Evicted)

export function parseEvictionMessage(message: string, fallbackPressure: readonly string[] = []): Parsed {
  const parsed: Parsed = {
    cause: 'other',
    otherCauses: [],
    resource: null,
    admissionConditions: [],
    threshold: null,
    usages: [],
    podUsage: null,
    containerEphemeral: null,
    podEphemeralLimit: null,
    emptyDir: null,
  };
  const threshold = THRESHOLD_RE.exec(message);
  if (threshold?.[1] && threshold[2]) parsed.threshold = { quantity: threshold[1], available: threshold[2] };
  for (const m of message.matchAll(CONTAINER_USAGE_RE)) {
    if (m[1] && m[2] && m[3] && m[4]) parsed.usages.push({ container: m[1], usage: m[2], request: m[3], resource: m[4] });
  }
  const podUsage = POD_USAGE_RE.exec(message);
  if (podUsage?.[2] && podUsage[3] && podUsage[4]) parsed.podUsage = { usage: podUsage[2], request: podUsage[3], resource: podUsage[4] };
  const containerEphemeral = CONTAINER_EPHEMERAL_RE.exec(message);
  if (containerEphemeral?.[1] && containerEphemeral[2] !== undefined) parsed.containerEphemeral = { container: containerEphemeral[1], limit: containerEphemeral[2] };
  const podEphemeral = POD_EPHEMERAL_RE.exec(message);
  if (podEphemeral?.[1]) parsed.podEphemeralLimit = podEphemeral[1];
  const emptyDir = EMPTY_DIR_RE.exec(message);
  if (emptyDir?.[1] !== undefined && emptyDir[2] !== undefined) parsed.emptyDir = { volume: emptyDir[1], limit: emptyDir[2] };

  const low = NODE_LOW_RE.exec(message);
  const admission = NODE_CONDITION_RE.exec(message);
  if (low?.[1]) {
    parsed.resource = low[1];
    parsed.cause = causeOfResource(low[1]);
  } else if (parsed.containerEphemeral || parsed.podEphemeralLimit || parsed.emptyDir) {
    parsed.cause = 'disk';
  } else if (admission) {
    parsed.admissionConditions = (admission[1] ?? '').split(/\s+/).filter(Boolean);
    const causes = causesOfConditions(parsed.admissionConditions);
    parsed.cause = causes[0] ?? 'other';
    parsed.otherCauses = causes.slice(1);
  } else {
    // An unrecognised message (a newer kubelet, a custom evictor): the node's pressure conditions decide.
    const causes = causesOfConditions(fallbackPressure);
    parsed.cause = causes[0] ?? 'other';
    parsed.otherCauses = causes.slice(1);
  }
  return parsed;
}

function causeOfResource(resource: string): Cause {
  if (MEMORY_RESOURCES.includes(resource)) return 'memory';
  if (DISK_RESOURCES.includes(resource)) return 'disk';
  return 'other';
}

/**
 * Admission under DiskPressure (or PIDPressure) rejects every Pod, under MemoryPressure only BestEffort
 * ones (pkg/kubelet/eviction/eviction_manager.go, Admit), so disk outranks memory as the primary cause.
 */
function causesOfConditions(conditions: readonly string[]): Cause[] {
  const causes: Cause[] = [];
  if (conditions.includes(NODE_DISK_PRESSURE)) causes.push('disk');
  if (conditions.includes(NODE_MEMORY_PRESSURE)) causes.push('memory');
  if (conditions.includes(NODE_PID_PRESSURE)) causes.push('other');
  return causes;
}

/**
 * The kubelet's node-pressure eviction: finished (phase Failed, reason Evicted, status.message), or in progress (the
 * Pod still Running with DisruptionTarget=True, reason TerminationByKubelet, carrying the same message).
 */
function kubeletEviction(snapshot: PodSnapshot, settings: EngineSettings, inProgress?: Condition): Finding<'evicted'> {
  const pod = snapshot.pod;
  const message = inProgress ? (inProgress.message ?? '') : (pod.status?.message ?? '');
  const node = snapshot.node;
  const pressureNow = node ? PRESSURE_CONDITIONS.filter((type) => nodeCondition(node, type)?.status === 'True') : [];
  const parsed = parseEvictionMessage(message, pressureNow);
  const summary = evictionSummary(snapshot, parsed, message);
  return {
    scenario: 'evicted',
    cause: parsed.cause,
    otherCauses: parsed.otherCauses,
    summary: inProgress ? `${summary.replace(/ was (evicted|rejected) /, ' is being $1 ')} It still shows phase ${pod.status?.phase ?? 'unset'} while the kubelet stops it.` : summary,
    evidence: evictionEvidence(snapshot, parsed, settings, inProgress),
    remediation: evictionRemediation(snapshot, parsed),
    actions: inProgress ? [] : evictionActions(snapshot),
  };
}

function nodeName(snapshot: PodSnapshot): string {
  return snapshot.pod.spec.nodeName ?? '?';
}

function evictionSummary(snapshot: PodSnapshot, parsed: Parsed, evictionMessage: string): string {
  const pod = snapshot.pod.metadata.name;
  const node = nodeName(snapshot);
  const blame = parsed.usages.length > 0
    ? `; container ${parsed.usages.map((u) => `${u.container} used ${bytesOf(u.usage)} against ${u.request === '0' ? 'no request' : `a request of ${u.request}`}`).join(', ')}`
    : '';
  if (parsed.containerEphemeral) {
    return `Pod ${pod} was evicted from node ${node} because container ${parsed.containerEphemeral.container} exceeded its ephemeral-storage limit of ${parsed.containerEphemeral.limit}.`;
  }
  if (parsed.emptyDir) {
    return `Pod ${pod} was evicted from node ${node} because its emptyDir volume ${parsed.emptyDir.volume} exceeded its sizeLimit of ${parsed.emptyDir.limit}.`;
  }
  if (parsed.podEphemeralLimit) {
    return `Pod ${pod} was evicted from node ${node} because its total ephemeral storage exceeded the sum of its containers' limits, ${parsed.podEphemeralLimit}.`;
  }
  if (parsed.resource) {
    const what = parsed.resource === 'pids' ? 'process IDs' : parsed.resource;
    const threshold = parsed.threshold
      ? ` (available ${amount(parsed.resource, parsed.threshold.available)}, threshold ${amount(parsed.resource, parsed.threshold.quantity)})`
      : '';
    return `Pod ${pod} was evicted from node ${node}, which ran low on ${what}${threshold}${blame}.`;
  }
  if (parsed.admissionConditions.length > 0) {
    return `Pod ${pod} was rejected by the kubelet on node ${node}, which had ${parsed.admissionConditions.join(' and ')} when the Pod arrived.`;
  }
  const message = evictionMessage.trim();
  const verb = message.startsWith(REJECTED_PREFIX) ? 'rejected by the kubelet on' : 'evicted by the kubelet from';
  return `Pod ${pod} was ${verb} node ${node}${message ? `: ${message}` : ''}.`;
}

function evictionEvidence(snapshot: PodSnapshot, parsed: Parsed, settings: EngineSettings, inProgress?: Condition): Evidence[] {
  const pod = snapshot.pod;
  const out: Evidence[] = inProgress
    ? [{ kind: 'status', field: 'status.phase', value: pod.status?.phase ?? 'unset' }, conditionEvidence(inProgress)]
    : [
      { kind: 'status', field: 'status.phase', value: 'Failed' },
      { kind: 'status', field: 'status.reason', value: REASON_EVICTED },
    ];
  if (!inProgress && pod.status?.message) out.push({ kind: 'status', field: 'status.message', value: pod.status.message.trim() });
  out.push(...qosEvidence(snapshot));
  for (const usage of parsed.usages) {
    out.push({
      kind: 'spec',
      field: `spec.containers[${usage.container}].resources.requests.${usage.resource}`,
      value: usage.request === '0' ? 'unset' : usage.request,
      note: `the container was using ${usage.usage}${bytesOf(usage.usage) !== usage.usage ? ` (${bytesOf(usage.usage)})` : ''} when it was evicted`,
    });
  }
  if (parsed.containerEphemeral) {
    out.push({ kind: 'spec', field: `spec.containers[${parsed.containerEphemeral.container}].resources.limits.ephemeral-storage`, value: parsed.containerEphemeral.limit });
  }
  if (parsed.emptyDir) {
    out.push({ kind: 'spec', field: `spec.volumes[${parsed.emptyDir.volume}].emptyDir.sizeLimit`, value: parsed.emptyDir.limit });
  }
  const disruption = podCondition(pod, CONDITION_DISRUPTION_TARGET);
  if (!inProgress && disruption?.status === 'True' && disruption.reason) {
    out.push({ kind: 'status', field: `status.conditions[${CONDITION_DISRUPTION_TARGET}].reason`, value: disruption.reason });
  }
  out.push(...pressureEvidence(snapshot));
  const evictedEvent = podEvents(snapshot, [REASON_EVICTED], settings.eventStaleSeconds)[0];
  if (evictedEvent) out.push(eventEvidence(evictedEvent, snapshot.observedAt));
  const node = pod.spec.nodeName;
  if (node) {
    const threshold = findEvents(snapshot, { kind: 'Node', name: node, reasons: [EVENT_EVICTION_THRESHOLD_MET], maxAgeSeconds: settings.eventStaleSeconds })[0];
    if (threshold) out.push(eventEvidence(threshold, snapshot.observedAt));
  }
  return out;
}

/**
 * The kubelet ranks eviction candidates by whether usage exceeds requests, then priority, then usage
 * relative to requests (node-pressure-eviction docs; rankMemoryPressure in pkg/kubelet/eviction/helpers.go).
 */
function qosEvidence(snapshot: PodSnapshot): Evidence[] {
  const qos = snapshot.pod.status?.qosClass;
  if (!qos) return [];
  const notes: Record<string, string> = {
    BestEffort: 'no requests at all, so any usage exceeds them: the kubelet evicts BestEffort Pods first',
    Burstable: 'Burstable Pods using more than they request are evicted before Pods within their requests',
    Guaranteed: 'Guaranteed Pods are evicted only after BestEffort and over-request Burstable Pods, or when system daemons exceed their reservation',
  };
  return [{ kind: 'status', field: 'status.qosClass', value: qos + (notes[qos] ? ` (${notes[qos]})` : '') }];
}

function pressureEvidence(snapshot: PodSnapshot): Evidence[] {
  const node = snapshot.node;
  if (!node) return [];
  const out: Evidence[] = [];
  for (const type of PRESSURE_CONDITIONS) {
    const c = nodeCondition(node, type);
    if (!c) continue;
    const since = secondsBetween(c.lastTransitionTime, snapshot.observedAt);
    // A pressure condition that is False now but flipped recently still tells the story of the eviction.
    if (c.status === 'True' || (since !== null && since <= 3600)) {
      out.push({
        kind: 'node',
        node: node.metadata.name,
        detail: `${type}=${c.status}${c.reason ? ` (${c.reason})` : ''}${since !== null ? ` since ${formatDuration(since)} ago` : ''}`,
      });
    }
  }
  return out;
}

/** A threshold amount as a reader wants it: bytes humanized for memory and disk, counts (pids, inodes) as printed. */
function amount(resource: string | null, quantity: string): string {
  return resource === 'memory' || resource === 'ephemeral-storage' ? bytesOf(quantity) : quantity;
}

function bytesOf(quantity: string): string {
  const bytes = parseQuantity(quantity);
  return bytes === null ? quantity : formatBytes(bytes);
}

function evictionRemediation(snapshot: PodSnapshot, parsed: Parsed): Remediation[] {
  const pod = snapshot.pod;
  const ns = pod.metadata.namespace;
  const node = nodeName(snapshot);
  const qos = pod.status?.qosClass;
  const out: Remediation[] = [];

  if (parsed.cause === 'memory') {
    for (const usage of parsed.usages.filter((u) => u.resource === 'memory')) {
      const from = usage.request === '0' ? 'unset' : usage.request;
      out.push({
        text: `Raise spec.containers[${usage.container}].resources.requests.memory from ${from} to at least ${bytesOf(usage.usage)} (what it used when evicted), and set limits.memory so an overgrown container is OOM-killed at its own limit instead of starving the node. A container within its request is evicted last.`,
        docsUrl: DOCS_NODE_PRESSURE,
      });
    }
    if (parsed.usages.length === 0) {
      out.push({
        text: `Set resources.requests.memory (and limits.memory) on every container to its real working set${qos === 'BestEffort' ? ': as a BestEffort Pod it has no requests and is the first the kubelet evicts' : ''}.`,
        docsUrl: DOCS_NODE_PRESSURE,
      });
    }
    out.push({
      text: `Find what filled node ${node}'s memory${parsed.threshold ? ` (${bytesOf(parsed.threshold.available)} left against an eviction threshold of ${bytesOf(parsed.threshold.quantity)})` : ''}: compare the requests allocated on it with real usage.`,
      command: `kubectl describe node ${shellQuote(node)}; kubectl top pods -A --sort-by=memory`,
    });
  } else if (parsed.cause === 'disk') {
    if (parsed.containerEphemeral) {
      out.push({
        text: `Container ${parsed.containerEphemeral.container} wrote more than spec.containers[${parsed.containerEphemeral.container}].resources.limits.ephemeral-storage (${parsed.containerEphemeral.limit}) to its writable layer and logs. Raise the limit, or write bulky data to an emptyDir with a sizeLimit or a PersistentVolume, and make sure logs go to stdout and rotate.`,
        docsUrl: DOCS_EPHEMERAL,
      });
    } else if (parsed.emptyDir) {
      out.push({
        text: `Raise spec.volumes[${parsed.emptyDir.volume}].emptyDir.sizeLimit (${parsed.emptyDir.limit}), clean up what the application leaves there, or move the data to a PersistentVolume.`,
        docsUrl: DOCS_EPHEMERAL,
      });
    } else if (parsed.podEphemeralLimit) {
      out.push({
        text: `The Pod's writable layers, logs and emptyDir volumes together exceeded the sum of its containers' ephemeral-storage limits (${parsed.podEphemeralLimit}). Raise resources.limits.ephemeral-storage or move data to a PersistentVolume.`,
        docsUrl: DOCS_EPHEMERAL,
      });
    } else {
      out.push({
        text: `Node ${node} ran low on disk${parsed.resource === 'inodes' ? ' inodes' : ''} (nodefs or imagefs)${parsed.threshold ? `: ${amount(parsed.resource, parsed.threshold.available)} left against a threshold of ${amount(parsed.resource, parsed.threshold.quantity)}` : ''}. Free space on it (unused images, old logs), and set resources.requests and limits.ephemeral-storage on containers so the scheduler and the kubelet account for disk.`,
        command: `kubectl describe node ${shellQuote(node)}; crictl rmi --prune; df -h /var/lib/kubelet /var/lib/containerd`,
        docsUrl: DOCS_NODE_PRESSURE,
      });
    }
  } else {
    out.push({
      text: parsed.resource === 'pids'
        ? `Node ${node} ran out of process IDs. Find the Pod forking without bound (threads count too) and cap PIDs per Pod with the kubelet's podPidsLimit.`
        : `The kubelet on node ${node} evicted the Pod (${pod.status?.message?.trim() || 'no message'}). Check the node's conditions and events.`,
      command: `kubectl describe node ${shellQuote(node)}`,
      docsUrl: DOCS_NODE_PRESSURE,
    });
  }

  if (qos === 'BestEffort' && parsed.cause === 'disk') {
    out.push({ text: 'Give every container resource requests: BestEffort Pods (no requests) are the first the kubelet evicts under pressure.', docsUrl: DOCS_NODE_PRESSURE });
  }
  out.push({
    text: `Evicted Pods stay as Failed objects until you delete them (or the cluster passes --terminated-pod-gc-threshold, 12,500 by default); ${replacementNote(pod)}. To clean up every Failed Pod in the namespace (failed Job Pods included, and with them their logs):`,
    command: kubectl(ns, 'delete pod --field-selector=status.phase==Failed'),
  });
  return out;
}

function replacementNote(pod: PodSnapshot['pod']): string {
  const owner = controllerRef(pod);
  switch (controllerKind(pod)) {
    case null:
      return 'this Pod has no controller, so nothing recreates it: recreate it from its manifest';
    case 'Job':
      return `${owner} counts it as a failed attempt and retries while its backoffLimit allows (a podFailurePolicy rule on the DisruptionTarget condition can make disruptions not count)`;
    default:
      return `${owner} has already started a replacement`;
  }
}

/**
 * Deleting an evicted Pod brings nothing back (it is terminal and its controller has already replaced
 * it); it only clears the Failed object. Offer that for ReplicaSet Pods only: a bare Pod would be lost
 * for good, Job Pods carry the Job's failure history, and StatefulSet/DaemonSet controllers replace
 * failed Pods themselves.
 */
function evictionActions(snapshot: PodSnapshot): SuggestedAction[] {
  const kind = controllerKind(snapshot.pod);
  if (kind !== 'ReplicaSet' && kind !== 'ReplicationController') return [];
  return [{
    action: 'restart-pod',
    reason: `Deletes this Failed Pod object only: ${controllerRef(snapshot.pod)} already runs a replacement, and deleting the object does nothing to prevent the next eviction.`,
  }];
}

// ---------------------------------------------------------------- other disruptions

function findDisruption(snapshot: PodSnapshot, settings: EngineSettings): Disruption | null {
  const pod = snapshot.pod;
  const status = pod.status;
  if (status?.phase === 'Failed' && status.reason === REASON_KUBELET_PREEMPTING) return { kind: 'kubelet-preemption' };
  if (status?.phase === 'Failed' && status.reason === REASON_NODE_SHUTDOWN && status.message?.trim() === MESSAGE_NODE_SHUTDOWN) return { kind: 'node-shutdown' };

  // The DisruptionTarget condition names who asked for the Pod to go, even while it still shows Running.
  const condition = podCondition(pod, CONDITION_DISRUPTION_TARGET);
  const active = condition?.status === 'True' ? condition : undefined;
  if (active?.reason === DISRUPTION_KUBELET) {
    // Resource evictions are the eviction manager's (detect, kubeletEviction); these are the kubelet's other two.
    if (active.message?.trim() === MESSAGE_NODE_SHUTDOWN) return { kind: 'node-shutdown' };
    if (/preempt/i.test(active.message ?? '')) return { kind: 'kubelet-preemption' };
    return null;
  }
  if (active?.reason === DISRUPTION_EVICTION_API) return { kind: 'api-eviction', condition: active };
  if (active?.reason === DISRUPTION_POD_GC) return { kind: 'pod-gc', condition: active };
  // Without the condition (clusters before 1.26), scheduler preemption and taint-manager deletion show only in events:
  // trust them while the Pod terminates, or for good once it is terminal (phase Failed) and held by a finalizer.
  const goingAway = Boolean(pod.metadata.deletionTimestamp) || status?.phase === 'Failed';
  if (!goingAway && !active) return null;
  const preempted = podEvents(snapshot, [EVENT_PREEMPTED], settings.eventStaleSeconds);
  const isPreemption = active?.reason === DISRUPTION_PREEMPTION || active?.reason === DISRUPTION_PREEMPTION_BEFORE_1_27;
  if (isPreemption || (!active && preempted.length > 0)) {
    const m = PREEMPTED_BY_RE.exec(preempted[0]?.message ?? '');
    return { kind: 'scheduler-preemption', preemptor: m?.[1] ?? null, node: m?.[2] ?? null, events: preempted, condition: active };
  }
  const marked = podEvents(snapshot, [EVENT_TAINT_MANAGER_EVICTION], settings.eventStaleSeconds)
    .filter((e) => (e.message ?? '').startsWith(TAINT_MANAGER_MARKING_PREFIX));
  if (active?.reason === DISRUPTION_TAINT_MANAGER || (!active && marked.length > 0)) {
    return { kind: 'taint-manager', events: marked, condition: active };
  }
  return null;
}

function disruptionFinding(snapshot: PodSnapshot, disruption: Disruption, settings: EngineSettings): Finding<'evicted'> {
  const pod = snapshot.pod;
  const name = pod.metadata.name;
  const node = nodeName(snapshot);
  const evidence: Evidence[] = [{ kind: 'status', field: 'status.phase', value: pod.status?.phase ?? 'unset' }];
  if (pod.metadata.deletionTimestamp) evidence.push({ kind: 'spec', field: 'metadata.deletionTimestamp', value: pod.metadata.deletionTimestamp });
  const remediation: Remediation[] = [];
  let summary: string;
  const terminal = pod.status?.phase === 'Failed';

  switch (disruption.kind) {
    case 'kubelet-preemption': {
      if (pod.status?.reason === REASON_KUBELET_PREEMPTING) evidence.push({ kind: 'status', field: 'status.reason', value: REASON_KUBELET_PREEMPTING });
      if (pod.status?.message) evidence.push({ kind: 'status', field: 'status.message', value: pod.status.message });
      const qos = pod.status?.qosClass;
      // pkg/kubelet/preemption/preemption.go (getPodsToPreempt): BestEffort, then Burstable, then Guaranteed Pods,
      // choosing the fewest Pods whose requests free what the critical Pod needs.
      if (qos) evidence.push({ kind: 'status', field: 'status.qosClass', value: `${qos} (the kubelet preempts BestEffort Pods first, then Burstable, then Guaranteed, picking the fewest whose requests free enough room)` });
      const preemptEvent = podEvents(snapshot, [REASON_KUBELET_PREEMPTING], settings.eventStaleSeconds)[0];
      if (preemptEvent) evidence.push(eventEvidence(preemptEvent, snapshot.observedAt));
      summary = `Pod ${name} was preempted by the kubelet on node ${node} to make room for a critical Pod (system-node-critical or system-cluster-critical) that did not fit.`;
      remediation.push({
        text: `Leave headroom on node ${node} for critical Pods (DaemonSets, node agents), or give this workload a PriorityClass and resource requests that match its real usage so the scheduler places it where it fits.`,
        command: `kubectl describe node ${shellQuote(node)}`,
        docsUrl: DOCS_PREEMPTION,
      });
      break;
    }
    case 'node-shutdown':
      if (pod.status?.reason === REASON_NODE_SHUTDOWN) {
        evidence.push({ kind: 'status', field: 'status.reason', value: REASON_NODE_SHUTDOWN });
        evidence.push({ kind: 'status', field: 'status.message', value: MESSAGE_NODE_SHUTDOWN });
      }
      summary = `Pod ${name} was stopped by the kubelet because node ${node} was shutting down (graceful node shutdown).`;
      remediation.push({
        text: `Node ${node} was shut down or rebooted (maintenance, spot/preemptible reclaim, autoscaler). Run more than one replica spread across nodes with a PodDisruptionBudget, and check why the node went down.`,
        command: `kubectl get node ${shellQuote(node)} -o wide; kubectl get events -A --field-selector involvedObject.name=${shellQuote(node)}`,
        docsUrl: DOCS_GRACEFUL_SHUTDOWN,
      });
      break;
    case 'scheduler-preemption': {
      if (disruption.condition) evidence.push(conditionEvidence(disruption.condition));
      if (disruption.events[0]) evidence.push(eventEvidence(disruption.events[0], snapshot.observedAt));
      const priority = pod.spec.priorityClassName;
      evidence.push({ kind: 'spec', field: 'spec.priorityClassName', value: priority ?? 'unset', note: priority ? undefined : 'the Pod runs at the default priority, so any higher-priority Pod may preempt it' });
      summary = `Pod ${name} was preempted by the scheduler on node ${disruption.node ?? node} to make room for a higher-priority Pod${disruption.preemptor ? ` (uid ${disruption.preemptor})` : ''}.`;
      remediation.push({
        text: `Give this workload a PriorityClass that reflects its importance, or add capacity so higher-priority Pods fit without preempting it. Preemption honours PodDisruptionBudgets only on a best-effort basis.`,
        command: 'kubectl get priorityclass',
        docsUrl: DOCS_PREEMPTION,
      });
      if (disruption.preemptor) {
        remediation.push({
          text: 'Find the preempting Pod by its uid.',
          command: `kubectl get pods -A -o custom-columns=NS:.metadata.namespace,NAME:.metadata.name,UID:.metadata.uid,PRIORITY:.spec.priority | grep ${shellQuote(disruption.preemptor)}`,
        });
      }
      break;
    }
    case 'taint-manager': {
      if (disruption.condition) evidence.push(conditionEvidence(disruption.condition));
      if (disruption.events[0]) evidence.push(eventEvidence(disruption.events[0], snapshot.observedAt));
      const taints = (snapshot.node?.spec?.taints ?? []).filter((t) => t.effect === 'NoExecute');
      for (const taint of taints) {
        evidence.push({ kind: 'node', node, detail: `taint ${taint.key}${taint.value ? `=${taint.value}` : ''}:NoExecute` });
      }
      const taintText = taints.map((t) => `${t.key}${t.value ? `=${t.value}` : ''}:NoExecute`).join(', ');
      summary = `Pod ${name} was deleted by the taint manager because node ${node} has a NoExecute taint${taintText ? ` (${taintText})` : ''} that the Pod does not tolerate (or tolerates only for a while).`;
      remediation.push({
        text: taintText
          ? `Remove the taint if it was added by mistake, or add a matching toleration (with tolerationSeconds) to the Pod template if the workload should stay on tainted nodes.`
          : 'Look at the node\'s NoExecute taints; remove the taint or add a matching toleration to the Pod template.',
        command: taints[0] ? `kubectl taint nodes ${shellQuote(node)} ${shellQuote(taints[0].key)}:NoExecute-` : `kubectl describe node ${shellQuote(node)}`,
        docsUrl: DOCS_TAINTS,
      });
      break;
    }
    case 'api-eviction': {
      evidence.push(conditionEvidence(disruption.condition));
      const owner = controllerRef(pod);
      summary =
        `Pod ${name} ${terminal ? 'was' : 'is being'} evicted through the Eviction API (kubectl drain, a cluster autoscaler scale-down or the descheduler, within the PodDisruptionBudgets) from node ${node}` +
        `${owner ? `; ${owner} starts a replacement elsewhere` : '; it has no controller, so nothing replaces it'}.`;
      remediation.push({
        text: `A voluntary eviction: nothing is broken unless it keeps happening. If the Pod must not be interrupted (a long Job, a CI runner), protect it with a PodDisruptionBudget or the cluster-autoscaler.kubernetes.io/safe-to-evict: "false" annotation, and check who drains node ${node}.`,
        command: `kubectl get events -A --field-selector involvedObject.name=${shellQuote(node)}; kubectl get pdb -n ${shellQuote(pod.metadata.namespace ?? 'default')}`,
        docsUrl: 'https://kubernetes.io/docs/concepts/scheduling-eviction/api-eviction/',
      });
      break;
    }
    case 'pod-gc':
      evidence.push(conditionEvidence(disruption.condition));
      summary = `Pod ${name} ${terminal ? 'was' : 'is being'} deleted by the Pod garbage collector: its node ${node} no longer exists or is out of service.`;
      remediation.push({ text: `Check what happened to node ${node}; the Pod's controller recreates it on another node.`, command: `kubectl get node ${shellQuote(node)}` });
      break;
  }
  const disruptionCondition = podCondition(pod, CONDITION_DISRUPTION_TARGET);
  if ((disruption.kind === 'kubelet-preemption' || disruption.kind === 'node-shutdown') && disruptionCondition?.status === 'True') {
    evidence.push(conditionEvidence(disruptionCondition));
  }
  // A voluntary eviction still in its grace period is routine: answered when asked, never alerted on.
  const since = disruptionCondition ? secondsBetween(disruptionCondition.lastTransitionTime, snapshot.observedAt) : null;
  const settling = disruption.kind === 'api-eviction' && !terminal
    ? { state: 'Evicting (Eviction API)', forSeconds: since, alertAfterSeconds: settings.terminatingOverdueSeconds }
    : undefined;
  return {
    scenario: 'evicted',
    cause: 'other',
    otherCauses: [],
    summary,
    evidence,
    remediation,
    actions: [],
    ...(settling ? { settling } : {}),
  };
}

function conditionEvidence(condition: Condition): Evidence {
  const detail = [condition.reason, condition.message].filter(Boolean).join(': ');
  return { kind: 'status', field: `status.conditions[${CONDITION_DISRUPTION_TARGET}]`, value: `True${detail ? ` (${detail})` : ''}` };
}
