/**
 * Probe failures as the kubelet reports them, shared by the liveness-probe, readiness-probe and
 * container-exit detectors: parsing Unhealthy/Killing events, telling refused from timeout from
 * HTTP status from exec failures, and the hints that explain why a probe fails.
 */
import type { Evidence, Remediation } from '../../contract/diagnosis.ts';
import { formatDuration } from '../../contract/duration.ts';
import type { Container, KubeEvent, Probe } from '../../contract/k8s.ts';
import { parseQuantity } from '../../contract/quantity.ts';
import type { EngineSettings } from '../../contract/settings.ts';
import type { PodSnapshot } from '../../contract/snapshot.ts';
import {
  EVENT_KILLING,
  EVENT_UNHEALTHY,
  FAILED_POST_START_HOOK,
  NODE_DISK_PRESSURE,
  NODE_MEMORY_PRESSURE,
  NODE_PID_PRESSURE,
  OOM_KILLED,
} from '../../contract/upstream.ts';
import { shellQuote } from '../../contract/shell-quote.ts';
import { formatCpu, kubectl, nodeCondition, secondsBetween, type ContainerView } from '../support.ts';
import { containerEvents, eventContainer, happenedDuring, lastSeen, type Termination } from './crash-support.ts';

export type ProbeType = 'liveness' | 'readiness' | 'startup';

// source: kubernetes pkg/kubelet/prober/prober.go: "%s probe failed: %s" and "%s probe errored: %v"
// (newer: "%s probe errored and resulted in %s state: %s"), probeType printed as Liveness/Readiness/Startup.
const PROBE_EVENT_MESSAGE = /^(Liveness|Readiness|Startup) probe (failed|errored)(?: and resulted in \S+ state)?:\s?([\s\S]*)$/;
// source: kubernetes pkg/kubelet/kuberuntime/kuberuntime_manager.go computePodActions:
// "Container %s failed liveness probe" / "Container %s failed startup probe", + ", will be restarted" (1.15+);
// before that kuberuntime_container.go killContainer wrote "Killing container with id %s:%s" with the reason
// "Container failed liveness probe.. Container will be killed and recreated." (e.g. "Killing container with id
// docker://app:Container failed liveness probe.. Container will be killed and recreated."). Group 1 is the
// container (its name, or in some old releases its id), group 2 the probe.
export const PROBE_KILL_MESSAGE =
  /^(?:Container |Killing container with id (?:\w+:\/\/)?)(\S+?)(?: failed |:Container failed )(liveness|startup) probe(?:, will be restarted|\.\.? Container will be killed and recreated\.)?$/;

// Probe outputs. source: kubernetes pkg/probe/http/http.go ("HTTP probe failed with statuscode: %d"; transport
// errors are passed through as err.Error(), e.g. Go net/http `Get "http://…": dial tcp 10.0.0.5:8080: connect:
// connection refused` or `… context deadline exceeded (Client.Timeout exceeded while awaiting headers)`);
// pkg/probe/tcp/tcp.go (err.Error() of net.DialTimeout, `dial tcp …: i/o timeout`); exec timeouts:
// kubernetes staging/src/k8s.io/cri-client/pkg/remote_runtime.go ExecSync (`command %q timed out`).
const HTTP_STATUS = /HTTP probe failed with statuscode: (\d+)/;
const CONNECTION_REFUSED = /connect: connection refused/;
const CONNECTION_RESET = /connection reset by peer/;
const TIMEOUT = /context deadline exceeded|Client\.Timeout exceeded|i\/o timeout|timed out/;
const DIAL_TARGET = /dial tcp ([0-9a-fA-F.:[\]]+):(\d+)/;

export interface ProbeFailureEvent {
  event: KubeEvent;
  type: ProbeType;
  errored: boolean;
  /** What the probe returned, after "<Type> probe failed: ". */
  output: string;
}

