/**
 * One builder per cause of shared/scenarios.md: how the workload's template is bent, what the cluster
 * around it looks like (nodes, quotas, claims, namespace labels), and how its Pods fail over time.
 * Reasons, messages and exit codes are those of the fixture corpus (test/fixtures/k8s/<scenario>/<cause>/),
 * with the same upstream sources cited.
 */
import type { Container, Pod, PodStatus } from '../../contract/k8s.ts';
import { parseQuantity } from '../../contract/quantity.ts';
import type { CauseId } from '../../contract/scenarios.ts';
import type { KubeObject } from '../store.ts';
import { createReplacement, finishTermination, loseNodeAt, markDeleted } from './controllers.ts';
import type { EventProto, EventSpec } from './events.ts';
import { digest, formatMilliCpu, imageIdOf, iso } from './ids.ts';
import { cordonedNode, isReady, NODE_CONDITION_TEXT, PRESSURE_TAINTS, pressuredNode, TAINT_UNSCHEDULABLE, uncordonedNode, type PressureType } from './nodes.ts';
import {
  configErrorPlan,
  crashPlan,
  pendingPlan,
  pullPlan,
  readinessPlan,
  unresponsivePlan,
  type CrashRunEvents,
  type PodPlan,
} from './plans.ts';
import { podRequests, usageByNode } from './scheduler.ts';
import { key, rsOwner, type ReplicaSetRecord, type SimState, type WorkloadRecord } from './state.ts';
import { containerId, fieldPath, formatPod, placementStatus, podObject, podRefOf, qosClass, reportedImage, type PodPlacement, type PodTemplate } from './workloads.ts';

/** What a builder knows while it plants a cause. */
export interface Build {
  state: SimState;
  cause: CauseId;
  namespace: string;
  name: string;
  replicas: number;
  /** When the failure began. */
  startedMs: number;
  nowMs: number;
  workload: WorkloadRecord;
}

export type Category =
  /** Pods wait for the scheduler (no node fits, or a claim is unbound). */
  | 'pending'
  /** Pods fail on their node from the start: their template or dependencies are broken. */
  | 'failing'
  /** Admission refuses the Pods: the ReplicaSet records FailedCreate and no Pod exists. */
  | 'admission'
  /** Pods ran fine, then something happened to them (eviction, node loss, deletion). */
  | 'aftermath';

export type RecoverKind = 'rollout' | 'nodes' | 'admission' | 'pvc' | 'restore-node' | 'remove-finalizers' | 'kill' | 'cleanup' | 'finish-termination';

export interface CauseDef {
  cause: CauseId;
  category: Category;
  /** How long ago the failure began when breakWorkload plants it: past the engine's thresholds. */
  startedSecondsAgo: number;
  /** For failures that began after the Pods had been running: how long they ran fine before. */
  ranSecondsBefore?: number;
  template?(t: PodTemplate, b: Build): void;
  setup?(b: Build): void;
  plan?(b: PlanContext, pod: Pod, place: PodPlacement | undefined, createdMs: number): PodPlan;
  admission?(b: Build, podName: string): string;
  aftermath?(b: Build, pods: Pod[]): void;
  /** For pending and failing causes: cluster changes that follow from the Pods (their node under pressure). */
  afterPods?(b: Build, pods: Pod[]): void;
  /** Pods go on a node of their own (so losing it touches no other workload). */
  dedicatedNode?: boolean;
  /** A replacement Pod fails the same way (template problem) or comes up healthy (circumstance). */
  replacement: 'same' | 'healthy';
  recover: RecoverKind;
}

export interface PlanContext {
  state: SimState;
  namespace: string;
  name: string;
}

const main = (t: PodTemplate): Container => t.spec.containers[0] as Container;

// ---------- helpers ----------

function kubeletEvent(pod: Pod, node: string, k: string, type: EventProto['type'], reason: string, message: string, atMs: number, container?: string): EventSpec {
  return {
    key: k,
    involved: container ? { ...podRefOf(pod), fieldPath: fieldPath(container) } : podRefOf(pod),
    namespace: pod.metadata.namespace ?? 'default',
    type,
    reason,
    message,
    source: { component: 'kubelet', host: node },
    count: 1,
    firstMs: atMs,
    lastMs: atMs,
  };
}

function nodeKubeletEvent(node: string, k: string, reason: string, message: string, atMs: number): EventSpec {
  // The kubelet records node events with the node name as uid, in the default namespace (pkg/kubelet/kubelet.go nodeRef).
  return {
    key: k,
    involved: { kind: 'Node', name: node, uid: node },
    namespace: 'default',
    type: 'Warning',
    reason,
    message,
    source: { component: 'kubelet', host: node },
    count: 1,
    firstMs: atMs,
    lastMs: atMs,
  };
}

/** A fully qualified reference, as containerd names it in errors (docker.io/library/ for short names). */
function qualified(image: string): string {
  return reportedImage(image);
}

function placementOf(pod: Pod, state: SimState): PodPlacement {
  const node = state.node(pod.spec.nodeName ?? '');
  const ip = (pod.status as { podIP?: string } | undefined)?.podIP;
  const host = (pod.status as { hostIP?: string } | undefined)?.hostIP;
  if (node && ip && host) return { node: node.metadata.name, hostIP: host, podIP: ip };
  if (!node) throw new Error(`sim: pod ${pod.metadata.name} is not on a node`);
  return state.placement(node);
}

/** A healthy replacement for each of `pods` (their ReplicaSet creates one as soon as a Pod stops counting). */
function replaceAll(b: Build, count: number, atMs: number, avoid?: ReadonlySet<string>): void {
  const rs = b.workload.replicaSets.at(-1) as ReplicaSetRecord;
  for (let i = 0; i < count; i++) createReplacement(b.state, b.workload, rs, atMs, avoid);
}

function pressure(b: Build, nodeName: string, type: PressureType, sinceMs: number): void {
  const node = b.state.node(nodeName);
  if (!node) return;
  b.state.writeNode(pressuredNode(node, type, sinceMs));
  const taintKey = PRESSURE_TAINTS[type];
  b.workload.undo.push(() => {
    const current = b.state.node(nodeName);
    if (!current) return;
    const next = structuredClone(current);
    const at = b.state.isoNow();
    next.status = {
      ...next.status,
      conditions: (next.status?.conditions ?? []).map((c) => (c.type === type ? { ...c, status: 'False', ...NODE_CONDITION_TEXT[type].ok, lastTransitionTime: at } : c)),
    };
    const taints = (next.spec?.taints ?? []).filter((t) => t.key !== taintKey);
    next.spec = { ...next.spec };
    if (taints.length > 0) next.spec.taints = taints;
    else delete next.spec.taints;
    b.state.writeNode(next);
  });
}

/**
 * The status the kubelet leaves on an evicted Pod.
 * source: kubernetes/kubernetes pkg/kubelet/eviction/eviction_manager.go (evictPod: phase Failed, reason "Evicted",
 *   Warning "Evicted" event, DisruptionTarget reason "TerminationByKubelet"); pkg/kubelet/status/status_manager.go
 *   (exit 137 "ContainerStatusUnknown", "The container could not be located when the pod was terminated");
 *   pkg/kubelet/status/generate.go (Ready reason "PodFailed").
 */
