/**
 * oom: the kernel's OOM killer ended a container (reason OOMKilled, exit 137).
 * `container-limit`: it hit its own memory limit (often a JVM heap sized at or above the limit).
 * `node-pressure`: the node ran out of memory — a system OOM (kubelet SystemOOM event on the Node),
 * node MemoryPressure, or a container with no limit that could only be killed by a node-wide OOM.
 */
import type { Evidence, Finding, Remediation } from '../../contract/diagnosis.ts';
import { formatDuration } from '../../contract/duration.ts';
import type { KubeEvent } from '../../contract/k8s.ts';
import { parseQuantity } from '../../contract/quantity.ts';
import type { CauseOf } from '../../contract/scenarios.ts';
import type { EngineSettings } from '../../contract/settings.ts';
import type { PodSnapshot, Snapshot } from '../../contract/snapshot.ts';
import { CRASH_LOOP_BACK_OFF } from '../../contract/upstream.ts';
import { NODE_MEMORY_PRESSURE, OOM_KILLED } from '../../contract/upstream.ts';
import { shellQuote } from '../../contract/shell-quote.ts';
import type { Detector } from '../detector.ts';
import {
  containers,
  eventEvidence,
  eventLastSeen,
  exitCodeMeaning,
  findEvents,
  formatBytes,
  kubectl,
  memoryLimitBytes,
  nodeCondition,
  secondsBetween,
  type ContainerView,
} from '../support.ts';
import {
  appContainers,
  backOffEvidence,
  isCurrentTermination,
  lastTermination,
  stateEvidence,
  toMi,
  workloadRef,
  type Termination,
} from './crash-support.ts';
import { jvmHeap, type JvmHeap } from './oom-jvm.ts';
import { probeKillFor } from './probe-support.ts';

type Cause = CauseOf<'oom'>;

// source: kubernetes pkg/kubelet/oom/oom_watcher_linux.go (systemOOMEvent = "SystemOOM"; message
// "System OOM encountered" or "System OOM encountered, victim process: %s, pid: %d"), recorded on the Node.
const SYSTEM_OOM = 'SystemOOM';
const SYSTEM_OOM_MESSAGE = /System OOM encountered(?:, victim process: (.+?), pid: (\d+))?/;
/** A SystemOOM this close to the container's finishedAt is the same kill (kubelet and runtime clocks differ). */
const SYSTEM_OOM_WINDOW_SECONDS = 120;
/** 128 + SIGKILL: how the runtime reports a process the kernel killed. */
const SIGKILL_EXIT = 137;

interface Hit {
  view: ContainerView;
  termination: Termination;
  /** Exit 137 without OOMKilled, matched to the node's SystemOOM event: the kernel's system OOM killer, not the cgroup's. */
  systemKill?: KubeEvent;
}

interface Analysis {
  cause: Cause;
  otherCauses: Cause[];
  limitBytes: number | null;
  jvm: JvmHeap | null;
  systemOom: KubeEvent | null;
  memoryPressure: boolean;
}

function detect(snapshot: Snapshot, settings: EngineSettings): Finding<'oom'> | null {
  if (snapshot.kind !== 'Pod') return null;
  const pod = snapshot.pod;
  if (pod.metadata.deletionTimestamp) return null;

  const hits: Hit[] = [];
  for (const view of appContainers(containers(pod))) {
    const termination = lastTermination(view, snapshot.observedAt);
    if (!termination || !isCurrentTermination(view, termination, settings)) continue;
    if (termination.terminated.reason === OOM_KILLED) {
      hits.push({ view, termination });
      continue;
    }
    // A process the system OOM killer picks dies of SIGKILL like any other: the runtime reports 137 with reason Error
    // (only a kill inside the container's own cgroup becomes OOMKilled). The node's SystemOOM event tells them apart.
    if (termination.terminated.exitCode !== SIGKILL_EXIT) continue;
    const systemKill = systemOomNear(snapshot, termination, settings, false);
    if (systemKill && !probeKillFor(snapshot, view, termination, settings)) hits.push({ view, termination, systemKill });
  }
  if (hits.length === 0) return null;
  hits.sort(
    (a, b) =>
      Number(b.view.status?.state?.waiting?.reason === CRASH_LOOP_BACK_OFF) - Number(a.view.status?.state?.waiting?.reason === CRASH_LOOP_BACK_OFF) ||
      (a.termination.finishedAgoSeconds ?? Infinity) - (b.termination.finishedAgoSeconds ?? Infinity),
  );
  const [primary, ...others] = hits;
  if (!primary) return null;
  const analysis = analyze(snapshot, primary, settings);
  const otherCauses = new Set<Cause>(analysis.otherCauses);
  for (const other of others) otherCauses.add(analyze(snapshot, other, settings).cause);
  otherCauses.delete(analysis.cause);
  return finding(snapshot, primary, analysis, [...otherCauses], others, settings);
}

