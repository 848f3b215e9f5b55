/**
 * Seeds an ObjectStore with a synthetic but realistic cluster for `npm run bench:cluster`: Nodes
 * with capacity, allocatable, the kubelet's four conditions, addresses, nodeInfo and an image list;
 * Deployments → ReplicaSets → Pods spread over the Nodes; and a few percent of failing Pods with
 * the status, events and previous logs the kubelet would report. Every object carries
 * `managedFields` as the API server returns them (computed from the object's own fields the way
 * structured-merge-diff records ownership), because they are a large share of a real Pod's size
 * (2–4 KB, PLATFORM.md §2.3) and the cache must prove it drops them.
 *
 * Deterministic: the same options give the same objects (a small PRNG, no Math.random), except
 * that timestamps are relative to `nowMs` so the detectors see current failures.
 *
 * Upstream strings (status reasons, event reasons and messages, exit codes), with sources:
 * - waiting reason CrashLoopBackOff and its message "back-off %s restarting failed container=%s pod=%s",
 *   event BackOff "Back-off restarting failed container %s in pod %s":
 *   kubernetes pkg/kubelet/kuberuntime/kuberuntime_manager.go (doBackOff); pkg/kubelet/container/sync_result.go
 * - terminated reason "Error" (exit code ≠ 0) and "OOMKilled" (exit 137 = 128 + SIGKILL):
 *   containerd internal/cri/server/helpers.go (errorExitReason, oomExitReason)
 * - waiting reason ImagePullBackOff, message "Back-off pulling image %q: <error>", events Pulling
 *   "Pulling image %q", Failed "Failed to pull image %q: %v", BackOff "Back-off pulling image %q",
 *   Failed "Error: %v": pkg/kubelet/images/types.go, pkg/kubelet/images/image_manager.go,
 *   pkg/kubelet/kuberuntime/kuberuntime_container.go; the runtime's NotFound text: containerd
 *   internal/cri/server/images/image_pull.go ("failed to pull and unpack image %q: %w"), client/pull.go
 *   ("failed to resolve reference %q: %w"), core/remotes/docker/resolver.go ("%s: not found")
 * - events Created "Created container: %v", Started "Started container %v":
 *   pkg/kubelet/kuberuntime/kuberuntime_container.go (startContainer); reasons in pkg/kubelet/events/event.go
 * - event Scheduled "Successfully assigned %v/%v to %v" with action Binding: pkg/scheduler/schedule_one.go
 * - event Unhealthy "Readiness probe failed: HTTP probe failed with statuscode: %d":
 *   pkg/kubelet/prober/prober.go, pkg/probe/http/http.go
 * - Pod condition reason ContainersNotReady, "containers with unready status: [%s]": pkg/kubelet/status/generate.go
 * - Node condition reasons and messages: pkg/kubelet/nodestatus/setters.go (KubeletHasSufficientMemory,
 *   KubeletHasNoDiskPressure, KubeletHasSufficientPID, KubeletReady "kubelet is posting ready status")
 * - Deployment conditions NewReplicaSetAvailable `ReplicaSet %q has successfully progressed.` and
 *   MinimumReplicasAvailable "Deployment has minimum availability.": pkg/controller/deployment/util/deployment_util.go
 * The same strings appear, with the same sources, in test/fixtures/k8s (container-exit, image-pull,
 * readiness-probe, oom, healthy).
 */
import { startFakeApiServer, type FakeApiServer, type RequestRecord } from '../src/sim/api-server.ts';
import { ObjectStore, type KubeObject } from '../src/sim/store.ts';
import { createRng } from '../src/sim/kit/ids.ts';

export type FailureKind = 'crash-exit-1' | 'oom-crash' | 'image-not-found' | 'readiness-503';

/** Which scenario the engine must report for each kind of failing Pod. */
export const EXPECTED_SCENARIO: Record<FailureKind, string> = {
  'crash-exit-1': 'container-exit',
  'oom-crash': 'oom',
  'image-not-found': 'image-pull',
  'readiness-503': 'readiness-probe',
};

export interface SeedOptions {
  pods: number;
  nodes: number;
  /** Share of Pods failing (default 0.03). */
  failingRatio?: number;
  /** Pods per namespace, on average (default 200). */
  podsPerNamespace?: number;
  /** The clock the timestamps are relative to (default Date.now()). */
  nowMs?: number;
  /** PRNG seed (default 1). */
  seed?: number;
}

export interface FailingPod {
  uid: string;
  namespace: string;
  name: string;
  kind: FailureKind;
}