function evict(b: Build, pod: Pod, atMs: number, message: string, disruption: boolean): void {
  const node = pod.spec.nodeName ?? '';
  const place = placementOf(pod, b.state);
  const created = Date.parse(pod.metadata.creationTimestamp ?? '') || atMs;
  const status: PodStatus = {
    phase: 'Failed',
    reason: 'Evicted',
    message,
    conditions: [
      ...(disruption ? [{ type: 'DisruptionTarget', status: 'True', reason: 'TerminationByKubelet', message, lastTransitionTime: iso(atMs) }] : []),
      { type: 'PodReadyToStartContainers', status: 'False', lastTransitionTime: iso(atMs + 2000) },
      { type: 'Initialized', status: 'True', lastTransitionTime: iso(created + 1000) },
      { type: 'Ready', status: 'False', reason: 'PodFailed', lastTransitionTime: iso(atMs + 2000) },
      { type: 'ContainersReady', status: 'False', reason: 'PodFailed', lastTransitionTime: iso(atMs + 2000) },
      { type: 'PodScheduled', status: 'True', lastTransitionTime: iso(created) },
    ],
    containerStatuses: pod.spec.containers.map((c) => ({
      name: c.name,
      ready: false,
      started: false,
      restartCount: 0,
      image: reportedImage(c.image ?? ''),
      imageID: imageIdOf(reportedImage(c.image ?? '')),
      state: { terminated: { exitCode: 137, reason: 'ContainerStatusUnknown', message: 'The container could not be located when the pod was terminated' } },
    })),
    ...placementStatus(place),
    qosClass: qosClass(pod.spec),
    startTime: iso(created + 1000),
  };
  b.state.updatePod(pod, (next) => {
    next.status = status;
  });
  b.state.writeEvents([kubeletEvent(pod, node, 'Evicted', 'Warning', 'Evicted', message, atMs)]);
}

/** CPU request that no node can satisfy: above the largest free CPU (resolvable by preemption) or above any node. */
function unsatisfiableCpu(b: Build): string {
  const nodes = b.state.nodes();
  const usage = usageByNode(b.state.pods());
  let maxAlloc = 0;
  let maxFree = 0;
  for (const n of nodes) {
    const alloc = Math.round((parseQuantity(n.status?.allocatable?.cpu) ?? 0) * 1000);
    maxAlloc = Math.max(maxAlloc, alloc);
    maxFree = Math.max(maxFree, alloc - (usage.get(n.metadata.name)?.milliCpu ?? 0));
  }
  const want = maxFree + 500 <= maxAlloc ? Math.ceil((maxFree + 250) / 500) * 500 : Math.ceil((maxAlloc + 1000) / 1000) * 1000;
  return formatMilliCpu(Math.max(want, 1000));
}

function schedulableNodes(b: Build) {
  return b.state.nodes().filter((n) => isReady(n) && !b.state.lostNodes.has(n.metadata.name));
}

function quotaUsage(b: Build): { milliCpu: number; memory: number; pods: number } {
  let milliCpu = 0;
  let memory = 0;
  let pods = 0;
  for (const p of b.state.pods(b.namespace)) {
    if (p.status?.phase === 'Failed' || p.status?.phase === 'Succeeded') continue;
    const r = podRequests(p.spec);
    milliCpu += r.milliCpu;
    memory += r.memory;
    pods += 1;
  }
  return { milliCpu, memory, pods };
}

// ---------- crash-loop run events ----------

/** Liveness probe: 3 failures 10 s apart, then the kubelet kills the container; the app ignores SIGTERM. */
function livenessRunEvents(podIP: string, container: string): CrashRunEvents {
  return (run, occ, atMs, proto) => {
    for (let i = 1; i <= 3; i++) {
      const t = run.startMs + i * 10_000;
      if (t > atMs || (run.endMs !== undefined && t > run.endMs)) break;
      // source: pkg/kubelet/prober/prober.go ("%s probe failed: %s"); pkg/probe/http/http.go passes the Go
      //   net/http transport error through (`Get "…": dial tcp …: connect: connection refused`).
      occ.add('Unhealthy', proto('Warning', 'Unhealthy', `Liveness probe failed: Get "http://${podIP}:9999/healthz": dial tcp ${podIP}:9999: connect: connection refused`), t);
    }
    const kill = run.startMs + 30_000;
    if (kill <= atMs && (run.endMs === undefined || kill <= run.endMs)) {
      // source: pkg/kubelet/kuberuntime/kuberuntime_manager.go (computePodActions: "Container %s failed liveness probe"
      //   + ", will be restarted"), kuberuntime_container.go (killContainer: Normal Killing).
      occ.add('Killing', proto('Normal', 'Killing', `Container ${container} failed liveness probe, will be restarted`), kill);
    }
  };
}

// ---------- the table ----------

const IMAGE_PULL_ERRORS = {
  // source: containerd internal/cri/server/images/image_pull.go ("failed to pull and unpack image %q: %w"),
  //   client/pull.go ("failed to resolve reference %q: %w"), core/remotes/docker/resolver.go ("%s: %w", errdefs.ErrNotFound);
  //   gRPC status "rpc error: code = NotFound desc = …".
  notFound: (ref: string) => `rpc error: code = NotFound desc = failed to pull and unpack image "${ref}": failed to resolve reference "${ref}": ${ref}: not found`,
  // source: containerd core/remotes/docker/resolver.go ("failed to authorize: %w"), authorizer.go ("failed to fetch oauth
  //   token: %w"), core/remotes/errors/errors.go ("unexpected status from %s request to %s: %s").
  unauthorized: (ref: string, host: string, repo: string) =>
    `rpc error: code = Unknown desc = failed to pull and unpack image "${ref}": failed to resolve reference "${ref}": failed to authorize: failed to fetch oauth token: unexpected status from GET request to https://${host}/service/token?scope=repository%3A${encodeURIComponent(repo)}%3Apull&service=harbor-registry: 401 Unauthorized`,
  // source: containerd core/remotes/docker/resolver.go ("failed to do request: %w"); Go net/http url.Error and
  //   net.DNSError ("dial tcp: lookup %s on %s: no such host").
  network: (ref: string, host: string, repo: string, tag: string) =>
    `rpc error: code = Unknown desc = failed to pull and unpack image "${ref}": failed to resolve reference "${ref}": failed to do request: Head "https://${host}/v2/${repo}/manifests/${tag}": dial tcp: lookup ${host} on 127.0.0.53:53: no such host`,
  // source: kubernetes/kubernetes#111528 (PullImage from image service failed … "context deadline exceeded").
  timeout: () => 'rpc error: code = Unknown desc = context deadline exceeded',
  // source: containerd core/remotes/docker/httpreadseeker.go ("httpReadSeeker: failed open: %w"), fetcher.go
  //   ("unexpected status code %v: %v"); Docker Hub TOOMANYREQUESTS (namespacelabs/foundation#846).
  throttled: (ref: string, repo: string, image: string) =>
    `rpc error: code = Unknown desc = failed to pull and unpack image "${ref}": failed to copy: httpReadSeeker: failed open: unexpected status code https://registry-1.docker.io/v2/${repo}/manifests/sha256:${digest('manifest', image)}: 429 Too Many Requests - Server message: toomanyrequests: You have reached your pull rate limit. You may increase the limit by authenticating and upgrading: https://www.docker.com/increase-rate-limit`,
};

