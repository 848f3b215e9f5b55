/**
 * Pod plans: how a failing Pod looks at any moment. A plan renders the Pod's status, its events
 * (aggregated with counts) and its container logs from the time the failure began, so rendering it
 * again after an advance moves restart counts, back-offs and event counts the way the kubelet would.
 */
import type { Condition, Container, ContainerState, ContainerStatus, Node, Pod, PodStatus } from '../../contract/k8s.ts';
import {
  CRASH_LOOP_BACK_OFF,
  ERR_IMAGE_PULL,
  EVENT_BACK_OFF,
  EVENT_FAILED,
  EVENT_KILLING,
  EVENT_UNHEALTHY,
  FAILED_SCHEDULING,
  IMAGE_PULL_BACK_OFF,
  REASON_UNSCHEDULABLE,
  START_ERROR,
  UNBOUND_IMMEDIATE_PVC,
} from '../../contract/upstream.ts';
import { Occurrences, type EventProto, type EventSpec } from './events.ts';
import { goDuration, imageIdOf, iso } from './ids.ts';
import { filterNodes, fitErrorMessage, type Usage } from './scheduler.ts';
import { crashLoop, pullRetries, SYNC_RETRY_SECONDS, ticks, type Run } from './timelines.ts';
import {
  containerId,
  fieldPath,
  formatPod,
  placementStatus,
  podRefOf,
  qosClass,
  reportedImage,
  scheduledEvent,
  unreadyMessage,
  type PodPlacement,
} from './workloads.ts';

export interface RenderContext {
  atMs: number;
  pod: Pod;
  nodes(): Node[];
  usage(): ReadonlyMap<string, Usage>;
  pvcPhase(namespace: string, claim: string): string | undefined;
}

export interface ContainerLogs {
  container: string;
  previous: string[];
  current: string[];
}

export interface PodRender {
  status?: PodStatus;
  events: EventSpec[];
  logs?: ContainerLogs[];
  /** A pending plan found a node: the scheduler binds the Pod there. */
  bind?: string;
}

export interface PodPlan {
  readonly kind: string;
  /** Rendered by the kubelet on the Pod's node: frozen while that node is lost. */
  readonly kubelet: boolean;
  render(ctx: RenderContext): PodRender;
}

const kubeletSource = (node: string) => ({ component: 'kubelet', host: node });

// ---------- shared status pieces ----------

interface ConditionSet {
  createdMs: number;
  initialized: boolean;
  initPending?: string[];
  ready: boolean;
  unready: string[];
  readySinceMs: number;
  scheduled?: Condition;
}

/**
 * Pod conditions as the kubelet's status generator writes them.
 * source: kubernetes/kubernetes pkg/kubelet/status/generate.go (GeneratePodReadyCondition: ContainersNotReady,
 *   "containers with unready status: %s"; GeneratePodInitializedCondition: ContainersNotInitialized,
 *   "containers with incomplete status: %s"); pkg/kubelet/kubelet_pods.go (PodReadyToStartContainers).
 */
export function podConditions(c: ConditionSet): Condition[] {
  const since = iso(c.readySinceMs);
  const readyCondition = (type: string): Condition =>
    c.ready
      ? { type, status: 'True', lastTransitionTime: since }
      : { type, status: 'False', reason: 'ContainersNotReady', message: unreadyMessage(c.unready), lastTransitionTime: since };
  return [
    { type: 'PodReadyToStartContainers', status: 'True', lastTransitionTime: iso(c.createdMs + 2000) },
    c.initialized
      ? { type: 'Initialized', status: 'True', lastTransitionTime: iso(c.createdMs + 1000) }
      : { type: 'Initialized', status: 'False', reason: 'ContainersNotInitialized', message: `containers with incomplete status: [${(c.initPending ?? []).join(' ')}]`, lastTransitionTime: iso(c.createdMs + 1000) },
    readyCondition('Ready'),
    readyCondition('ContainersReady'),
    c.scheduled ?? { type: 'PodScheduled', status: 'True', lastTransitionTime: iso(c.createdMs) },
  ];
}

