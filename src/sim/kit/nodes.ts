/**
 * Nodes as the kubelet registers and reports them, and as the node lifecycle controller rewrites
 * them when the kubelet goes silent.
 */
import type { Condition, Node, Taint } from '../../contract/k8s.ts';
import { parseQuantity } from '../../contract/quantity.ts';
import {
  NODE_DISK_PRESSURE,
  NODE_MEMORY_PRESSURE,
  NODE_PID_PRESSURE,
  REASON_NODE_STATUS_UNKNOWN,
  TAINT_DISK_PRESSURE,
  TAINT_MEMORY_PRESSURE,
  TAINT_NOT_READY,
  TAINT_PID_PRESSURE,
  TAINT_UNREACHABLE,
  TAINT_UNSCHEDULABLE,
} from '../../contract/upstream.ts';
import { formatMilliCpu, iso } from './ids.ts';

export interface NodeSpec {
  name?: string;
  /** CPU capacity in cores (4) or as a quantity ("4", "3500m"). Default 4. */
  cpu?: number | string;
  /** Memory capacity as a quantity. Default "16Gi". */
  memory?: string;
  /** Max Pods. Default 110. */
  pods?: number;
  labels?: Record<string, string>;
  taints?: Taint[];
  /** topology.kubernetes.io/zone; default cycles eu-west-1a/b/c. */
  zone?: string;
  /** Explicit allocatable; default capacity minus the kubelet's reservations. */
  allocatable?: { cpu?: string; memory?: string; pods?: number };
}

// Condition reasons and messages the kubelet reports.
// source: kubernetes/kubernetes pkg/kubelet/nodestatus/setters.go (MemoryPressureCondition, DiskPressureCondition,
//   PIDPressureCondition, ReadyCondition: "KubeletHasSufficientMemory" / "kubelet has sufficient memory available",
//   "KubeletHasInsufficientMemory" / "kubelet has insufficient memory available", "KubeletHasNoDiskPressure" /
//   "kubelet has no disk pressure", "KubeletHasDiskPressure" / "kubelet has disk pressure", "KubeletHasSufficientPID" /
//   "kubelet has sufficient PID available", "KubeletHasInsufficientPID" / "kubelet has insufficient PID available",
//   "KubeletReady" / "kubelet is posting ready status").
export const NODE_CONDITION_TEXT = {
  [NODE_MEMORY_PRESSURE]: {
    ok: { reason: 'KubeletHasSufficientMemory', message: 'kubelet has sufficient memory available' },
    bad: { reason: 'KubeletHasInsufficientMemory', message: 'kubelet has insufficient memory available' },
  },
  [NODE_DISK_PRESSURE]: {
    ok: { reason: 'KubeletHasNoDiskPressure', message: 'kubelet has no disk pressure' },
    bad: { reason: 'KubeletHasDiskPressure', message: 'kubelet has disk pressure' },
  },
  [NODE_PID_PRESSURE]: {
    ok: { reason: 'KubeletHasSufficientPID', message: 'kubelet has sufficient PID available' },
    bad: { reason: 'KubeletHasInsufficientPID', message: 'kubelet has insufficient PID available' },
  },
  Ready: {
    ok: { reason: 'KubeletReady', message: 'kubelet is posting ready status' },
  },
} as const;

// source: kubernetes/kubernetes pkg/controller/nodelifecycle/node_lifecycle_controller.go (tryUpdateNodeHealth:
//   every condition the kubelet owns becomes Unknown with reason "NodeStatusUnknown" (REASON_NODE_STATUS_UNKNOWN)
//   and message "Kubelet stopped posting node status.", lastHeartbeatTime kept, lastTransitionTime now).
export const MESSAGE_NODE_STATUS_UNKNOWN = 'Kubelet stopped posting node status.';

export type PressureType = typeof NODE_MEMORY_PRESSURE | typeof NODE_DISK_PRESSURE | typeof NODE_PID_PRESSURE;

export const PRESSURE_TAINTS: Record<PressureType, string> = {
  [NODE_MEMORY_PRESSURE]: TAINT_MEMORY_PRESSURE,
  [NODE_DISK_PRESSURE]: TAINT_DISK_PRESSURE,
  [NODE_PID_PRESSURE]: TAINT_PID_PRESSURE,
};

const ZONES = ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'];

function milliCpu(value: number | string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const cores = typeof value === 'number' ? value : parseQuantity(value);
  if (cores === null) throw new Error(`sim: invalid cpu quantity ${String(value)}`);
  return Math.round(cores * 1000);
}

