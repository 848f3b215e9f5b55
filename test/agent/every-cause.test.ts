/**
 * The alert path's acceptance test (issue 10, "The alert path too"): for every cause id, the scenario kit
 * breaks a workload that way in a simulated cluster, and the real agent watching it (client-node informers
 * over HTTP, the in-process queue, the real incident manager) opens an incident with exactly that cause,
 * keyed on the Deployment (or, for a lost node, on the Node). test/cli/why-every-cause.test.ts is the same
 * check for `podwhy why`.
 *
 * To stay fast the causes share clusters: one namespace per cause, one agent per cluster. Only the two
 * causes that taint or cordon every node (so nothing else could schedule) get a cluster of their own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_CAUSE_IDS, type CauseId } from '../../src/contract/scenarios.ts';
import type { Incident } from '../../src/contract/incident.ts';
import { startSimCluster, startTestAgent, settle, uniquePrefix, type SimCluster, type TestAgent } from './support.ts';

const prefix = uniquePrefix('every-cause');
const CLUSTER_WIDE: readonly CauseId[] = ['unschedulable.taint', 'unschedulable.no-ready-nodes'];
const NODE_LOST: ReadonlySet<CauseId> = new Set(['unknown.node-lost', 'terminating.node-lost']);
const GROUPS: readonly (readonly CauseId[])[] = [ALL_CAUSE_IDS.filter((c) => !CLUSTER_WIDE.includes(c)), ...CLUSTER_WIDE.map((c) => [c])];

const namespaceOf = (cause: CauseId): string => cause.replace('.', '-');

interface Watched {
  cluster: SimCluster;
  agent: TestAgent;
  /** Every incident the agent opened (the open commands' incidents). */
  opened: Incident[];
}

const watched = new Map<CauseId, Watched>();
const running: Watched[] = [];

async function watchGroup(causes: readonly CauseId[], index: number): Promise<void> {
  // 16 nodes: the evicted and OOM causes put their nodes under pressure, the node-lost causes add their own.
  const cluster = await startSimCluster({ nodes: 16, seed: index + 1 });
  for (const cause of causes) cluster.sim.breakWorkload(cause, { namespace: namespaceOf(cause), name: 'broken' });
  const agent = await startTestAgent(cluster, {
    queue: 'in-process',
    redisPrefix: prefix,
    cluster: `every-${index}`,
    // Thirty-odd incidents open at once: above the storm threshold they would fold into one digest.
    env: { STORM_THRESHOLD_PER_MINUTE: '1000' },
  });
  const group: Watched = { cluster, agent, opened: [] };
  running.push(group);
  await settle(cluster, agent.agent);
  // Some failures carry no timestamp of their own (an image-pull back-off, a missing Secret): their window
  // (STABILIZE_SECONDS, 10 s here) starts when the agent first sees them. Jump past it.
  cluster.clock.advance(15);
  await agent.agent.tick();
  await settle(cluster, agent.agent);
  group.opened = agent.notifier.opens.map((o) => o.incident);
  for (const cause of causes) watched.set(cause, group);
}

beforeAll(async () => {
  await Promise.all(GROUPS.map((causes, index) => watchGroup(causes, index)));
}, 60_000);

afterAll(async () => {
  for (const { agent, cluster } of running) {
    await agent.stop();
    await cluster.close();
  }
});

describe('the agent watching the simulated cluster', () => {
  it.each(ALL_CAUSE_IDS.filter((c) => !NODE_LOST.has(c)).map((id) => [id]))('opens a %s incident on the broken Deployment', (cause) => {
    const group = watched.get(cause);
    const inNamespace = group?.opened.filter((i) => i.namespace === namespaceOf(cause)) ?? [];

    expect(inNamespace.map((i) => `${i.cause} ${i.subject.kind}/${i.subject.name}`), group?.agent.logs.join('')).toEqual([`${cause} Deployment/broken`]);
  });

  it.each([...NODE_LOST].map((id) => [id]))('opens a %s node incident listing the broken Deployment\'s Pods', (cause) => {
    const group = watched.get(cause);
    const incident = group?.opened.find((i) => i.cause === cause);

    expect(incident?.subject.kind).toBe('Node');
    expect(Object.values(incident?.pods ?? {}).map((p) => p.namespace)).toContain(namespaceOf(cause));
    // No namespace-level incident for the same Pods besides the node's.
    expect(group?.opened.filter((i) => i.namespace === namespaceOf(cause))).toEqual([]);
  });
});
