/**
 * init: an init container keeps the Pod from initializing. Either it exits non-zero (Init:Error,
 * or Init:CrashLoopBackOff as the kubelet restarts it), or it runs far longer than an init step
 * should (Init:N/M stuck), typically waiting for a dependency that never answers.
 * Image pulls and container creation of init containers belong to image-pull / container-create.
 */
import type { Evidence, Finding, Remediation, SuggestedAction } from '../../contract/diagnosis.ts';
import { formatDuration } from '../../contract/duration.ts';
import type { Container, ContainerState, KubeEvent, Pod } from '../../contract/k8s.ts';
import type { EngineSettings } from '../../contract/settings.ts';
import type { PodSnapshot, Snapshot } from '../../contract/snapshot.ts';
import { CRASH_LOOP_BACK_OFF, EVENT_BACK_OFF, OOM_KILLED } from '../../contract/upstream.ts';
import { shellQuote } from '../../contract/shell-quote.ts';
import type { Detector } from '../detector.ts';
import {
  clip,
  containers,
  eventEvidence,
  exitCodeMeaning,
  kubectl,
  podCondition,
  podEvents,
  secondsBetween,
  type ContainerView,
} from '../support.ts';

// source: kubernetes pkg/kubelet/kuberuntime/kuberuntime_manager.go doBackOff ("Back-off restarting failed container %s in pod %s")
const BACK_OFF_RESTARTING_PREFIX = 'Back-off restarting failed container ';
// source: kubernetes pkg/apis/core/types.go ContainerRestartPolicyAlways: an init container with it is a sidecar (KEP-753)
const SIDECAR_RESTART_POLICY = 'Always';
// source: kubernetes pkg/apis/core/types.go PodInitialized ("Initialized")
const INITIALIZED = 'Initialized';
// source: kubernetes pkg/apis/core/types.go RestartPolicyNever
const RESTART_NEVER = 'Never';
/** A running init container that has already crashed this often is looping even when caught between crashes. */
const LOOPING_RESTARTS = 2;
/** Log lines to quote from the init container's log tail. */
const LOG_LINES = 5;

type InitProblem =
  | { kind: 'crash-loop'; view: ContainerView; last: NonNullable<ContainerState['terminated']> }
  /** Init:CrashLoopBackOff with lastState {}: the kubelet did not report the termination, the exit code is unknown. */
  | { kind: 'unreported'; view: ContainerView }
  | { kind: 'error'; view: ContainerView; last: NonNullable<ContainerState['terminated']> }
  | { kind: 'stuck'; view: ContainerView; startedAt: string; runningFor: number; sidecar?: SidecarIntent };

/** Why podwhy thinks a stuck init container was meant to run alongside the app (a native sidecar). */
type SidecarIntent =
  /** The spec sets restartPolicy: Always, but the kubelet waits for the container to exit (it predates native sidecars). */
  | { kind: 'ignored'; node: string }
  /** A plain init container whose image is a long-running proxy. */
  | { kind: 'image'; image: string };

export const init: Detector<'init'> = {
  scenario: 'init',
  detect(snapshot: Snapshot, settings: EngineSettings): Finding<'init'> | null {
    if (snapshot.kind !== 'Pod') return null;
    const pod = snapshot.pod;
    if (pod.metadata.deletionTimestamp || pod.status?.phase === 'Succeeded') return null;
    // Once initialized, earlier init failures are history (the retry succeeded).
    if (podCondition(pod, INITIALIZED)?.status === 'True') return null;
    const inits = containers(pod).filter((v) => v.isInit);
    if (inits.length === 0) return null;
    const found = findProblem(snapshot, inits, settings);
    if (!found) return null;
    const sidecar = found.kind === 'stuck' && !found.sidecar ? sidecarIntent(found.view) : null;
    const problem: InitProblem = found.kind === 'stuck' && sidecar ? { ...found, sidecar } : found;
    // Still running but younger than the threshold: it may yet finish, so the answer is settling.
    const settling = problem.kind === 'stuck' && problem.runningFor < settings.initStuckAfterSeconds
      ? { state: progress(inits), forSeconds: problem.runningFor, alertAfterSeconds: settings.initStuckAfterSeconds }
      : undefined;
    return {
      scenario: 'init',
      cause: 'failed',
      otherCauses: [],
      summary: summarize(pod, inits, problem, settings),
      evidence: evidenceFor(snapshot, problem),
      remediation: remediationFor(pod, problem),
      actions: actionsFor(problem),
      ...(settling ? { settling } : {}),
    };
  },
};