interface Named {
  namespace: string;
  name: string;
}

function pullCause(cause: CauseId, image: (b: Named) => string, error: (b: Named, image: string) => string, pullSeconds = 1, extra?: (t: PodTemplate, b: Build) => void): CauseDef {
  return {
    cause,
    category: 'failing',
    startedSecondsAgo: 600,
    template(t, b) {
      main(t).image = image(b);
      extra?.(t, b);
    },
    plan(b, pod, place, createdMs) {
      const c = pod.spec.containers[0] as Container;
      const img = c.image ?? '';
      return pullPlan({ createdMs, place: place as PodPlacement, container: c.name, image: img, pullSeconds, error: error(b, img) });
    },
    replacement: 'same',
    recover: 'rollout',
  };
}

function configCause(cause: CauseId, template: (t: PodTemplate, b: Build) => void, reason: string, message: (c: Container, b: PlanContext) => string): CauseDef {
  return {
    cause,
    category: 'failing',
    startedSecondsAgo: 1200,
    template,
    plan(b, pod, place, createdMs) {
      const c = pod.spec.containers[0] as Container;
      return configErrorPlan({ createdMs, place: place as PodPlacement, container: c.name, reason, message: message(c, b) });
    },
    replacement: 'same',
    recover: 'rollout',
  };
}

function pendingCause(cause: CauseId, template: CauseDef['template'], setup?: CauseDef['setup'], recover: RecoverKind = 'rollout'): CauseDef {
  return {
    cause,
    category: 'pending',
    startedSecondsAgo: 1200,
    ...(template ? { template } : {}),
    ...(setup ? { setup } : {}),
    plan: (_b, _pod, _place, createdMs) => pendingPlan({ createdMs }),
    replacement: 'same',
    recover,
  };
}

function taintEveryNode(b: Build, taint: { key: string; value: string; effect: 'NoSchedule' }): void {
  const touched: string[] = [];
  for (const node of schedulableNodes(b)) {
    if ((node.spec?.taints ?? []).some((t) => t.key === taint.key && t.effect === taint.effect)) continue;
    const next = structuredClone(node);
    next.spec = { ...next.spec, taints: [...(next.spec?.taints ?? []), { ...taint }] };
    b.state.writeNode(next);
    touched.push(node.metadata.name);
  }
  b.workload.undo.push(() => {
    for (const name of touched) {
      const node = b.state.node(name);
      if (!node) continue;
      const next = structuredClone(node);
      const taints = (next.spec?.taints ?? []).filter((t) => !(t.key === taint.key && t.effect === taint.effect));
      next.spec = { ...next.spec };
      if (taints.length > 0) next.spec.taints = taints;
      else delete next.spec.taints;
      b.state.writeNode(next);
    }
  });
}

const CRASH = {
  // Log lines a crashing app writes (application output, quoted by the container-exit evidence).
  configLogs: (path: string) => [`{"level":"info","msg":"loading configuration","path":"${path}"}`, `Error: open ${path}: no such file or directory`],
  // source: Go runtime (src/runtime/panic.go "panic: ", src/runtime/error.go "invalid memory address or nil pointer
  //   dereference", src/runtime/signal_unix.go "[signal SIGSEGV: segmentation violation code=… addr=… pc=…]",
  //   "goroutine %d [running]:"); an unrecovered panic exits with status 2.
  goPanic: (name: string) => [
    `${name}: connected to queue, consuming`,
    'panic: runtime error: invalid memory address or nil pointer dereference',
    '[signal SIGSEGV: segmentation violation code=0x1 addr=0x18 pc=0x6f4c2a]',
    '',
    'goroutine 42 [running]:',
    `main.(*Worker).deliver(0x0, 0xc0001a2000)`,
    `\t/src/${name}/deliver.go:87 +0x2a`,
  ],
};

