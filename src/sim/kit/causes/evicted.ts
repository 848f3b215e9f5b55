/**
 * evicted: the kubelet evicted Pods that ran fine (node memory, the container's ephemeral-storage limit, PIDs).
 */
import type { Container, Pod, PodStatus } from '../../../contract/k8s.ts';
import { CONDITION_DISRUPTION_TARGET, NODE_PID_PRESSURE, REASON_EVICTED } from '../../../contract/upstream.ts';
import { imageIdOf, iso } from '../ids.ts';
import { placementStatus, qosClass, reportedImage } from '../workloads.ts';
import type { Build, RecipesOf } from './recipe.ts';
import { kubeletEvent, main, nodeKubeletEvent, placementOf, pressure, replaceAll } from './support.ts';

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
    reason: REASON_EVICTED,
    message,
    conditions: [
      ...(disruption ? [{ type: CONDITION_DISRUPTION_TARGET, status: 'True', reason: 'TerminationByKubelet', message, lastTransitionTime: iso(atMs) }] : []),
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
  b.state.writeEvents([kubeletEvent(pod, node, REASON_EVICTED, 'Warning', REASON_EVICTED, message, atMs)]);
}

export const evictedRecipes: RecipesOf<'evicted'> = {
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
          pressure(b, node, NODE_PID_PRESSURE, b.startedMs - 10_000);
          b.state.writeEvents([nodeKubeletEvent(node, `EvictionThresholdMet|${b.startedMs}`, 'EvictionThresholdMet', 'Attempting to reclaim pids', b.startedMs - 2000)]);
        }
        evict(b, pod, b.startedMs, 'The node was low on resource: pids. Threshold quantity: 3276, available: 2954. ', true);
      }
      replaceAll(b, pods.length, b.startedMs + 1000, nodes);
    },
    replacement: 'healthy',
    recover: 'cleanup',
  },
};