function analyze(snapshot: PodSnapshot, hit: Hit, settings: EngineSettings): Analysis {
  const limitBytes = memoryLimitBytes(hit.view.spec);
  const jvm = limitBytes !== null && hit.view.spec ? jvmHeap(hit.view.spec, hit.view.specPath, limitBytes) : null;
  const systemOom = hit.systemKill ?? systemOomNear(snapshot, hit.termination, settings);
  const memoryPressure = snapshot.node ? nodeCondition(snapshot.node, NODE_MEMORY_PRESSURE)?.status === 'True' : false;
  const heapTooBig = jvm !== null && jvm.verdict !== 'fits';
  // Not OOMKilled: the container's own limit was not what killed it, whatever the heap.
  if (hit.systemKill) return { cause: 'node-pressure', otherCauses: [], limitBytes, jvm, systemOom, memoryPressure };

  // Primary-cause rule: a heap at or above the limit fails on every node, so container-limit leads;
  // otherwise a node-wide OOM (or no limit to hit) is the node's problem.
  const nodeCause = systemOom !== null || limitBytes === null;
  if (heapTooBig) return { cause: 'container-limit', otherCauses: nodeCause || memoryPressure ? ['node-pressure'] : [], limitBytes, jvm, systemOom, memoryPressure };
  if (nodeCause) return { cause: 'node-pressure', otherCauses: [], limitBytes, jvm, systemOom, memoryPressure };
  return { cause: 'container-limit', otherCauses: memoryPressure ? ['node-pressure'] : [], limitBytes, jvm, systemOom, memoryPressure };
}

/**
 * The node's SystemOOM event that coincides with this kill, if any. `undatedMatches`: whether a termination without
 * finishedAt may take the newest event (yes for an OOMKilled container, no when the event alone makes it an OOM kill).
 */
function systemOomNear(snapshot: PodSnapshot, termination: Termination, settings: EngineSettings, undatedMatches = true): KubeEvent | null {
  const nodeName = snapshot.pod.spec.nodeName;
  if (!nodeName) return null;
  // Match the Node by name only: the kubelet's node events carry involvedObject.uid = the node *name*
  // (kubernetes pkg/kubelet/kubelet.go nodeRef), not the Node object's uid.
  const events = findEvents(snapshot, { kind: 'Node', name: nodeName, reasons: [SYSTEM_OOM], maxAgeSeconds: settings.eventStaleSeconds });
  const finishedAt = termination.terminated.finishedAt;
  if (!finishedAt) return undatedMatches ? (events[0] ?? null) : null;
  return (
    events.find((event) => {
      const first = event.firstTimestamp ?? eventLastSeen(event);
      const lastSeen = eventLastSeen(event);
      const fromFirst = secondsBetween(first, finishedAt);
      const toLast = secondsBetween(finishedAt, lastSeen);
      if (fromFirst === null || toLast === null) return true;
      return fromFirst >= -SYSTEM_OOM_WINDOW_SECONDS && toLast >= -SYSTEM_OOM_WINDOW_SECONDS;
    }) ?? null
  );
}