/** Unhealthy events of the given probe types for one container, newest first. */
export function probeFailureEvents(
  snapshot: PodSnapshot,
  container: string,
  types: readonly ProbeType[],
  maxAgeSeconds: number,
): ProbeFailureEvent[] {
  const found: ProbeFailureEvent[] = [];
  for (const event of containerEvents(snapshot, container, [EVENT_UNHEALTHY], maxAgeSeconds)) {
    // `(combined from similar events): ` is prepended by client-go's event aggregator.
    const message = (event.message ?? '').replace(/^\(combined from similar events\):\s*/, '');
    const match = PROBE_EVENT_MESSAGE.exec(message);
    if (!match) continue;
    const type = (match[1] ?? '').toLowerCase() as ProbeType;
    if (!types.includes(type)) continue;
    found.push({ event, type, errored: match[2] === 'errored', output: (match[3] ?? '').trim() });
  }
  return found;
}

export interface ProbeKill {
  type: 'liveness' | 'startup';
  /** The kubelet's Killing event, when it is still there. */
  kill: KubeEvent | null;
  /** The last probe failure before the kill. */
  failure: ProbeFailureEvent | null;
  /**
   * The kill is of the instance running now: the kubelet has decided to restart it and is stopping it, so it
   * exits (137 or 143) within its termination grace period. The termination on record is the previous instance.
   */
  inProgress: boolean;
  /** For a kill in progress: when the running instance started. */
  runningSince?: string;
}

// A kill is recorded before SIGTERM; the instance finishes up to the grace period later. Timestamps have
// second precision and come from different clocks (kubelet, runtime), so allow some skew.
const CLOCK_SKEW_SECONDS = 15;

/** The kubelet's "Container X failed liveness|startup probe" Killing events for this container. */
function probeKillEvents(snapshot: PodSnapshot, view: ContainerView, settings: EngineSettings): { event: KubeEvent; type: 'liveness' | 'startup' }[] {
  return containerEvents(snapshot, view.name, [EVENT_KILLING], settings.eventStaleSeconds, PROBE_KILL_MESSAGE)
    .map((event) => ({ event, match: PROBE_KILL_MESSAGE.exec(event.message ?? '') }))
    .filter(({ event, match }) => match !== null && (match[1] === view.name || eventContainer(event) === view.name))
    .map(({ event, match }) => ({ event, type: match?.[2] === 'startup' ? ('startup' as const) : ('liveness' as const) }));
}

/** Whether an event was last seen after the running instance started (strictly: it is that instance's). */
function seenSince(event: KubeEvent, startedAt: string): boolean {
  const after = secondsBetween(startedAt, lastSeen(event));
  return after !== null && after > 0;
}

/**
 * A liveness or startup kill of the instance that is running now. Between the kubelet's Killing event (the
 * failureThreshold-th failed probe) and the container's exit lie up to terminationGracePeriodSeconds (30 s by
 * default) in which the container still shows state.running, and its last termination is the previous
 * instance's: a Killing event last seen after the running instance started can only be about that instance
 * (the previous one had finished before it started). Unhealthy events alone do not count: the probe may still
 * recover before failureThreshold.
 * source: kubernetes pkg/kubelet/kuberuntime/kuberuntime_manager.go computePodActions (the liveness result
 *   marks the container to kill and restart) and kuberuntime_container.go killContainer (Killing event, then
 *   StopContainer with the grace period).
 */
export function probeKillInProgress(snapshot: PodSnapshot, view: ContainerView, settings: EngineSettings): ProbeKill | null {
  const startedAt = view.status?.state?.running?.startedAt;
  if (!startedAt) return null;
  const kill = probeKillEvents(snapshot, view, settings).find(({ event }) => seenSince(event, startedAt));
  if (!kill) return null;
  const failures = probeFailureEvents(snapshot, view.name, [kill.type], settings.eventStaleSeconds).filter((f) => seenSince(f.event, startedAt));
  return { type: kill.type, kill: kill.event, failure: failures[0] ?? null, inProgress: true, runningSince: startedAt };
}

/**
 * Whether this termination was the kubelet killing the container for a failed liveness or startup
 * probe: its Killing event ("failed liveness probe") fell within the instance's run, or, when that
 * event has expired, the instance died of a signal (137/143, not OOMKilled) right after probe failures.
 * A kill of the instance running now (see probeKillInProgress) counts too: the restart it causes is the
 * Pod's present problem, and the Killing event no longer dates the previous termination.
 */
