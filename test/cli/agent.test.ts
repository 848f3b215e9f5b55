import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { agentCommand } from '../../src/cli/agent.ts';
import { startFakeApiServer, type FakeApiServer } from '../../src/sim/api-server.ts';
import { createClusterSimulator } from '../../src/sim/kit/cluster-simulator.ts';
import { createSimClock } from '../../src/sim/kit/clock.ts';
import { ObjectStore } from '../../src/sim/store.ts';
import { captureIo } from '../support/cli.ts';
import { freePort } from '../support/free-port.ts';
import { parseExposition, sampleValue } from '../support/prometheus-text.ts';

const dir = mkdtempSync(join(tmpdir(), 'podwhy-agent-cli-'));
let server: FakeApiServer;
let kubeconfig: string;

beforeAll(async () => {
  const clock = createSimClock(Date.now());
  const store = new ObjectStore({ now: clock.now });
  const sim = createClusterSimulator({ store, now: clock.now, nodes: 2 });
  sim.deployHealthy({ namespace: 'shop', name: 'storefront', replicas: 2 });
  sim.breakWorkload('oom.container-limit', { namespace: 'shop', name: 'billing' });
  server = await startFakeApiServer({ store });
  kubeconfig = server.writeKubeconfig(join(dir, 'kubeconfig'));
});

afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