export const CAUSES: Readonly<Record<CauseId, CauseDef>> = {
  // ===== unschedulable =====
  'unschedulable.insufficient-resources': pendingCause('unschedulable.insufficient-resources', (t, b) => {
    // source: pkg/scheduler/framework/plugins/noderesources/fit.go ("Insufficient cpu"; a request above every node's
    //   allocatable is UnschedulableAndUnresolvable, so preemption reports "Preemption is not helpful for scheduling").
    main(t).resources = { requests: { cpu: unsatisfiableCpu(b), memory: '1Gi' }, limits: { memory: '1Gi' } };
  }),
  'unschedulable.quota-exceeded': {
    cause: 'unschedulable.quota-exceeded',
    category: 'admission',
    startedSecondsAgo: 1200,
    template(t) {
      main(t).resources = { requests: { cpu: '500m', memory: '256Mi' }, limits: { memory: '512Mi' } };
    },
    setup(b) {
      const used = quotaUsage(b);
      const hardCpu = used.milliCpu + 250;
      const hard = { 'requests.cpu': formatMilliCpu(hardCpu), 'requests.memory': '8Gi', pods: '20' };
      const quota = {
        apiVersion: 'v1',
        kind: 'ResourceQuota',
        metadata: { name: 'compute-quota', namespace: b.namespace, uid: b.state.uuid(), creationTimestamp: iso(b.startedMs - 30 * 86_400_000) },
        spec: { hard },
        status: { hard, used: { 'requests.cpu': formatMilliCpu(used.milliCpu), 'requests.memory': `${Math.round(used.memory / 2 ** 20)}Mi`, pods: String(used.pods) } },
      };
      if (!b.state.store.get('resourcequotas', b.namespace, 'compute-quota')) b.state.store.create(quota as unknown as KubeObject);
      b.workload.undo.push(() => {
        const q = b.state.store.get('resourcequotas', b.namespace, 'compute-quota');
        if (!q) return;
        const next = structuredClone(q) as KubeObject & { spec: { hard: Record<string, string> }; status: { hard: Record<string, string> } };
        next.spec.hard = { ...next.spec.hard, 'requests.cpu': '20' };
        next.status.hard = { ...next.status.hard, 'requests.cpu': '20' };
        next.metadata.resourceVersion = undefined;
        b.state.store.update(next);
      });
    },
    admission(b, podName) {
      const q = b.state.store.get('resourcequotas', b.namespace, 'compute-quota') as { status?: { hard?: Record<string, string>; used?: Record<string, string> } } | undefined;
      // source: staging/src/k8s.io/apiserver/pkg/admission/plugin/resourcequota/controller.go ("exceeded quota: %s,
      //   requested: %s, used: %s, limited: %s", only the exceeded resources); admission/errors.go NewForbidden
      //   (`pods "%s" is forbidden: %v`).
      return `pods "${podName}" is forbidden: exceeded quota: compute-quota, requested: requests.cpu=500m, used: requests.cpu=${q?.status?.used?.['requests.cpu'] ?? '0'}, limited: requests.cpu=${q?.status?.hard?.['requests.cpu'] ?? '0'}`;
    },
    replacement: 'same',
    recover: 'admission',
  },
  'unschedulable.node-selector': pendingCause('unschedulable.node-selector', (t) => {
    // source: pkg/scheduler/framework/plugins/nodeaffinity/node_affinity.go (ErrReasonPod "node(s) didn't match Pod's node affinity/selector")
    t.spec.nodeSelector = { disktype: 'ssd' };
  }),
  'unschedulable.affinity': pendingCause('unschedulable.affinity', (t, b) => {
    const zones = new Set(b.state.nodes().map((n) => n.metadata.labels?.['topology.kubernetes.io/zone']));
    const zone = ['eu-west-1d', 'eu-west-1e', 'us-east-1a', 'zone-z'].find((z) => !zones.has(z)) ?? 'zone-z';
    t.spec.affinity = {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchExpressions: [{ key: 'topology.kubernetes.io/zone', operator: 'In', values: [zone] }] }],
        },
      },
    };
  }),
  'unschedulable.taint': pendingCause(
    'unschedulable.taint',
    undefined,
    // Every node was reserved (taint dedicated=batch:NoSchedule) and the workload has no toleration.
    // source: pkg/scheduler/framework/plugins/tainttoleration/taint_toleration.go ("node(s) had untolerated taint {%s: %s}")
    (b) => taintEveryNode(b, { key: 'dedicated', value: 'batch', effect: 'NoSchedule' }),
    'nodes',
  ),
  'unschedulable.no-ready-nodes': pendingCause(
    'unschedulable.no-ready-nodes',
    undefined,
    // A node-pool upgrade cordoned every node and never uncordoned them.
    // source: pkg/scheduler/framework/plugins/nodeunschedulable/node_unschedulable.go (ErrReasonUnschedulable
    //   "node(s) were unschedulable"); well_known_taints.go (TaintNodeUnschedulable).
    (b) => {
      const touched: string[] = [];
      for (const node of schedulableNodes(b)) {
        if (node.spec?.unschedulable) continue;
        b.state.writeNode(cordonedNode(node, b.startedMs - 600_000));
        touched.push(node.metadata.name);
      }
      b.workload.undo.push(() => {
        for (const name of touched) {
          const node = b.state.node(name);
          if (node && (node.spec?.taints ?? []).some((t) => t.key === TAINT_UNSCHEDULABLE)) b.state.writeNode(uncordonedNode(node));
        }
      });
    },
    'nodes',
  ),

  // ===== image-pull =====
  'image-pull.not-found': pullCause(
    'image-pull.not-found',
    (b) => `registry.example.com/${b.namespace}/${b.name}:1.4.20`,
    (_b, image) => IMAGE_PULL_ERRORS.notFound(qualified(image)),
  ),
  'image-pull.unauthorized': pullCause(
    'image-pull.unauthorized',
    (b) => `harbor.example.com/${b.namespace}/${b.name}:1.4.2`,
    (b, image) => IMAGE_PULL_ERRORS.unauthorized(image, 'harbor.example.com', `${b.namespace}/${b.name}`),
    1,
    (t, b) => {
      t.spec.imagePullSecrets = [{ name: `${b.namespace}-harbor-robot` }];
    },
  ),
  'image-pull.network': pullCause(
    'image-pull.network',
    (b) => `registry.corp.example.com/${b.namespace}/${b.name}:1.4.2`,
    (b, image) => IMAGE_PULL_ERRORS.network(image, 'registry.corp.example.com', `${b.namespace}/${b.name}`, '1.4.2'),
  ),
  'image-pull.timeout': { ...pullCause(
    'image-pull.timeout',
    (b) => `registry.example.com:5000/${b.namespace}/${b.name}:7.3.1`,
    () => IMAGE_PULL_ERRORS.timeout(),
    120,
  ), startedSecondsAgo: 1800 },
  'image-pull.throttled': pullCause(
    'image-pull.throttled',
    (b) => `${b.namespace}/${b.name}:1.4.2`,
    (b, image) => IMAGE_PULL_ERRORS.throttled(qualified(image), `${b.namespace}/${b.name}`, image),
  ),

  // ===== dependency =====
  'dependency.volume': {
    cause: 'dependency.volume',
    category: 'pending',
    startedSecondsAgo: 1800,
    template(t, b) {
      t.spec.volumes = [{ name: 'data', persistentVolumeClaim: { claimName: `${b.name}-data` } }];
      main(t).volumeMounts = [{ name: 'data', mountPath: '/var/lib/data' }];
    },
    setup(b) {
      // The claim asks for StorageClass "fast-ssd", which does not exist: it stays Pending and the provisioner
      // retries at every claim resync (15 s).
      // source: pkg/controller/volume/persistentvolume/pv_controller.go (Warning ProvisioningFailed with the class
      //   lister's NotFound `storageclass.storage.k8s.io "fast-ssd" not found`; --pvclaimbinder-sync-period 15s).
      const claim = `${b.name}-data`;
      if (b.state.store.get('persistentvolumeclaims', b.namespace, claim)) return;
      const uid = b.state.uuid();
      b.state.store.create({
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name: claim, namespace: b.namespace, uid, creationTimestamp: iso(b.startedMs), labels: { app: b.name } },
        spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'fast-ssd', volumeMode: 'Filesystem', resources: { requests: { storage: '50Gi' } } },
        status: { phase: 'Pending' },
      });
      const ns = b.namespace;
      const startedMs = b.startedMs;
      b.state.sideRenders.set(`pvc/${ns}/${claim}`, (atMs) => {
        const pvc = b.state.store.get('persistentvolumeclaims', ns, claim) as { status?: { phase?: string } } | undefined;
        if (!pvc || pvc.status?.phase === 'Bound') return;
        const count = Math.floor((atMs - startedMs) / 15_000) + 1;
        b.state.writeEvents([{
          key: 'ProvisioningFailed',
          involved: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', name: claim, namespace: ns, uid },
          namespace: ns,
          type: 'Warning',
          reason: 'ProvisioningFailed',
          message: 'storageclass.storage.k8s.io "fast-ssd" not found',
          source: { component: 'persistentvolume-controller' },
          count,
          firstMs: startedMs,
          lastMs: startedMs + (count - 1) * 15_000,
        }]);
      });
    },
    // source: pkg/scheduler/framework/plugins/volumebinding/volume_binding.go (PreFilter "pod has unbound immediate PersistentVolumeClaims")
    plan: (b, _pod, _place, createdMs) => pendingPlan({ createdMs, claims: [`${b.name}-data`] }),
    replacement: 'same',
    recover: 'pvc',
  },
  'dependency.configmap': configCause(
    'dependency.configmap',
    (t, b) => {
      main(t).env = [
        { name: 'LOG_LEVEL', valueFrom: { configMapKeyRef: { name: `${b.name}-config`, key: 'LOG_LEVEL' } } },
        { name: 'API_URL', valueFrom: { configMapKeyRef: { name: `${b.name}-config`, key: 'API_URL' } } },
      ];
    },
    'CreateContainerConfigError',
    // source: pkg/kubelet/configmap/configmap_manager.go + apimachinery errors.NewNotFound (`%s %q not found`)
    (_c, b) => `configmap "${b.name}-config" not found`,
  ),
  'dependency.secret': configCause(
    'dependency.secret',
    (t, b) => {
      main(t).env = [
        { name: 'DB_USER', valueFrom: { secretKeyRef: { name: `${b.name}-credentials`, key: 'username' } } },
        { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: `${b.name}-credentials`, key: 'password' } } },
      ];
    },
    'CreateContainerConfigError',
    // source: pkg/kubelet/secret/secret_manager.go + apimachinery errors.NewNotFound
    (_c, b) => `secret "${b.name}-credentials" not found`,
  ),
  'dependency.mount-config': {
    ...configCause(
      'dependency.mount-config',
      (t, b) => {
        main(t).env = [{ name: 'LOG_DIR', value: '../shared-logs' }];
        main(t).volumeMounts = [{ name: 'logs', mountPath: '/var/log/app', subPathExpr: '$(LOG_DIR)' }];
        t.spec.volumes = [{ name: 'logs', persistentVolumeClaim: { claimName: `${b.name}-logs` } }];
      },
      'CreateContainerConfigError',
      // source: pkg/kubelet/kubelet_pods.go (makeMounts: "unable to provision SubPath `%s`: %v") with
      //   pkg/volume/validation/pv_validation.go (ValidatePathNoBacksteps: "must not contain '..'")
      () => "unable to provision SubPath `../shared-logs`: must not contain '..'",
    ),
    setup(b) {
      const claim = `${b.name}-logs`;
      if (b.state.store.get('persistentvolumeclaims', b.namespace, claim)) return;
      const uid = b.state.uuid();
      b.state.store.create({
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name: claim, namespace: b.namespace, uid, creationTimestamp: iso(b.startedMs - 86_400_000) },
        spec: { accessModes: ['ReadWriteMany'], storageClassName: 'efs', volumeName: `pvc-${uid}`, volumeMode: 'Filesystem', resources: { requests: { storage: '20Gi' } } },
        status: { phase: 'Bound', accessModes: ['ReadWriteMany'], capacity: { storage: '20Gi' } },
      });
    },
  },

  // ===== container-create =====
  'container-create.security-policy': {
    cause: 'container-create.security-policy',
    category: 'admission',
    startedSecondsAgo: 900,
    setup(b) {
      // The namespace enforces Pod Security "restricted"; the template sets no securityContext.
      const ns = b.state.store.ensureNamespace(b.namespace);
      const next = structuredClone(ns) as KubeObject;
      next.metadata.labels = { ...next.metadata.labels, 'kubernetes.io/metadata.name': b.namespace, 'pod-security.kubernetes.io/enforce': 'restricted' };
      next.metadata.resourceVersion = undefined;
      b.state.store.update(next, { resource: 'namespaces' });
      b.workload.undo.push(() => {
        const current = b.state.store.get('namespaces', undefined, b.namespace);
        if (!current) return;
        const fixed = structuredClone(current) as KubeObject;
        fixed.metadata.labels = { ...fixed.metadata.labels, 'pod-security.kubernetes.io/enforce': 'baseline' };
        fixed.metadata.resourceVersion = undefined;
        b.state.store.update(fixed, { resource: 'namespaces' });
      });
    },
    admission(b, podName) {
      const c = b.name;
      // source: staging/src/k8s.io/pod-security-admission/admission/admission.go ("violates PodSecurity %q: %s");
      //   policy/check_allowPrivilegeEscalation.go, check_capabilities_restricted.go, check_runAsNonRoot.go,
      //   check_seccompProfile_restricted.go; apierrors.NewForbidden.
      return `pods "${podName}" is forbidden: violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false (container "${c}" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "${c}" must set securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container "${c}" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "${c}" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")`;
    },
    replacement: 'same',
    recover: 'admission',
  },
  'container-create.rbac': {
    cause: 'container-create.rbac',
    category: 'admission',
    startedSecondsAgo: 900,
    template(t, b) {
      t.spec.serviceAccountName = b.name;
    },
    admission(b) {
      // The ServiceAccount plugin is a mutating admission plugin: it runs before the name is generated, so the
      // message names the generateName prefix.
      // source: plugin/pkg/admission/serviceaccount/admission.go ("error looking up service account %s/%s: %v") with the
      //   lister's `serviceaccount "%s" not found`; apierrors.NewForbidden.
      const rs = b.workload.replicaSets.at(-1) as ReplicaSetRecord;
      return `pods "${rs.name}-" is forbidden: error looking up service account ${b.namespace}/${b.name}: serviceaccount "${b.name}" not found`;
    },
    replacement: 'same',
    recover: 'admission',
  },
  'container-create.no-command': configCause(
    'container-create.no-command',
    (t, b) => {
      // An image built FROM scratch with no ENTRYPOINT or CMD, and no command in the Pod.
      main(t).image = `registry.example.com/${b.namespace}/${b.name}:0.3.0`;
      delete main(t).readinessProbe;
    },
    'CreateContainerError',
    // source: containerd internal/cri/opts/spec_opts.go (WithProcessArgs: "no command specified"),
    //   internal/cri/server/container_create.go ("failed to generate container %q spec: %w")
    (c, b) => `failed to generate container "${digest('create', b.namespace, b.name, c.name)}" spec: no command specified`,
  ),
  'container-create.bad-command': {
    cause: 'container-create.bad-command',
    category: 'failing',
    startedSecondsAgo: 660,
    template(t) {
      main(t).command = ['gunicorn'];
      main(t).args = ['app.wsgi:application', '--bind', '0.0.0.0:8080'];
    },
    plan(_b, pod, place, createdMs) {
      const c = pod.spec.containers[0] as Container;
      // source: runc libcontainer/standard_init_linux.go (exec.LookPath → `exec: "gunicorn": executable file not found
      //   in $PATH`), libcontainer/process_linux.go ("unable to start container process"); containerd
      //   internal/cri/server/container_start.go (StartError, exit 128).
      return crashPlan({
        createdMs,
        place: place as PodPlacement,
        container: c.name,
        runSeconds: 0,
        exitCode: 128,
        reason: 'StartError',
        message: 'failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: "gunicorn": executable file not found in $PATH: unknown',
      });
    },
    replacement: 'same',
    recover: 'rollout',
  },

  // ===== init =====
  'init.failed': {
    cause: 'init.failed',
    category: 'failing',
    startedSecondsAgo: 1200,
    template(t, b) {
      t.spec.initContainers = [
        {
          name: 'migrate',
          image: `registry.example.com/${b.namespace}/${b.name}-migrate:1.4.2`,
          command: ['/app/migrate', 'up'],
          env: [{ name: 'DATABASE_HOST', value: `${b.name}-db` }],
        },
      ];
    },
    plan(b, _pod, place, createdMs) {
      // source: containerd internal/cri/server/container_status.go (terminated reason "Error"); the log is the
      //   migration tool's: Go's net.OpError text ("dial tcp %s: connect: connection refused").
      return crashPlan({
        createdMs,
        place: place as PodPlacement,
        container: 'migrate',
        init: true,
        runSeconds: 3,
        exitCode: 1,
        reason: 'Error',
        logs: [`migrate: connecting to ${b.name}-db:5432`, 'Error: dial tcp 10.96.48.12:5432: connect: connection refused'],
      });
    },
    replacement: 'same',
    recover: 'rollout',
  },

  // ===== hook =====
  'hook.post-start': {
    cause: 'hook.post-start',
    category: 'failing',
    startedSecondsAgo: 1500,
    template(t) {
      main(t).lifecycle = { postStart: { exec: { command: ['/bin/sh', '-c', '/opt/app/register.sh'] } } };
      delete main(t).readinessProbe;
    },
    plan(_b, pod, place, createdMs) {
      const c = pod.spec.containers[0] as Container;
      return crashPlan({
        createdMs,
        place: place as PodPlacement,
        container: c.name,
        runSeconds: 3,
        exitCode: 143,
        reason: 'Error',
        // source: pkg/kubelet/kuberuntime/kuberuntime_container.go (startContainer: Warning FailedPostStartHook
        //   "PostStartHook failed", then killContainer with message "FailedPostStartHook" → Normal Killing).
        runEvents(run, occ, atMs, proto) {
          const at = run.startMs + 3000;
          if (at > atMs) return;
          occ.add('FailedPostStartHook', proto('Warning', 'FailedPostStartHook', 'PostStartHook failed'), at);
          occ.add('Killing', proto('Normal', 'Killing', 'FailedPostStartHook'), at);
        },
      });
    },
    replacement: 'same',
    recover: 'rollout',
  },
  'hook.pre-stop': {
    cause: 'hook.pre-stop',
    category: 'aftermath',
    startedSecondsAgo: 15,
    ranSecondsBefore: 7200,
    template(t) {
      main(t).lifecycle = { preStop: { exec: { command: ['/bin/sh', '-c', '/usr/local/bin/drain --timeout 45s'] } } };
      t.spec.terminationGracePeriodSeconds = 60;
    },
    aftermath(b, pods) {
      // The Pods were deleted (a rollout restart); the preStop drain fails and the app then holds on to the
      // whole grace period. source: pkg/kubelet/kuberuntime/kuberuntime_container.go (executePreStopHook:
      //   Warning FailedPreStopHook with the handler's message); pkg/kubelet/lifecycle/handlers.go ("Exec lifecycle
      //   hook (%v) for Container %q in Pod %q failed - error: %v, message: %q"); k8s.io/cri-client remote_runtime.go
      //   ExecSync ("command '%s' exited with %d: %s").
      for (const pod of pods) {
        const c = pod.spec.containers[0] as Container;
        const marked = markDeleted(b.state, pod, b.startedMs, 60);
        if (!marked) continue;
        const node = pod.spec.nodeName ?? '';
        const output = 'drain: cannot reach broker at 127.0.0.1:5672: connection refused\n';
        b.state.updatePod(marked, (next) => {
          const cs = next.status?.containerStatuses ?? [];
          next.status = {
            ...next.status,
            conditions: (next.status?.conditions ?? []).map((cond) =>
              cond.type === 'Ready' || cond.type === 'ContainersReady'
                ? { type: cond.type, status: 'False', reason: 'ContainersNotReady', message: `containers with unready status: [${c.name}]`, lastTransitionTime: iso(b.startedMs + 1000) }
                : cond,
            ),
            containerStatuses: cs.map((s) => ({ ...s, ready: false })),
          };
        });
        b.state.writeEvents([
          kubeletEvent(pod, node, `Killing|${b.startedMs}`, 'Normal', 'Killing', `Stopping container ${c.name}`, b.startedMs, c.name),
          kubeletEvent(
            pod,
            node,
            'FailedPreStopHook',
            'Warning',
            'FailedPreStopHook',
            `Exec lifecycle hook ([/bin/sh -c /usr/local/bin/drain --timeout 45s]) for Container "${c.name}" in Pod "${formatPod(pod)}" failed - error: command '/bin/sh -c /usr/local/bin/drain --timeout 45s' exited with 1: ${output}, message: ${JSON.stringify(output)}`,
            b.startedMs + 1000,
            c.name,
          ),
        ]);
        const ns = b.namespace;
        b.state.schedule(b.startedMs + 60_000, (at) => finishTermination(b.state, ns, pod.metadata.name, pod.metadata.uid, at));
      }
      replaceAll(b, pods.length, b.startedMs + 1000);
    },
    replacement: 'healthy',
    recover: 'finish-termination',
  },

  // ===== readiness-probe =====
  'readiness-probe.failed': {
    cause: 'readiness-probe.failed',
    category: 'failing',
    startedSecondsAgo: 900,
    ranSecondsBefore: 7200,
    template(t) {
      main(t).readinessProbe = { httpGet: { path: '/health/ready', port: 8080, scheme: 'HTTP' }, periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3, successThreshold: 1 };
    },
    plan(_b, pod, place, createdMs) {
      const c = pod.spec.containers[0] as Container;
      // source: pkg/probe/http/http.go ("HTTP probe failed with statuscode: %d"); pkg/kubelet/prober/prober.go
      return readinessPlan({ createdMs, place: place as PodPlacement, container: c.name, failingSinceMs: createdMs + 7200_000, result: 'HTTP probe failed with statuscode: 503' });
    },
    replacement: 'same',
    recover: 'rollout',
  },

  // ===== liveness-probe =====
  'liveness-probe.failed': {
    cause: 'liveness-probe.failed',
    category: 'failing',
    startedSecondsAgo: 600,
    template(t) {
      // The probe targets 9999; the app listens on 8080.
      main(t).livenessProbe = { httpGet: { path: '/healthz', port: 9999, scheme: 'HTTP' }, periodSeconds: 10, timeoutSeconds: 1, failureThreshold: 3, successThreshold: 1 };
      delete main(t).readinessProbe;
    },
    plan(_b, pod, place, createdMs) {
      const c = pod.spec.containers[0] as Container;
      return crashPlan({
        createdMs,
        place: place as PodPlacement,
        container: c.name,
        // Killed after the third failure (30 s), SIGKILLed after its 30 s grace period: exit 137, reason Error.
        runSeconds: 61,
        exitCode: 137,
        reason: 'Error',
        runEvents: livenessRunEvents((place as PodPlacement).podIP, c.name),
      });
    },
    replacement: 'same',
    recover: 'rollout',
  },

  // ===== container-exit =====
  'container-exit.immediate': {
    cause: 'container-exit.immediate',
    category: 'failing',
    startedSecondsAgo: 1500,
    template(t) {
      main(t).args = ['--config', '/etc/app/config.yaml'];
      delete main(t).readinessProbe;
    },
    plan(_b, pod, place, createdMs) {
      const c = pod.spec.containers[0] as Container;
      // source: containerd internal/cri/server/helpers.go (errorExitReason "Error"); the log line is Go's os.PathError.
      return crashPlan({ createdMs, place: place as PodPlacement, container: c.name, runSeconds: 2, exitCode: 1, reason: 'Error', logs: CRASH.configLogs('/etc/app/config.yaml') });
    },
    replacement: 'same',
    recover: 'rollout',
  },
  'container-exit.after-running': {
    cause: 'container-exit.after-running',
    category: 'failing',
    startedSecondsAgo: 3300,
    template(t) {
      delete main(t).readinessProbe;
    },
    plan(b, pod, place, createdMs) {
      const c = pod.spec.containers[0] as Container;
      // A Go service that panics after four minutes of work: exit 2.
      // Four minutes per run keeps the last crash within the engine's 10-minute "recent restart" window.
      return crashPlan({ createdMs, place: place as PodPlacement, container: c.name, runSeconds: 240, exitCode: 2, reason: 'Error', logs: CRASH.goPanic(b.name), startupLogs: [`${b.name}: connected to queue, consuming`] });
    },
    replacement: 'same',
    recover: 'rollout',
  },

  // ===== oom =====
  'oom.container-limit': {
    cause: 'oom.container-limit',
    category: 'failing',
    startedSecondsAgo: 1200,
    template(t) {
      const c = main(t);
      c.env = [{ name: 'JAVA_TOOL_OPTIONS', value: '-Xmx1g -XX:+UseG1GC' }];
      c.resources = { requests: { cpu: '500m', memory: '768Mi' }, limits: { memory: '768Mi' } };
      delete c.readinessProbe;
    },
    plan(b, pod, place, createdMs) {
      const c = pod.spec.containers[0] as Container;
      // source: containerd internal/cri/server/helpers.go (oomExitReason "OOMKilled", exit 137 = 128+SIGKILL);
      //   HotSpot src/hotspot/share/runtime/arguments.cpp ("Picked up %s: %s" for JAVA_TOOL_OPTIONS).
      const lines = ['Picked up JAVA_TOOL_OPTIONS: -Xmx1g -XX:+UseG1GC', `Started ${b.name} in 7.412 seconds (process running for 8.1)`];
      return crashPlan({ createdMs, place: place as PodPlacement, container: c.name, runSeconds: 52, exitCode: 137, reason: 'OOMKilled', logs: lines, startupLogs: lines });
    },
    replacement: 'same',
    recover: 'rollout',
  },
  'oom.node-pressure': {
    cause: 'oom.node-pressure',
    category: 'failing',
    startedSecondsAgo: 1500,
    template(t) {
      // BestEffort: no requests, no limits, so only a node-wide OOM kills it; the node's other tenants
      // overcommit its memory and the kernel picks this process every few minutes.
      const c = main(t);
      c.command = ['python3', '-m', 'etl.run'];
      c.resources = {};
      delete c.readinessProbe;
    },
    plan(_b, pod, place, createdMs) {
      const c = pod.spec.containers[0] as Container;
      const node = (place as PodPlacement).node;
      // source: pkg/kubelet/oom/oom_watcher_linux.go (Warning SystemOOM "System OOM encountered, victim process: %s,
      //   pid: %d", recorded on the node with the node name as uid); containerd "OOMKilled", exit 137.
      return crashPlan({
        createdMs,
        place: place as PodPlacement,
        container: c.name,
        runSeconds: 270,
        exitCode: 137,
        reason: 'OOMKilled',
        otherEvents(runs) {
          const ends = runs.map((r) => r.endMs).filter((e): e is number => e !== undefined);
          const first = ends[0];
          const last = ends.at(-1);
          if (first === undefined || last === undefined) return [];
          return [{ ...nodeKubeletEvent(node, 'SystemOOM', 'SystemOOM', 'System OOM encountered, victim process: python3, pid: 48213', first - 1000), count: ends.length, lastMs: last - 1000 }];
        },
      });
    },
    afterPods(b, pods) {
      // source: pkg/kubelet/nodestatus/setters.go (MemoryPressure KubeletHasInsufficientMemory); the node lifecycle
      //   controller's node.kubernetes.io/memory-pressure taint.
      const since = Math.min(b.startedMs + 250_000, b.nowMs);
      for (const node of new Set(pods.map((p) => p.spec.nodeName ?? ''))) if (node) pressure(b, node, 'MemoryPressure', since);
    },
    replacement: 'same',
    recover: 'rollout',
  },

  // ===== evicted =====
  'evicted.memory': {
    cause: 'evicted.memory',
    category: 'aftermath',
    startedSecondsAgo: 1200,
    ranSecondsBefore: 14_400,
    aftermath(b, pods) {
      // source: pkg/kubelet/eviction/helpers.go (nodeLowMessageFmt "The node was low on resource: %v. ",
      //   thresholdMetMessageFmt "Threshold quantity: %v, available: %v. ", containerMessageFmt "Container %s was using
      //   %s, request is %s, has larger consumption of %v. "); eviction_manager.go (Warning EvictionThresholdMet
      //   "Attempting to reclaim %s" on the node).
      const nodes = new Set<string>();
      for (const pod of pods) {
        const c = pod.spec.containers[0] as Container;
        const request = c.resources?.requests?.memory ?? '0';
        evict(b, pod, b.startedMs, `The node was low on resource: memory. Threshold quantity: 100Mi, available: 91624Ki. Container ${c.name} was using 1288940Ki, request is ${request}, has larger consumption of memory. `, true);
        const node = pod.spec.nodeName ?? '';
        if (!nodes.has(node)) {
          nodes.add(node);
          b.state.writeEvents([{ ...nodeKubeletEvent(node, `EvictionThresholdMet|${b.startedMs}`, 'EvictionThresholdMet', 'Attempting to reclaim memory', b.startedMs - 2000) }]);
        }
      }
      replaceAll(b, pods.length, b.startedMs + 1000, nodes);
    },
    replacement: 'healthy',
    recover: 'cleanup',
  },
  'evicted.disk': {
    cause: 'evicted.disk',
    category: 'aftermath',
    startedSecondsAgo: 1200,
    ranSecondsBefore: 4800,
    template(t) {
      main(t).resources = { requests: { cpu: '100m', memory: '128Mi', 'ephemeral-storage': '512Mi' }, limits: { memory: '256Mi', 'ephemeral-storage': '1Gi' } };
    },
    aftermath(b, pods) {
      // source: pkg/kubelet/eviction/eviction_manager.go (containerEphemeralStorageLimitEviction, no DisruptionTarget);
      //   helpers.go (containerEphemeralStorageMessageFmt "Container %s exceeded its local ephemeral storage limit %q. ").
      for (const pod of pods) {
        const c = pod.spec.containers[0] as Container;
        evict(b, pod, b.startedMs, `Container ${c.name} exceeded its local ephemeral storage limit "1Gi". `, false);
      }
      replaceAll(b, pods.length, b.startedMs + 1000);
    },
    replacement: 'healthy',
    recover: 'cleanup',
  },
  'evicted.other': {
    cause: 'evicted.other',
    category: 'aftermath',
    startedSecondsAgo: 1200,
    ranSecondsBefore: 16_200,
    aftermath(b, pods) {
      // The node ran short of process IDs; the kubelet adds no per-container usage for pids.
      // source: pkg/kubelet/eviction/helpers.go (nodeLowMessageFmt with resource "pids"); pkg/kubelet/nodestatus/setters.go
      //   (PIDPressure KubeletHasInsufficientPID); well_known_taints.go (node.kubernetes.io/pid-pressure).
      const nodes = new Set<string>();
      for (const pod of pods) {
        const node = pod.spec.nodeName ?? '';
        if (!nodes.has(node)) {
          nodes.add(node);
          pressure(b, node, 'PIDPressure', b.startedMs - 10_000);
          b.state.writeEvents([nodeKubeletEvent(node, `EvictionThresholdMet|${b.startedMs}`, 'EvictionThresholdMet', 'Attempting to reclaim pids', b.startedMs - 2000)]);
        }
        evict(b, pod, b.startedMs, 'The node was low on resource: pids. Threshold quantity: 3276, available: 2954. ', true);
      }
      replaceAll(b, pods.length, b.startedMs + 1000, nodes);
    },
    replacement: 'healthy',
    recover: 'cleanup',
  },

  // ===== unknown =====
  'unknown.node-lost': {
    cause: 'unknown.node-lost',
    category: 'aftermath',
    // Past the engine's NotReady threshold, before the 300 s unreachable toleration runs out.
    startedSecondsAgo: 150,
    ranSecondsBefore: 7200,
    dedicatedNode: true,
    aftermath(b) {
      loseNodeAt(b.state, b.workload.dedicatedNode ?? '', b.startedMs);
    },
    replacement: 'healthy',
    recover: 'restore-node',
  },

  // ===== terminating =====
  'terminating.finalizer': {
    cause: 'terminating.finalizer',
    category: 'aftermath',
    startedSecondsAgo: 900,
    ranSecondsBefore: 7200,
    aftermath(b, pods) {
      // A mutating webhook of the team's traffic operator adds a finalizer to every Pod and removes it once the
      // Pod is out of the load balancer; the operator is down, so the deleted Pods stay. The containers stopped
      // (exit 0 on SIGTERM) and the kubelet made its final grace-0 delete.
      // source: staging/src/k8s.io/apiserver/pkg/registry/generic/registry/store.go (finalizers keep a deleted object);
      //   pkg/kubelet/status/generate.go (Ready reason "PodCompleted").
      for (const pod of pods) {
        const c = pod.spec.containers[0] as Container;
        const node = pod.spec.nodeName ?? '';
        const created = Date.parse(pod.metadata.creationTimestamp ?? '') || b.startedMs;
        const stopped = b.startedMs + 2000;
        b.state.updatePod(pod, (next) => {
          next.metadata.finalizers = ['traffic.example.com/drain'];
          next.metadata.deletionTimestamp = iso(b.startedMs);
          next.metadata.deletionGracePeriodSeconds = 0;
          const cs = next.status?.containerStatuses?.[0];
          next.status = {
            ...next.status,
            phase: 'Succeeded',
            conditions: [
              { type: 'PodReadyToStartContainers', status: 'False', lastTransitionTime: iso(stopped + 1000) },
              { type: 'Initialized', status: 'True', reason: 'PodCompleted', lastTransitionTime: iso(created + 1000) },
              { type: 'Ready', status: 'False', reason: 'PodCompleted', lastTransitionTime: iso(stopped) },
              { type: 'ContainersReady', status: 'False', reason: 'PodCompleted', lastTransitionTime: iso(stopped) },
              { type: 'PodScheduled', status: 'True', lastTransitionTime: iso(created) },
            ],
            containerStatuses: [{
              name: c.name,
              ready: false,
              started: false,
              restartCount: 0,
              image: cs?.image ?? reportedImage(c.image ?? ''),
              imageID: cs?.imageID ?? '',
              containerID: cs?.containerID ?? containerId(pod.metadata.uid ?? '', c.name, 0),
              state: { terminated: { exitCode: 0, reason: 'Completed', startedAt: cs?.state?.running?.startedAt ?? iso(created + 3000), finishedAt: iso(stopped), containerID: cs?.containerID ?? '' } },
            }],
          };
        });
        b.state.writeEvents([kubeletEvent(pod, node, `Killing|${b.startedMs}`, 'Normal', 'Killing', `Stopping container ${c.name}`, b.startedMs, c.name)]);
      }
      replaceAll(b, pods.length, b.startedMs + 1000);
    },
    replacement: 'healthy',
    recover: 'remove-finalizers',
  },
  'terminating.unresponsive': {
    cause: 'terminating.unresponsive',
    category: 'aftermath',
    startedSecondsAgo: 900,
    ranSecondsBefore: 7200,
    aftermath(b, pods) {
      for (const pod of pods) {
        const c = pod.spec.containers[0] as Container;
        const marked = markDeleted(b.state, pod, b.startedMs, 30);
        if (!marked) continue;
        b.state.unkillable.add(key(b.namespace, pod.metadata.name));
        const status = structuredClone(marked.status ?? {}) as PodStatus;
        status.conditions = (status.conditions ?? []).map((cond) =>
          cond.type === 'Ready' || cond.type === 'ContainersReady'
            ? { type: cond.type, status: 'False', reason: 'ContainersNotReady', message: `containers with unready status: [${c.name}]`, lastTransitionTime: iso(b.startedMs + 1000) }
            : cond,
        );
        status.containerStatuses = (status.containerStatuses ?? []).map((s) => ({ ...s, ready: false }));
        b.state.track({
          namespace: b.namespace,
          name: pod.metadata.name,
          uid: pod.metadata.uid ?? '',
          workload: key(b.namespace, b.name),
          plan: unresponsivePlan({ place: placementOf(pod, b.state), container: c.name, deletedMs: b.startedMs, graceSeconds: 30, status }),
        });
      }
      replaceAll(b, pods.length, b.startedMs + 1000);
    },
    replacement: 'healthy',
    recover: 'kill',
  },
  'terminating.node-lost': {
    cause: 'terminating.node-lost',
    category: 'aftermath',
    startedSecondsAgo: 1500,
    ranSecondsBefore: 7200,
    dedicatedNode: true,
    aftermath(b) {
      // The node was lost; 300 s later the taint manager deleted its Pods, which cannot finish without a kubelet.
      loseNodeAt(b.state, b.workload.dedicatedNode ?? '', b.startedMs);
    },
    replacement: 'healthy',
    recover: 'restore-node',
  },
};