export function probeKillFor(snapshot: PodSnapshot, view: ContainerView, termination: Termination, settings: EngineSettings): ProbeKill | null {
  const current = probeKillInProgress(snapshot, view, settings);
  if (current) return current;
  const { terminated } = termination;
  if (terminated.reason === OOM_KILLED) return null;
  const kills = probeKillEvents(snapshot, view, settings);
  const failures = probeFailureEvents(snapshot, view.name, ['liveness', 'startup'], settings.eventStaleSeconds).filter((f) =>
    happenedDuring(lastSeen(f.event), terminated, CLOCK_SKEW_SECONDS),
  );
  const kill = kills.find(({ event }) => happenedDuring(lastSeen(event), terminated, CLOCK_SKEW_SECONDS));
  if (kill) {
    return { type: kill.type, kill: kill.event, failure: failures.find((f) => f.type === kill.type) ?? failures[0] ?? null, inProgress: false };
  }
  if (kills.length > 0) return null; // the kills on record belong to other instances
  const failure = failures[0];
  if (failure && (terminated.exitCode === 137 || terminated.exitCode === 143)) {
    return { type: failure.type === 'startup' ? 'startup' : 'liveness', kill: null, failure, inProgress: false };
  }
  return null;
}

/**
 * The kubelet's latest liveness or startup kill of a container whose termination it did not report (lastState {}:
 * an older kubelet, or one read right after a kubelet restart). The Killing event is then the only record of why
 * the container restarts; the exit code stays unknown.
 */
export function unreportedProbeKill(snapshot: PodSnapshot, view: ContainerView, settings: EngineSettings): ProbeKill | null {
  const kill = probeKillEvents(snapshot, view, settings)[0];
  if (!kill) return null;
  const failures = probeFailureEvents(snapshot, view.name, [kill.type], settings.eventStaleSeconds);
  return { type: kill.type, kill: kill.event, failure: failures[0] ?? null, inProgress: false };
}

/**
 * Whether the kubelet killed this instance because its postStart hook failed (the hook detector's case):
 * that Killing event carries "FailedPostStartHook" as its message.
 */
export function postStartKillFor(snapshot: PodSnapshot, view: ContainerView, termination: Termination, settings: EngineSettings): boolean {
  return containerEvents(snapshot, view.name, [EVENT_KILLING], settings.eventStaleSeconds).some(
    (event) => event.message === FAILED_POST_START_HOOK && happenedDuring(lastSeen(event), termination.terminated, CLOCK_SKEW_SECONDS),
  );
}

export function probeOf(container: Container | undefined, type: ProbeType): Probe | undefined {
  if (!container) return undefined;
  return type === 'liveness' ? container.livenessProbe : type === 'readiness' ? container.readinessProbe : container.startupProbe;
}

export function probeField(type: ProbeType): string {
  return `${type}Probe`;
}

// Defaults from kubernetes pkg/apis/core/v1/defaults.go SetDefaults_Probe.
interface ProbeSettings {
  initialDelaySeconds: number;
  periodSeconds: number;
  timeoutSeconds: number;
  failureThreshold: number;
  successThreshold: number;
}

export function probeSettings(probe: Probe): ProbeSettings {
  return {
    initialDelaySeconds: probe.initialDelaySeconds ?? 0,
    periodSeconds: probe.periodSeconds ?? 10,
    timeoutSeconds: probe.timeoutSeconds ?? 1,
    failureThreshold: probe.failureThreshold ?? 3,
    successThreshold: probe.successThreshold ?? 1,
  };
}

/** The probe the way `kubectl describe pod` prints it (kubectl pkg/describe/describe.go DescribeProbe). */
export function describeProbe(probe: Probe): string {
  const s = probeSettings(probe);
  const attrs = `delay=${s.initialDelaySeconds}s timeout=${s.timeoutSeconds}s period=${s.periodSeconds}s #success=${s.successThreshold} #failure=${s.failureThreshold}`;
  if (probe.httpGet) {
    const scheme = (probe.httpGet.scheme ?? 'HTTP').toLowerCase();
    return `http-get ${scheme}://${probe.httpGet.host ?? ''}:${probe.httpGet.port}${probe.httpGet.path ?? ''} ${attrs}`;
  }
  if (probe.tcpSocket) return `tcp-socket ${probe.tcpSocket.host ?? ''}:${probe.tcpSocket.port} ${attrs}`;
  if (probe.grpc) return `grpc <pod>:${probe.grpc.port} ${probe.grpc.service ?? ''} ${attrs}`.replace(/\s+/g, ' ');
  if (probe.exec) return `exec [${(probe.exec.command ?? []).join(' ')}] ${attrs}`;
  return `unknown ${attrs}`;
}

