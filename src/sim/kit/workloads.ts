/**
 * Deployments, ReplicaSets and Pods as their controllers and admission write them, plus the status a
 * kubelet reports for a Pod that started fine. Pure object builders: the simulator stores them.
 */
import type { Container, Pod, PodSpec, PodStatus, Toleration, Workload } from '../../contract/k8s.ts';
import { parseQuantity } from '../../contract/quantity.ts';
import { TAINT_NOT_READY, TAINT_UNREACHABLE } from '../../contract/upstream.ts';
import type { EventSpec } from './events.ts';
import { digest, imageIdOf, iso } from './ids.ts';

export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';

export interface PodTemplate {
  labels: Record<string, string>;
  spec: PodSpec;
}

export interface OwnerRef {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller: true;
  blockOwnerDeletion: true;
}

/**
 * The tolerations every Pod gets at admission.
 * source: kubernetes/kubernetes plugin/pkg/admission/defaulttolerationseconds/admission.go
 *   (default-not-ready-toleration-seconds and default-unreachable-toleration-seconds = 300).
 */
export const DEFAULT_TOLERATIONS: readonly Toleration[] = [
  { key: TAINT_NOT_READY, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
  { key: TAINT_UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
];

export function defaultImage(namespace: string, name: string): string {
  return `registry.example.com/${namespace}/${name}:1.4.2`;
}

/** A typical web workload: one container on 8080 with a readiness probe and modest requests. */
export function defaultTemplate(namespace: string, name: string, image?: string): PodTemplate {
  return {
    labels: { app: name },
    spec: {
      containers: [
        {
          name,
          image: image ?? defaultImage(namespace, name),
          ports: [{ containerPort: 8080, name: 'http', protocol: 'TCP' }],
          resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } },
          readinessProbe: { httpGet: { path: '/healthz', port: 8080, scheme: 'HTTP' }, periodSeconds: 10, timeoutSeconds: 1, failureThreshold: 3, successThreshold: 1 },
        },
      ],
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
      schedulerName: 'default-scheduler',
    },
  };
}

export function ownerRef(apiVersion: string, kind: string, name: string, uid: string): OwnerRef {
  return { apiVersion, kind, name, uid, controller: true, blockOwnerDeletion: true };
}

export function deploymentObject(args: {
  namespace: string;
  name: string;
  uid: string;
  createdMs: number;
  replicas: number;
  revision: number;
  template: PodTemplate;
}): Workload {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: args.name,
      namespace: args.namespace,
      uid: args.uid,
      creationTimestamp: iso(args.createdMs),
      generation: args.revision,
      labels: { app: args.name },
      annotations: { [REVISION_ANNOTATION]: String(args.revision) },
    },
    spec: {
      replicas: args.replicas,
      selector: { matchLabels: { app: args.name } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
      template: { metadata: { labels: { ...args.template.labels } }, spec: structuredClone(args.template.spec) },
    },
    status: { observedGeneration: args.revision, replicas: 0, updatedReplicas: 0, readyReplicas: 0, availableReplicas: 0 },
  };
}

export function replicaSetObject(args: {
  namespace: string;
  name: string;
  uid: string;
  hash: string;
  createdMs: number;
  replicas: number;
  revision: number;
  template: PodTemplate;
  owner: OwnerRef;
}): Workload {
  const labels = { ...args.template.labels, 'pod-template-hash': args.hash };
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: args.name,
      namespace: args.namespace,
      uid: args.uid,
      creationTimestamp: iso(args.createdMs),
      generation: 1,
      labels,
      // source: kubernetes/kubernetes pkg/controller/deployment/util/deployment_util.go (RevisionAnnotation,
      //   DesiredReplicasAnnotation, MaxReplicasAnnotation)
      annotations: {
        'deployment.kubernetes.io/desired-replicas': String(args.replicas),
        'deployment.kubernetes.io/max-replicas': String(args.replicas + Math.ceil(args.replicas * 0.25)),
        [REVISION_ANNOTATION]: String(args.revision),
      },
      ownerReferences: [args.owner],
    },
    spec: {
      replicas: args.replicas,
      selector: { matchLabels: { app: args.template.labels.app ?? args.name, 'pod-template-hash': args.hash } },
      template: { metadata: { labels }, spec: structuredClone(args.template.spec) },
    },
    status: { replicas: 0, fullyLabeledReplicas: 0, readyReplicas: 0, availableReplicas: 0, observedGeneration: 1 },
  };
}