function kibibytes(value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const bytes = parseQuantity(value);
  if (bytes === null) throw new Error(`sim: invalid memory quantity ${value}`);
  return Math.round(bytes / 1024);
}

/** The kubelet's four conditions, all healthy, heartbeat at `atMs`. */
export function healthyConditions(atMs: number, sinceMs: number): Condition[] {
  const at = iso(atMs);
  const since = iso(sinceMs);
  const pressure = (type: PressureType): Condition => ({
    type,
    status: 'False',
    lastHeartbeatTime: at,
    lastTransitionTime: since,
    ...NODE_CONDITION_TEXT[type].ok,
  });
  return [
    pressure(NODE_MEMORY_PRESSURE),
    pressure(NODE_DISK_PRESSURE),
    pressure(NODE_PID_PRESSURE),
    { type: 'Ready', status: 'True', lastHeartbeatTime: at, lastTransitionTime: since, ...NODE_CONDITION_TEXT.Ready.ok },
  ];
}

/** Builds a Node the way a freshly registered kubelet reports it (Ready since `registeredMs`). */
export function buildNode(spec: NodeSpec & { name: string }, index: number, uid: string, registeredMs: number, nowMs: number): Node & { status: NonNullable<Node['status']> } {
  const cpu = milliCpu(spec.cpu, 4000);
  const memKi = kibibytes(spec.memory, 16 * 1024 * 1024);
  const pods = spec.pods ?? 110;
  // Reservations of a typical managed node (kube-reserved + system-reserved + eviction threshold).
  const allocCpu = spec.allocatable?.cpu ?? formatMilliCpu(Math.max(cpu - 80, 100));
  const allocMem = spec.allocatable?.memory ?? `${Math.max(memKi - 1_015_000, 512 * 1024)}Ki`;
  const zone = spec.zone ?? spec.labels?.['topology.kubernetes.io/zone'] ?? ZONES[index % ZONES.length] ?? 'eu-west-1a';
  const internalIp = `10.0.${Math.floor(index / 250) + 1}.${(index % 250) + 4}`;
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: spec.name,
      uid,
      creationTimestamp: iso(registeredMs),
      labels: {
        'kubernetes.io/arch': 'amd64',
        'kubernetes.io/hostname': spec.name,
        'kubernetes.io/os': 'linux',
        'node.kubernetes.io/instance-type': 'm6i.xlarge',
        'topology.kubernetes.io/region': 'eu-west-1',
        'topology.kubernetes.io/zone': zone,
        ...spec.labels,
      },
    },
    spec: {
      podCIDR: `10.244.${index % 256}.0/24`,
      ...(spec.taints && spec.taints.length > 0 ? { taints: spec.taints.map((t) => ({ ...t })) } : {}),
    },
    status: {
      capacity: { cpu: formatMilliCpu(cpu), 'ephemeral-storage': '104845292Ki', memory: `${memKi}Ki`, pods: String(pods) },
      allocatable: { cpu: allocCpu, 'ephemeral-storage': '96625420948', memory: allocMem, pods: String(spec.allocatable?.pods ?? pods) },
      conditions: healthyConditions(nowMs, registeredMs),
      // Extra status fields kubectl prints (addresses, nodeInfo); not part of the engine's narrow Node type.
      ...({
        addresses: [
          { type: 'InternalIP', address: internalIp },
          { type: 'Hostname', address: spec.name },
        ],
        nodeInfo: {
          architecture: 'amd64',
          containerRuntimeVersion: 'containerd://2.0.5',
          kernelVersion: '6.1.141-155.222.amzn2023.x86_64',
          kubeProxyVersion: '',
          kubeletVersion: 'v1.33.4',
          operatingSystem: 'linux',
          osImage: 'Amazon Linux 2023.8.20250818',
        },
      } as Record<string, unknown>),
    },
  };
}

export function conditionOf(node: Node, type: string): Condition | undefined {
  return node.status?.conditions?.find((c) => c.type === type);
}

export function isReady(node: Node): boolean {
  return conditionOf(node, 'Ready')?.status === 'True';
}

/** The node's InternalIP (what Pods see as status.hostIP). */
export function hostIpOf(node: Node): string {
  const addresses = (node.status as { addresses?: { type: string; address: string }[] } | undefined)?.addresses ?? [];
  return addresses.find((a) => a.type === 'InternalIP')?.address ?? '10.0.0.1';
}