function runningContainer(pod: Pod, c: Container, startedMs: number, ready: boolean): ContainerStatus {
  const image = reportedImage(c.image ?? '');
  return {
    name: c.name,
    ready,
    started: true,
    restartCount: 0,
    image,
    imageID: imageIdOf(image),
    containerID: containerId(pod.metadata.uid ?? '', c.name, 0),
    state: { running: { startedAt: iso(startedMs) } },
  };
}

function waitingContainer(c: Container, reason: string, message?: string): ContainerStatus {
  return {
    name: c.name,
    ready: false,
    started: false,
    restartCount: 0,
    image: c.image ?? '',
    imageID: '',
    state: { waiting: message ? { reason, message } : { reason } },
  };
}

function statusBase(pod: Pod, place: PodPlacement, createdMs: number): Pick<PodStatus, 'qosClass' | 'startTime'> & Record<string, unknown> {
  return { ...placementStatus(place), qosClass: qosClass(pod.spec), startTime: iso(createdMs + 1000) };
}

function evBase(pod: Pod, node: string, container?: string, init = false): Pick<EventSpec, 'involved' | 'namespace'> & { source: EventProto['source'] } {
  return {
    involved: container ? { ...podRefOf(pod), fieldPath: fieldPath(container, init) } : podRefOf(pod),
    namespace: pod.metadata.namespace ?? 'default',
    source: kubeletSource(node),
  };
}

function specs(pod: Pod, occ: Occurrences, container?: string, init = false): EventSpec[] {
  const involved = container ? { ...podRefOf(pod), fieldPath: fieldPath(container, init) } : podRefOf(pod);
  return occ.toSpecs(involved, pod.metadata.namespace ?? 'default');
}


// ---------- crash loops ----------

export interface CrashRunEvents {
  /** Extra events of one run (probe failures, hook failures), added to `occ` for the container. */
  (run: Run, occ: Occurrences, atMs: number, proto: (type: EventProto['type'], reason: string, message: string) => EventProto): void;
}

export interface CrashParams {
  createdMs: number;
  place: PodPlacement;
  container: string;
  init?: boolean;
  /** How long each instance runs before it exits (0: the runtime refuses to start it). */
  runSeconds: number;
  exitCode: number;
  /** terminated.reason: Error, OOMKilled, StartError, Completed. */
  reason: string;
  /** terminated.message (the runtime's error for StartError). */
  message?: string;
  /** Per-run events beyond Pulled/Created/Started (or Failed for a StartError). */
  runEvents?: CrashRunEvents;
  /** What the crashed instance logged (kubectl logs --previous). */
  logs?: string[];
  /** Lines an instance logs right after it starts (its current log while running). */
  startupLogs?: string[];
  /** Events about other objects that each run causes (the node's SystemOOM), from the runs so far. */
  otherEvents?: (runs: readonly Run[], atMs: number) => EventSpec[];
}

/**
 * A container that crashes over and over: CrashLoopBackOff between runs, restartCount, lastState with the
 * exit, BackOff events at every pod-worker retry during a back-off.
 * source: kubernetes/kubernetes pkg/kubelet/kuberuntime/kuberuntime_manager.go (doBackOff: waiting message
 *   "back-off %s restarting failed container=%s pod=%s", Warning BackOff "Back-off restarting failed container %s in pod %v");
 *   pkg/kubelet/container/sync_result.go (ErrCrashLoopBackOff = "CrashLoopBackOff"); containerd
 *   internal/cri/server/helpers.go (terminated reasons "Error", "OOMKilled", "Completed"; "StartError" with exit 128
 *   and a zero startedAt when the task never started, internal/cri/server/container_start.go).
 */