async function waitFor(condition: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function waitForHttp(url: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await fetch(url).then((response) => response.ok, () => false))) {
    if (Date.now() > deadline) throw new Error(`${url} did not answer in time`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('podwhy agent', () => {
  it('refuses a bad configuration with every problem listed, before touching the cluster', async () => {
    const io = captureIo();

    const code = await agentCommand('agent', [], io, { env: { HTTP_PORT: 'ninety', ACTIONS_ENABLED: 'yes please' }, stopSignal: new Promise(() => undefined) });

    expect(code).toBe(2);
    expect(io.err).toContain('HTTP_PORT');
    expect(io.err).toContain('ACTIONS_ENABLED');
  });

  it('refuses a bad CHANNEL_ROUTES at start-up, naming the entry, instead of after the cluster sync', async () => {
    const io = captureIo();

    const code = await agentCommand('agent', ['--kubeconfig', kubeconfig], io, { env: { CHANNEL_ROUTES: 'shop', HTTP_PORT: 'ninety', LOG_LEVEL: 'silent' }, stopSignal: new Promise(() => undefined) });

    expect(code).toBe(2);
    expect(io.err).toMatch(/CHANNEL_ROUTES: Channel route "shop" is not namespace=channel/);
    expect(io.err).toMatch(/HTTP_PORT \(got "ninety"\): must be a whole number/);
  });

  it('ends on a fatal error after start-up: one line with the reason, exit 1, servers closed', async () => {
    const io = captureIo();
    let raise!: (error: unknown) => void;
    const fatal = new Promise<unknown>((resolve) => (raise = resolve));

    const running = agentCommand('agent', ['--kubeconfig', kubeconfig, '--cluster', 'fatal'], io, {
      env: { HTTP_PORT: '39465', LOG_LEVEL: 'silent' },
      stopSignal: new Promise(() => undefined),
      fatal,
    });
    await waitForHttp('http://127.0.0.1:39465/healthz');
    raise(new Error('Redis connection lost for good'));
    const code = await running;

    expect(code).toBe(1);
    expect(io.err).toBe('podwhy agent: Redis connection lost for good\n');
    await expect(fetch('http://127.0.0.1:39465/healthz')).rejects.toThrow();
  });

  it('stops at once on SIGTERM while the first sync still waits on an unreachable API server', async () => {
    const dead = await startFakeApiServer();
    const deadConfig = dead.writeKubeconfig(join(dir, 'dead-kubeconfig-2'));
    await dead.close();
    const bin = join(import.meta.dirname, '..', '..', 'bin', 'podwhy');
    const child = spawn(bin, ['agent', '--kubeconfig', deadConfig], { env: { ...process.env, HTTP_PORT: '0', LOG_LEVEL: 'warn', SYNC_TIMEOUT_SECONDS: '120' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await waitFor(() => output.includes('Cannot list'));
    await new Promise((resolve) => setTimeout(resolve, 1_500));

    const signalledAt = Date.now();
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));

    expect(Date.now() - signalledAt).toBeLessThan(5_000);
    expect(code).toBe(0);
    // An unreachable server: one short line per reason and retry round, no stack traces.
    expect(output).not.toMatch(/\n\s+at /);
    const warnings = output.split('\n').filter((line) => line.includes('Cannot list'));
    expect(warnings.length).toBeGreaterThanOrEqual(1);
    expect(warnings.length).toBeLessThanOrEqual(6);
  });

  it('drains and exits promptly on SIGTERM in the middle of a burst of incidents', async () => {
    const bin = join(import.meta.dirname, '..', '..', 'bin', 'podwhy');
    const simConfig = join(dir, 'burst-kubeconfig');
    const sim = spawn(bin, ['sim', '--every-cause', '--kubeconfig', simConfig], { stdio: ['ignore', 'pipe', 'pipe'] });
    onTestFinished(() => void sim.kill('SIGKILL'));
    let simOut = '';
    sim.stdout.on('data', (chunk: Buffer) => (simOut += chunk.toString()));
    await waitFor(() => simOut.includes('Running until Ctrl-C.'));
    const agent = spawn(bin, ['agent', '--kubeconfig', simConfig], { env: { ...process.env, HTTP_PORT: '0', LOG_LEVEL: 'warn', STABILIZE_SECONDS: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
    onTestFinished(() => void agent.kill('SIGKILL'));
    let agentOut = '';
    agent.stdout.on('data', (chunk: Buffer) => (agentOut += chunk.toString()));
    agent.stderr.on('data', (chunk: Buffer) => (agentOut += chunk.toString()));
    // Over STORM_THRESHOLD_PER_MINUTE new incidents: some open on their own, the rest fold into a digest.
    await waitFor(() => (agentOut.match(/\] (OPEN|DIGEST)\b/g) ?? []).length >= 3, 20_000);

    const signalledAt = Date.now();
    agent.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => agent.on('exit', resolve));
    const elapsed = Date.now() - signalledAt;
    sim.kill('SIGTERM');
    const simCode = await new Promise<number | null>((resolve) => sim.on('exit', resolve));

    expect(code).toBe(0);
    expect(elapsed).toBeLessThan(5_000);
    expect(simCode).toBe(0);
  });

  it('will not run a worker without Redis: the agent runs its own workers then', async () => {
    const io = captureIo();

    const code = await agentCommand('worker', [], io, { env: {}, stopSignal: new Promise(() => undefined) });

    expect(code).toBe(2);
    expect(io.err).toMatch(/REDIS_URL is not set/);
  });

  it('says which API server it cannot reach', async () => {
    const io = captureIo();
    const dead = await startFakeApiServer();
    const deadConfig = dead.writeKubeconfig(join(dir, 'dead-kubeconfig'));
    await dead.close();

    const code = await agentCommand('agent', ['--kubeconfig', deadConfig], io, {
      env: { HTTP_PORT: '0', LOG_LEVEL: 'silent', SYNC_TIMEOUT_SECONDS: '2' },
      stopSignal: new Promise(() => undefined),
    });

    expect(code).toBe(1);
    expect(io.err).toContain(dead.url);
  });

  it('watches the cluster, prints the incident, serves health and metrics, and stops on a signal', async () => {
    const io = captureIo();
    let stop!: (signal: string) => void;
    const stopSignal = new Promise<string>((resolve) => (stop = resolve));

    // A free port, not a fixed one: test files run in parallel (and other engineers' tests on this machine).
    const port = await freePort();
    const running = agentCommand('agent', ['--kubeconfig', kubeconfig, '--cluster', 'test'], io, {
      env: { HTTP_PORT: String(port), LOG_LEVEL: 'silent', STABILIZE_SECONDS: '1' },
      stopSignal,
    });
    await waitFor(() => io.out.includes('oom.container-limit'));
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    const metrics = parseExposition(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text());
    stop('SIGTERM');
    const code = await running;

    expect(io.out).toMatch(/OPEN test\/shop Deployment\/billing: oom\.container-limit/);
    expect(ready.status).toBe(200);
    expect(sampleValue(metrics, 'podwhy_diagnoses_total', { cluster: 'test', scenario: 'oom', cause: 'oom.container-limit' })).toBeGreaterThanOrEqual(1);
    expect(sampleValue(metrics, 'podwhy_notifications_total', { cluster: 'test', kind: 'open' })).toBe(1);
    expect(sampleValue(metrics, 'podwhy_alert_latency_seconds_count', { cluster: 'test' })).toBeGreaterThanOrEqual(1);
    expect(sampleValue(metrics, 'process_resident_memory_bytes', { cluster: 'test' })).toBeGreaterThan(0);
    expect(code).toBe(0);
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  });
});
