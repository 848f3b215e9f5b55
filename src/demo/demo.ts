/**
 * `npm run demo`: a simulated cluster (fake API server + scenario kit) seeded with one broken
 * workload per scenario and a few healthy ones; the real agent watches it through the real
 * client-node, and every incident prints as it would read in the channel. The story then moves
 * on: crash loops keep crashing (coalesced updates), a node is lost (one node incident), a fix is
 * rolled out (resolved). It ends by itself with a summary, or on Ctrl-C.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig } from '../config.ts';
import { createLogger } from '../log.ts';
import { loadKubeconfig } from '../cluster/kubeconfig.ts';
import { ObjectStore } from '../sim/store.ts';
import { startFakeApiServer } from '../sim/api-server.ts';
import { createClusterSimulator } from '../sim/kit/cluster-simulator.ts';
import { createSimClock } from '../sim/kit/clock.ts';
import { ConsoleNotifier } from '../notify/console-notifier.ts';
import type { NotifyCommand } from '../contract/incident.ts';
import { startAgent, type RunningAgent } from '../agent/agent.ts';
import type { Diagnosis } from '../contract/diagnosis.ts';
import { SCENARIO_IDS } from '../contract/scenarios.ts';

export interface DemoOptions {
  /** Where incidents are printed. */
  out: { write(text: string): void };
  /** Where the live progress line goes (a TTY gets a rewriting line; anything else, occasional lines). */
  progress?: { write(text: string): void; isTTY?: boolean };
  /** Scales every wait; tests run the demo at 0.2. */
  pace?: number;
  /** Ends the demo early (Ctrl-C). */
  signal?: AbortSignal;
}

export interface DemoSummary {
  planted: number;
  scenariosPosted: string[];
  opened: number;
  updates: number;
  resolved: number;
  digests: number;
  nodeIncidents: number;
  diagnoses: number;
  apiRequests: number;
  seconds: number;
  aborted: boolean;
}