export function crashPlan(p: CrashParams): PodPlan {
  const startError = p.reason === START_ERROR;
  return {
    kind: 'crash-loop',
    kubelet: true,
    render(ctx) {
      const { pod, atMs } = ctx;
      const node = p.place.node;
      const all = [...(pod.spec.initContainers ?? []).map((c) => ({ c, init: true })), ...pod.spec.containers.map((c) => ({ c, init: false }))];
      const failing = all.find((x) => x.c.name === p.container && x.init === (p.init ?? false));
      if (!failing) throw new Error(`sim: container ${p.container} not in pod ${pod.metadata.name}`);
      const firstStart = p.createdMs + 2000;
      const state = crashLoop(firstStart, p.runSeconds, atMs);
      const occ = new Occurrences();
      const base = evBase(pod, node, p.container, p.init);
      const proto = (type: EventProto['type'], reason: string, message: string): EventProto => ({ type, reason, message, source: base.source });
      const image = failing.c.image ?? '';
      for (const run of state.runs) {
        occ.add('Pulled', proto('Normal', 'Pulled', `Container image "${image}" already present on machine`), run.startMs - 500);
        occ.add('Created', proto('Normal', 'Created', `Created container: ${p.container}`), run.startMs);
        if (startError) {
          // source: pkg/kubelet/kuberuntime/kuberuntime_container.go (startContainer: FailedToStartContainer, "Error: %v")
          occ.add(EVENT_FAILED, proto('Warning', EVENT_FAILED, `Error: ${p.message ?? ''}`), run.startMs);
        } else {
          occ.add('Started', proto('Normal', 'Started', `Started container ${p.container}`), run.startMs);
        }
        p.runEvents?.(run, occ, atMs, proto);
        if (run.endMs !== undefined && (run.backoffSeconds ?? 0) > 0) {
          const from = run.endMs + 1000;
          const to = Math.min(run.nextStartMs ?? atMs, atMs + 1);
          occ.addPeriodic(EVENT_BACK_OFF, proto('Warning', EVENT_BACK_OFF, `Back-off restarting failed container ${p.container} in pod ${formatPod(pod)}`), from, to, SYNC_RETRY_SECONDS * 1000);
        }
      }

      const terminated = (run: Run, instance: number): ContainerState => ({
        terminated: {
          exitCode: p.exitCode,
          reason: p.reason,
          ...(p.message ? { message: p.message } : {}),
          startedAt: startError ? '1970-01-01T00:00:00Z' : iso(run.startMs),
          finishedAt: iso(run.endMs ?? run.startMs),
          containerID: containerId(pod.metadata.uid ?? '', p.container, instance),
        },
      });
      const lastIndex = state.runs.length - 1;
      let cs: ContainerStatus;
      const reported = reportedImage(image);
      const common = { name: p.container, restartCount: state.restartCount, image: reported, imageID: imageIdOf(reported) };
      let readySince = p.createdMs + 1000;
      let ready = false;
      if (state.phase === 'not-started') {
        cs = { ...waitingContainer(failing.c, 'ContainerCreating'), restartCount: 0 };
      } else if (state.phase === 'running') {
        const current = state.current as Run;
        const probe = failing.c.readinessProbe;
        const readyAt = current.startMs + (probe ? (probe.initialDelaySeconds ?? 0) * 1000 + (probe.periodSeconds ?? 10) * 1000 : 0);
        ready = !failing.init && atMs >= readyAt;
        readySince = ready ? readyAt : current.startMs;
        cs = {
          ...common,
          ready,
          started: true,
          containerID: containerId(pod.metadata.uid ?? '', p.container, lastIndex),
          state: { running: { startedAt: iso(current.startMs) } },
          ...(state.last ? { lastState: terminated(state.last, lastIndex - 1) } : {}),
        };
      } else {
        const last = state.last as Run;
        readySince = last.endMs ?? last.startMs;
        const waiting: ContainerState = state.phase === 'backoff'
          ? { waiting: { reason: CRASH_LOOP_BACK_OFF, message: `back-off ${goDuration(state.backoffSeconds ?? 0)} restarting failed container=${p.container} pod=${formatPod(pod)}` } }
          : terminated(last, lastIndex);
        const previous = state.phase === 'backoff' ? terminated(last, lastIndex) : state.runs.length > 1 ? terminated(state.runs[lastIndex - 1] as Run, lastIndex - 1) : undefined;
        cs = {
          ...common,
          ready: false,
          started: false,
          containerID: containerId(pod.metadata.uid ?? '', p.container, lastIndex),
          state: waiting,
          ...(previous ? { lastState: previous } : {}),
        };
      }

      const others = all.filter((x) => x !== failing);
      const appStart = p.createdMs + 2000;
      let status: PodStatus;
      if (failing.init) {
        status = {
          phase: 'Pending',
          conditions: podConditions({ createdMs: p.createdMs, initialized: false, initPending: [p.container], ready: false, unready: pod.spec.containers.map((c) => c.name), readySinceMs: p.createdMs + 1000 }),
          initContainerStatuses: [cs],
          containerStatuses: pod.spec.containers.map((c) => waitingContainer(c, 'PodInitializing')),
          ...statusBase(pod, p.place, p.createdMs),
        };
      } else {
        const otherStatuses = others.filter((x) => !x.init).map((x) => runningContainer(pod, x.c, appStart, true));
        const unready = ready ? [] : [p.container];
        status = {
          phase: 'Running',
          conditions: podConditions({ createdMs: p.createdMs, initialized: true, ready, unready, readySinceMs: readySince }),
          containerStatuses: pod.spec.containers.map((c) => (c.name === p.container ? cs : (otherStatuses.find((s) => s.name === c.name) as ContainerStatus))),
          ...statusBase(pod, p.place, p.createdMs),
        };
        if (state.phase === 'not-started') status.phase = 'Pending';
      }

      const events = [scheduledEvent(pod, node, p.createdMs), ...specs(pod, occ, p.container, p.init), ...(p.otherEvents?.(state.runs, atMs) ?? [])];
      const crashed = state.runs.some((r) => r.endMs !== undefined);
      const logs: ContainerLogs[] = [];
      if (p.logs || p.startupLogs) {
        const crashLines = p.logs ?? [];
        const startup = p.startupLogs ?? crashLines.slice(0, 1);
        logs.push({
          container: p.container,
          previous: crashed ? crashLines : [],
          current: state.phase === 'running' ? startup : crashed ? crashLines : [],
        });
      }
      return { status, events, logs };
    },
  };
}