function finding(
  snapshot: PodSnapshot,
  hit: Hit,
  analysis: Analysis,
  otherCauses: Cause[],
  others: Hit[],
  settings: EngineSettings,
): Finding<'oom'> {
  const pod = snapshot.pod;
  const ns = pod.metadata.namespace;
  const { view, termination } = hit;
  const { terminated } = termination;
  const spec = view.spec;
  const nodeName = pod.spec.nodeName;
  const limit = spec?.resources?.limits?.memory;
  const request = spec?.resources?.requests?.memory;
  const requestBytes = parseQuantity(request);
  const restarts = view.status?.restartCount ?? 0;

  const evidence: Evidence[] = [
    ...stateEvidence(view),
    { kind: 'status', field: `${termination.field}.reason`, value: terminated.reason ?? '(none)' },
    {
      kind: 'exit-code',
      container: view.name,
      exitCode: terminated.exitCode,
      reason: terminated.reason ?? null,
      meaning: exitCodeMeaning(terminated.exitCode, terminated.reason),
      ranForSeconds: termination.ranForSeconds,
      finishedAt: terminated.finishedAt ?? null,
    },
    { kind: 'spec', field: `${view.specPath}.resources.limits.memory`, value: limit ?? 'not set', ...(limit ? {} : { note: 'without a limit only a node-wide OOM kills the container' }) },
  ];
  if (request || analysis.cause === 'node-pressure') {
    const overcommitted = analysis.limitBytes !== null && requestBytes !== null && requestBytes < analysis.limitBytes;
    evidence.push({
      kind: 'spec',
      field: `${view.specPath}.resources.requests.memory`,
      value: request ?? 'not set',
      ...(request === undefined
        ? { note: 'no memory request: the scheduler reserves nothing for it on the node' }
        : overcommitted
          ? { note: `the scheduler reserves only ${request} on the node; above that the container competes for memory the node may not have` }
          : {}),
    });
  }
  const jvm = analysis.jvm;
  if (jvm && jvm.verdict !== 'fits' && analysis.limitBytes !== null) {
    evidence.push({ kind: 'spec', field: jvm.field, value: jvm.value, note: jvmNote(jvm, analysis.limitBytes) });
  }
  if (analysis.systemOom) evidence.push(eventEvidence(analysis.systemOom, snapshot.observedAt));
  const pressure = snapshot.node ? nodeCondition(snapshot.node, NODE_MEMORY_PRESSURE) : undefined;
  if (nodeName && analysis.memoryPressure) {
    evidence.push({ kind: 'node', node: nodeName, detail: `MemoryPressure=True${pressure?.reason ? ` (${pressure.reason})` : ''}${pressure?.message ? `: ${pressure.message}` : ''}` });
  }
  const allocatable = parseQuantity(snapshot.node?.status?.allocatable?.memory);
  if (nodeName && analysis.cause === 'node-pressure' && allocatable !== null) {
    evidence.push({ kind: 'node', node: nodeName, detail: `allocatable memory ${formatBytes(allocatable)}` });
  }
  const backOff = backOffEvidence(snapshot, view.name, settings);
  if (backOff) evidence.push(backOff);
  for (const other of others) {
    evidence.push({
      kind: 'exit-code',
      container: other.view.name,
      exitCode: other.termination.terminated.exitCode,
      reason: other.termination.terminated.reason ?? null,
      meaning: exitCodeMeaning(other.termination.terminated.exitCode, other.termination.terminated.reason),
      ranForSeconds: other.termination.ranForSeconds,
      finishedAt: other.termination.terminated.finishedAt ?? null,
    });
  }

  const ran = termination.ranForSeconds !== null ? ` after ${formatDuration(termination.ranForSeconds)}` : '';
  const restartText = restarts > 0 ? `; ${restarts} restart${restarts === 1 ? '' : 's'}${view.status?.state?.waiting?.reason === CRASH_LOOP_BACK_OFF ? ', now in CrashLoopBackOff' : ''}` : '';
  let summary: string;
  if (analysis.cause === 'container-limit') {
    const limitText = analysis.limitBytes !== null ? formatBytes(analysis.limitBytes) : '?';
    const jvmText =
      jvm && jvm.verdict !== 'fits'
        ? `: the JVM heap is ${formatBytes(jvm.heapBytes)} (${jvm.flags}), ${jvm.verdict === 'heap-over-limit' ? 'at or above the limit on its own' : `and with ~${formatBytes(jvm.overheadBytes)} of non-heap memory it exceeds the limit`}`
        : '';
    summary = `Container ${view.name} of Pod ${pod.metadata.name} was OOMKilled (exit ${terminated.exitCode})${ran} at its ${limitText} memory limit${jvmText}${restartText}.`;
  } else {
    const victim = analysis.systemOom ? SYSTEM_OOM_MESSAGE.exec(analysis.systemOom.message ?? '') : null;
    const signals = [
      analysis.systemOom ? `the kubelet reported a system OOM${victim?.[1] ? `, victim process ${victim[1]}` : ''}` : null,
      analysis.memoryPressure ? 'the node reports MemoryPressure=True' : null,
    ].filter((s): s is string => s !== null);
    const limitText = analysis.limitBytes === null ? 'it has no memory limit of its own' : `not its own ${formatBytes(analysis.limitBytes)} limit`;
    const killed = hit.systemKill
      ? `was killed by the kernel's system OOM killer (exit ${terminated.exitCode}, reason ${terminated.reason ?? 'unset'}: only a kill at the container's own limit is reported as OOMKilled)`
      : `was OOMKilled (exit ${terminated.exitCode})`;
    summary =
      `Container ${view.name} of Pod ${pod.metadata.name} ${killed}${ran} because node ${nodeName ?? '?'} ran out of memory` +
      `${signals.length > 0 ? ` (${signals.join('; ')})` : ''} — ${limitText}${restartText}.`;
  }

  return {
    scenario: 'oom',
    cause: analysis.cause,
    otherCauses,
    summary,
    evidence,
    remediation: remediationFor(snapshot, view, analysis, ns),
    actions: [
      { action: 'show-logs', reason: `See what container ${view.name} was doing before it was killed.` },
      { action: 'rediagnose', reason: 'Check again after changing memory limits or the JVM options.' },
    ],
  };
}

