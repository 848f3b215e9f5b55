/**
 * The simulator's memory and primitives: nodes, placement, Pod creation, the Pods whose state it
 * renders over time (plans), the workloads it built, and the timers of delayed control-plane actions.
 * The store holds the objects; this holds what the kubelet and the controllers "know" but do not publish.
 */
import type { Node, Pod, PodSpec, Workload } from '../../contract/k8s.ts';
import type { CauseId } from '../../contract/scenarios.ts';
import type { KubeObject, ObjectStore } from '../store.ts';
import type { SimClock } from './clock.ts';
import type { FailingPodMaker } from './controllers.ts';
import { EventWriter, type EventSpec } from './events.ts';
import { createRng, iso, nameSuffix, uuid, type Rng } from './ids.ts';
import { buildNode, hostIpOf, isReady, type NodeSpec } from './nodes.ts';
import type { PodPlan, PodRender, RenderContext } from './plans.ts';
import { filterNode, usageByNode, type Usage, podRequests } from './scheduler.ts';
import {
  podObject,
  runningStatus,
  scheduledEvent,
  startEvents,
  type OwnerRef,
  type PodPlacement,
  type PodTemplate,
} from './workloads.ts';

export interface ReplicaSetRecord {
  name: string;
  uid: string;
  hash: string;
  revision: number;
  template: PodTemplate;
  replicas: number;
  createdMs: number;
  /** How the ReplicaSet's new Pods turn out: healthy, or failing the way a cause makes them fail. */
  pods: { kind: 'healthy' } | { kind: 'cause'; cause: CauseId };
  /** Admission refuses its Pods (quota, PodSecurity, ServiceAccount): FailedCreate, no Pod. */
  blocked?: { sinceMs: number; message: (podName: string) => string };
}

export interface WorkloadRecord {
  namespace: string;
  name: string;
  kind: 'Deployment';
  uid: string;
  createdMs: number;
  replicas: number;
  /** The template before a cause bent it: what a fix rolls out. */
  baseTemplate: PodTemplate;
  /** Oldest first; the last is the current revision. */
  replicaSets: ReplicaSetRecord[];
  causeId: CauseId | null;
  /** Cluster changes the cause made (taints, cordons, pressure, quotas) and how to undo them. */
  undo: (() => void)[];
  /** Nodes the cause dedicated to this workload (node-loss causes). */
  dedicatedNode?: string;
}

export interface PodRecord {
  namespace: string;
  name: string;
  uid: string;
  workload?: string;
  plan: PodPlan;
}

interface Timer {
  atMs: number;
  seq: number;
  run: (atMs: number) => void;
}