// ---------- image pulls ----------

export interface PullParams {
  createdMs: number;
  place: PodPlacement;
  container: string;
  image: string;
  /** How long each pull runs before it fails. */
  pullSeconds: number;
  /** The runtime's error, as the kubelet passes it on (after "Failed to pull image %q: "). */
  error: string;
}

/**
 * Image pulls failing and backing off.
 * source: kubernetes/kubernetes pkg/kubelet/images/image_manager.go (Pulling "Pulling image %q"; Failed
 *   "Failed to pull image %q: %v"; BackOff "Back-off pulling image %q"; since 1.32 the ImagePullBackOff waiting
 *   message carries the previous error: "Back-off pulling image %q: ErrImagePull: %v");
 *   pkg/kubelet/images/types.go (ErrImagePull "ErrImagePull", ErrImagePullBackOff "ImagePullBackOff");
 *   pkg/kubelet/kuberuntime/kuberuntime_container.go ("Error: %v" Failed events).
 */
export function pullPlan(p: PullParams): PodPlan {
  return {
    kind: 'image-pull',
    kubelet: true,
    render(ctx) {
      const { pod, atMs } = ctx;
      const node = p.place.node;
      const attempts = pullRetries(p.createdMs + 1000, p.pullSeconds, atMs);
      const occ = new Occurrences();
      const source = kubeletSource(node);
      const proto = (type: EventProto['type'], reason: string, message: string): EventProto => ({ type, reason, message, source });
      for (const a of attempts) {
        occ.add('Pulling', proto('Normal', 'Pulling', `Pulling image "${p.image}"`), a.startMs);
        if (a.failMs === undefined) continue;
        occ.add('Failed|pull', proto('Warning', EVENT_FAILED, `Failed to pull image "${p.image}": ${p.error}`), a.failMs);
        occ.add('Failed|ErrImagePull', proto('Warning', EVENT_FAILED, `Error: ${ERR_IMAGE_PULL}`), a.failMs);
        const from = a.failMs + SYNC_RETRY_SECONDS * 1000;
        const to = Math.min(a.nextMs ?? atMs, atMs + 1);
        occ.addPeriodic(EVENT_BACK_OFF, proto('Normal', EVENT_BACK_OFF, `Back-off pulling image "${p.image}"`), from, to, SYNC_RETRY_SECONDS * 1000);
        occ.addPeriodic('Failed|ImagePullBackOff', proto('Warning', EVENT_FAILED, `Error: ${IMAGE_PULL_BACK_OFF}`), from, to, SYNC_RETRY_SECONDS * 1000);
      }
      const lastFailed = [...attempts].reverse().find((a) => a.failMs !== undefined);
      let waiting: { reason: string; message?: string } = { reason: 'ContainerCreating' };
      if (lastFailed?.failMs !== undefined) {
        const stillErr = attempts.at(-1) === lastFailed && atMs < lastFailed.failMs + SYNC_RETRY_SECONDS * 1000;
        waiting = stillErr
          ? { reason: ERR_IMAGE_PULL, message: p.error }
          : { reason: IMAGE_PULL_BACK_OFF, message: `Back-off pulling image "${p.image}": ${ERR_IMAGE_PULL}: ${p.error}` };
      }
      const containers = pod.spec.containers.map((c) => (c.name === p.container ? { ...waitingContainer(c, waiting.reason, waiting.message), image: p.image } : waitingContainer(c, 'ContainerCreating')));
      const status: PodStatus = {
        phase: 'Pending',
        conditions: podConditions({ createdMs: p.createdMs, initialized: true, ready: false, unready: pod.spec.containers.map((c) => c.name), readySinceMs: p.createdMs + 1000 }),
        containerStatuses: containers,
        ...statusBase(pod, p.place, p.createdMs),
      };
      return { status, events: [scheduledEvent(pod, node, p.createdMs), ...specs(pod, occ, p.container)] };
    },
  };
}

