/**
 * Workloads that cannot create their Pods, end to end through the real agent (issue 10, "The alert path
 * too"): there is no Pod, only the controller's FailedCreate events and (ReplicaSets) its ReplicaFailure
 * condition. The incident keys on the top owner, and resolves once the controller creates its Pods.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { openIncidents, settle, startSimCluster, startTestAgent, uniquePrefix, waitFor, type SimCluster, type TestAgent } from './support.ts';
import type { KubeObject } from '../../src/sim/store.ts';

const prefix = uniquePrefix('failed-create');
const running: { cluster: SimCluster; agent: TestAgent }[] = [];

afterEach(async () => {
  for (const { agent, cluster } of running.splice(0)) {
    await agent.stop();
    await cluster.close();
  }
});

async function start(): Promise<{ cluster: SimCluster; agent: TestAgent }> {
  const cluster = await startSimCluster({ nodes: 3 });
  const agent = await startTestAgent(cluster, { queue: 'in-process', redisPrefix: prefix, cluster: 'failed-create' });
  running.push({ cluster, agent });
  return { cluster, agent };
}

describe('a workload that cannot create its Pods', () => {
  it('opens one incident on the Deployment (not its ReplicaSet) and resolves it once the ReplicaSet creates its Pods', async () => {
    const { cluster, agent } = await start();

    cluster.sim.breakWorkload('container-create.rbac', { namespace: 'shop', name: 'api', replicas: 2 });
    await settle(cluster, agent.agent);
    cluster.clock.advance(15); // past the create-failed window (STABILIZE_SECONDS, 10 s in tests)
    await settle(cluster, agent.agent);
    const opens = agent.notifier.opens.map((o) => o.incident);

    cluster.sim.recover('shop', 'api');
    cluster.sim.advance(2);
    await settle(cluster, agent.agent);
    cluster.clock.advance(6); // RESOLVE_AFTER_SECONDS is 5 in tests
    await settle(cluster, agent.agent);

    expect(opens.map((i) => i.id)).toEqual(['failed-create/shop/Deployment/api/container-create.rbac']);
    expect(Object.values(opens[0]?.pods ?? {}).map((p) => p.name)).toEqual([expect.stringMatching(/^api-/)]);
    expect(agent.notifier.of('resolve').map((r) => r.incident.id)).toEqual(['failed-create/shop/Deployment/api/container-create.rbac']);
    expect(await openIncidents(agent.agent)).toEqual([]);
  });

  it('opens a StatefulSet\'s incident from its FailedCreate event alone (it has no condition for it)', async () => {
    const { cluster, agent } = await start();
    cluster.store.ensureNamespace('shop');
    const statefulSet = cluster.store.create({
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'db', namespace: 'shop', creationTimestamp: new Date(cluster.clock.nowMs() - 600_000).toISOString() },
      spec: {
        replicas: 3,
        serviceName: 'db',
        selector: { matchLabels: { app: 'db' } },
        template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'db', image: 'postgres:16', resources: { requests: { cpu: '500m' } } }] } },
      },
      status: { replicas: 0 },
    } as unknown as KubeObject);
    cluster.store.create({
      apiVersion: 'v1',
      kind: 'ResourceQuota',
      metadata: { name: 'compute', namespace: 'shop' },
      spec: { hard: { 'requests.cpu': '1' } },
      status: { hard: { 'requests.cpu': '1' }, used: { 'requests.cpu': '1' } },
    } as unknown as KubeObject);
    const firstMs = cluster.clock.nowMs() - 120_000;
    cluster.store.create({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'db.17a1', namespace: 'shop' },
      involvedObject: { apiVersion: 'apps/v1', kind: 'StatefulSet', namespace: 'shop', name: 'db', uid: statefulSet.metadata.uid },
      type: 'Warning',
      reason: 'FailedCreate',
      // source: kubernetes pkg/controller/statefulset/stateful_pod_control.go (recordPodEvent: "create Pod %s in
      // StatefulSet %s failed error: %s"); staging/src/k8s.io/apiserver/pkg/admission/plugin/resourcequota/controller.go
      message: 'create Pod db-0 in StatefulSet db failed error: pods "db-0" is forbidden: exceeded quota: compute, requested: requests.cpu=500m, used: requests.cpu=1, limited: requests.cpu=1',
      source: { component: 'statefulset-controller' },
      count: 6,
      firstTimestamp: new Date(firstMs).toISOString(),
      lastTimestamp: new Date(firstMs + 100_000).toISOString(),
    } as unknown as KubeObject);
    // settle() waits for the Pods and Nodes only: an event whose StatefulSet is not cached yet is dropped (its
    // workload's arrival offers the candidate again), so the StatefulSet must be cached before the queue can drain.
    await waitFor(() => agent.agent.cache.workload(statefulSet.metadata.uid ?? ''), 'the StatefulSet to reach the cache');
    await settle(cluster, agent.agent);

    expect(agent.notifier.opens.map((o) => o.incident.id)).toEqual(['failed-create/shop/StatefulSet/db/unschedulable.quota-exceeded']);
  });
});
