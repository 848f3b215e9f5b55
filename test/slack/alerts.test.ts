import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { StoredMessage } from '../../src/slack-emulator/workspace.ts';
import { deleteRedisKeys, REDIS_URL, settle, startSimCluster, uniquePrefix, waitFor, type SimCluster } from '../agent/support.ts';
import { startSingleProcess, type SingleProcess } from './support.ts';

// Alerts end to end, single process (podwhy agent with Slack): a broken workload in the simulated cluster →
// informers → stabilization → worker → incident manager → in-process notify queue → SlackNotifier → the
// emulator (real WebClient over HTTP), routed by CHANNEL_ROUTES.

const PREFIX = uniquePrefix('slack-alerts');
const ROUTES = { CHANNEL_ROUTES: 'shop=C0OPS' };
const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});
afterAll(async () => {
  await deleteRedisKeys(PREFIX);
});

async function start(): Promise<{ p: SingleProcess; cluster: SimCluster }> {
  const p = await startSingleProcess({ clusterName: `alerts-${cleanup.length}` });
  cleanup.push(() => p.close());
  const cluster = await startSimCluster();
  cleanup.push(() => cluster.close());
  return { p, cluster };
}

function parents(p: SingleProcess, channel: string): StoredMessage[] {
  return p.slack.messages(channel).filter((m) => m.threadTs === undefined);
}

describe('incident alerts in Slack, single process', () => {
  it('posts one parent and one thread reply in the routed channel, and a fix edits the parent to resolved', async () => {
    const { p, cluster } = await start();
    const agent = await p.startAgent(cluster, ROUTES);

    cluster.sim.breakWorkload('container-exit.immediate', { namespace: 'shop', name: 'api', replicas: 2 });
    await settle(cluster, agent);
    const parent = await waitFor(() => parents(p, 'C0OPS')[0], 'the incident parent');
    await waitFor(() => p.slack.thread('C0OPS', parent.ts).length === 1, 'the diagnosis in the thread');
    cluster.sim.recover('shop', 'api');
    await settle(cluster, agent);
    cluster.clock.advance(6); // RESOLVE_AFTER_SECONDS is 5 in tests
    await settle(cluster, agent);
    await waitFor(() => p.slack.calls('chat.update').some((c) => c.args['ts'] === parent.ts && JSON.stringify(c.args).toLowerCase().includes('resolved')), 'the parent edited to resolved');

    expect(parents(p, 'C0OPS')).toHaveLength(1);
    expect(parents(p, 'C0ALERTS')).toEqual([]);
    expect(parent.metadata).toMatchObject({ event_type: 'podwhy_incident', event_payload: { namespace: 'shop', cause: 'container-exit.immediate' } });
    expect(p.slack.thread('C0OPS', parent.ts)).toHaveLength(1);
    const [reply] = p.slack.thread('C0OPS', parent.ts);
    expect(reply?.metadata).toMatchObject({ event_type: 'podwhy_diagnosis', event_payload: { cause: 'container-exit.immediate' } });
    expect(p.slack.message('C0OPS', parent.ts)?.versions.length).toBeGreaterThan(1);
    expect(p.slack.calls('chat.postMessage').filter((c) => c.args['thread_ts'] === undefined)).toHaveLength(1);
    expect(p.slack.violations()).toEqual([]);
  });

  it('re-uses the same thread after an agent restart (incidents on Redis)', async () => {
    const { p, cluster } = await start();
    const env = { ...ROUTES, REDIS_URL, REDIS_PREFIX: PREFIX };
    const first = await p.startAgent(cluster, env);
    cluster.sim.breakWorkload('container-exit.immediate', { namespace: 'shop', name: 'api', replicas: 2 });
    await settle(cluster, first);
    const parent = await waitFor(() => parents(p, 'C0OPS')[0], 'the incident parent');
    await waitFor(() => p.slack.thread('C0OPS', parent.ts).length === 1, 'the diagnosis in the thread');

    await first.stop({ timeoutMs: 5_000 });
    cluster.sim.forceDeletePod('shop', cluster.sim.ownedBy('shop', 'api').pods[0] ?? '');
    const second = await p.startAgent(cluster, env);
    for (let i = 0; i < 3; i++) {
      cluster.sim.advance(10);
      await settle(cluster, second);
    }
    await waitFor(() => p.slack.calls('chat.update').some((c) => c.args['ts'] === parent.ts), 'an edit of the same parent');

    expect(parents(p, 'C0OPS')).toHaveLength(1);
    expect(p.slack.calls('chat.postMessage').filter((c) => c.args['thread_ts'] === undefined)).toHaveLength(1);
  });
});

describe('routing in Slack, single process', () => {
  it('posts to the channel a Namespace names in podwhy.io/channel, over CHANNEL_ROUTES', async () => {
    const { p, cluster } = await start();
    cluster.store.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', annotations: { 'podwhy.io/channel': 'C0ALERTS' } } });
    const agent = await p.startAgent(cluster, ROUTES);

    cluster.sim.breakWorkload('container-exit.immediate', { namespace: 'shop', name: 'api', replicas: 1 });
    await settle(cluster, agent);
    const parent = await waitFor(() => parents(p, 'C0ALERTS')[0], 'the incident parent in the annotated channel');

    expect(parent.metadata).toMatchObject({ event_payload: { namespace: 'shop', cause: 'container-exit.immediate' } });
    expect(parents(p, 'C0OPS')).toEqual([]);
  });

  it('keeps a warning out of a channel whose minimum severity is critical, and still posts critical ones there', async () => {
    const { p, cluster } = await start();
    const agent = await p.startAgent(cluster, { ...ROUTES, CHANNEL_MIN_SEVERITY: 'C0OPS=critical' });

    cluster.sim.breakWorkload('readiness-probe.failed', { namespace: 'shop', name: 'web', replicas: 1 });
    cluster.sim.breakWorkload('container-exit.immediate', { namespace: 'shop', name: 'api', replicas: 1 });
    for (let i = 0; i < 4; i++) {
      cluster.sim.advance(30);
      await settle(cluster, agent);
    }
    const critical = await waitFor(() => parents(p, 'C0OPS').find((m) => JSON.stringify(m.metadata).includes('container-exit.immediate')), 'the critical incident');

    expect(critical).toBeDefined();
    expect(parents(p, 'C0OPS').filter((m) => JSON.stringify(m.metadata).includes('readiness-probe'))).toEqual([]);
    expect(parents(p, 'C0ALERTS')).toEqual([]);
  });
});