/** The causes whose failure a rollout can carry into its new Pods. */
export function canRollOut(def: CauseDef): boolean {
  return def.category !== 'aftermath';
}

/**
 * Creates one failing (or pending) Pod of `rs` by its cause, failing from createdMs on.
 */
export function createFailingPod(state: SimState, w: WorkloadRecord, rs: ReplicaSetRecord, def: CauseDef, createdMs: number): Pod {
  const spec = rs.template.spec;
  let place: PodPlacement | undefined;
  if (def.category === 'failing') {
    const counts = new Map<string, number>();
    for (const p of state.podsOf(w.namespace, rs.uid)) if (p.spec.nodeName) counts.set(p.spec.nodeName, (counts.get(p.spec.nodeName) ?? 0) + 1);
    const node = state.choose(spec, state.usage(), { counts });
    if (!node) throw new Error(`sim: no Ready node fits a Pod of ${w.namespace}/${w.name} (add nodes first)`);
    place = state.placement(node);
  }
  const pod = podObject({
    namespace: w.namespace,
    name: `${rs.name}-${state.suffix()}`,
    uid: state.uuid(),
    createdMs,
    labels: { ...rs.template.labels, 'pod-template-hash': rs.hash },
    owner: rsOwner(rs),
    spec,
    ...(place ? { nodeName: place.node } : {}),
  });
  const stored = state.createPodObject(pod);
  const plan = def.plan?.({ state, namespace: w.namespace, name: w.name }, stored, place, createdMs);
  if (plan) state.track({ namespace: w.namespace, name: pod.metadata.name, uid: pod.metadata.uid ?? '', workload: key(w.namespace, w.name), plan });
  return stored;
}