/**
 * What the node lifecycle controller writes when the kubelet's lease and status stop: every kubelet
 * condition Unknown, plus the unreachable taints (NoSchedule from TaintNodesByCondition, NoExecute from
 * the taint-based eviction pass).
 * source: kubernetes/kubernetes pkg/controller/nodelifecycle/node_lifecycle_controller.go (tryUpdateNodeHealth,
 *   doNoScheduleTaintingPass, doNoExecuteTaintingPass, markNodeAsReachable); staging/src/k8s.io/api/core/v1/
 *   well_known_taints.go (TaintNodeUnreachable).
 */
export function lostNode(node: Node, atMs: number): Node {
  const next = structuredClone(node) as Node;
  const at = iso(atMs);
  next.status = {
    ...next.status,
    conditions: (next.status?.conditions ?? []).map((c) => ({
      ...c,
      status: 'Unknown',
      reason: REASON_NODE_STATUS_UNKNOWN,
      message: MESSAGE_NODE_STATUS_UNKNOWN,
      lastTransitionTime: at,
    })),
  };
  const kept = (next.spec?.taints ?? []).filter((t) => t.key !== TAINT_UNREACHABLE && t.key !== TAINT_NOT_READY);
  next.spec = {
    ...next.spec,
    taints: [...kept, { key: TAINT_UNREACHABLE, effect: 'NoSchedule', timeAdded: at }, { key: TAINT_UNREACHABLE, effect: 'NoExecute', timeAdded: at }],
  };
  return next;
}

/** The kubelet is back: healthy conditions again, the controller removes the unreachable taints. */
export function restoredNode(node: Node, atMs: number): Node {
  const next = structuredClone(node) as Node;
  next.status = { ...next.status, conditions: healthyConditions(atMs, atMs) };
  const taints = (next.spec?.taints ?? []).filter((t) => t.key !== TAINT_UNREACHABLE && t.key !== TAINT_NOT_READY);
  next.spec = { ...next.spec };
  if (taints.length > 0) next.spec.taints = taints;
  else delete next.spec.taints;
  return next;
}

/**
 * A node under pressure: the kubelet flips the condition, the controller taints the node NoSchedule.
 * source: pkg/kubelet/nodestatus/setters.go; pkg/controller/nodelifecycle (TaintNodesByCondition).
 */
export function pressuredNode(node: Node, type: PressureType, sinceMs: number): Node {
  const next = structuredClone(node) as Node;
  const since = iso(sinceMs);
  next.status = {
    ...next.status,
    conditions: (next.status?.conditions ?? []).map((c) =>
      c.type === type ? { ...c, status: 'True', ...NODE_CONDITION_TEXT[type].bad, lastTransitionTime: since } : c,
    ),
  };
  const key = PRESSURE_TAINTS[type];
  const taints = (next.spec?.taints ?? []).filter((t) => t.key !== key);
  next.spec = { ...next.spec, taints: [...taints, { key, effect: 'NoSchedule', timeAdded: iso(sinceMs + 2000) }] };
  return next;
}

/** `kubectl cordon`: spec.unschedulable plus the unschedulable taint the controller mirrors it into. */
export function cordonedNode(node: Node, atMs: number): Node {
  const next = structuredClone(node) as Node;
  const taints = (next.spec?.taints ?? []).filter((t) => t.key !== TAINT_UNSCHEDULABLE);
  next.spec = { ...next.spec, unschedulable: true, taints: [...taints, { key: TAINT_UNSCHEDULABLE, effect: 'NoSchedule', timeAdded: iso(atMs) }] };
  return next;
}

export function uncordonedNode(node: Node): Node {
  const next = structuredClone(node) as Node;
  const taints = (next.spec?.taints ?? []).filter((t) => t.key !== TAINT_UNSCHEDULABLE);
  next.spec = { ...next.spec };
  delete next.spec.unschedulable;
  if (taints.length > 0) next.spec.taints = taints;
  else delete next.spec.taints;
  return next;
}

/** Refreshes the heartbeat of a Ready node's conditions (the kubelet reports status every 5 min when nothing changes). */
export function heartbeatNode(node: Node, atMs: number): Node {
  const next = structuredClone(node) as Node;
  const at = iso(atMs);
  next.status = { ...next.status, conditions: (next.status?.conditions ?? []).map((c) => ({ ...c, lastHeartbeatTime: at })) };
  return next;
}