export function key(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

export class SimState {
  readonly events: EventWriter;
  readonly rng: Rng;
  readonly workloads = new Map<string, WorkloadRecord>();
  readonly tracked = new Map<string, PodRecord>();
  /** Nodes the node lifecycle controller considers lost, with when. */
  readonly lostNodes = new Map<string, number>();
  /** Pods whose kubelet will not kill them (terminating.unresponsive). */
  readonly unkillable = new Set<string>();
  private readonly ipCounters = new Map<string, number>();
  private nodeCount = 0;
  private timers: Timer[] = [];
  private timerSeq = 0;
  /** Renders of objects other than Pods (a claim's provisioning retries), keyed by object. */
  readonly sideRenders = new Map<string, (atMs: number) => void>();
  /** Creates a failing Pod for a ReplicaSet whose Pods fail by a cause (set by the simulator). */
  makeFailing: FailingPodMaker = () => undefined;
  /** Workloads whose status needs recomputing. */
  readonly dirty = new Set<string>();

  readonly store: ObjectStore;
  readonly clock: SimClock;

  constructor(store: ObjectStore, clock: SimClock, seed: number) {
    this.store = store;
    this.clock = clock;
    this.events = new EventWriter(store);
    this.rng = createRng(seed);
    this.nodeCount = store.list('nodes').items.length;
  }

  nowMs(): number {
    return this.clock.nowMs();
  }

  uuid(): string {
    return uuid(this.rng);
  }

  suffix(): string {
    return nameSuffix(this.rng);
  }

  // ---------- nodes ----------

  nodes(): Node[] {
    return this.store.list('nodes').items as unknown as Node[];
  }

  node(name: string): Node | undefined {
    return this.store.get('nodes', undefined, name) as unknown as Node | undefined;
  }

  writeNode(next: Node): void {
    const copy = structuredClone(next) as unknown as KubeObject;
    copy.metadata.resourceVersion = undefined;
    this.store.update(copy, { resource: 'nodes' });
  }

  addNode(spec: NodeSpec = {}, registeredMs?: number): Node {
    const index = this.nodeCount;
    this.nodeCount += 1;
    const name = spec.name ?? `worker-${index + 1}`;
    const now = this.nowMs();
    const node = buildNode({ ...spec, name }, index, this.uuid(), registeredMs ?? now - 30 * 86_400_000, now);
    this.store.create(node as unknown as KubeObject, { resource: 'nodes' });
    return node;
  }

  // ---------- placement ----------

  pods(namespace?: string): Pod[] {
    return this.store.list('pods', namespace ? { namespace } : {}).items as unknown as Pod[];
  }

  pod(namespace: string, name: string): Pod | undefined {
    return this.store.get('pods', namespace, name) as unknown as Pod | undefined;
  }

  podsOnNode(node: string): Pod[] {
    return this.store.list('pods', { fieldSelector: `spec.nodeName=${node}` }).items as unknown as Pod[];
  }

  usage(): Map<string, Usage> {
    return usageByNode(this.pods());
  }

  placement(node: Node): PodPlacement {
    const name = node.metadata.name;
    const n = (this.ipCounters.get(name) ?? 1) + 1;
    this.ipCounters.set(name, n);
    const cidr = node.spec?.podCIDR ?? '10.244.0.0/24';
    const prefix = cidr.split('.').slice(0, 3).join('.');
    const host = (n % 253) + 2;
    return { node: name, hostIP: hostIpOf(node), podIP: `${prefix}.${host}` };
  }

  /**
   * The node the scheduler would pick: one that passes the filters, spreading a workload's Pods
   * (fewest of `app` already there) and then preferring the least requested CPU.
   */
  choose(spec: PodSpec, usage: Map<string, Usage>, options: { avoid?: ReadonlySet<string>; counts?: Map<string, number> } = {}): Node | undefined {
    let best: { node: Node; score: number } | undefined;
    for (const node of this.nodes()) {
      if (options.avoid?.has(node.metadata.name)) continue;
      if (!isReady(node)) continue;
      if (filterNode(spec, node, usage.get(node.metadata.name)).reasons.length > 0) continue;
      const mine = options.counts?.get(node.metadata.name) ?? 0;
      const score = mine * 1e9 + (usage.get(node.metadata.name)?.milliCpu ?? 0);
      if (!best || score < best.score) best = { node, score };
    }
    if (best) {
      const r = podRequests(spec);
      const u = usage.get(best.node.metadata.name) ?? { milliCpu: 0, memory: 0, pods: 0 };
      usage.set(best.node.metadata.name, { milliCpu: u.milliCpu + r.milliCpu, memory: u.memory + r.memory, pods: u.pods + 1 });
      options.counts?.set(best.node.metadata.name, (options.counts.get(best.node.metadata.name) ?? 0) + 1);
    }
    return best?.node;
  }

  // ---------- pods ----------

  createPodObject(pod: Pod): Pod {
    return this.store.create(pod as unknown as KubeObject, { resource: 'pods' }) as unknown as Pod;
  }

  /** A Pod of `rs` that started fine at createdMs on `node`, with the kubelet's start events. */
  createHealthyPod(workload: WorkloadRecord, rs: ReplicaSetRecord, node: Node, createdMs: number, withEvents = true): Pod {
    const pod = podObject({
      namespace: workload.namespace,
      name: `${rs.name}-${this.suffix()}`,
      uid: this.uuid(),
      createdMs,
      labels: { ...rs.template.labels, 'pod-template-hash': rs.hash },
      owner: rsOwner(rs),
      spec: rs.template.spec,
      nodeName: node.metadata.name,
    });
    const place = this.placement(node);
    const started = createdMs + 3000;
    const probe = pod.spec.containers.find((c) => c.readinessProbe)?.readinessProbe;
    const ready = started + (probe ? ((probe.initialDelaySeconds ?? 0) + (probe.periodSeconds ?? 10)) * 1000 : 0);
    pod.status = runningStatus(pod, place, createdMs, started, ready, Math.max(this.nowMs(), ready));
    const stored = this.createPodObject(pod);
    if (withEvents) {
      this.events.writeAll([scheduledEvent(pod, node.metadata.name, createdMs), ...startEvents(pod, node.metadata.name, started - 1000, pod.spec.containers)]);
    }
    this.dirty.add(key(workload.namespace, workload.name));
    return stored;
  }

  /** Replaces a stored Pod's status (and optionally other fields) through the store. */
  updatePod(pod: Pod, edit: (next: Pod) => void): Pod | undefined {
    const current = this.pod(pod.metadata.namespace ?? 'default', pod.metadata.name);
    if (!current) return undefined;
    const next = structuredClone(current) as Pod;
    edit(next);
    (next.metadata as { resourceVersion?: string }).resourceVersion = undefined;
    return this.store.update(next as unknown as KubeObject, { resource: 'pods' }) as unknown as Pod;
  }

  track(record: PodRecord): void {
    this.tracked.set(key(record.namespace, record.name), record);
  }

  renderContext(pod: Pod, atMs: number): RenderContext {
    let usage: Map<string, Usage> | undefined;
    let nodes: Node[] | undefined;
    return {
      atMs,
      pod,
      nodes: () => (nodes ??= this.nodes()),
      usage: () => (usage ??= this.usage()),
      pvcPhase: (ns, claim) => (this.store.get('persistentvolumeclaims', ns, claim) as { status?: { phase?: string } } | undefined)?.status?.phase,
    };
  }

  /** Renders one tracked Pod at atMs and writes what changed. Returns the render (or null when the Pod is gone). */
  render(record: PodRecord, atMs: number): PodRender | null {
    const pod = this.pod(record.namespace, record.name);
    if (!pod || pod.metadata.uid !== record.uid) {
      this.tracked.delete(key(record.namespace, record.name));
      return null;
    }
    if (record.plan.kubelet && pod.spec.nodeName && this.lostNodes.has(pod.spec.nodeName)) return null;
    const result = record.plan.render(this.renderContext(pod, atMs));
    if (result.bind !== undefined) {
      this.bind(record, pod, result.bind, atMs);
      return result;
    }
    if (result.status) {
      const status = result.status;
      this.updatePod(pod, (next) => {
        next.status = status;
      });
    }
    this.events.writeAll(result.events);
    for (const log of result.logs ?? []) {
      const current = this.store.getLogs(record.namespace, record.name, log.container);
      if (!sameLines(current.previous, log.previous) || !sameLines(current.current, log.current)) {
        this.store.setLogs(record.namespace, record.name, log.container, { previous: log.previous, current: log.current });
      }
    }
    if (record.workload) this.dirty.add(record.workload);
    return result;
  }

  renderAll(atMs: number): void {
    for (const record of [...this.tracked.values()]) this.render(record, atMs);
    for (const render of this.sideRenders.values()) render(atMs);
  }

  /** The scheduler binds a pending Pod: it starts like any healthy Pod from here on. */
  bind(record: PodRecord, pod: Pod, nodeName: string, atMs: number): void {
    const node = this.node(nodeName);
    if (!node) return;
    const place = this.placement(node);
    const started = atMs + 3000;
    this.updatePod(pod, (next) => {
      next.spec.nodeName = nodeName;
      next.status = runningStatus(next, place, atMs, started, started, started);
    });
    this.events.writeAll([scheduledEvent(pod, nodeName, atMs), ...startEvents(pod, nodeName, atMs + 2000, pod.spec.containers)]);
    this.tracked.delete(key(record.namespace, record.name));
    if (record.workload) this.dirty.add(record.workload);
  }

  // ---------- events shortcuts ----------

  writeEvents(events: EventSpec[]): void {
    this.events.writeAll(events);
  }

  // ---------- timers ----------

  schedule(atMs: number, run: (atMs: number) => void): void {
    this.timerSeq += 1;
    this.timers.push({ atMs, seq: this.timerSeq, run });
    this.timers.sort((a, b) => a.atMs - b.atMs || a.seq - b.seq);
  }

  /** Runs timers due by untilMs in time order; `moveClock` advances the clock to each before it runs. */
  runTimers(untilMs: number, moveClock: boolean): void {
    for (;;) {
      const next = this.timers[0];
      if (!next || next.atMs > untilMs) return;
      this.timers.shift();
      if (moveClock) this.clock.advanceTo(next.atMs);
      next.run(next.atMs);
    }
  }

  cancelTimers(predicate: (t: { atMs: number }) => boolean): void {
    this.timers = this.timers.filter((t) => !predicate(t));
  }

  // ---------- workloads ----------

  workload(namespace: string, name: string): WorkloadRecord {
    const w = this.workloads.get(key(namespace, name));
    if (!w) throw new Error(`sim: no workload ${namespace}/${name} was built by this simulator`);
    return w;
  }

  stored(resource: string, namespace: string, name: string): Workload | undefined {
    return this.store.get(resource, namespace, name) as unknown as Workload | undefined;
  }

  writeWorkload(resource: string, next: Workload): void {
    const copy = structuredClone(next) as unknown as KubeObject;
    copy.metadata.resourceVersion = undefined;
    this.store.update(copy, { resource });
  }

  /** The Pods a ReplicaSet owns, by ownerReference uid. */
  podsOf(namespace: string, rsUid: string): Pod[] {
    return this.pods(namespace).filter((p) => p.metadata.ownerReferences?.some((r) => r.uid === rsUid));
  }

  isoNow(): string {
    return iso(this.nowMs());
  }
}

export function rsOwner(rs: ReplicaSetRecord): OwnerRef {
  return { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rs.name, uid: rs.uid, controller: true, blockOwnerDeletion: true };
}

function sameLines(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((line, i) => line === b[i]);
}