function jvmNote(jvm: JvmHeap, limitBytes: number): string {
  const heap = formatBytes(jvm.heapBytes);
  const limit = formatBytes(limitBytes);
  if (jvm.verdict === 'heap-over-limit') return `${jvm.flags} gives a ${heap} heap, ≥ the ${limit} limit on its own`;
  return `${jvm.flags} gives a ${heap} heap; + ~${formatBytes(jvm.overheadBytes)} typical non-heap memory = ${formatBytes(jvm.heapBytes + jvm.overheadBytes)} ≥ the ${limit} limit`;
}

function remediationFor(snapshot: PodSnapshot, view: ContainerView, analysis: Analysis, ns: string | undefined): Remediation[] {
  const pod = snapshot.pod;
  const workload = workloadRef(snapshot);
  const target = workload ?? `the Pod's controller`;
  const remediation: Remediation[] = [];
  const jvm = analysis.jvm;
  const limitBytes = analysis.limitBytes;
  if (jvm && jvm.verdict !== 'fits' && limitBytes !== null) {
    const maxHeap = Math.max(0, limitBytes - jvm.overheadBytes);
    remediation.push({
      text:
        `Size the heap from the limit instead of fixing it: replace ${jvm.flags} in ${jvm.field} with -XX:MaxRAMPercentage=75, ` +
        `or lower it to at most ${toMi(maxHeap)} (limit ${formatBytes(limitBytes)} minus ~${formatBytes(jvm.overheadBytes)} non-heap), ` +
        `or raise the limit to at least ${toMi(jvm.heapBytes + jvm.overheadBytes)}.`,
      docsUrl: 'https://docs.oracle.com/en/java/javase/21/docs/specs/man/java.html',
    });
  }
  if (analysis.cause === 'container-limit' && limitBytes !== null) {
    const raised = toMi(limitBytes * 1.5);
    remediation.push({
      text: `Raise ${view.specPath}.resources.limits.memory above the container's real peak (e.g. ${raised}), after checking it is not a leak.`,
      ...(workload && !workload.startsWith('replicaset/')
        ? { command: kubectl(ns, `set resources ${shellQuote(workload)} -c ${shellQuote(view.name)} --limits=memory=${shellQuote(raised)}`) }
        : {}),
    });
    remediation.push({ text: `Watch the container's memory use against the limit.`, command: kubectl(ns, `top pod ${shellQuote(pod.metadata.name)} --containers`) });
  }
  if (analysis.cause === 'node-pressure') {
    const node = pod.spec.nodeName ?? '?';
    const editable = workload !== null && !workload.startsWith('replicaset/');
    const limit = view.spec?.resources?.limits?.memory;
    if (limitBytes === null || !limit) {
      remediation.push({
        text:
          `Measure the container's peak memory, then give ${view.specPath} a memory request and limit at that peak (request = limit for Guaranteed QoS), ` +
          `so the scheduler reserves its memory and a leak stays inside its own cgroup` +
          (editable ? `: ${kubectl(ns, `set resources ${shellQuote(workload)} -c ${shellQuote(view.name)} --requests=memory=<peak> --limits=memory=<peak>`)}.` : '.'),
        command: kubectl(ns, `top pod ${shellQuote(pod.metadata.name)} --containers`),
      });
    } else {
      remediation.push({
        text: `Set ${view.specPath}.resources.requests.memory equal to its limit (${limit}) so the scheduler reserves what the container may use (limits above requests overcommit the node).`,
        ...(editable ? { command: kubectl(ns, `set resources ${shellQuote(workload)} -c ${shellQuote(view.name)} --requests=memory=${shellQuote(limit)}`) } : {}),
      });
    }
    remediation.push({ text: `See what else uses memory on node ${node} and whether its pods' limits exceed its allocatable memory.`, command: `kubectl describe node ${shellQuote(node)}` });
  }
  if (workload === null) remediation.push({ text: `Resources of a running Pod cannot be changed in place here; change ${target}'s template or re-create the Pod.` });
  return remediation;
}

export const oom: Detector<'oom'> = {
  scenario: 'oom',
  detect,
};
