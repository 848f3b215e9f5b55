/**
 * A kubelet FailedMount Event about a Pod, last seen at `lastSeenMs`: the Event storms of
 * test/cluster/event-retention.test.ts and bench/event-storm.ts. Reason and message as the kubelet
 * writes them ("MountVolume.SetUp failed for volume %q : <err>", kubernetes
 * pkg/volume/util/operationexecutor/operation_generator.go).
 */
import type { KubeObject } from '../../src/sim/store.ts';

export function podEvent(name: string, pod: { namespace: string; name: string; uid: string }, lastSeenMs: number, extra: Record<string, unknown> = {}): KubeObject {
  const at = new Date(lastSeenMs).toISOString();
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name, namespace: pod.namespace },
    involvedObject: { kind: 'Pod', namespace: pod.namespace, name: pod.name, uid: pod.uid },
    reason: 'FailedMount',
    message: `MountVolume.SetUp failed for volume "config" : configmap "web-config-${name}" not found`,
    type: 'Warning',
    count: 1,
    firstTimestamp: at,
    lastTimestamp: at,
    source: { component: 'kubelet', host: 'node-a' },
    ...extra,
  } as unknown as KubeObject;
}