/** Init containers run in order, so the first one in trouble is the one holding the Pod back. */
function findProblem(snapshot: PodSnapshot, inits: ContainerView[], settings: EngineSettings): InitProblem | null {
  // A running init container younger than the threshold is the answer only if nothing definitive follows it.
  let young: InitProblem | null = null;
  for (const view of inits) {
    const status = view.status;
    if (!status) continue;
    const { waiting, running, terminated } = status.state ?? {};
    const last = status.lastState?.terminated;
    if (waiting) {
      // Other waiting reasons (ErrImagePull, CreateContainerConfigError, PodInitializing …) are not an init failure.
      if (waiting.reason === CRASH_LOOP_BACK_OFF && last) return { kind: 'crash-loop', view, last };
      if (waiting.reason === CRASH_LOOP_BACK_OFF && status.restartCount > 0) return { kind: 'unreported', view };
      continue;
    }
    if (terminated) {
      if (terminated.exitCode !== 0) return { kind: 'error', view, last: terminated };
      continue;
    }
    if (running) {
      if (last && last.exitCode !== 0 && status.restartCount >= LOOPING_RESTARTS) return { kind: 'crash-loop', view, last };
      const runningFor = secondsBetween(running.startedAt, snapshot.observedAt);
      if (isSidecar(view.spec)) {
        // A native sidecar keeps running by design; it holds the Pod back only if the kubelet does not know it is one.
        const ignored = ignoredSidecar(snapshot, inits, view, runningFor, settings);
        if (ignored) return ignored;
        continue;
      }
      if (running.startedAt && runningFor !== null && runningFor >= settings.initStuckAfterSeconds) {
        return { kind: 'stuck', view, startedAt: running.startedAt, runningFor };
      }
      if (running.startedAt && runningFor !== null && runningFor >= 0) young ??= { kind: 'stuck', view, startedAt: running.startedAt, runningFor };
    }
  }
  return young;
}

function isSidecar(spec: Container | undefined): boolean {
  return spec?.restartPolicy === SIDECAR_RESTART_POLICY;
}

/**
 * A native sidecar the kubelet treats as a plain init container: it has run past the threshold and nothing after it
 * has started (the next init containers and the app containers still wait). A kubelet that supports sidecars starts
 * the next container as soon as the sidecar has started (kubernetes KEP-753, pkg/kubelet/kuberuntime
 * computeInitContainerActions); one from before 1.28, or without the SidecarContainers gate, waits for it to exit.
 */
function ignoredSidecar(snapshot: PodSnapshot, inits: ContainerView[], view: ContainerView, runningFor: number | null, settings: EngineSettings): InitProblem | null {
  const startedAt = view.status?.state?.running?.startedAt;
  if (!startedAt || runningFor === null || runningFor < settings.initStuckAfterSeconds) return null;
  const after = [...inits.slice(inits.indexOf(view) + 1), ...containers(snapshot.pod).filter((v) => !v.isInit)];
  const nothingStarted = after.every((v) => !v.status?.state?.running && !v.status?.state?.terminated && !v.status?.lastState?.terminated);
  if (!nothingStarted) return null;
  return { kind: 'stuck', view, startedAt, runningFor, sidecar: { kind: 'ignored', node: snapshot.pod.spec.nodeName ?? '?' } };
}

// Images of proxies and agents that run for the Pod's whole life; as plain init containers they never exit.
// (Google's cloud-sql-proxy, Istio's proxyv2, Envoy, Linkerd's proxy, oauth2-proxy.)
const LONG_RUNNING_IMAGES = /(?:^|\/)(?:cloud-sql-proxy|cloudsql-proxy|proxyv2|envoy|linkerd2?-proxy|oauth2-proxy)(?::|@|$)/;

