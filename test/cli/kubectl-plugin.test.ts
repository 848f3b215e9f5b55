import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { startFakeApiServer, type FakeApiServer } from '../../src/sim/api-server.ts';
import { createClusterSimulator } from '../../src/sim/kit/cluster-simulator.ts';
import { createSimClock } from '../../src/sim/kit/clock.ts';
import { ObjectStore } from '../../src/sim/store.ts';
import { FIXTURE_NOW, FIXTURE_ROOT } from '../support/fixtures.ts';

const BIN = join(import.meta.dirname, '..', '..', 'bin');
const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
const kubectlMissing = kubectl.error !== undefined || kubectl.status !== 0;
if (kubectlMissing) console.warn('test/cli/kubectl-plugin.test.ts: kubectl is not on PATH, so the plugin is run without it (.ci/run installs it)');

const dir = mkdtempSync(join(tmpdir(), 'podwhy-kubectl-plugin-'));
let server: FakeApiServer;
let kubeconfig: string;

beforeAll(async () => {
  const clock = createSimClock(Date.now());
  const store = new ObjectStore({ now: clock.now });
  const sim = createClusterSimulator({ store, now: clock.now, nodes: 2 });
  sim.breakWorkload('oom.container-limit', { namespace: 'shop', name: 'billing' });
  server = await startFakeApiServer({ store });
  // Two contexts: the current one points at a closed port, so only --context podwhy-sim reaches the cluster.
  const config = parseYaml(readFileSync(server.writeKubeconfig(join(dir, 'sim.yaml')), 'utf8')) as {
    clusters: { name: string; cluster: { server: string } }[];
    contexts: { name: string; context: { cluster: string; user: string } }[];
    'current-context': string;
  };
  config.clusters.push({ name: 'gone', cluster: { server: 'http://127.0.0.1:9' } });
  config.contexts.push({ name: 'gone', context: { cluster: 'gone', user: 'podwhy-sim' } });
  config['current-context'] = 'gone';
  kubeconfig = join(dir, 'two-contexts.yaml');
  writeFileSync(kubeconfig, toYaml(config));
});

afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

/**
 * `kubectl podwhy …` through kubectl's plugin lookup, or the plugin file itself where kubectl is missing.
 * Asynchronous: the simulated API server answers from this process's event loop.
 */
function kubectlPodwhy(args: string[], env: Record<string, string> = {}): Promise<{ status: number; stdout: string; stderr: string }> {
  const [command, argv] = kubectlMissing ? [join(BIN, 'kubectl-podwhy'), args] : ['kubectl', ['podwhy', ...args]];
  return new Promise((resolve) => {
    execFile(command, argv, { encoding: 'utf8', timeout: 60_000, env: { PATH: `${BIN}${delimiter}${process.env.PATH ?? ''}`, HOME: dir, ...env } }, (error, stdout, stderr) => {
      resolve({ status: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

describe('kubectl podwhy', () => {
  it('diagnoses a Pod with kubectl\'s --context, --kubeconfig and -n', async () => {
    const run = await kubectlPodwhy(['why', 'billing', '-n', 'shop', '--context', 'podwhy-sim', '--kubeconfig', kubeconfig, '--no-logs']);

    expect(run.stderr).toBe('');
    expect(run.stdout).toContain('OOMKilled');
    expect(run.status).toBe(0);
  });

  it('uses the kubeconfig\'s current context without --context, and KUBECONFIG without --kubeconfig', async () => {
    const current = await kubectlPodwhy(['why', 'billing', '-n', 'shop', '--no-logs'], { KUBECONFIG: kubeconfig });
    const chosen = await kubectlPodwhy(['why', 'billing', '-n', 'shop', '--context', 'podwhy-sim', '--no-logs'], { KUBECONFIG: kubeconfig });

    expect(current.status).toBe(1);
    expect(current.stderr).toContain('127.0.0.1:9');
    expect(chosen.stdout).toContain('OOMKilled');
  });

  it('looks in the namespace -n names', async () => {
    const run = await kubectlPodwhy(['why', 'billing', '-n', 'default', '--context', 'podwhy-sim', '--kubeconfig', kubeconfig, '--no-logs']);

    expect(run.stdout).not.toContain('OOMKilled');
    expect(run.status).not.toBe(0);
  });

  it('diagnoses a dump with diagnose -f', async () => {
    const run = await kubectlPodwhy(['diagnose', '-f', join(FIXTURE_ROOT, 'oom', 'container-limit', 'jvm-heap-over-limit.yaml'), '--now', FIXTURE_NOW]);

    expect(run.stdout).toContain('OOMKilled');
  });
});