export function podObject(args: {
  namespace: string;
  name: string;
  uid: string;
  createdMs: number;
  labels: Record<string, string>;
  owner?: OwnerRef;
  spec: PodSpec;
  nodeName?: string;
}): Pod {
  const spec: PodSpec = structuredClone(args.spec);
  const tolerations = [...(spec.tolerations ?? [])];
  for (const t of DEFAULT_TOLERATIONS) if (!tolerations.some((x) => x.key === t.key && x.effect === t.effect)) tolerations.push({ ...t });
  spec.tolerations = tolerations;
  spec.serviceAccountName ??= 'default';
  if (args.nodeName) spec.nodeName = args.nodeName;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: args.name,
      namespace: args.namespace,
      uid: args.uid,
      creationTimestamp: iso(args.createdMs),
      labels: { ...args.labels },
      ...(args.owner ? { ownerReferences: [args.owner] } : {}),
    },
    spec,
    status: { phase: 'Pending', qosClass: qosClass(spec) },
  };
}

/**
 * source: kubernetes/kubernetes pkg/apis/core/helper/qos/qos.go (GetPodQOS): BestEffort with no requests or
 * limits, Guaranteed when every container's cpu and memory limits equal its requests, Burstable otherwise.
 */
export function qosClass(spec: PodSpec): string {
  const all = [...spec.containers, ...(spec.initContainers ?? [])];
  const any = all.some((c) => Object.keys(c.resources?.requests ?? {}).length > 0 || Object.keys(c.resources?.limits ?? {}).length > 0);
  if (!any) return 'BestEffort';
  const guaranteed = all.every((c) => {
    const limits = c.resources?.limits ?? {};
    const requests = c.resources?.requests ?? {};
    return ['cpu', 'memory'].every((r) => limits[r] !== undefined && (requests[r] === undefined || parseQuantity(requests[r]) === parseQuantity(limits[r])));
  });
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

export interface PodPlacement {
  node: string;
  hostIP: string;
  podIP: string;
}

export function containerId(podUid: string, container: string, instance: number): string {
  return `containerd://${digest('container', podUid, container, String(instance))}`;
}

/** The image as the runtime reports it in status (fully qualified for Docker Hub short names). */
export function reportedImage(image: string): string {
  const first = image.split('/')[0] ?? '';
  if (image.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost')) return image;
  return image.includes('/') ? `docker.io/${image}` : `docker.io/library/${image}`;
}

function hasReadinessProbe(c: Container): boolean {
  return c.readinessProbe !== undefined;
}

/** ContainersNotReady message. source: pkg/kubelet/status/generate.go ("containers with unready status: %s") */
export function unreadyMessage(names: readonly string[]): string {
  return `containers with unready status: [${names.join(' ')}]`;
}

/** The status of a Pod whose containers all started at `startedMs` and are Ready since `readyMs`. */
export function runningStatus(pod: Pod, place: PodPlacement, createdMs: number, startedMs: number, readyMs: number, atMs: number): PodStatus {
  const ready = atMs >= readyMs;
  const since = iso(ready ? readyMs : startedMs);
  const notReady = pod.spec.containers.filter((c) => !ready && hasReadinessProbe(c)).map((c) => c.name);
  return {
    phase: 'Running',
    conditions: [
      { type: 'PodReadyToStartContainers', status: 'True', lastTransitionTime: iso(createdMs + 2000) },
      { type: 'Initialized', status: 'True', lastTransitionTime: iso(createdMs + 1000) },
      notReady.length === 0
        ? { type: 'Ready', status: 'True', lastTransitionTime: since }
        : { type: 'Ready', status: 'False', reason: 'ContainersNotReady', message: unreadyMessage(notReady), lastTransitionTime: since },
      notReady.length === 0
        ? { type: 'ContainersReady', status: 'True', lastTransitionTime: since }
        : { type: 'ContainersReady', status: 'False', reason: 'ContainersNotReady', message: unreadyMessage(notReady), lastTransitionTime: since },
      { type: 'PodScheduled', status: 'True', lastTransitionTime: iso(createdMs) },
    ],
    containerStatuses: pod.spec.containers.map((c) => ({
      name: c.name,
      ready: !notReady.includes(c.name),
      started: true,
      restartCount: 0,
      image: reportedImage(c.image ?? ''),
      imageID: imageIdOf(reportedImage(c.image ?? '')),
      containerID: containerId(pod.metadata.uid ?? '', c.name, 0),
      state: { running: { startedAt: iso(startedMs) } },
    })),
    ...placementStatus(place),
    qosClass: qosClass(pod.spec),
    startTime: iso(createdMs + 1000),
  };
}

export function placementStatus(place: PodPlacement): Pick<PodStatus, 'hostIP' | 'podIP'> & Record<string, unknown> {
  return { hostIP: place.hostIP, hostIPs: [{ ip: place.hostIP }], podIP: place.podIP, podIPs: [{ ip: place.podIP }] };
}

export function podRefOf(pod: Pod): EventSpec['involved'] {
  return { apiVersion: 'v1', kind: 'Pod', name: pod.metadata.name, namespace: pod.metadata.namespace, uid: pod.metadata.uid };
}

/** format.Pod: name_namespace(uid). source: pkg/kubelet/util/format/pod.go */
export function formatPod(pod: Pod): string {
  return `${pod.metadata.name}_${pod.metadata.namespace ?? ''}(${pod.metadata.uid ?? ''})`;
}

export function fieldPath(container: string, init = false): string {
  return `spec.${init ? 'initContainers' : 'containers'}{${container}}`;
}

/** The scheduler's success event. source: pkg/scheduler/schedule_one.go ("Scheduled", action "Binding", "Successfully assigned %v/%v to %v") */
export function scheduledEvent(pod: Pod, node: string, atMs: number): EventSpec {
  return {
    key: 'Scheduled',
    involved: podRefOf(pod),
    namespace: pod.metadata.namespace ?? 'default',
    type: 'Normal',
    reason: 'Scheduled',
    message: `Successfully assigned ${pod.metadata.namespace}/${pod.metadata.name} to ${node}`,
    source: { component: 'default-scheduler' },
    style: 'series',
    action: 'Binding',
    reportingInstance: 'default-scheduler-control-plane',
    count: 1,
    firstMs: atMs,
    lastMs: atMs,
  };
}

/**
 * The kubelet's events for starting containers whose image is already on the node.
 * source: pkg/kubelet/images/image_manager.go ("Container image %q already present on machine");
 *   pkg/kubelet/kuberuntime/kuberuntime_container.go ("Created container: %v", "Started container %v");
 *   reasons from pkg/kubelet/events/event.go (Pulled, Created, Started).
 */
export function startEvents(pod: Pod, node: string, atMs: number, containers: readonly Container[], init = false): EventSpec[] {
  const out: EventSpec[] = [];
  for (const c of containers) {
    const base = { involved: { ...podRefOf(pod), fieldPath: fieldPath(c.name, init) }, namespace: pod.metadata.namespace ?? 'default', source: { component: 'kubelet', host: node }, count: 1, firstMs: atMs, lastMs: atMs } as const;
    out.push({ ...base, key: `Pulled|${c.name}`, type: 'Normal', reason: 'Pulled', message: `Container image "${c.image ?? ''}" already present on machine` });
    out.push({ ...base, key: `Created|${c.name}`, type: 'Normal', reason: 'Created', message: `Created container: ${c.name}` });
    out.push({ ...base, key: `Started|${c.name}`, type: 'Normal', reason: 'Started', message: `Started container ${c.name}` });
  }
  return out;
}
