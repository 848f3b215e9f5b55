import { execFile, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeApiServer, type FakeApiServer } from '../../src/sim/api-server.ts';
import type { KubeObject } from '../../src/sim/store.ts';
import { until } from './watch-stream.ts';

const run = promisify(execFile);

// The real kubectl (v1.32 here; Debian's kubernetes-client in CI, or absent). It must run
// asynchronously: the fake API server lives in this process's event loop.
const kubectlProbe = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8', timeout: 15_000 });
const hasKubectl = kubectlProbe.status === 0;
const skipReason = hasKubectl ? '' : `kubectl not runnable (${kubectlProbe.error?.message ?? kubectlProbe.stderr.trim()}); skipping the kubectl compatibility tests`;
if (!hasKubectl) console.warn(skipReason);

// FIXTURE_NOW; the server prints ages against it (kubectl describe uses the local clock instead).
const NOW = Date.parse('2026-11-20T12:00:00Z');
const at = (minutesAgo: number): string => new Date(NOW - minutesAgo * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');

function crashLoopPod(): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web-1', namespace: 'shop', uid: '5f0c8e0e-2d7b-4b9e-9a39-0d3f7e1c2a11', creationTimestamp: at(5), labels: { app: 'web' } },
    spec: { nodeName: 'node-a', containers: [{ name: 'app', image: 'registry.example/web:1.4.2' }, { name: 'side', image: 'busybox:1.36' }] },
    status: {
      phase: 'Running',
      podIP: '10.244.1.7',
      podIPs: [{ ip: '10.244.1.7' }],
      conditions: [{ type: 'Ready', status: 'False' }],
      containerStatuses: [
        {
          name: 'app', ready: false, restartCount: 4, image: 'registry.example/web:1.4.2', imageID: '', containerID: 'containerd://a1',
          // source: pkg/kubelet/kuberuntime/kuberuntime_container.go — waiting reason CrashLoopBackOff, message "back-off %s restarting failed container=%s pod=%s"
          state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 1m20s restarting failed container=app pod=web-1_shop(5f0c8e0e-2d7b-4b9e-9a39-0d3f7e1c2a11)' } },
          lastState: { terminated: { exitCode: 1, reason: 'Error', startedAt: at(2.5), finishedAt: at(2), containerID: 'containerd://a0' } },
        },
        { name: 'side', ready: true, restartCount: 0, image: 'busybox:1.36', imageID: '', containerID: 'containerd://s1', state: { running: { startedAt: at(5) } } },
      ],
    },
  };
}

function event(name: string, target: KubeObject, reason: string, message: string, type: 'Normal' | 'Warning', count: number): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name, namespace: 'shop', creationTimestamp: at(5) },
    involvedObject: { kind: 'Pod', namespace: 'shop', name: target.metadata.name, uid: target.metadata.uid, apiVersion: 'v1', fieldPath: 'spec.containers{app}' },
    reason, message, type, count, firstTimestamp: at(5), lastTimestamp: at(1),
    source: { component: 'kubelet', host: 'node-a' },
  };
}