// ---------- container configuration errors ----------

export interface ConfigErrorParams {
  createdMs: number;
  place: PodPlacement;
  container: string;
  /** CreateContainerConfigError or CreateContainerError. */
  reason: string;
  message: string;
}

/**
 * The kubelet cannot build the container's config (missing ConfigMap/Secret, bad subPath) or the runtime
 * cannot create it; every pod-worker retry pulls (image present) and fails again.
 * source: kubernetes/kubernetes pkg/kubelet/kuberuntime/kuberuntime_container.go (startContainer:
 *   ErrCreateContainerConfig, ErrCreateContainer, Warning Failed "Error: %v").
 */
export function configErrorPlan(p: ConfigErrorParams): PodPlan {
  return {
    kind: 'config-error',
    kubelet: true,
    render(ctx) {
      const { pod, atMs } = ctx;
      const node = p.place.node;
      const occ = new Occurrences();
      const source = kubeletSource(node);
      const spec = pod.spec.containers.find((c) => c.name === p.container);
      const from = p.createdMs + 2000;
      occ.addPeriodic('Pulled', { type: 'Normal', reason: 'Pulled', message: `Container image "${spec?.image ?? ''}" already present on machine`, source }, from, atMs + 1, SYNC_RETRY_SECONDS * 1000);
      occ.addPeriodic(EVENT_FAILED, { type: 'Warning', reason: EVENT_FAILED, message: `Error: ${p.message}`, source }, from, atMs + 1, SYNC_RETRY_SECONDS * 1000);
      const started = atMs >= from;
      const status: PodStatus = {
        phase: 'Pending',
        conditions: podConditions({ createdMs: p.createdMs, initialized: true, ready: false, unready: pod.spec.containers.map((c) => c.name), readySinceMs: p.createdMs + 1000 }),
        containerStatuses: pod.spec.containers.map((c) =>
          c.name === p.container && started ? waitingContainer(c, p.reason, p.message) : waitingContainer(c, 'ContainerCreating'),
        ),
        ...statusBase(pod, p.place, p.createdMs),
      };
      return { status, events: [scheduledEvent(pod, node, p.createdMs), ...specs(pod, occ, p.container)] };
    },
  };
}