/** Whether a stuck (plain) init container looks like it was meant to be a native sidecar: a well-known long-running proxy. */
function sidecarIntent(view: ContainerView): SidecarIntent | null {
  const image = view.spec?.image ?? '';
  return LONG_RUNNING_IMAGES.test(image) ? { kind: 'image', image } : null;
}

/** `Init:1/3`: how far initialization got, as kubectl prints it. */
function progress(inits: ContainerView[]): string {
  const done = inits.filter((v) => {
    const state = v.status?.state;
    if (isSidecar(v.spec)) return v.status?.started === true || state?.running !== undefined;
    return state?.terminated?.exitCode === 0;
  }).length;
  return `Init:${done}/${inits.length}`;
}

function summarize(pod: Pod, inits: ContainerView[], problem: InitProblem, settings: EngineSettings): string {
  const name = problem.view.name;
  const waitsOn = dependencyOf(problem.view.spec);
  if (problem.kind === 'stuck') {
    const on = waitsOn ? `; it appears to wait for ${waitsOn}` : '';
    const sidecar = problem.sidecar
      ? problem.sidecar.kind === 'ignored'
        ? ` Its spec makes it a native sidecar (restartPolicy: Always), but the kubelet on node ${problem.sidecar.node} waits for it to exit like a plain init container: that kubelet predates native sidecars (before 1.28) or runs without the SidecarContainers feature gate.`
        : ` Its image (${problem.sidecar.image}) is a long-running proxy or agent: as a plain init container it never exits; it needs restartPolicy: Always (a native sidecar).`
      : '';
    if (problem.runningFor < settings.initStuckAfterSeconds) {
      return `Init container ${name} has been running for ${formatDuration(problem.runningFor)} and has not finished yet, so the Pod is in ${progress(inits)} and its app containers have not started${on}.${sidecar}`;
    }
    return `Init container ${name} has been running for ${formatDuration(problem.runningFor)} (limit ${formatDuration(settings.initStuckAfterSeconds)}) without finishing, so the Pod stays in ${progress(inits)} and its app containers never start${on}.${sidecar}`;
  }
  if (problem.kind === 'unreported') {
    const restarts = problem.view.status?.restartCount ?? 0;
    return `Init container ${name} keeps failing (Init:CrashLoopBackOff, ${restarts} restart${restarts === 1 ? '' : 's'}), so the Pod stays in ${progress(inits)} and its app containers cannot start; exit code unknown: the kubelet did not report the last termination.`;
  }
  const code = problem.last.exitCode;
  // "1: general application error (the program reported a failure)" → "general application error"
  const meaning = exitCodeMeaning(code, problem.last.reason).replace(/^\d+(?: = [^:]+)?: /, '').replace(/\s*\([^)]*\)/g, '');
  const restarts = problem.view.status?.restartCount ?? 0;
  const tail = problem.kind === 'crash-loop'
    ? `the kubelet keeps restarting it (CrashLoopBackOff, ${restarts} restart${restarts === 1 ? '' : 's'}) and the app containers cannot start`
    : pod.spec.restartPolicy === RESTART_NEVER
      ? 'with restartPolicy Never the Pod has failed'
      : 'the app containers cannot start until it succeeds';
  return `Init container ${name} exits with code ${code} (${meaning}); ${tail}.`;
}