export interface SeedSummary {
  pods: number;
  nodes: number;
  namespaces: number;
  deployments: number;
  replicaSets: number;
  events: number;
  failing: FailingPod[];
  /** Average JSON size of a Pod as listed, and of its managedFields alone (bytes). */
  podJsonBytes: number;
  podManagedFieldsBytes: number;
}

type Json = Record<string, unknown>;
type Fields = { [key: string]: Fields };

const HEX = '0123456789abcdef';
// source: kubernetes staging/src/k8s.io/apimachinery/pkg/util/rand/rand.go (SafeEncodeString alphabet: no vowels, no 0/1/3)
const NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

class Ids {
  readonly #random: () => number;

  constructor(seed: number) {
    this.#random = createRng(seed).next;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.#random() * items.length)] as T;
  }

  int(min: number, max: number): number {
    return min + Math.floor(this.#random() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.#random() < p;
  }

  hex(n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += HEX[Math.floor(this.#random() * 16)];
    return s;
  }

  suffix(n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += NAME_ALPHABET[Math.floor(this.#random() * NAME_ALPHABET.length)];
    return s;
  }

  uuid(): string {
    const h = this.hex(32);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${'89ab'[Math.floor(this.#random() * 4)]}${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }
}

/** RFC 3339, second precision, as metav1.Time marshals. */
function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** metav1.MicroTime (events.k8s.io eventTime). */
function isoMicro(ms: number, micros: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, `.${String(micros).padStart(6, '0')}Z`);
}

// ---------- managedFields ----------

/** Keys of associative lists (patchMergeKey / listMapKeys in the OpenAPI schema); other lists are atomic. */
const LIST_MAP_KEYS: Record<string, readonly string[]> = {
  containers: ['name'],
  initContainers: ['name'],
  env: ['name'],
  ports: ['containerPort', 'protocol'],
  volumeMounts: ['mountPath'],
  volumes: ['name'],
  conditions: ['type'],
  podIPs: ['ip'],
  hostIPs: ['ip'],
  ownerReferences: ['uid'],
  addresses: ['type'],
  tolerations: [],
};

/**
 * The FieldsV1 set of a value, as structured-merge-diff records it: `f:<field>` per field, `.` for a
 * map or list item that is itself owned, `k:{...}` per item of an associative list.
 * source: kubernetes-sigs/structured-merge-diff fieldpath/serialize.go (PathElement encoding)
 */
function fieldsOf(value: unknown, depth: number): Fields {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return {};
  // The root and its direct children (f:metadata, f:spec, f:status) carry no "." of their own.
  const out: Fields = depth <= 1 ? {} : { '.': {} };
  for (const [key, child] of Object.entries(value as Json)) {
    if (child === undefined) continue;
    const keys = LIST_MAP_KEYS[key];
    if (Array.isArray(child) && keys !== undefined && keys.length > 0) {
      const list: Fields = { '.': {} };
      for (const item of child as Json[]) {
        const id = Object.fromEntries(keys.filter((k) => item[k] !== undefined).map((k) => [k, item[k]]));
        list[`k:${JSON.stringify(id)}`] = fieldsOf(item, depth + 2);
      }
      out[`f:${key}`] = list;
    } else {
      out[`f:${key}`] = Array.isArray(child) ? {} : fieldsOf(child, depth + 1);
    }
  }
  return out;
}

function managedEntry(manager: string, apiVersion: string, time: string, owned: Json, subresource?: string): Json {
  const entry: Json = { manager, operation: 'Update', apiVersion, time, fieldsType: 'FieldsV1', fieldsV1: fieldsOf(owned, 0) };
  if (subresource) entry['subresource'] = subresource;
  return entry;
}

// ---------- Nodes ----------

const ZONES = ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'];
const NODE_IMAGES = [
  ['registry.k8s.io/kube-proxy@sha256:', 'registry.k8s.io/kube-proxy:v1.33.2', 31_500_000],
  ['docker.io/calico/node@sha256:', 'docker.io/calico/node:v3.29.1', 142_000_000],
  ['docker.io/calico/cni@sha256:', 'docker.io/calico/cni:v3.29.1', 94_500_000],
  ['registry.k8s.io/coredns/coredns@sha256:', 'registry.k8s.io/coredns/coredns:v1.12.0', 20_900_000],
  ['registry.k8s.io/pause@sha256:', 'registry.k8s.io/pause:3.10', 320_000],
  ['quay.io/prometheus/node-exporter@sha256:', 'quay.io/prometheus/node-exporter:v1.8.2', 11_700_000],
  ['docker.io/fluent/fluent-bit@sha256:', 'docker.io/fluent/fluent-bit:3.2.2', 29_800_000],
  ['docker.io/library/nginx@sha256:', 'docker.io/library/nginx:1.27.3', 72_100_000],
  ['docker.io/library/redis@sha256:', 'docker.io/library/redis:7.4.1', 45_200_000],
  ['registry.example.com/shop/api@sha256:', 'registry.example.com/shop/api:4.12.0', 188_000_000],
  ['registry.example.com/shop/worker@sha256:', 'registry.example.com/shop/worker:4.12.0', 176_000_000],
  ['registry.example.com/data/ingest@sha256:', 'registry.example.com/data/ingest:1.14.2', 251_000_000],
] as const;

function buildNode(ids: Ids, index: number, nowMs: number): KubeObject {
  const name = `ip-10-0-${Math.floor(index / 250) + 1}-${(index % 250) + 4}.eu-west-1.compute.internal`;
  const zone = ZONES[index % ZONES.length] ?? 'eu-west-1a';
  const registered = nowMs - ids.int(2, 40) * 86_400_000;
  const heartbeat = iso(nowMs - ids.int(1, 40) * 1000);
  const since = iso(registered + 30_000);
  const address = `10.0.${Math.floor(index / 250) + 1}.${(index % 250) + 4}`;
  const condition = (type: string, status: string, reason: string, message: string): Json => ({
    type, status, lastHeartbeatTime: heartbeat, lastTransitionTime: since, reason, message,
  });
  const metadata: Json = {
    name,
    uid: ids.uuid(),
    creationTimestamp: iso(registered),
    labels: {
      'beta.kubernetes.io/arch': 'amd64',
      'beta.kubernetes.io/instance-type': 'm6i.2xlarge',
      'beta.kubernetes.io/os': 'linux',
      'kubernetes.io/arch': 'amd64',
      'kubernetes.io/hostname': name,
      'kubernetes.io/os': 'linux',
      'node.kubernetes.io/instance-type': 'm6i.2xlarge',
      'topology.kubernetes.io/region': 'eu-west-1',
      'topology.kubernetes.io/zone': zone,
    },
    annotations: {
      'node.alpha.kubernetes.io/ttl': '0',
      'volumes.kubernetes.io/controller-managed-attach-detach': 'true',
    },
  };
  const spec: Json = { podCIDR: `10.244.${index % 256}.0/24`, podCIDRs: [`10.244.${index % 256}.0/24`], providerID: `aws:///${zone}/i-0${ids.hex(16)}` };
  const status: Json = {
    capacity: { cpu: '8', 'ephemeral-storage': '104845292Ki', 'hugepages-1Gi': '0', 'hugepages-2Mi': '0', memory: '32386544Ki', pods: '110' },
    allocatable: { cpu: '7910m', 'ephemeral-storage': '95551679124', 'hugepages-1Gi': '0', 'hugepages-2Mi': '0', memory: '31371696Ki', pods: '110' },
    conditions: [
      condition('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
      condition('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
      condition('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
      condition('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'),
    ],
    addresses: [
      { type: 'InternalIP', address },
      { type: 'InternalDNS', address: name },
      { type: 'Hostname', address: name },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
    nodeInfo: {
      machineID: ids.hex(32), systemUUID: ids.uuid(), bootID: ids.uuid(),
      kernelVersion: '6.1.119-129.201.amzn2023.x86_64', osImage: 'Amazon Linux 2023.6.20241212',
      containerRuntimeVersion: 'containerd://1.7.25', kubeletVersion: 'v1.33.2', kubeProxyVersion: 'v1.33.2',
      operatingSystem: 'linux', architecture: 'amd64',
    },
    images: NODE_IMAGES.map(([digest, tag, size]) => ({ names: [`${digest}${ids.hex(64)}`, tag], sizeBytes: size })),
  };
  metadata['managedFields'] = [
    managedEntry('kubelet', 'v1', iso(registered), { metadata: { annotations: metadata['annotations'], labels: metadata['labels'] }, spec: { providerID: spec['providerID'] } }),
    managedEntry('kube-controller-manager', 'v1', iso(registered + 5000), { spec: { podCIDR: spec['podCIDR'], podCIDRs: spec['podCIDRs'] } }),
    managedEntry('kubelet', 'v1', heartbeat, { status }, 'status'),
  ];
  return { apiVersion: 'v1', kind: 'Node', metadata, spec, status } as KubeObject;
}

// ---------- workloads and Pods ----------

const APPS = ['api', 'web', 'worker', 'cart', 'checkout', 'search', 'catalog', 'billing', 'notifier', 'ingest', 'gateway', 'auth', 'orders', 'payments', 'reports'];
const REPLICAS = [2, 3, 3, 5, 8, 12, 20] as const;

interface App {
  namespace: string;
  name: string;
  /** The container's name (the app's base name, as charts name it). */
  container: string;
  image: string;
  replicas: number;
  deploymentUid: string;
  rsName: string;
  rsUid: string;
  hash: string;
  template: Json;
  created: number;
}

function apiAccessVolume(ids: Ids): Json {
  return {
    name: `kube-api-access-${ids.suffix(5)}`,
    projected: {
      sources: [
        { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
      defaultMode: 420,
    },
  };
}

function podTemplateSpec(app: string, image: string): Json {
  const probe = (path: string): Json => ({
    httpGet: { path, port: 'http', scheme: 'HTTP' }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3,
  });
  return {
    containers: [
      {
        name: app,
        image,
        ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }, { name: 'metrics', containerPort: 9090, protocol: 'TCP' }],
        env: [
          { name: 'POD_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
          { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } } },
          { name: 'LOG_LEVEL', value: 'info' },
          { name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: 'http://otel-collector.observability:4317' },
        ],
        resources: { limits: { memory: '512Mi' }, requests: { cpu: '100m', memory: '256Mi' } },
        livenessProbe: probe('/healthz'),
        readinessProbe: probe('/ready'),
        terminationMessagePath: '/dev/termination-log',
        terminationMessagePolicy: 'File',
        imagePullPolicy: 'IfNotPresent',
      },
    ],
    restartPolicy: 'Always',
    terminationGracePeriodSeconds: 30,
    dnsPolicy: 'ClusterFirst',
    securityContext: {},
    schedulerName: 'default-scheduler',
  };
}

function buildDeployment(a: App, nowMs: number): KubeObject {
  const labels = { app: a.name, 'app.kubernetes.io/name': a.name, 'app.kubernetes.io/part-of': a.namespace };
  const spec: Json = {
    replicas: a.replicas,
    selector: { matchLabels: { app: a.name } },
    template: { metadata: { labels: { app: a.name } }, spec: a.template },
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } },
    revisionHistoryLimit: 10,
    progressDeadlineSeconds: 600,
  };
  const since = iso(a.created + 20_000);
  const status: Json = {
    observedGeneration: 2,
    replicas: a.replicas,
    updatedReplicas: a.replicas,
    readyReplicas: a.replicas,
    availableReplicas: a.replicas,
    conditions: [
      { type: 'Available', status: 'True', lastUpdateTime: since, lastTransitionTime: since, reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' },
      { type: 'Progressing', status: 'True', lastUpdateTime: since, lastTransitionTime: iso(a.created), reason: 'NewReplicaSetAvailable', message: `ReplicaSet "${a.rsName}" has successfully progressed.` },
    ],
  };
  const metadata: Json = {
    name: a.name, namespace: a.namespace, uid: a.deploymentUid, generation: 2, creationTimestamp: iso(a.created),
    labels, annotations: { 'deployment.kubernetes.io/revision': '2' },
  };
  metadata['managedFields'] = [
    managedEntry('kubectl-client-side-apply', 'apps/v1', iso(a.created), { metadata: { labels }, spec }),
    managedEntry('kube-controller-manager', 'apps/v1', iso(nowMs - 3_600_000), { metadata: { annotations: metadata['annotations'] }, status }, 'status'),
  ];
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata, spec, status } as KubeObject;
}

function buildReplicaSet(a: App, name: string, uid: string, hash: string, revision: number, replicas: number, created: number): KubeObject {
  const labels = { app: a.name, 'pod-template-hash': hash };
  const metadata: Json = {
    name, namespace: a.namespace, uid, generation: 1, creationTimestamp: iso(created), labels,
    annotations: { 'deployment.kubernetes.io/desired-replicas': String(a.replicas), 'deployment.kubernetes.io/max-replicas': String(a.replicas + Math.ceil(a.replicas / 4)), 'deployment.kubernetes.io/revision': String(revision) },
    ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: a.name, uid: a.deploymentUid, controller: true, blockOwnerDeletion: true }],
  };
  const spec: Json = { replicas, selector: { matchLabels: { app: a.name, 'pod-template-hash': hash } }, template: { metadata: { labels }, spec: a.template } };
  const status: Json = replicas > 0 ? { replicas, fullyLabeledReplicas: replicas, readyReplicas: replicas, availableReplicas: replicas, observedGeneration: 1 } : { replicas: 0, observedGeneration: 2 };
  metadata['managedFields'] = [
    managedEntry('kube-controller-manager', 'apps/v1', iso(created), { metadata: { annotations: metadata['annotations'], labels, ownerReferences: metadata['ownerReferences'] }, spec }),
    managedEntry('kube-controller-manager', 'apps/v1', iso(created + 15_000), { status }, 'status'),
  ];
  return { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata, spec, status } as KubeObject;
}

interface PodPlan {
  app: App;
  name: string;
  uid: string;
  node: KubeObject;
  failure?: FailureKind;
}

interface EventPlan {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  count: number;
  firstMs: number;
  lastMs: number;
  fieldPath?: string;
  scheduler?: boolean;
}

function nodeNameOf(node: KubeObject): string {
  return node.metadata.name ?? '';
}

function nodeIpOf(node: KubeObject): string {
  const addresses = ((node['status'] as Json)['addresses'] as Json[] | undefined) ?? [];
  return String(addresses[0]?.['address'] ?? '10.0.0.1');
}

function buildPod(ids: Ids, plan: PodPlan, nowMs: number): { pod: KubeObject; events: EventPlan[]; logs?: { current?: string[]; previous?: string[] } } {
  const { app, name, uid, node, failure } = plan;
  const container = app.container;
  const created = failure ? nowMs - 25 * 60_000 : app.created + ids.int(30, 600) * 1000;
  const started = created + 4000;
  const podIp = `10.244.${ids.int(0, 255)}.${ids.int(2, 254)}`;
  const hostIp = nodeIpOf(node);
  const labels = { app: app.name, 'pod-template-hash': app.hash };
  const spec: Json = {
    volumes: [apiAccessVolume(ids)],
    ...app.template,
    serviceAccountName: 'default',
    serviceAccount: 'default',
    nodeName: nodeNameOf(node),
    tolerations: [
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    ],
    priority: 0,
    enableServiceLinks: true,
    preemptionPolicy: 'PreemptLowerPriority',
  };
  const volumeName = String(((spec['volumes'] as Json[])[0] as Json)['name']);
  const containers = (spec['containers'] as Json[]).map((c) => ({
    ...c,
    image: failure === 'image-not-found' ? `${String(c['image'])}1` : c['image'],
    volumeMounts: [{ name: volumeName, readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }],
  }));
  spec['containers'] = containers;
  const image = String(containers[0]?.image);
  const containerId = `containerd://${ids.hex(64)}`;
  const imageId = `${image.split(':')[0]}@sha256:${ids.hex(64)}`;
  const t = (ms: number): Json => ({ type: '', status: 'True', lastProbeTime: null, lastTransitionTime: iso(ms) });
  const ready = !failure;
  const notReady = { status: 'False', reason: 'ContainersNotReady', message: `containers with unready status: [${container}]` };
  const notReadySince = failure === 'readiness-503' ? nowMs - 15 * 60_000 : created + 1000;
  const conditions: Json[] = [
    { ...t(created + 3000), type: 'PodReadyToStartContainers' },
    { ...t(created + 1000), type: 'Initialized' },
    ready ? { ...t(started + 6000), type: 'Ready' } : { ...t(notReadySince), type: 'Ready', ...notReady },
    ready ? { ...t(started + 6000), type: 'ContainersReady' } : { ...t(notReadySince), type: 'ContainersReady', ...notReady },
    { ...t(created), type: 'PodScheduled' },
  ];
  let containerStatus: Json = {
    name: container, state: { running: { startedAt: iso(started) } }, lastState: {}, ready: true, restartCount: 0,
    image, imageID: imageId, containerID: containerId, started: true,
  };
  let phase = 'Running';
  const events: EventPlan[] = [];
  const fieldPath = `spec.containers{${container}}`;
  let logs: { current?: string[]; previous?: string[] } | undefined;
  const scheduled: EventPlan = { type: 'Normal', reason: 'Scheduled', message: `Successfully assigned ${app.namespace}/${name} to ${nodeNameOf(node)}`, count: 1, firstMs: created, lastMs: created, scheduler: true };
  switch (failure) {
    case 'crash-exit-1':
    case 'oom-crash': {
      const oom = failure === 'oom-crash';
      const restarts = ids.int(6, 11);
      const finished = nowMs - ids.int(20, 120) * 1000;
      containerStatus = {
        name: container,
        state: { waiting: { reason: 'CrashLoopBackOff', message: `back-off 5m0s restarting failed container=${container} pod=${name}_${app.namespace}(${uid})` } },
        lastState: {
          terminated: {
            exitCode: oom ? 137 : 1, reason: oom ? 'OOMKilled' : 'Error',
            startedAt: iso(finished - (oom ? 95_000 : 2000)), finishedAt: iso(finished), containerID: containerId,
          },
        },
        ready: false, restartCount: restarts, image, imageID: imageId, containerID: containerId, started: false,
      };
      events.push(
        scheduled,
        { type: 'Normal', reason: 'Created', message: `Created container: ${container}`, count: restarts + 1, firstMs: created + 2000, lastMs: finished - 3000, fieldPath },
        { type: 'Normal', reason: 'Started', message: `Started container ${container}`, count: restarts + 1, firstMs: created + 2500, lastMs: finished - 2000, fieldPath },
        { type: 'Warning', reason: 'BackOff', message: `Back-off restarting failed container ${container} in pod ${name}_${app.namespace}(${uid})`, count: restarts * 4 + 3, firstMs: created + 30_000, lastMs: nowMs - 8000, fieldPath },
      );
      logs = {
        previous: oom
          ? [
              `{"level":"info","msg":"loading batch","size":250000,"pod":"${name}"}`,
              '{"level":"info","msg":"resident set grew","rss_mb":498}',
              '{"level":"warn","msg":"memory high, still allocating","rss_mb":509}',
            ]
          : [
              `{"level":"info","msg":"starting ${container}","version":"4.12.0"}`,
              '{"level":"info","msg":"reading configuration","path":"/etc/app/config.yaml"}',
              '{"level":"error","msg":"invalid configuration: database.url: required value missing"}',
            ],
      };
      break;
    }
    case 'image-not-found': {
      phase = 'Pending';
      const ref = image.includes('/') ? image : `docker.io/library/${image}`;
      const pullError = `rpc error: code = NotFound desc = failed to pull and unpack image "${ref}": failed to resolve reference "${ref}": ${ref}: not found`;
      containerStatus = {
        name: container,
        state: { waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}": ErrImagePull: ${pullError}` } },
        lastState: {}, ready: false, restartCount: 0, image, imageID: '', started: false,
      };
      events.push(
        scheduled,
        { type: 'Normal', reason: 'Pulling', message: `Pulling image "${image}"`, count: 6, firstMs: created + 2000, lastMs: nowMs - 170_000, fieldPath },
        { type: 'Warning', reason: 'Failed', message: `Failed to pull image "${image}": ${pullError}`, count: 6, firstMs: created + 3000, lastMs: nowMs - 169_000, fieldPath },
        { type: 'Warning', reason: 'Failed', message: 'Error: ErrImagePull', count: 6, firstMs: created + 3000, lastMs: nowMs - 169_000, fieldPath },
        { type: 'Normal', reason: 'BackOff', message: `Back-off pulling image "${image}"`, count: 80, firstMs: created + 4000, lastMs: nowMs - 10_000, fieldPath },
        { type: 'Warning', reason: 'Failed', message: 'Error: ImagePullBackOff', count: 80, firstMs: created + 4000, lastMs: nowMs - 10_000, fieldPath },
      );
      break;
    }
    case 'readiness-503':
      containerStatus = { ...containerStatus, ready: false };
      events.push({
        type: 'Warning', reason: 'Unhealthy', message: 'Readiness probe failed: HTTP probe failed with statuscode: 503', count: 90,
        firstMs: notReadySince - 20_000, lastMs: nowMs - 10_000, fieldPath,
      });
      logs = {
        current: [
          '{"level":"info","msg":"GET /ready 503","upstream":"postgres"}',
          '{"level":"error","msg":"upstream unavailable","err":"dial tcp 10.96.14.7:5432: connect: connection refused"}',
        ],
      };
      break;
    default:
      break;
  }
  const status: Json = {
    phase, conditions, hostIP: hostIp, hostIPs: [{ ip: hostIp }], podIP: podIp, podIPs: [{ ip: podIp }],
    startTime: iso(created + 1000), containerStatuses: [containerStatus], qosClass: 'Burstable',
  };
  if (phase === 'Pending') {
    delete status['podIP'];
    delete status['podIPs'];
  }
  const metadata: Json = {
    name, generateName: `${app.rsName}-`, namespace: app.namespace, uid, creationTimestamp: iso(created), labels,
    ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: app.rsName, uid: app.rsUid, controller: true, blockOwnerDeletion: true }],
  };
  const { nodeName: _n, serviceAccount: _sa, serviceAccountName: _san, tolerations: _t, priority: _p, enableServiceLinks: _e, preemptionPolicy: _pp, ...templateOwned } = spec;
  const statusOwned = { ...status, conditions: conditions.filter((c) => c['type'] !== 'PodScheduled') };
  metadata['managedFields'] = [
    managedEntry('kube-controller-manager', 'v1', iso(created), { metadata: { generateName: metadata['generateName'], labels, ownerReferences: metadata['ownerReferences'] }, spec: templateOwned }),
    managedEntry('kubelet', 'v1', iso(failure ? nowMs - 10_000 : started + 6000), { status: statusOwned }, 'status'),
  ];
  return { pod: { apiVersion: 'v1', kind: 'Pod', metadata, spec, status } as KubeObject, events, ...(logs ? { logs } : {}) };
}

function buildEvent(ids: Ids, plan: EventPlan, pod: PodPlan, index: number): KubeObject {
  const involvedObject: Json = { kind: 'Pod', namespace: pod.app.namespace, name: pod.name, uid: pod.uid, apiVersion: 'v1' };
  if (plan.fieldPath) involvedObject['fieldPath'] = plan.fieldPath;
  // source: staging/src/k8s.io/client-go/tools/record/event.go (makeEvent: "%v.%x" of the object name and UnixNano)
  const name = `${pod.name}.${(BigInt(plan.firstMs) * 1_000_000n + BigInt(index)).toString(16)}`;
  const metadata: Json = { name, namespace: pod.app.namespace, uid: ids.uuid(), creationTimestamp: iso(plan.firstMs) };
  if (plan.scheduler) {
    // events.k8s.io/v1 recorder read back through core/v1 (client-go tools/events): eventTime, no counts.
    metadata['managedFields'] = [managedEntry('kube-scheduler', 'events.k8s.io/v1', iso(plan.firstMs), { action: 'Binding', eventTime: 1, note: 1, reason: 1, regarding: involvedObject, reportingController: 1, reportingInstance: 1, type: 1 })];
    return {
      apiVersion: 'v1', kind: 'Event', metadata, involvedObject, reason: plan.reason, message: plan.message, type: plan.type,
      source: {}, firstTimestamp: null, lastTimestamp: null, eventTime: isoMicro(plan.firstMs, 214733), action: 'Binding',
      reportingComponent: 'default-scheduler', reportingInstance: `default-scheduler-${ids.suffix(5)}`,
    } as unknown as KubeObject;
  }
  const body: Json = {
    involvedObject, reason: plan.reason, message: plan.message, source: { component: 'kubelet', host: nodeNameOf(pod.node) },
    firstTimestamp: iso(plan.firstMs), lastTimestamp: iso(plan.lastMs), count: plan.count, type: plan.type, eventTime: null,
    reportingComponent: 'kubelet', reportingInstance: nodeNameOf(pod.node),
  };
  metadata['managedFields'] = [managedEntry('kubelet', 'v1', iso(plan.lastMs), body)];
  return { apiVersion: 'v1', kind: 'Event', metadata, ...body } as KubeObject;
}

/** Which failure (if any) Pod number `i` has: spread evenly, with crash loops the most common. */
function failureOf(i: number, every: number): FailureKind | undefined {
  if (every <= 0 || i % every !== every - 1) return undefined;
  const k = Math.floor(i / every) % 10;
  if (k < 5) return 'crash-exit-1';
  if (k < 7) return 'image-not-found';
  if (k < 9) return 'oom-crash';
  return 'readiness-503';
}

export function seedCluster(store: ObjectStore, options: SeedOptions): SeedSummary {
  const nowMs = options.nowMs ?? Date.now();
  const ids = new Ids(options.seed ?? 1);
  const ratio = options.failingRatio ?? 0.03;
  const every = ratio > 0 ? Math.max(1, Math.round(1 / ratio)) : 0;
  const namespaceCount = Math.max(1, Math.round(options.pods / (options.podsPerNamespace ?? 200)));
  const namespaces = Array.from({ length: namespaceCount }, (_, i) => `team-${String(i + 1).padStart(3, '0')}`);
  for (const ns of namespaces) store.ensureNamespace(ns);

  const nodes = Array.from({ length: options.nodes }, (_, i) => buildNode(ids, i, nowMs));
  for (const node of nodes) store.create(node, { resource: 'nodes' });

  // Deployments until every Pod has one, round-robin over namespaces.
  const apps: App[] = [];
  let planned = 0;
  while (planned < options.pods) {
    const namespace = namespaces[apps.length % namespaces.length] as string;
    const base = APPS[apps.length % APPS.length] as string;
    const name = `${base}-${Math.floor(apps.length / APPS.length) + 1}`;
    const replicas = Math.min(ids.pick(REPLICAS), options.pods - planned);
    const hash = ids.suffix(10);
    const image = `registry.example.com/${namespace}/${base}:4.${ids.int(0, 20)}.${ids.int(0, 9)}`;
    apps.push({
      namespace, name, container: base, image, replicas, deploymentUid: ids.uuid(), rsName: `${name}-${hash}`, rsUid: ids.uuid(), hash,
      template: podTemplateSpec(base, image), created: nowMs - ids.int(1, 30) * 86_400_000,
    });
    planned += replicas;
  }
  let replicaSets = 0;
  for (const app of apps) {
    store.create(buildDeployment(app, nowMs), { resource: 'deployments' });
    // A third of the Deployments keep their previous revision's ReplicaSet, scaled to 0 (revisionHistoryLimit).
    if (ids.chance(1 / 3)) {
      const oldHash = ids.suffix(9);
      store.create(buildReplicaSet(app, `${app.name}-${oldHash}`, ids.uuid(), oldHash, 1, 0, app.created - 86_400_000), { resource: 'replicasets' });
      replicaSets++;
    }
    store.create(buildReplicaSet(app, app.rsName, app.rsUid, app.hash, 2, app.replicas, app.created), { resource: 'replicasets' });
    replicaSets++;
  }

  const failing: FailingPod[] = [];
  let events = 0;
  let podIndex = 0;
  let jsonBytes = 0;
  let managedBytes = 0;
  for (const app of apps) {
    for (let r = 0; r < app.replicas; r++, podIndex++) {
      const node = nodes[(podIndex * 7 + Math.floor(podIndex / nodes.length)) % nodes.length] as KubeObject;
      const failure = failureOf(podIndex, every);
      const plan: PodPlan = { app, name: `${app.rsName}-${ids.suffix(5)}`, uid: ids.uuid(), node, ...(failure ? { failure } : {}) };
      const built = buildPod(ids, plan, nowMs);
      store.create(built.pod, { resource: 'pods' });
      jsonBytes += JSON.stringify(built.pod).length;
      managedBytes += JSON.stringify(built.pod.metadata['managedFields']).length;
      built.events.forEach((e, i) => store.create(buildEvent(ids, e, plan, i), { resource: 'events' }));
      events += built.events.length;
      if (built.logs) store.setLogs(app.namespace, plan.name, app.container, built.logs);
      if (failure) failing.push({ uid: plan.uid, namespace: app.namespace, name: plan.name, kind: failure });
    }
  }
  return {
    pods: podIndex,
    nodes: nodes.length,
    namespaces: namespaces.length,
    deployments: apps.length,
    replicaSets,
    events,
    failing,
    podJsonBytes: Math.round(jsonBytes / Math.max(1, podIndex)),
    podManagedFieldsBytes: Math.round(managedBytes / Math.max(1, podIndex)),
  };
}

/** Requests a fake API server has seen, by `verb resource[/subresource]` (e.g. `list pods`, `log pods/log`). */
export type RequestCounts = Record<string, number>;

export function tallyRequests(records: readonly RequestRecord[]): RequestCounts {
  const counts: RequestCounts = {};
  for (const r of records) {
    const key = `${r.verb} ${r.resource ?? r.path}${r.subresource ? `/${r.subresource}` : ''}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

export interface BenchServer {
  server: FakeApiServer;
  seed: SeedSummary;
  seedMs: number;
  kubeconfigPath: string;
  requestCounts(): RequestCounts;
  close(): Promise<void>;
}

/**
 * Seeds a store and serves it over HTTPS (a real cluster speaks TLS, and decoding it is part of the
 * client's cost). Watches get the apiserver's one-minute bookmarks. Used in-process by the test and
 * in a child process by bench/cluster-server.ts.
 */
export async function startBenchServer(options: SeedOptions & { kubeconfigPath: string }): Promise<BenchServer> {
  const store = new ObjectStore();
  const started = performance.now();
  const seed = seedCluster(store, options);
  const seedMs = performance.now() - started;
  const server = await startFakeApiServer({ store, tls: true });
  server.writeKubeconfig(options.kubeconfigPath);
  return {
    server,
    seed,
    seedMs,
    kubeconfigPath: options.kubeconfigPath,
    requestCounts: () => tallyRequests(server.requests),
    close: () => server.close(),
  };
}