// ---------- readiness ----------

export interface ReadinessParams {
  createdMs: number;
  place: PodPlacement;
  container: string;
  /** When the probe started failing (the app was Ready before). */
  failingSinceMs: number;
  /** What the prober reports after "Readiness probe failed: ". */
  result: string;
}

/**
 * A running container whose readiness probe fails: Unhealthy every period, Ready=False after
 * failureThreshold failures, no restarts.
 * source: kubernetes/kubernetes pkg/kubelet/prober/prober.go (Warning Unhealthy "%s probe failed: %s");
 *   pkg/kubelet/prober/worker.go (failureThreshold consecutive failures flip the result).
 */
export function readinessPlan(p: ReadinessParams): PodPlan {
  return {
    kind: 'readiness',
    kubelet: true,
    render(ctx) {
      const { pod, atMs } = ctx;
      const node = p.place.node;
      const spec = pod.spec.containers.find((c) => c.name === p.container);
      const probe = spec?.readinessProbe;
      const period = probe?.periodSeconds ?? 10;
      const threshold = probe?.failureThreshold ?? 3;
      const occ = new Occurrences();
      const source = kubeletSource(node);
      occ.addPeriodic(EVENT_UNHEALTHY, { type: 'Warning', reason: EVENT_UNHEALTHY, message: `Readiness probe failed: ${p.result}`, source }, p.failingSinceMs, atMs + 1, period * 1000);
      const startedMs = p.createdMs + 3000;
      const readyMs = startedMs + period * 1000;
      const notReadyMs = p.failingSinceMs + (threshold - 1) * period * 1000;
      const failing = atMs >= notReadyMs;
      const ready = !failing && atMs >= readyMs;
      const status: PodStatus = {
        phase: 'Running',
        conditions: podConditions({ createdMs: p.createdMs, initialized: true, ready, unready: ready ? [] : [p.container], readySinceMs: failing ? notReadyMs : readyMs }),
        containerStatuses: pod.spec.containers.map((c) => runningContainer(pod, c, startedMs, c.name === p.container ? ready : true)),
        ...statusBase(pod, p.place, p.createdMs),
      };
      return { status, events: specs(pod, occ, p.container) };
    },
  };
}

// ---------- scheduling ----------

export interface PendingParams {
  createdMs: number;
  /** Claims whose PVC must be Bound before the Pod can be scheduled (VolumeBinding PreFilter). */
  claims?: string[];
}

/**
 * kube-scheduler retrying an unschedulable Pod. Without a relevant cluster event the Pod waits in the
 * unschedulable queue until the periodic flush, 5 minutes. When a node fits again (a node added, a taint
 * removed, a claim bound) the plan binds the Pod.
 * source: kubernetes/kubernetes pkg/scheduler/backend/queue/scheduling_queue.go (DefaultPodMaxInUnschedulablePodsDuration
 *   = 5m, flushUnschedulablePodsLeftover); pkg/scheduler/schedule_one.go (handleSchedulingFailure: Warning
 *   FailedScheduling, action "Scheduling", PodScheduled=False with reason Unschedulable and the FitError message).
 */
