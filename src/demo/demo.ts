/**
 * `npm run demo`: a simulated cluster (fake API server + scenario kit) seeded with one broken workload per
 * scenario and a few healthy ones; the real agent watches it through the real client-node and posts through the
 * real Slack gateway to a local Slack workspace (src/demo/workspace.ts), and every incident also prints as it
 * reads in the channel. The story then moves on: crash loops keep crashing (coalesced updates), a node is lost
 * (one node incident), a fix is rolled out (resolved), and a summary prints.
 *
 * With the browser UI (the default outside CI) the workspace page's URL is printed at start: open it to see the
 * channel as a Slack user does, type `/pod why …`, click the buttons. The demo then keeps running after the
 * story until Ctrl-C. `--no-browser-ui`, or CI=true, is the terminal-only demo: no page, and it ends by itself.
 */
import { parseArgs } from 'node:util';
import type { NotifyCommand } from '../contract/incident.ts';
import type { Diagnosis } from '../contract/diagnosis.ts';
import { SCENARIO_IDS } from '../contract/scenarios.ts';
import type { ClusterSimulator } from '../sim/kit/cluster-simulator.ts';
import { DEMO_CHANNEL, startDemoWorkspace, type DemoWorkspace } from './workspace.ts';

export interface DemoOptions {
  /** Where incidents are printed. */
  out: { write(text: string): void };
  /** Where the live progress line goes (a TTY gets a rewriting line; anything else, occasional lines). */
  progress?: { write(text: string): void; isTTY?: boolean };
  /** Scales every wait; tests run the demo at 0.2. */
  pace?: number;
  /** Ends the demo early (Ctrl-C); with the browser UI, the only way it ends after the story. */
  signal?: AbortSignal;
  /** Serve the workspace page and keep running after the story until `signal` aborts. Default false. */
  browserUi?: boolean | { port?: number };
  /** Called once everything runs (tests read the emulated workspace through it). */
  onStarted?: (workspace: DemoWorkspace) => void;
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
  const progress = startProgress(options.progress, () =>
    `podwhy demo · ${Math.round((Date.now() - started) / 1000)}s · diagnoses ${counts.diagnoses} · incidents ${counts.opened} opened, ${counts.updates} updated, ${counts.resolved} resolved · scenarios ${scenarios.size}/13`,
  );
  let workspace: DemoWorkspace | undefined;
  try {
    workspace = await startDemoWorkspace({
      pace,
      page: options.browserUi ?? false,
      out: options.out,
      onDiagnosis: (_d: Diagnosis) => counts.diagnoses++,
      onNotified,
    });
    const { sim } = workspace;
    const planted = workspace.planted.length;
    options.out.write(`Simulated cluster at ${workspace.apiServer.url}: ${sim.nodes().length} nodes, ${planted} broken workloads (one per scenario) and 4 healthy ones.\n` +
      `podwhy agent and Slack gateway running in one process; incidents go to #alerts of a local Slack workspace and print here too.\n` +
      (workspace.page ? `\nOpen ${workspace.page.url} to see the channel: type /pod why <pod> -n <namespace>, click the buttons.\n\n` : '\n'));
    options.onStarted?.(workspace);
    const wait = (ms: number) => sleep(ms * pace, options.signal);

    // Act 1: every planted failure is found and posted once (the bound is a safety net, not a pace).
    await until(() => scenarios.size >= SCENARIO_IDS.length, 60_000, options.signal);
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
      options.out.write(`\n── node ${lost} stops reporting; two minutes pass ──\n\n`);
      const nodeIncidentsBefore = counts.nodeIncidents;
      sim.loseNode(lost);
      // The node controller's grace period (40 s) and podwhy's window (60 s) make about 100 s before a lost node
      // alerts (docs/architecture.md): 125 simulated seconds pass, so the story does not wait on real time.
      for (let i = 0; i < 5 && !options.signal?.aborted; i++) {
        sim.advance(25, { stepSeconds: 25 });
        await wait(300);
      }
      await until(() => counts.nodeIncidents > nodeIncidentsBefore, 30_000, options.signal);
      await wait(1_000);
    }

