import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { diagnoseCommand } from '../../src/cli/diagnose.ts';
import type { CliIo } from '../../src/cli/io.ts';
import { whyCommand } from '../../src/cli/why.ts';
import { startFakeApiServer, type FakeApiServer } from '../../src/sim/api-server.ts';
import { readyPod, seedFixture } from '../cluster/helpers.ts';
import { FIXTURE_NOW, FIXTURE_ROOT } from '../support/fixtures.ts';

const CRASH = 'container-exit/immediate/exit-1-config-error.yaml';
const CRASH_POD = 'billing-worker-7c8d9e6f5-b5n6m';
const RS_UID = '8b0c2d4e-6f8a-4c0e-d2f4-4a6b8c0d2e34';

interface Captured {
  io: CliIo;
  stdout: () => string;
  stderr: () => string;
}

function capture(): Captured {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: { stdout: (t) => out.push(t), stderr: (t) => err.push(t), readStdin: async () => '', now: () => new Date(FIXTURE_NOW) },
    stdout: () => out.join(''),
    stderr: () => err.join(''),
  };
}

let server: FakeApiServer;
let dir: string;
let kubeconfig: string;

beforeEach(async () => {
  server = await startFakeApiServer({ tls: true });
  seedFixture(server.store, CRASH);
  seedFixture(server.store, 'healthy/running-deployment-pod.yaml');
  // The crashing Pod's Deployment and ReplicaSet, and a healthy sibling Pod.
  const store = server.store;
  store.create({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'billing-worker', namespace: 'finance', uid: 'd-billing' }, spec: { replicas: 2 } });
  store.create({
    apiVersion: 'apps/v1', kind: 'ReplicaSet',
    metadata: { name: 'billing-worker-7c8d9e6f5', namespace: 'finance', uid: RS_UID, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'billing-worker', uid: 'd-billing', controller: true }] },
    spec: { replicas: 2 },
  });
  const sibling = readyPod('finance', 'billing-worker-7c8d9e6f5-q8r9s', { uid: 'sibling' });
  sibling.metadata.ownerReferences = [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'billing-worker-7c8d9e6f5', uid: RS_UID, controller: true }];
  sibling.spec = { ...(sibling.spec as object), nodeName: 'node-b' };
  store.create(sibling);
  dir = mkdtempSync(join(tmpdir(), 'podwhy-why-'));
  kubeconfig = server.writeKubeconfig(join(dir, 'kubeconfig'), { namespace: 'finance' });
});