export function probePort(probe: Probe): number | string | null {
  return probe.httpGet?.port ?? probe.tcpSocket?.port ?? probe.grpc?.port ?? null;
}

export type FailureKind = 'refused' | 'timeout' | 'http-status' | 'reset' | 'exec' | 'errored' | 'other';

export interface ProbeFailure {
  kind: FailureKind;
  /** One phrase for the summary, e.g. `connection refused on 10.244.1.7:9999`. */
  text: string;
  statusCode?: number;
}

/** Which way the probe failed, from the kubelet's output and the probe's handler. */
export function classifyFailure(failure: ProbeFailureEvent | null, probe: Probe | undefined): ProbeFailure {
  const output = failure?.output ?? '';
  const timeout = probe ? probeSettings(probe).timeoutSeconds : 1;
  if (!failure) return { kind: 'other', text: 'the probe failed (its Unhealthy events have expired)' };
  const status = HTTP_STATUS.exec(output);
  if (status) {
    const code = Number(status[1]);
    return { kind: 'http-status', statusCode: code, text: `HTTP ${code} from ${probe?.httpGet?.path ?? '/'}` };
  }
  const target = DIAL_TARGET.exec(output);
  const where = target ? ` on ${target[1]}:${target[2]}` : '';
  if (CONNECTION_REFUSED.test(output)) return { kind: 'refused', text: `connection refused${where}` };
  if (TIMEOUT.test(output)) {
    if (probe?.exec) return { kind: 'timeout', text: `command \`${(probe.exec.command ?? []).join(' ')}\` timed out after ${timeout}s` };
    return { kind: 'timeout', text: `no answer within timeoutSeconds=${timeout}${where ? ` (${where.slice(4)})` : ''}` };
  }
  if (CONNECTION_RESET.test(output)) return { kind: 'reset', text: `connection reset${where}` };
  if (failure.errored) return { kind: 'errored', text: `the kubelet could not run the probe: ${output}` };
  if (probe?.exec) {
    const command = (probe.exec.command ?? []).join(' ');
    return { kind: 'exec', text: `command \`${command}\` exited non-zero${output ? `: ${output}` : ' with no output'}` };
  }
  return { kind: 'other', text: output || 'the probe failed with no output' };
}

export interface ProbeHint {
  /** A short clause for the summary. */
  summary: string;
  evidence: Evidence;
  remediation: Remediation;
}

// A killed instance runs at most initialDelay + failureThreshold × period, plus the stop's grace period (30 s by default).
const KILL_GRACE_SLACK_SECONDS = 35;

// Java (Spring Boot StartupInfoLogger "Started X in 42.1 seconds (process running for 43.0)"),
// Quarkus ("started in 3.2s"), and generic "ready/listening in N ms|s" lines.
const STARTUP_LOG = /\b(?:Started|started|ready|Ready|listening|Listening)\b.*?\bin ([0-9]+(?:\.[0-9]+)?) ?(ms|s|sec|secs|seconds)\b/;

/** How long the app says it took to start, from its own log. */
export function startupSecondsFromLogs(snapshot: PodSnapshot, container: string): { seconds: number; line: string; previous: boolean } | null {
  for (const tail of snapshot.logs.filter((t) => t.container === container)) {
    for (const line of tail.lines) {
      const match = STARTUP_LOG.exec(line);
      if (!match) continue;
      const value = Number(match[1]);
      return { seconds: match[2] === 'ms' ? value / 1000 : value, line: line.trim(), previous: tail.previous };
    }
  }
  return null;
}