export async function runDemo(options: DemoOptions): Promise<DemoSummary> {
  const pace = options.pace ?? 1;
  const started = Date.now();
  // One simulated clock for the store, the kit and the agent: it runs with real time, and the story's
  // "ten minutes pass" jumps it forward (sim.advance), which everyone then sees alike.
  const clock = createSimClock(Date.now());
  let lastReal = Date.now();
  const realTime = setInterval(() => {
    const real = Date.now();
    clock.advance((real - lastReal) / 1000);
    lastReal = real;
  }, 50);
  const store = new ObjectStore({ now: clock.now });
  const server = await startFakeApiServer({ store, bookmarkIntervalMs: 5_000 });
  const dir = mkdtempSync(join(tmpdir(), 'podwhy-demo-'));
  const sim = createClusterSimulator({ store, now: clock.now, nodes: 4 });
  const planted = sim.seedDemo();

  const counts = { opened: 0, updates: 0, resolved: 0, digests: 0, nodeIncidents: 0, diagnoses: 0 };
  const scenarios = new Set<string>();
  const onNotified = (command: NotifyCommand) => {
    if (command.type === 'open' || command.type === 'reopen') {
      counts.opened++;
      scenarios.add(command.diagnosis.scenario);
      if (command.incident.scope === 'node') counts.nodeIncidents++;
    } else if (command.type === 'update') counts.updates++;
    else if (command.type === 'resolve') counts.resolved++;
    else if (command.type === 'digest') counts.digests++;
  };
  const quietLog = createLogger({ level: 'warn', destination: new Writable({ write: (_c, _e, done) => done() }) });
  const config = loadConfig({ CLUSTER_NAME: 'demo', HTTP_PORT: '0', STABILIZE_SECONDS: '5', RESOLVE_AFTER_SECONDS: '5', STORM_THRESHOLD_PER_MINUTE: '50' });
  let agent: RunningAgent | undefined;
  const progress = startProgress(options.progress, () =>
    `podwhy demo · ${Math.round((Date.now() - started) / 1000)}s · diagnoses ${counts.diagnoses} · incidents ${counts.opened} opened, ${counts.updates} updated, ${counts.resolved} resolved · scenarios ${scenarios.size}/13`,
  );
  try {
    options.out.write(`Simulated cluster at ${server.url}: ${sim.nodes().length} nodes, ${planted.length} broken workloads (one per scenario) and 4 healthy ones.\n` +
      `Starting podwhy agent (single process: in-memory queue and incidents, console notifier)…\n\n`);
    agent = await startAgent({
      config,
      log: quietLog,
      mode: 'agent',
      notifier: new ConsoleNotifier({ out: options.out, now: clock.nowMs, maxEvidence: 4 }),
      kubeconfig: loadKubeconfig({ path: server.writeKubeconfig(join(dir, 'kubeconfig')) }),
      now: () => clock.nowMs(),
      incidentSettings: { minUpdateIntervalMs: 10_000 },
      onDiagnosis: (_d: Diagnosis) => counts.diagnoses++,
      onNotified,
      tickMs: 100,
    });
    const wait = (ms: number) => sleep(ms * pace, options.signal);

    // Act 1: every planted failure is found and posted once.
    await until(() => scenarios.size >= SCENARIO_IDS.length, 20_000 * pace, options.signal);
    await wait(1_000);

    // Act 2: ten simulated minutes pass; crash loops go on crashing; the messages are edited, not re-posted.
    options.out.write(`\n── ten minutes pass: the crash loops go on; each incident is updated in place (at most one edit per 10 s) ──\n\n`);
    for (let i = 0; i < 10 && !options.signal?.aborted; i++) {
      sim.advance(60, { stepSeconds: 20 });
      await wait(400);
    }

    // Act 3: a node stops reporting; its Pods become one node incident, not one alert each.
    const lost = pickNodeWithPods(sim);
    if (lost) {
      options.out.write(`\n── node ${lost} stops reporting; a minute passes ──\n\n`);
      sim.loseNode(lost);
      // The node controller's grace period and podwhy's window: a node is lost once it has been silent a minute.
      for (let i = 0; i < 3 && !options.signal?.aborted; i++) {
        sim.advance(25, { stepSeconds: 25 });
        await wait(300);
      }
      await until(() => counts.nodeIncidents > 0, 15_000 * pace, options.signal);
      await wait(1_000);
    }

    // Act 4: a fix is rolled out; once its Pods stay healthy the incident is marked resolved.
    const fixed = planted.find((p) => p.causeId === 'oom.container-limit') ?? planted[0];
    if (fixed) {
      options.out.write(`\n── a fix for ${fixed.namespace}/${fixed.workload} is rolled out ──\n\n`);
      sim.recover(fixed.namespace, fixed.workload);
      const resolvedBefore = counts.resolved;
      await until(() => counts.resolved > resolvedBefore, 20_000 * pace, options.signal);
    }
  } finally {
    clearInterval(realTime);
    progress.stop();
    await agent?.stop({ timeoutMs: 5_000 });
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const summary: DemoSummary = {
    planted: planted.length,
    scenariosPosted: [...scenarios].sort(),
    ...counts,
    apiRequests: server.countRequests(),
    seconds: Math.round((Date.now() - started) / 100) / 10,
    aborted: options.signal?.aborted ?? false,
  };
  options.out.write(
    `\n── summary ──\n` +
      `${summary.planted} broken workloads planted; ${summary.scenariosPosted.length}/13 scenarios posted: ${summary.scenariosPosted.join(', ')}\n` +
      `${summary.opened} incidents opened (${summary.nodeIncidents} for a lost node), ${summary.updates} coalesced updates, ${summary.resolved} resolved, ${summary.digests} digests\n` +
      `${summary.diagnoses} diagnoses from ${summary.apiRequests} API requests in ${summary.seconds}s${summary.aborted ? ' (stopped early)' : ''}\n`,
  );
  return summary;
}

function pickNodeWithPods(sim: ReturnType<typeof createClusterSimulator>): string | undefined {
  const counts = new Map<string, number>();
  for (const pod of sim.store.list('pods').items) {
    const node = (pod as { spec?: { nodeName?: string } }).spec?.nodeName;
    if (node) counts.set(node, (counts.get(node) ?? 0) + 1);
  }
  const ready = sim.nodes().filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).map((n) => n.metadata.name);
  return ready.sort((a, b) => (counts.get(b) ?? 0) - (counts.get(a) ?? 0))[0];
}

function startProgress(stream: DemoOptions['progress'], line: () => string): { stop(): void } {
  if (!stream) return { stop: () => undefined };
  const timer = setInterval(() => stream.write(stream.isTTY ? `\r\x1b[2K${line()}` : `${line()}\n`), stream.isTTY ? 250 : 5_000);
  return {
    stop: () => {
      clearInterval(timer);
      stream.write(stream.isTTY ? `\r\x1b[2K${line()}\n` : `${line()}\n`);
    },
  };
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => { clearTimeout(timer); resolve(); }, { once: true });
  });
}

async function until(condition: () => boolean, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline || signal?.aborted) return false;
    await sleep(50, signal);
  }
  return true;
}

if (import.meta.main) {
  const abort = new AbortController();
  process.once('SIGINT', () => abort.abort());
  const summary = await runDemo({ out: process.stdout, progress: process.stderr, signal: abort.signal });
  process.exitCode = summary.scenariosPosted.length === SCENARIO_IDS.length ? 0 : 1;
}
