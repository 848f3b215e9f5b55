import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import type { Pod } from '../../src/contract/k8s.ts';
import { createLogger } from '../../src/log.ts';
import { executeAction } from '../../src/queue/act.ts';
import { ActJob } from '../../src/queue/jobs.ts';
import type { KubeObject } from '../../src/sim/store.ts';
import { startSimCluster, startTestAgent, type SimCluster, type TestAgent } from '../agent/support.ts';

// The agent's side of a one-click fix against the simulated API server through the real client-node: the race the
// preconditions exist for (the Pod replaced after the agent's GET, before its PATCH/DELETE) ends in "replaced" with
// the new Pod untouched, and every outcome leaves an audit log line.

let cluster: SimCluster | undefined;
let running: TestAgent | undefined;
afterEach(async () => {
  await running?.stop();
  await cluster?.close();
  running = undefined;
  cluster = undefined;
});

async function setup(cause: 'terminating.finalizer' | 'terminating.node-lost') {
  const c = await startSimCluster({ seed: 42 });
  cluster = c;
  c.sim.breakWorkload(cause, { namespace: 'shop', name: 'edge', replicas: 1 });
  running = await startTestAgent(c, { queue: 'in-process', cluster: 'prod', redisPrefix: 'unused', env: { ACTIONS_ENABLED: 'true' } });
  const pod = c.store.list('pods', { namespace: 'shop' }).items.find((o) => o.metadata.deletionTimestamp !== undefined) as KubeObject;
  return { c, agent: running.agent, pod };
}

function jobFor(pod: KubeObject, action: ActJob['action']): ActJob {
  return ActJob.parse({
    trigger: 'act', cluster: 'prod', namespace: 'shop', subject: { kind: 'Pod', name: pod.metadata.name, uid: pod.metadata.uid }, action,
    typedConfirmation: true, requestId: 'req-1', requestedBy: 'U0ALICE', replyTo: { channel: 'C0OPS' }, enqueuedAt: new Date().toISOString(),
  });
}

/** Replaces the Pod with a twin of the same name (stuck the same way) right after the agent's GET returns. */
function replacingAfterGet(c: SimCluster, read: (ref: { namespace: string; name: string }) => Promise<Pod | null>) {
  return {
    async getPod(ref: { namespace: string; name: string }) {
      const pod = await read(ref);
      const current = c.store.get('pods', ref.namespace, ref.name) as KubeObject;
      c.store.update({ ...current, metadata: { ...current.metadata, finalizers: [] } });
      if (c.store.get('pods', ref.namespace, ref.name)) c.store.finalizeDeletion('pods', ref.namespace, ref.name);
      const { uid: _u, resourceVersion: _r, deletionTimestamp: _d, deletionGracePeriodSeconds: _g, creationTimestamp: _c, ...metadata } = current.metadata;
      c.store.create({ ...current, metadata: { ...metadata, finalizers: ['traffic.example.com/drain'] } });
      return pod;
    },
  };
}

function auditLog() {
  const lines: string[] = [];
  const log = createLogger({ level: 'info', destination: new Writable({ write: (chunk: Buffer, _e, done) => void (lines.push(chunk.toString('utf8')), done()) }) });
  return { lines, log };
}

describe('executeAction', () => {
  it.each(['remove-finalizer', 'force-delete'] as const)('%s: a Pod replaced between the GET and the write is not touched (the precondition fails): "replaced"', async (action) => {
    const { c, agent, pod } = await setup(action === 'remove-finalizer' ? 'terminating.finalizer' : 'terminating.node-lost');
    const audit = auditLog();

    const result = await executeAction(jobFor(pod, action), { reader: replacingAfterGet(c, (ref) => agent.clusterClient.getPod(ref)), actor: agent.clusterClient, snapshots: agent.collector, log: audit.log });

    const twin = c.store.get('pods', 'shop', pod.metadata.name ?? '');
    expect(result).toMatchObject({ kind: 'action', action, outcome: 'replaced', uid: pod.metadata.uid, by: 'U0ALICE' });
    expect(twin?.metadata.uid).not.toBe(pod.metadata.uid);
    expect(twin?.metadata.finalizers).toEqual(['traffic.example.com/drain']);
    const writes = c.server.requests.filter((r) => r.resource === 'pods' && (r.verb === 'patch' || r.verb === 'delete'));
    expect(writes.map((r) => r.status)).toEqual([action === 'remove-finalizer' ? 422 : 409]);
    expect(JSON.parse(audit.lines.at(-1) ?? '{}')).toMatchObject({ audit: 'action', user: 'U0ALICE', action, namespace: 'shop', pod: pod.metadata.name, uid: pod.metadata.uid, outcome: 'replaced' });
  });

  it('refuses a restart of a Pod the engine no longer finds a fix for: "the cause no longer holds", no write', async () => {
    const { c, agent, pod } = await setup('terminating.finalizer');

    const result = await executeAction(jobFor(pod, 'restart-pod'), { reader: agent.clusterClient, actor: agent.clusterClient, snapshots: agent.collector, log: auditLog().log });

    expect(result.outcome).toBe('cause-gone');
    expect(c.server.requests.filter((r) => r.verb === 'patch' || r.verb === 'delete')).toEqual([]);
  });

  it('reports "forbidden by RBAC" when the API server answers 403', async () => {
    const { c, agent, pod } = await setup('terminating.finalizer');
    c.server.faults.failNext(403, { match: (r) => r.verb === 'patch' && r.resource === 'pods' });

    const result = await executeAction(jobFor(pod, 'remove-finalizer'), { reader: agent.clusterClient, actor: agent.clusterClient, snapshots: agent.collector, log: auditLog().log });

    expect(result.outcome).toBe('forbidden');
    expect(c.store.get('pods', 'shop', pod.metadata.name ?? '')?.metadata.finalizers).toEqual(['traffic.example.com/drain']);
  });
});
