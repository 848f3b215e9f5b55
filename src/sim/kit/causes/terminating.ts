/**
 * terminating: deleted Pods that do not go away (a finalizer nobody removes, a container that keeps running
 * past its grace period, a lost node).
 */
import type { Container, PodStatus } from '../../../contract/k8s.ts';
import { EVENT_KILLING } from '../../../contract/upstream.ts';
import { loseNodeAt, markDeleted } from '../controllers.ts';
import { iso } from '../ids.ts';
import { unresponsivePlan } from '../plans.ts';
import { key } from '../state.ts';
import { containerId, reportedImage } from '../workloads.ts';
import type { RecipesOf } from './recipe.ts';
import { kubeletEvent, placementOf, replaceAll } from './support.ts';

export const terminatingRecipes: RecipesOf<'terminating'> = {
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
        b.state.writeEvents([kubeletEvent(pod, node, `Killing|${b.startedMs}`, 'Normal', EVENT_KILLING, `Stopping container ${c.name}`, b.startedMs, c.name)]);
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