function evidenceFor(snapshot: PodSnapshot, problem: InitProblem): Evidence[] {
  const { view } = problem;
  const status = view.status;
  const evidence: Evidence[] = [];
  if (problem.kind === 'stuck') {
    evidence.push({ kind: 'status', field: `${view.statusPath}.state.running.startedAt`, value: problem.startedAt });
  } else if (problem.kind === 'unreported') {
    evidence.push(
      { kind: 'status', field: `${view.statusPath}.state.waiting.reason`, value: CRASH_LOOP_BACK_OFF },
      { kind: 'status', field: `${view.statusPath}.lastState`, value: '{} (exit code unknown: the kubelet did not report the last termination)' },
    );
  } else {
    const waiting = status?.state?.waiting;
    if (waiting?.reason) evidence.push({ kind: 'status', field: `${view.statusPath}.state.waiting.reason`, value: waiting.reason });
    else if (problem.kind === 'error') {
      evidence.push({ kind: 'status', field: `${view.statusPath}.state.terminated.reason`, value: problem.last.reason ?? '(none)' });
    }
    evidence.push({
      kind: 'exit-code',
      container: view.name,
      exitCode: problem.last.exitCode,
      reason: problem.last.reason ?? null,
      meaning: exitCodeMeaning(problem.last.exitCode, problem.last.reason),
      ranForSeconds: secondsBetween(problem.last.startedAt, problem.last.finishedAt),
      finishedAt: problem.last.finishedAt ?? null,
    });
    if (problem.last.message) {
      const where = status?.state?.terminated ? 'state' : 'lastState';
      evidence.push({ kind: 'status', field: `${view.statusPath}.${where}.terminated.message`, value: clip(problem.last.message) });
    }
  }
  evidence.push({ kind: 'status', field: `${view.statusPath}.restartCount`, value: String(status?.restartCount ?? 0) });
  const initialized = podCondition(snapshot.pod, INITIALIZED);
  if (initialized) {
    evidence.push({ kind: 'status', field: `status.conditions[${INITIALIZED}]`, value: `${initialized.status}${initialized.reason ? ` (${initialized.reason})` : ''}` });
  }
  const command = commandLine(view.spec);
  if (command) evidence.push({ kind: 'spec', field: `${view.specPath}.command`, value: clip(command) });
  for (const line of logTail(snapshot, view.name, problem.kind !== 'stuck')) evidence.push(line);
  const backOff = backOffEvent(snapshot, view);
  if (backOff) evidence.push(eventEvidence(backOff, snapshot.observedAt));
  return evidence;
}

/** The last lines of the init container's log: of the crashed instance when it loops, else of the current one. */
function logTail(snapshot: PodSnapshot, container: string, preferPrevious: boolean): Evidence[] {
  const tails = snapshot.logs.filter((l) => l.container === container);
  const tail = tails.find((l) => l.previous === preferPrevious) ?? tails[0];
  if (!tail) return [];
  return tail.lines
    .filter((line) => line.trim() !== '')
    .slice(-LOG_LINES)
    .map((line) => ({ kind: 'log', container, previous: tail.previous, line: clip(line) }));
}

function backOffEvent(snapshot: PodSnapshot, view: ContainerView): KubeEvent | undefined {
  return podEvents(snapshot, [EVENT_BACK_OFF]).find(
    (e) =>
      e.involvedObject.fieldPath === `spec.initContainers{${view.name}}` ||
      (e.message ?? '').startsWith(`${BACK_OFF_RESTARTING_PREFIX}${view.name} `),
  );
}

function commandLine(spec: Container | undefined): string | null {
  const parts = [...(spec?.command ?? []), ...(spec?.args ?? [])];
  return parts.length > 0 ? parts.join(' ') : null;
}

/**
 * Patterns of the usual "wait for X" init scripts; the first capture is the host they wait on.
 * Hosts only: a URL's path or a port is cut off.
 */
const WAIT_PATTERNS: readonly RegExp[] = [
  /\b(?:nslookup|dig|host|getent\s+hosts)\s+(?:-\S+\s+)*([A-Za-z0-9][\w.-]*)/,
  /\b(?:nc|ncat|telnet)\s+(?:-\S+(?:\s+\d+)?\s+)*([A-Za-z0-9][\w.-]*)\s+\d+/,
  /\bwait-for(?:-it)?(?:\.sh)?\s+(?:-\S+\s+)*([A-Za-z0-9][\w.-]*):\d+/,
  /\b(?:pg_isready|mysqladmin|redis-cli|mongosh|mongo)\b[^;&|]*?\s(?:-h|--host)[=\s]+([A-Za-z0-9][\w.-]*)/,
  /\b(?:curl|wget)\b[^;&|]*?https?:\/\/([A-Za-z0-9][\w.-]*)/,
];

