import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Pod } from '../../src/contract/k8s.ts';
import { seriesValue } from '../../src/metrics.ts';
import { runningStatus } from '../../src/sim/kit/workloads.ts';
import type { KubeObject } from '../../src/sim/store.ts';
import {
  cacheCaughtUp, deleteRedisKeys, openIncidents, plantFixture, QUEUE_MODES, settle, startSimCluster, startTestAgent, uniquePrefix, waitFor,
  type SimCluster, type TestAgent,
} from './support.ts';

const PREFIX = uniquePrefix('lifecycle');
const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});
afterAll(async () => {
  await deleteRedisKeys(PREFIX);
});

describe.each(QUEUE_MODES)('transients and recovery through the real agent (%s queue)', (queue) => {
  let seq = 0;
  async function start(): Promise<{ cluster: SimCluster; agent: TestAgent }> {
    const cluster = await startSimCluster();
    cleanup.push(() => cluster.close());
    seq += 1;
    const agent = await startTestAgent(cluster, { queue, redisPrefix: PREFIX, cluster: `life-${queue === 'bullmq' ? 'b' : 'i'}${seq}` });
    cleanup.push(() => agent.stop());
    return { cluster, agent };
  }

  /** Lets a minute of simulated time pass in 10 s steps, the agent settling after each. */
  async function aMinutePasses(cluster: SimCluster, agent: TestAgent): Promise<void> {
    for (let i = 0; i < 6; i++) {
      cluster.sim.advance(10);
      await settle(cluster, agent.agent);
    }
  }

  function queued(agent: TestAgent): Promise<number> {
    return seriesValue(agent.agent.metrics.jobs, { cluster: agent.agent.cluster, outcome: 'queued' });
  }

  it('stays silent on a Pod that is Pending for 5 s and then scheduled (no job, no message)', async () => {
    const { cluster, agent } = await start();
    cluster.sim.breakWorkload('unschedulable.insufficient-resources', { namespace: 'shop', name: 'cart', replicas: 1, startedSecondsAgo: 0 });
    await settle(cluster, agent.agent);
    const [podName] = cluster.sim.ownedBy('shop', 'cart').pods;
    const pendingSeen = agent.agent.cache.podByName('shop', podName ?? '')?.status?.phase;

    cluster.sim.advance(5);
    await settle(cluster, agent.agent);
    cluster.sim.addNode({ name: 'autoscaled-1', cpu: 16 }); // the node the autoscaler was adding: the scheduler binds the Pod
    await settle(cluster, agent.agent);
    await aMinutePasses(cluster, agent);

    expect(pendingSeen).toBe('Pending');
    expect(agent.agent.cache.podByName('shop', podName ?? '')).toMatchObject({ spec: { nodeName: 'autoscaled-1' }, status: { phase: 'Running' } });
    expect(await queued(agent)).toBe(0);
    expect(agent.notifier.delivered).toEqual([]);
  });

  it('stays silent on an image pull that fails once and succeeds on the retry 5 s later', async () => {
    const { cluster, agent } = await start();
    cluster.sim.addNode({ name: 'node-a' });
    // A registry blip: the first pull failed (ErrImagePull); the fixture cites the kubelet and containerd sources.
    const [pod] = plantFixture(cluster, 'healthy/image-pull-first-failure.yaml').filter((o): o is KubeObject & Pod => o.kind === 'Pod');
    if (!pod) throw new Error('the fixture has a Pod');
    await settle(cluster, agent.agent);
    const waitingSeen = agent.agent.cache.pod(pod.metadata.uid ?? '')?.status?.containerStatuses?.[0]?.state?.waiting?.reason;

    cluster.sim.advance(5);
    retrySucceeds(cluster, pod);
    await settle(cluster, agent.agent);
    await aMinutePasses(cluster, agent);

    expect(waitingSeen).toBe('ErrImagePull');
    expect(agent.agent.cache.pod(pod.metadata.uid ?? '')?.status?.phase).toBe('Running');
    expect(await queued(agent)).toBe(0);
    expect(agent.notifier.delivered).toEqual([]);
  });

  it('keys the incident on the Deployment even when the Pod reaches the cache before its ReplicaSet and Deployment', async () => {
    const { cluster, agent } = await start();
    const fixture = 'container-create/bad-command/executable-not-found-containerd.yaml';
    const isOwner = (kind: string) => kind === 'ReplicaSet' || kind === 'Deployment';
    // Each resource has its own watch: here the Pod (CreateContainerError, due at once) arrives first.
    const [pod] = plantFixture(cluster, fixture, (kind) => !isOwner(kind)).filter((o) => o.kind === 'Pod');
    await waitFor(() => cacheCaughtUp(cluster.store, agent.agent.cache), 'the cache to hold the Pod');
    await agent.agent.tick();
    const waiting = await waitFor(async () => {
      const counts = await agent.agent.queue.counts();
      return counts.delayed === 1 ? counts : null;
    }, 'the job to wait (retry back-off) for the owners');
    const opensBeforeOwners = agent.notifier.opens.length;

    plantFixture(cluster, fixture, isOwner);
    await settle(cluster, agent.agent);
    cluster.clock.advance(61); // a refresh diagnoses the Pod again, now with its whole owner chain
    await settle(cluster, agent.agent);

    expect(pod?.metadata.name).toBe('api-7d4b9c6f8-t5y7u');
    expect(waiting).toMatchObject({ delayed: 1, completed: 0 });
    expect(opensBeforeOwners).toBe(0);
    expect(agent.notifier.opens.map((o) => o.incident.id)).toEqual([`${agent.agent.cluster}/shop/Deployment/api/container-create.bad-command`]);
  });

  it('resolves the incident of a workload whose fix is rolled out, once its Pods are gone for the resolve window', async () => {
    const { cluster, agent } = await start();
    cluster.sim.breakWorkload('container-exit.immediate', { namespace: 'shop', name: 'api', replicas: 3 });
    await settle(cluster, agent.agent);
    const [open] = agent.notifier.opens;
    const posted = agent.notifier.postedMessages()[0];

    cluster.sim.recover('shop', 'api');
    await settle(cluster, agent.agent);
    const beforeWindow = agent.notifier.of('resolve').length;
    cluster.clock.advance(6); // RESOLVE_AFTER_SECONDS is 5 in tests
    await settle(cluster, agent.agent);

    expect(open?.incident.id).toBe(`${agent.agent.cluster}/shop/Deployment/api/container-exit.immediate`);
    expect(beforeWindow).toBe(0);
    expect(agent.notifier.of('resolve')).toHaveLength(1);
    expect(agent.notifier.of('resolve')[0]).toMatchObject({ target: posted, incident: { id: open?.incident.id, status: 'resolved' }, pods: { failing: 0, gone: 3 } });
    expect(agent.notifier.summary()).toMatchObject({ open: 1, resolve: 1 });
    expect(await openIncidents(agent.agent)).toEqual([]);
  });
});

/** The kubelet's retry pulls the image and starts the container: the same Pod runs and is Ready. */
function retrySucceeds(cluster: SimCluster, pod: Pod): void {
  const current = cluster.store.get('pods', pod.metadata.namespace, pod.metadata.name) as unknown as Pod;
  const next = structuredClone(current);
  const now = cluster.clock.nowMs();
  const created = Date.parse(current.metadata.creationTimestamp ?? '');
  next.status = runningStatus(next, { node: next.spec.nodeName ?? '', hostIP: '10.0.3.7', podIP: '10.244.3.21' }, created, now - 1000, now - 1000, now);
  (next.metadata as { resourceVersion?: string }).resourceVersion = undefined;
  cluster.store.update(next as unknown as KubeObject);
}