    // Act 4: a fix is rolled out; once its Pods stay healthy the incident is marked resolved.
    const fixed = workspace.planted.find((p) => p.causeId === 'oom.container-limit') ?? workspace.planted[0];
    if (fixed) {
      options.out.write(`\n── a fix for ${fixed.namespace}/${fixed.workload} is rolled out ──\n\n`);
      sim.recover(fixed.namespace, fixed.workload);
      const resolvedBefore = counts.resolved;
      await until(() => counts.resolved > resolvedBefore, 30_000, options.signal);
    }
    progress.stop();
    const summary = summarize(workspace, planted, scenarios, counts, started, options.signal?.aborted ?? false);
    options.out.write(summaryText(summary));
    if (workspace.page && !options.signal?.aborted) {
      options.out.write(`\nThe workspace stays open at ${workspace.page.url} : try /pod why, the buttons, another user. Ctrl-C ends the demo.\n`);
      await new Promise<void>((resolve) => {
        if (!options.signal) return;
        options.signal.addEventListener('abort', () => resolve(), { once: true });
      });
    }
    return summary;
  } catch (error) {
    progress.stop();
    throw error;
  } finally {
    await workspace?.close();
  }
}

type Counts = Pick<DemoSummary, 'opened' | 'updates' | 'resolved' | 'digests' | 'nodeIncidents' | 'diagnoses'>;

function summarize(workspace: DemoWorkspace, planted: number, scenarios: Set<string>, counts: Counts, started: number, aborted: boolean): DemoSummary {
  return {
    planted,
    scenariosPosted: [...scenarios].sort(),
    ...counts,
    apiRequests: workspace.apiServer.countRequests(),
    seconds: Math.round((Date.now() - started) / 100) / 10,
    aborted,
  };
}

function summaryText(summary: DemoSummary): string {
  return (
    `\n── summary ──\n` +
    `${summary.planted} broken workloads planted; ${summary.scenariosPosted.length}/13 scenarios posted: ${summary.scenariosPosted.join(', ')}\n` +
    `${summary.opened} incidents opened (${summary.nodeIncidents} for a lost node), ${summary.updates} coalesced updates, ${summary.resolved} resolved, ${summary.digests} digests\n` +
    `${summary.diagnoses} diagnoses from ${summary.apiRequests} API requests in ${summary.seconds}s${summary.aborted ? ' (stopped early)' : ''}\n`
  );
}

/** The incidents posted in the demo's channel, as the emulator stored them (scenario from the message metadata). */
export function postedScenarios(workspace: DemoWorkspace): string[] {
  const scenarios = new Set<string>();
  for (const message of workspace.slack.workspace.allMessages(DEMO_CHANNEL)) {
    const scenario = message.metadata?.event_payload['scenario'];
    if (typeof scenario === 'string') scenarios.add(scenario);
  }
  return [...scenarios].sort();
}

function pickNodeWithPods(sim: ClusterSimulator): string | undefined {
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

/** `--no-browser-ui` (or CI=true): the terminal-only demo, which ends by itself. */
export function wantsBrowserUi(argv: readonly string[], ci: boolean): boolean {
  const { values } = parseArgs({ args: [...argv], options: { 'no-browser-ui': { type: 'boolean' }, 'browser-ui': { type: 'boolean' } }, strict: true });
  if (values['no-browser-ui']) return false;
  return values['browser-ui'] === true || !ci;
}

if (import.meta.main) {
  const abort = new AbortController();
  process.once('SIGINT', () => abort.abort());
  // eslint-disable-next-line no-restricted-properties -- the demo's own entry point: CI is not podwhy configuration
  const browserUi = wantsBrowserUi(process.argv.slice(2), ['true', '1'].includes(process.env['CI'] ?? ''));
  const summary = await runDemo({ out: process.stdout, progress: process.stderr, signal: abort.signal, browserUi });
  process.exitCode = summary.scenariosPosted.length === SCENARIO_IDS.length ? 0 : 1;
}