/** Why a probe fails, beyond its output: port, start-up time, thresholds, CPU, node load. */
export function probeHints(
  snapshot: PodSnapshot,
  view: ContainerView,
  type: ProbeType,
  probe: Probe,
  failure: ProbeFailure,
  ranForSeconds: number | null,
): ProbeHint[] {
  const hints: ProbeHint[] = [];
  const spec = view.spec;
  const ns = snapshot.pod.metadata.namespace;
  const field = `${view.specPath}.${probeField(type)}`;
  const s = probeSettings(probe);
  const port = probePort(probe);
  const declared = spec?.ports ?? [];
  let portHint = false;

  if (typeof port === 'string' && !/^[0-9]+$/.test(port) && !declared.some((p) => p.name === port)) {
    portHint = true;
    hints.push({
      summary: `the probe's named port "${port}" is not declared by the container`,
      evidence: { kind: 'spec', field: `${field}.${probe.httpGet ? 'httpGet' : 'tcpSocket'}.port`, value: port, note: `container ${view.name} declares ${describePorts(declared)}` },
      remediation: { text: `Name a declared port in ${field} (${describePorts(declared)}), or add a port named "${port}" to ${view.specPath}.ports.` },
    });
  } else if (typeof port === 'number' && declared.length > 0 && !declared.some((p) => p.containerPort === port)) {
    portHint = true;
    const suggestion = declared.length === 1 ? ` from ${port} to ${declared[0]?.containerPort}` : '';
    const portField = probe.httpGet ? 'httpGet.port' : probe.tcpSocket ? 'tcpSocket.port' : 'grpc.port';
    hints.push({
      summary: `it probes port ${port}, which the container does not expose (${describePorts(declared)})`,
      evidence: { kind: 'spec', field: `${field}.${portField}`, value: String(port), note: `container ${view.name} declares ${describePorts(declared)}` },
      remediation: { text: `Change ${field}.${portField}${suggestion} (the port the app listens on).` },
    });
  }

  // A liveness probe runs only after the startup probe has succeeded, so start-up time is the startup probe's business then.
  const startupBudgetApplies = type === 'startup' || (type === 'liveness' && !spec?.startupProbe);
  if (startupBudgetApplies) {
    const budget = s.initialDelaySeconds + s.failureThreshold * s.periodSeconds;
    const started = startupSecondsFromLogs(snapshot, view.name);
    if (started && started.seconds > budget) {
      hints.push({
        summary: `the app needs ${formatDuration(started.seconds)} to start but the probe gives it about ${budget}s`,
        evidence: { kind: 'log', container: view.name, previous: started.previous, line: started.line },
        remediation: startupRemediation(field, view, type, Math.ceil(started.seconds)),
      });
    } else if (
      !portHint &&
      (failure.kind === 'refused' || failure.kind === 'timeout' || type === 'startup') &&
      ranForSeconds !== null &&
      ranForSeconds <= budget + s.periodSeconds + KILL_GRACE_SLACK_SECONDS
    ) {
      // Killed as soon as the probe was allowed to kill: it never answered once, typical of a slow start.
      hints.push({
        summary:
          type === 'startup'
            ? `it was killed after ${formatDuration(ranForSeconds)}, when its start-up budget of ${budget}s (failureThreshold × periodSeconds) ran out`
            : `it was killed after ${formatDuration(ranForSeconds)}, before it ever answered (initialDelaySeconds=${s.initialDelaySeconds})`,
        evidence: { kind: 'spec', field: `${field}.initialDelaySeconds`, value: String(s.initialDelaySeconds), note: `the probe may kill ${budget}s after start (initialDelaySeconds + failureThreshold × periodSeconds)` },
        remediation: startupRemediation(field, view, type, null),
      });
    }
  }

  if (failure.kind === 'timeout' && s.timeoutSeconds <= 1) {
    hints.push({
      summary: `timeoutSeconds is ${s.timeoutSeconds}s`,
      evidence: { kind: 'spec', field: `${field}.timeoutSeconds`, value: String(probe.timeoutSeconds ?? '1 (default)'), note: 'a response slower than this counts as a failure' },
      remediation: { text: `Raise ${field}.timeoutSeconds (e.g. to 5) and keep the health endpoint cheap (no database or downstream calls).` },
    });
  } else if (s.failureThreshold <= 1 || s.periodSeconds * s.failureThreshold < 10) {
    hints.push({
      summary: `the thresholds are strict (failureThreshold=${s.failureThreshold}, periodSeconds=${s.periodSeconds})`,
      evidence: { kind: 'spec', field: `${field}.failureThreshold`, value: String(s.failureThreshold), note: `${s.failureThreshold} failure(s) ${s.periodSeconds}s apart decide` },
      remediation: { text: `Raise ${field}.failureThreshold (e.g. to 3) and periodSeconds (e.g. to 10) so one slow response does not decide.` },
    });
  }

  const cpuLimit = parseQuantity(spec?.resources?.limits?.cpu);
  if (cpuLimit !== null && cpuLimit < 0.5 && (failure.kind === 'timeout' || hints.some((h) => h.evidence.kind === 'log'))) {
    hints.push({
      summary: `its CPU limit is only ${formatCpu(cpuLimit)}`,
      evidence: { kind: 'spec', field: `${view.specPath}.resources.limits.cpu`, value: spec?.resources?.limits?.cpu ?? '', note: 'CFS throttling slows start-up and probe responses' },
      remediation: {
        text: `Raise ${view.specPath}.resources.limits.cpu (or remove the CPU limit and keep a request) so probe responses are not throttled.`,
        command: kubectl(ns, `top pod ${shellQuote(snapshot.pod.metadata.name)} --containers`),
      },
    });
  }

  const node = snapshot.node;
  if (node) {
    const pressured = [NODE_MEMORY_PRESSURE, NODE_PID_PRESSURE, NODE_DISK_PRESSURE].filter((t) => nodeCondition(node, t)?.status === 'True');
    if (pressured.length > 0) {
      hints.push({
        summary: `node ${node.metadata.name} is under load (${pressured.join(', ')})`,
        evidence: { kind: 'node', node: node.metadata.name, detail: pressured.map((t) => `${t}=True`).join(', ') },
        remediation: { text: `Check node ${node.metadata.name}; move the workload or relieve the node.`, command: `kubectl describe node ${shellQuote(node.metadata.name)}` },
      });
    }
  }
  return hints;
}

