import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { whyCommand } from '../../src/cli/why.ts';
import type { RequestRecord } from '../../src/sim/routing.ts';
import { deleteRedisKeys, settle, startSimCluster, startTestAgent, uniquePrefix, waitFor } from '../agent/support.ts';
import { captureIo } from '../support/cli.ts';

// The read RBAC against what podwhy really asks the API server: the real agent (informers, collector, workers) and
// `podwhy why` run against the simulated API server, whose request log names each call's verb and resource the
// way the apiserver's authorizer sees them. Every call must be granted (nothing missing) and every grant must be
// used (nothing unused); docs/security.md shows the same table.

const ROOT = join(import.meta.dirname, '..', '..');
const PREFIX = uniquePrefix('rbac-calls');
const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});
afterAll(async () => {
  await deleteRedisKeys(PREFIX);
});

interface Rule { apiGroups: string[]; resources: string[]; verbs: string[] }

/** `group/resource[/subresource] verb`, as an RBAC rule names it ('' is the core group). */
function permissionOf(record: RequestRecord): string | undefined {
  if (record.verb === 'discovery' || record.resource === undefined) return undefined; // system:discovery covers these
  const group = record.path.startsWith('/apis/') ? (record.path.split('/')[2] ?? '') : '';
  const resource = record.subresource ? `${record.resource}/${record.subresource}` : record.resource;
  return `${group}/${resource} ${record.verb === 'log' ? 'get' : record.verb}`;
}

function granted(file: string): Set<string> {
  const rules = parseAllDocuments(readFileSync(join(ROOT, file), 'utf8'))
    .map((d) => d.toJS() as { kind: string; rules?: Rule[] })
    .filter((d) => d.kind === 'ClusterRole')
    .flatMap((d) => d.rules ?? []);
  return new Set(rules.flatMap((r) => r.apiGroups.flatMap((g) => r.resources.flatMap((res) => r.verbs.map((v) => `${g}/${res} ${v}`)))));
}

/** The rows of the "API calls" table in docs/security.md, as `group/resource verb`. */
function documented(): Set<string> {
  const text = readFileSync(join(ROOT, 'docs', 'security.md'), 'utf8');
  const rows = [...text.matchAll(/^\| `([a-z.0-9-]*)` \| `([a-z/]+)` \| `([a-z]+)` \|/gm)];
  return new Set(rows.map(([, group, resource, verb]) => `${group === 'core' ? '' : group}/${resource} ${verb}`));
}

describe('read RBAC = the API calls podwhy makes', () => {
  it('grants exactly what the agent and podwhy why ask for, and docs/security.md lists it', async () => {
    const cluster = await startSimCluster();
    cleanup.push(() => cluster.close());
    // Watching shop only, so a Pod elsewhere is fetched by name (a /pod why for another namespace takes that path).
    const { agent, notifier } = await startTestAgent(cluster, { queue: 'in-process', redisPrefix: PREFIX, cluster: 'rbac', env: { WATCH_NAMESPACES: 'shop' } });
    cleanup.push(() => agent.stop());
    cluster.sim.breakWorkload('container-exit.immediate', { namespace: 'shop', name: 'api', replicas: 1 });
    cluster.sim.breakWorkload('oom.container-limit', { namespace: 'shop', name: 'billing' });
    await settle(cluster, agent);
    await waitFor(() => notifier.opens.length >= 2, 'two incidents');
    const io = captureIo();
    expect(await whyCommand(['deploy/billing', '-n', 'shop', '--kubeconfig', cluster.kubeconfigPath], io)).toBe(0);
    expect(await whyCommand(['api', '-n', 'shop', '--kubeconfig', cluster.kubeconfigPath], io)).toBe(0);
    // Not found: podwhy why asks whether the namespace exists to say which of the two is wrong.
    expect(await whyCommand(['api', '-n', 'nowhere', '--kubeconfig', cluster.kubeconfigPath], io)).not.toBe(0);
    expect(io.err).toContain('namespace "nowhere" does not exist');
    expect(await agent.collector.collect({ namespace: 'batch', name: 'importer-0' })).toBeNull();

    const calls = new Set(cluster.server.requests.flatMap((r) => permissionOf(r) ?? []));
    const grants = granted('deploy/kubernetes/base/rbac-read.yaml');

    expect([...calls].filter((call) => !grants.has(call)), 'called but not granted').toEqual([]);
    expect([...grants].filter((grant) => !calls.has(grant)), 'granted but never called').toEqual([]);
    expect([...documented()].sort()).toEqual([...calls].sort());
  });
});