describe.skipIf(!hasKubectl)('the real kubectl against the fake API server (HTTPS)', () => {
  let server: FakeApiServer;
  let dir: string;
  let web: KubeObject;
  let stuck: KubeObject;

  async function kubectl(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
    try {
      const { stdout, stderr } = await run('kubectl', ['--request-timeout=10s', ...args], {
        env: { ...process.env, KUBECONFIG: join(dir, 'config'), KUBECACHEDIR: join(dir, 'cache'), HOME: dir },
        timeout: 20_000,
      });
      return { stdout, stderr, code: 0 };
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; code?: number };
      return { stdout: e.stdout ?? '', stderr: e.stderr ?? '', code: typeof e.code === 'number' ? e.code : 1 };
    }
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'podwhy-kubectl-'));
    server = await startFakeApiServer({ tls: true, now: () => new Date(NOW) });
    server.writeKubeconfig(join(dir, 'config'), { namespace: 'default' });
    for (const ns of ['default', 'shop']) server.store.ensureNamespace(ns);
    web = server.store.create(crashLoopPod());
    stuck = server.store.create({
      apiVersion: 'v1', kind: 'Pod',
      metadata: { name: 'stuck', namespace: 'shop', creationTimestamp: at(30), finalizers: ['example.com/cleanup'] },
      spec: { nodeName: 'node-a', containers: [{ name: 'app', image: 'registry.example/worker:2.0' }] },
      status: { phase: 'Running' },
    });
    server.store.create({
      apiVersion: 'v1', kind: 'Pod',
      metadata: { name: 'disposable', namespace: 'default', creationTimestamp: at(10) },
      spec: { nodeName: 'node-a', containers: [{ name: 'app', image: 'nginx:1.27' }] },
      status: { phase: 'Running' },
    });
    // source: pkg/kubelet/kuberuntime/kuberuntime_manager.go — "Back-off restarting failed container %s in pod %s"
    server.store.create(event('web-1.17a1', web, 'BackOff', 'Back-off restarting failed container app in pod web-1_shop(5f0c8e0e-2d7b-4b9e-9a39-0d3f7e1c2a11)', 'Warning', 7));
    // source: pkg/kubelet/events/event.go (Started) — "Started container %s"
    server.store.create(event('stuck.17a2', stuck, 'Started', 'Started container app', 'Normal', 1));
    server.store.setLogs('shop', 'web-1', 'app', { previous: ['listening on :8080', 'panic: runtime error: invalid memory address or nil pointer dereference'] });
  });

  afterAll(async () => {
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('prints the server-side pod columns for get pods -A', async () => {
    const out = await kubectl('get', 'pods', '-A');

    const lines = out.stdout.trim().split('\n').map((l) => l.trim().split(/\s{2,}/));
    expect(out.code).toBe(0);
    expect(lines[0]).toEqual(['NAMESPACE', 'NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
    expect(lines).toContainEqual(['shop', 'web-1', '1/2', 'CrashLoopBackOff', '4 (2m ago)', '5m']);
    expect(lines).toContainEqual(['default', 'disposable', '0/1', 'Running', '0', '10m']);
  });

  it('describes a pod with its containers and its events found by involvedObject field selector', async () => {
    const out = await kubectl('describe', 'pod', 'web-1', '-n', 'shop');

    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/^Name:\s+web-1$/m);
    expect(out.stdout).toMatch(/^Namespace:\s+shop$/m);
    expect(out.stdout).toMatch(/Reason:\s+CrashLoopBackOff/);
    expect(out.stdout).toMatch(/Exit Code:\s+1/);
    expect(out.stdout).toMatch(/Restart Count:\s+4/);
    expect(out.stdout).toMatch(/Warning\s+BackOff\s+.*kubelet\s+Back-off restarting failed container app in pod web-1_shop/);
    expect(out.stdout).not.toContain('Started container app');
    const eventQuery = server.requests.find((r) => r.resource === 'events' && r.verb === 'list')?.query ?? '';
    expect(decodeURIComponent(eventQuery)).toContain(`involvedObject.uid=${String(web.metadata.uid)}`);
  });

  it('filters events with --field-selector involvedObject.name', async () => {
    const out = await kubectl('get', 'events', '-n', 'shop', '--field-selector', 'involvedObject.name=web-1');

    const lines = out.stdout.trim().split('\n').map((l) => l.trim().split(/\s{2,}/));
    expect(lines[0]).toEqual(['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE']);
    expect(lines.slice(1)).toEqual([['60s', 'Warning', 'BackOff', 'pod/web-1', 'Back-off restarting failed container app in pod web-1_shop(5f0c8e0e-2d7b-4b9e-9a39-0d3f7e1c2a11)']]);
  });

  it('prints the previous container log, and the kubelet error when there is none', async () => {
    const previous = await kubectl('logs', 'web-1', '-n', 'shop', '-c', 'app', '--previous');
    const none = await kubectl('logs', 'web-1', '-n', 'shop', '-c', 'side', '--previous');

    expect(previous.stdout).toBe('listening on :8080\npanic: runtime error: invalid memory address or nil pointer dereference\n');
    expect(none.code).not.toBe(0);
    expect(none.stderr).toContain('Error from server (BadRequest): previous terminated container "side" in pod "web-1" not found');
  });

  it('applies a JSON patch guarded by a test op, and reports a failed test op as invalid', async () => {
    const refused = await kubectl('patch', 'pod', 'stuck', '-n', 'shop', '--type=json', '-p', JSON.stringify([{ op: 'test', path: '/metadata/uid', value: 'some-other-uid' }, { op: 'remove', path: '/metadata/finalizers' }]));
    const patched = await kubectl('patch', 'pod', 'stuck', '-n', 'shop', '--type=json', '-p', JSON.stringify([{ op: 'test', path: '/metadata/uid', value: stuck.metadata.uid }, { op: 'remove', path: '/metadata/finalizers' }]));

    expect(refused.stderr).toContain('The request is invalid: the server rejected our request due to an error in our request');
    expect(patched.stdout.trim()).toBe('pod/stuck patched');
    expect(server.store.get('pods', 'shop', 'stuck')?.metadata.finalizers).toBeUndefined();
  });

  it('force-deletes a pod with --grace-period=0 --force', async () => {
    const out = await kubectl('delete', 'pod', 'disposable', '--grace-period=0', '--force');

    expect(out.code).toBe(0);
    expect(out.stdout.trim()).toBe('pod "disposable" force deleted');
    expect(server.store.get('pods', 'default', 'disposable')).toBeUndefined();
    const deleteRequest = server.requests.find((r) => r.verb === 'delete');
    expect(deleteRequest).toMatchObject({ resource: 'pods', namespace: 'default', name: 'disposable', status: 200 });
  });

  it('follows changes with get -w, printed from Table watch events', async () => {
    server.store.create({
      apiVersion: 'v1', kind: 'Pod',
      metadata: { name: 'watched', namespace: 'shop', creationTimestamp: at(1) },
      spec: { nodeName: 'node-a', containers: [{ name: 'app', image: 'nginx:1.27' }] },
      status: { phase: 'Pending' },
    });
    const child = spawn('kubectl', ['get', 'pod', 'watched', '-n', 'shop', '-w'], {
      env: { ...process.env, KUBECONFIG: join(dir, 'config'), KUBECACHEDIR: join(dir, 'cache'), HOME: dir },
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    try {
      await until(() => server.countRequests({ verb: 'watch', resource: 'pods', namespace: 'shop', status: 200 }) > 0 && stdout.includes('Pending'), 10_000, 'kubectl get -w');
      server.store.patch('pods', 'shop', 'watched', 'merge', { status: { phase: 'Running' } }, { subresource: 'status' });
      await until(() => stdout.includes('Running'), 10_000, 'the watched change');
    } finally {
      child.kill();
    }

    const rows = stdout.trim().split('\n').map((l) => l.trim().split(/\s{2,}/));
    expect(rows[0]).toEqual(['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
    expect(rows.slice(1).map((r) => r.slice(0, 3))).toEqual([['watched', '0/1', 'Pending'], ['watched', '0/1', 'Running']]);
  });

  it('reports a missing pod with the apiserver NotFound message', async () => {
    const out = await kubectl('get', 'pod', 'nope', '-n', 'shop');

    expect(out.code).not.toBe(0);
    expect(out.stderr).toContain('Error from server (NotFound): pods "nope" not found');
  });
});
