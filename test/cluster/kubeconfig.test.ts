import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ClientNodeCluster } from '../../src/cluster/client-node-cluster.ts';
import { loadKubeconfig } from '../../src/cluster/kubeconfig.ts';
import { isPodwhyError } from '../../src/errors.ts';
import { startFakeApiServer, type FakeApiServer } from '../../src/sim/api-server.ts';
import { readyPod } from './helpers.ts';

const ENV_KEYS = ['KUBECONFIG', 'HOME', 'KUBERNETES_SERVICE_HOST', 'KUBERNETES_SERVICE_PORT'] as const;

let server: FakeApiServer;
let dir: string;
let savedEnv: Record<string, string | undefined>;

beforeEach(async () => {
  server = await startFakeApiServer({ tls: true });
  server.store.ensureNamespace('finance');
  server.store.create(readyPod('finance', 'api-0'));
  dir = mkdtempSync(join(tmpdir(), 'podwhy-kubeconfig-'));
  savedEnv = Object.fromEntries(ENV_KEYS.map((k) => [k, process.env[k]]));
});

afterEach(async () => {
  for (const key of ENV_KEYS) {
    if (savedEnv[key] === undefined) delete process.env[key];
    else process.env[key] = savedEnv[key];
  }
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('loadKubeconfig', () => {
  it('loads an explicit file with its context namespace and server', () => {
    const path = server.writeKubeconfig(join(dir, 'config'), { context: 'prod', namespace: 'finance' });

    const loaded = loadKubeconfig({ path });

    expect(loaded).toMatchObject({ context: 'prod', server: server.url, namespace: 'finance', source: 'file' });
  });

  it('reads KUBECONFIG (through client-node) when nothing is passed', () => {
    process.env.KUBECONFIG = server.writeKubeconfig(join(dir, 'config'));

    const loaded = loadKubeconfig();

    expect(loaded).toMatchObject({ server: server.url, namespace: 'default', source: 'default' });
  });

  it('merges a KUBECONFIG list, the first file keeping current-context', () => {
    const first = server.writeKubeconfig(join(dir, 'a'), { context: 'a' });
    const second = server.writeKubeconfig(join(dir, 'b'), { context: 'b', namespace: 'finance' });

    const loaded = loadKubeconfig({ kubeconfigEnv: `${first}:${second}`, context: 'b' });

    expect(loaded).toMatchObject({ context: 'b', namespace: 'finance', source: 'env' });
  });

  it('uses the in-cluster service account, and its namespace, to reach the API server', async () => {
    const sa = join(dir, 'var/run/secrets/kubernetes.io/serviceaccount');
    mkdirSync(sa, { recursive: true });
    writeFileSync(join(sa, 'token'), 'podwhy-sim-token');
    writeFileSync(join(sa, 'ca.crt'), server.caData ?? '');
    writeFileSync(join(sa, 'namespace'), 'finance');
    process.env.KUBERNETES_SERVICE_HOST = '127.0.0.1';
    process.env.KUBERNETES_SERVICE_PORT = String(server.port);

    const loaded = loadKubeconfig({ inCluster: true, serviceAccountRoot: dir });
    const pods = await new ClientNodeCluster(loaded.kubeConfig).listPods(loaded.namespace);

    expect(loaded).toMatchObject({ server: server.url, namespace: 'finance', source: 'in-cluster' });
    expect(pods.map((p) => p.metadata.name)).toEqual(['api-0']);
  });

  it('refuses client-node\'s silent http://localhost:8080 fallback when it finds no configuration', () => {
    delete process.env.KUBECONFIG;
    process.env.HOME = dir;

    const error = thrown(() => loadKubeconfig());

    expect(isPodwhyError(error, 'config-invalid')).toBe(true);
    expect((error as Error).message).toMatch(/^no kubeconfig found/);
  });

  it('names a missing file', () => {
    const error = thrown(() => loadKubeconfig({ path: join(dir, 'nope') }));

    expect((error as Error).message).toBe(`kubeconfig file not found: ${join(dir, 'nope')}`);
  });
});