export function pendingPlan(p: PendingParams): PodPlan {
  return {
    kind: 'unschedulable',
    kubelet: false,
    render(ctx) {
      const { pod, atMs } = ctx;
      const ns = pod.metadata.namespace ?? 'default';
      const unbound = (p.claims ?? []).some((claim) => ctx.pvcPhase(ns, claim) !== 'Bound');
      const verdicts = filterNodes(pod.spec, ctx.nodes(), ctx.usage());
      const message = fitErrorMessage(verdicts, unbound ? UNBOUND_IMMEDIATE_PVC : undefined);
      if (message === null) {
        const fits = verdicts.filter((v) => v.reasons.length === 0).map((v) => v.node);
        const usage = ctx.usage();
        const best = [...fits].sort((a, b) => (usage.get(a)?.milliCpu ?? 0) - (usage.get(b)?.milliCpu ?? 0))[0];
        if (best !== undefined) return { events: [], bind: best };
      }
      const attempts = ticks(p.createdMs, 300, atMs);
      const status: PodStatus = {
        phase: 'Pending',
        conditions: [{ type: 'PodScheduled', status: 'False', reason: REASON_UNSCHEDULABLE, message: message ?? '', lastTransitionTime: iso(p.createdMs) }],
        qosClass: qosClass(pod.spec),
      };
      const event: EventSpec = {
        key: FAILED_SCHEDULING,
        involved: podRefOf(pod),
        namespace: ns,
        type: 'Warning',
        reason: FAILED_SCHEDULING,
        message: message ?? '',
        source: { component: 'default-scheduler' },
        style: 'series',
        action: 'Scheduling',
        reportingInstance: 'default-scheduler-control-plane',
        count: attempts.count,
        firstMs: p.createdMs,
        lastMs: attempts.lastMs,
      };
      return { status, events: [event] };
    },
  };
}

// ---------- deletion that never finishes ----------

export interface UnresponsiveParams {
  place: PodPlacement;
  container: string;
  deletedMs: number;
  graceSeconds: number;
  status: PodStatus;
}

/**
 * A Pod whose container will not die: the kubelet sends SIGTERM at deletion, SIGKILL after the grace
 * period, and the runtime's StopContainer keeps timing out (runtime-request-timeout, 2 min), so every
 * attempt ends in FailedKillPod.
 * source: kubernetes/kubernetes pkg/kubelet/kuberuntime/kuberuntime_container.go (killContainer: Normal Killing
 *   "Stopping container %s"); pkg/kubelet/kubelet.go (Warning FailedKillPod "error killing pod: %v");
 *   pkg/kubelet/container/sync_result.go (SyncResult error: `failed to %q for %q with %v: %q`, action
 *   "KillContainer", kubecontainer.ErrKillContainer "KillContainerError").
 */
export function unresponsivePlan(p: UnresponsiveParams): PodPlan {
  return {
    kind: 'unresponsive',
    kubelet: true,
    render(ctx) {
      const { pod, atMs } = ctx;
      const occ = new Occurrences();
      const source = kubeletSource(p.place.node);
      const attemptSeconds = p.graceSeconds + 120;
      occ.addPeriodic(EVENT_KILLING, { type: 'Normal', reason: EVENT_KILLING, message: `Stopping container ${p.container}`, source }, p.deletedMs, atMs + 1, attemptSeconds * 1000);
      const firstFailure = p.deletedMs + attemptSeconds * 1000;
      occ.addPeriodic(
        'FailedKillPod',
        { type: 'Warning', reason: 'FailedKillPod', message: `error killing pod: failed to "KillContainer" for "${p.container}" with KillContainerError: "rpc error: code = DeadlineExceeded desc = context deadline exceeded"`, source },
        firstFailure,
        atMs + 1,
        attemptSeconds * 1000,
      );
      const killing = occ.toSpecs({ ...podRefOf(pod), fieldPath: fieldPath(p.container) }, pod.metadata.namespace ?? 'default').filter((e) => e.reason === EVENT_KILLING);
      const failed = occ.toSpecs(podRefOf(pod), pod.metadata.namespace ?? 'default').filter((e) => e.reason === 'FailedKillPod');
      return { status: p.status, events: [...killing, ...failed] };
    },
  };
}