afterEach(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('podwhy why', () => {
  it('diagnoses a live Pod exactly as `podwhy diagnose` diagnoses its dump', async () => {
    const live = capture();
    const dump = capture();

    const code = await whyCommand([CRASH_POD, '--kubeconfig', kubeconfig, '-o', 'json'], live.io);
    await diagnoseCommand(['-f', join(FIXTURE_ROOT, CRASH), '--pod', CRASH_POD, '-n', 'finance', '--now', FIXTURE_NOW, '-o', 'json'], dump.io);

    expect(code).toBe(0);
    expect(JSON.parse(live.stdout())).toEqual(JSON.parse(dump.stdout()));
    expect(JSON.parse(live.stdout())).toMatchObject({ diagnoses: [{ subject: { kind: 'Pod', namespace: 'finance', name: CRASH_POD }, cause: 'container-exit.immediate' }] });
  });

  it('accepts ns/name and prints text', async () => {
    const { io, stdout } = capture();

    const code = await whyCommand([`finance/${CRASH_POD}`, '--kubeconfig', kubeconfig], io);

    expect(code).toBe(0);
    expect(stdout()).toContain(`Pod finance/${CRASH_POD}`);
    expect(stdout()).toContain('container-exit.immediate');
  });

  it('says nothing is wrong with a healthy Pod', async () => {
    const { io, stdout } = capture();

    const code = await whyCommand(['shop/web-7d9f8b6c5-x2x9k', '--kubeconfig', kubeconfig], io);

    expect(code).toBe(0);
    expect(stdout()).toBe('No problems found in 1 Pod.\n');
  });

  it('takes a Deployment name to its failing Pods and says which it picked', async () => {
    const { io, stdout } = capture();

    const code = await whyCommand(['billing-worker', '--kubeconfig', kubeconfig], io);

    expect(code).toBe(0);
    expect(stdout().split('\n')[0]).toBe(`Deployment finance/billing-worker: 1 of 2 Pods has a problem: ${CRASH_POD}`);
    expect(stdout()).toContain(`Pod finance/${CRASH_POD}`);
    expect(stdout()).not.toContain('Pod finance/billing-worker-7c8d9e6f5-q8r9s');
  });

  it('keeps stdout pure JSON for a workload and puts the selection note on stderr', async () => {
    const { io, stdout, stderr } = capture();

    await whyCommand(['deploy/billing-worker', '--kubeconfig', kubeconfig, '-o', 'json'], io);

    expect(JSON.parse(stdout()).diagnoses.map((d: { subject: { name: string } }) => d.subject.name)).toEqual([CRASH_POD]);
    expect(stderr()).toContain('1 of 2 Pods has a problem');
  });

  it('names the closest Pods when the Pod does not exist', async () => {
    const { io, stderr } = capture();

    const code = await whyCommand(['billing-worker-7c8d9e6f5-b5n6x', '--kubeconfig', kubeconfig], io);

    expect(code).toBe(1);
    expect(stderr()).toBe(
      'podwhy why: no Pod, Deployment, StatefulSet, DaemonSet or Job named "billing-worker-7c8d9e6f5-b5n6x" (nor a Pod name starting with it) in namespace "finance". ' +
        `Did you mean: ${CRASH_POD}, billing-worker-7c8d9e6f5-q8r9s, replicaset/billing-worker-7c8d9e6f5, deployment/billing-worker?\n`,
    );
  });

  it('says so when the namespace does not exist', async () => {
    const { io, stderr } = capture();

    const code = await whyCommand(['web', '-n', 'no-such-ns', '--kubeconfig', kubeconfig], io);

    expect(code).toBe(1);
    expect(stderr()).toBe(`podwhy why: namespace "no-such-ns" does not exist (on ${server.url})\n`);
  });

  it('names the missing verb and resource when RBAC forbids listing Pods', async () => {
    server.faults.failNext(403, { match: (r) => r.verb === 'list' && r.resource === 'pods' });
    const { io, stderr } = capture();

    const code = await whyCommand([CRASH_POD, '--kubeconfig', kubeconfig], io);

    expect(code).toBe(1);
    expect(stderr()).toContain('podwhy why: forbidden: cannot list pods in namespace "finance": grant the "list" verb on "pods"');
    expect(stderr()).toContain('User "system:serviceaccount:podwhy:podwhy" cannot list resource "pods" in API group "" in the namespace "finance"');
  });

  it('diagnoses without nodes when it may not list them, and warns', async () => {
    server.faults.failNext(403, { match: (r) => r.verb === 'list' && r.resource === 'nodes' });
    const { io, stdout, stderr } = capture();

    const code = await whyCommand([CRASH_POD, '--kubeconfig', kubeconfig], io);

    expect(code).toBe(0);
    expect(stderr()).toContain('warning: could not list nodes (forbidden: cannot list nodes: grant the "list" verb on "nodes"');
    expect(stdout()).toContain('container-exit.immediate');
  });

  it('names the server address when the API server is unreachable', async () => {
    await server.faults.goDown();
    const { io, stderr } = capture();

    const code = await whyCommand([CRASH_POD, '--kubeconfig', kubeconfig], io);

    expect(code).toBe(1);
    expect(stderr()).toBe(`podwhy why: cannot reach the Kubernetes API server at ${server.url} (ECONNREFUSED)\n`);
  });

  it('uses --context, and lists the contexts when it names none that exists', async () => {
    const config = parseYaml(server.kubeconfigYaml({ context: 'prod', namespace: 'finance' })) as Record<string, Record<string, unknown>[]>;
    config.clusters?.push({ name: 'dead', cluster: { server: 'https://127.0.0.1:1' } });
    config.contexts?.push({ name: 'dead', context: { cluster: 'dead', user: 'prod' } });
    const file = join(dir, 'two-contexts');
    writeFileSync(file, toYaml({ ...config, 'current-context': 'dead' }));
    const good = capture();
    const bad = capture();

    const code = await whyCommand([CRASH_POD, '--kubeconfig', file, '--context', 'prod'], good.io);
    const badCode = await whyCommand([CRASH_POD, '--kubeconfig', file, '--context', 'staging'], bad.io);

    expect(code).toBe(0);
    expect(good.stdout()).toContain('container-exit.immediate');
    expect(badCode).toBe(1);
    expect(bad.stderr()).toBe('podwhy why: context "staging" not found in kubeconfig (contexts: prod, dead)\n');
  });

  it('reads KUBECONFIG when the caller passes it', async () => {
    const { io, stdout } = capture();

    const code = await whyCommand([CRASH_POD], io, { kubeconfigEnv: kubeconfig });

    expect(code).toBe(0);
    expect(stdout()).toContain('container-exit.immediate');
  });

  it('answers usage errors with exit code 2', async () => {
    const none = capture();
    const badName = capture();

    const noneCode = await whyCommand([], none.io);
    const badNameCode = await whyCommand(['Not_A_Name', '--kubeconfig', kubeconfig], badName.io);

    expect(noneCode).toBe(2);
    expect(none.stderr()).toContain('missing the Pod to diagnose');
    expect(badNameCode).toBe(2);
    expect(badName.stderr()).toBe('podwhy why: "Not_A_Name" is not a valid Kubernetes name\n');
  });
});
