import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.ts';
import { simCommand } from '../../src/cli/sim.ts';
import { whyCommand } from '../../src/cli/why.ts';
import { captureIo } from '../support/cli.ts';

async function waitFor(condition: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Starts `podwhy sim` in this process; returns what it printed once it is serving, and a stop. */
async function startSim(argv: string[]) {
  const io = captureIo();
  let stop!: (signal: string) => void;
  const running = simCommand(argv, io, { stopSignal: new Promise<string>((resolve) => (stop = resolve)) });
  await waitFor(() => io.out.includes('Running until Ctrl-C.'));
  const kubeconfig = /^kubeconfig: (.+)$/m.exec(io.out)?.[1] ?? '';
  return { io, kubeconfig, stop: async () => (stop('SIGTERM'), running) };
}

describe('podwhy sim', () => {
  it('serves a cluster seeded like the demo, writes a kubeconfig, says how to use it, and podwhy why works against it', async () => {
    const sim = await startSim([]);
    const example = /^ {2}podwhy why (deploy\/\S+) -n (\S+)$/m.exec(sim.io.out);
    const why = captureIo();

    const code = await whyCommand([example![1]!, '-n', example![2]!, '--kubeconfig', sim.kubeconfig, '-o', 'json'], why);
    const stopped = await sim.stop();

    expect(sim.io.out).toMatch(/^Simulated cluster at http:\/\/127\.0\.0\.1:\d+: \d+ nodes, 13 broken Deployments\.$/m);
    expect(sim.io.out).toContain(`export KUBECONFIG=${sim.kubeconfig}`);
    expect(sim.io.out).toContain('kubectl get pods -A');
    expect(code).toBe(0);
    expect((JSON.parse(why.out) as { diagnoses: unknown[] }).diagnoses.length).toBeGreaterThan(0);
    expect(stopped).toBe(0);
    // Its temporary kubeconfig goes with it.
    expect(existsSync(sim.kubeconfig)).toBe(false);
  });

  it('seeds one broken Deployment per cause asked for, in a namespace named after it', async () => {
    const sim = await startSim(['--cause', 'oom.container-limit', '--cause', 'image-pull.not-found']);
    const why = captureIo();

    const code = await whyCommand(['deploy/broken', '-n', 'oom-container-limit', '--kubeconfig', sim.kubeconfig, '-o', 'json'], why);
    await sim.stop();

    expect(sim.io.out).toMatch(/2 broken Deployments/);
    expect(sim.io.out).toContain('  image-pull-not-found/broken: image-pull.not-found');
    expect(code).toBe(0);
    expect(why.out).toContain('"cause": "oom.container-limit"');
  });

  it('refuses an unknown cause and answers --help', async () => {
    const bad = captureIo();
    const help = captureIo();

    const badCode = await runCli(['sim', '--cause', 'oom.everything'], bad);
    const helpCode = await runCli(['sim', '--help'], help);

    expect([badCode, helpCode]).toEqual([2, 0]);
    expect(bad.err).toMatch(/^podwhy sim: unknown cause "oom\.everything"/);
    expect(help.out).toMatch(/^usage: podwhy sim /);
  });
});