/** The host an init container's command waits on, if its command is one of the usual wait loops. */
export function dependencyOf(spec: Container | undefined): string | null {
  const command = commandLine(spec);
  if (!command) return null;
  for (const pattern of WAIT_PATTERNS) {
    const host = pattern.exec(command)?.[1];
    if (host && host !== 'localhost' && !host.startsWith('$')) return host;
  }
  return null;
}

function remediationFor(pod: Pod, problem: InitProblem): Remediation[] {
  const ns = pod.metadata.namespace;
  const name = problem.view.name;
  const out: Remediation[] = [];
  const previous = problem.kind === 'crash-loop' || problem.kind === 'unreported' ? ' --previous' : '';
  out.push({
    text: problem.kind === 'stuck'
      ? `Read what ${name} is doing (it is still running).`
      : `Read why ${name} failed: the log of the ${problem.kind === 'error' ? 'failed run' : 'crashed instance'}.`,
    command: kubectl(ns, `logs ${shellQuote(pod.metadata.name)} -c ${shellQuote(name)}${previous}`),
  });
  const host = dependencyOf(problem.view.spec);
  if (host) {
    out.push({
      text: `${name} depends on ${host}: check that the name resolves from inside the cluster and that the service behind it has ready endpoints.`,
      command: kubectl(ns, `run dns-check --rm -it --restart=Never --image=busybox:1.36 -- nslookup ${shellQuote(host)}`),
    });
  }
  if (problem.kind === 'unreported') {
    out.push({ text: `Fix what ${name} checks or does (its command is ${commandLine(problem.view.spec) ?? 'the image entrypoint'}); the exit code appears in lastState once the kubelet reports the next termination.` });
  } else if (problem.kind !== 'stuck') {
    const code = problem.last.exitCode;
    if (problem.last.reason === OOM_KILLED) {
      out.push({ text: `${name} was killed for exceeding its memory limit: raise ${problem.view.specPath}.resources.limits.memory.` });
    } else if (code === 126 || code === 127) {
      out.push({ text: `The command of ${name} cannot be run (${code === 127 ? 'not found' : 'not executable'}): fix ${problem.view.specPath}.command/args or the image.` });
    } else {
      out.push({ text: `Fix what ${name} checks or does (its command is ${commandLine(problem.view.spec) ?? 'the image entrypoint'}), or its configuration in ${problem.view.specPath}; the Pod retries it ${pod.spec.restartPolicy === RESTART_NEVER ? 'only if it is re-created (restartPolicy Never)' : 'with back-off'}.` });
    }
  } else if (problem.sidecar) {
    out.push({
      text: `Native sidecars (restartPolicy: Always on an init container) need Kubernetes 1.29+ (1.28 with the SidecarContainers feature gate) on the API server and on the node's kubelet; an older API server drops the field, an older kubelet ignores it. Upgrade them, or run ${name} as a regular container next to the app.`,
      command: `kubectl version; kubectl get node ${pod.spec.nodeName ? shellQuote(pod.spec.nodeName) : '<node>'} -o jsonpath='{.status.nodeInfo.kubeletVersion}'`,
      docsUrl: 'https://kubernetes.io/docs/concepts/workloads/pods/sidecar-containers/',
    });
  } else if (!host) {
    out.push({ text: `Find out what ${name} waits for (its command: ${commandLine(problem.view.spec) ?? 'the image entrypoint'}) and make that dependency available, or give the step a timeout so it fails visibly.` });
  }
  out.push({ text: 'See the init containers\' states and events.', command: kubectl(ns, `describe pod ${shellQuote(pod.metadata.name)}`) });
  return out;
}

function actionsFor(problem: InitProblem): SuggestedAction[] {
  const actions: SuggestedAction[] = [{ action: 'show-logs', reason: `The init container ${problem.view.name}'s own log says why it ${problem.kind === 'stuck' ? 'does not finish' : 'fails'}.` }];
  if (problem.kind === 'stuck') {
    actions.push({ action: 'restart-pod', reason: 'After the dependency is back, a new Pod re-runs the init containers from the start.' });
  }
  actions.push({ action: 'rediagnose', reason: 'Check again after fixing the init step or its dependency.' });
  return actions;
}