function startupRemediation(field: string, view: ContainerView, type: ProbeType, seconds: number | null): Remediation {
  if (type === 'startup') {
    return { text: `Raise ${field}.failureThreshold so failureThreshold × periodSeconds covers the start-up time${seconds ? ` (≥ ${seconds}s)` : ''}.` };
  }
  return {
    text:
      `Add a startupProbe to ${view.specPath} whose failureThreshold × periodSeconds covers the start-up time${seconds ? ` (≥ ${seconds}s)` : ''}, ` +
      `or raise ${field}.initialDelaySeconds.`,
    docsUrl: PROBES_DOCS,
  };
}

function describePorts(ports: NonNullable<Container['ports']>): string {
  if (ports.length === 0) return 'no ports';
  return `port${ports.length > 1 ? 's' : ''} ${ports.map((p) => (p.name ? `${p.containerPort} (${p.name})` : String(p.containerPort))).join(', ')}`;
}

export const PROBES_DOCS = 'https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/';

/** What to do about the failure itself (the hints add their own remediation). */
export function failureRemediation(failure: ProbeFailure, type: ProbeType, field: string, probe: Probe): Remediation {
  const port = probePort(probe);
  switch (failure.kind) {
    case 'refused':
      return { text: `Nothing accepted a connection on port ${port ?? '?'}: make ${field} target the port the app listens on, and make the app listen on 0.0.0.0, not 127.0.0.1.`, docsUrl: PROBES_DOCS };
    case 'timeout':
      return {
        text: `The ${type} check did not answer within ${probeSettings(probe).timeoutSeconds}s (${field}.timeoutSeconds): find out why the app answers slowly (CPU throttling, GC pauses, a health check that calls a database).`,
        docsUrl: PROBES_DOCS,
      };
    case 'http-status':
      return {
        text:
          `The app answers ${probe.httpGet?.path ?? '/'} with HTTP ${failure.statusCode}: its own health check reports a problem; read its logs.` +
          (type === 'liveness' ? ' A liveness endpoint should not fail because a dependency (database, cache) is down.' : ''),
        docsUrl: PROBES_DOCS,
      };
    case 'exec':
      return { text: `The probe command \`${(probe.exec?.command ?? []).join(' ')}\` exits non-zero: run it by hand in the container to see why.` };
    case 'reset':
      return { text: `The app resets the probe's connection on port ${port ?? '?'}: check that this port speaks ${probe.httpGet ? 'HTTP' : 'the expected protocol'} (not TLS-only or another protocol).` };
    case 'errored':
      return { text: `The kubelet could not run the ${type} probe: fix ${field} (port name, command, scheme).` };
    case 'other':
      return { text: `Check what ${field} tests and why it fails.`, docsUrl: PROBES_DOCS };
  }
}
