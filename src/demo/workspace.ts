/**
 * The demo's one wiring, shared by `npm run demo`, the picture script and the browser test: a simulated cluster
 * (fake API server + scenario kit on one simulated clock) seeded with one broken workload per scenario, the
 * real agent watching it through client-node, the real Slack gateway (Bolt over HTTP on 127.0.0.1) posting to
 * the Slack emulator, and, when asked, the workspace page (src/slack-emulator/workspace-page.ts) where a person
 * sees the channel and types `/pod …` and clicks buttons as in Slack.
 *
 * One-click fixes are on: a per-run random ACTION_SIGNING_KEY, and an ACTION_POLICY that lets the demo user
 * (alice) remove finalizers, force-delete and restart Pods in every namespace of the demo cluster; bob may not,
 * so the refusal can be tried too.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig, slackSettingsOf } from '../config.ts';
import { createLogger } from '../log.ts';
import { loadKubeconfig } from '../cluster/kubeconfig.ts';
import { ObjectStore } from '../sim/store.ts';
import { startFakeApiServer, type FakeApiServer } from '../sim/api-server.ts';
import { createClusterSimulator, type ClusterSimulator, type PlantedWorkload } from '../sim/kit/cluster-simulator.ts';
import { createSimClock, followRealTime, type SimClock } from '../sim/kit/clock.ts';
import type { NotifyCommand } from '../contract/incident.ts';
import type { Diagnosis } from '../contract/diagnosis.ts';
import type { Notifier } from '../notify/notifier.ts';
import { renderNotifyCommand } from '../render/text.ts';
import { startAgent, type RunningAgent } from '../agent/agent.ts';
import { createSlackGateway, type SlackGateway } from '../slack/gateway.ts';
import { parseActionPolicy } from '../slack/action-policy.ts';
import { startSlackEmulator, type SlackEmulator } from '../slack-emulator/server.ts';
import { startWorkspacePage, type WorkspacePage } from '../slack-emulator/workspace-page.ts';

export const DEMO_CLUSTER = 'demo';
/** Where every incident of the demo is posted (DEFAULT_CHANNEL). */
export const DEMO_CHANNEL = 'C0ALERTS';
/** The person at the workspace page, whom the action policy allows every fix. */
export const DEMO_USER = 'U0ALICE';

const DEMO_CHANNELS = [
  { id: DEMO_CHANNEL, name: 'alerts', kind: 'public', isBotMember: true },
  { id: 'C0OPS', name: 'ops', kind: 'private', isBotMember: true },
  { id: 'C0GENERAL', name: 'general', kind: 'public', isBotMember: false },
] as const;

export interface DemoWorkspaceOptions {
  /** Scales the gateway's pacing with the story (tests run the demo at 0.2). Default 1. */
  pace?: number;
  /** Start the workspace page (a browser UI on 127.0.0.1). Default false. */
  page?: boolean | { port?: number };
  /** Also print every incident message as text (the terminal view of the demo). */
  out?: { write(text: string): void };
  onDiagnosis?: (diagnosis: Diagnosis) => void;
  onNotified?: (command: NotifyCommand) => void;
  /** What to break; default the demo's set (one workload per scenario, four healthy ones). */
  seed?: (sim: ClusterSimulator) => PlantedWorkload[];
}

export interface DemoWorkspace {
  clock: SimClock;
  store: ObjectStore;
  sim: ClusterSimulator;
  apiServer: FakeApiServer;
  planted: PlantedWorkload[];
  slack: SlackEmulator;
  gateway: SlackGateway;
  agent: RunningAgent;
  /** The page, when asked for. */
  page: WorkspacePage | undefined;
  close(): Promise<void>;
}

export async function startDemoWorkspace(options: DemoWorkspaceOptions = {}): Promise<DemoWorkspace> {
  const pace = options.pace ?? 1;
  // One simulated clock for the store, the kit and the agent: it runs with real time, and the story's
  // "ten minutes pass" jumps it forward (sim.advance), which everyone then sees alike.
  const clock = createSimClock(Date.now());
  const closers: (() => Promise<void> | void)[] = [followRealTime(clock)];
  const close = async (): Promise<void> => {
    for (const closer of closers.splice(0).reverse()) await closer();
  };
  try {
    const store = new ObjectStore({ now: clock.now });
    const apiServer = await startFakeApiServer({ store, bookmarkIntervalMs: 5_000 });
    closers.push(() => apiServer.close());
    const dir = mkdtempSync(join(tmpdir(), 'podwhy-demo-'));
    closers.push(() => rmSync(dir, { recursive: true, force: true }));
    const sim = createClusterSimulator({ store, now: clock.now, nodes: 4 });
    const planted = (options.seed ?? ((s) => s.seedDemo()))(sim);

    // The story compresses ten minutes into seconds, so Slack's one post per second per channel would hold it
    // up: the gateway paces faster, and the emulator does not enforce Slack's limits.
    const slack = await startSlackEmulator({ rateLimits: false, workspace: { teamName: 'podwhy demo', teamDomain: 'podwhy-demo', channels: [...DEMO_CHANNELS] } });
    closers.push(() => slack.close());
    const signingSecret = randomBytes(24).toString('base64url');
    const policy = JSON.stringify([{ users: [DEMO_USER], clusters: [DEMO_CLUSTER], namespaces: ['*'], actions: ['remove-finalizer', 'force-delete', 'restart-pod'] }]);
    const config = loadConfig({
      CLUSTER_NAME: DEMO_CLUSTER,
      HTTP_PORT: '0',
      STABILIZE_SECONDS: '5',
      RESOLVE_AFTER_SECONDS: '5',
      STORM_THRESHOLD_PER_MINUTE: '50',
      DEFAULT_CHANNEL: DEMO_CHANNEL,
      SLACK_BOT_TOKEN: slack.botToken,
      SLACK_SIGNING_SECRET: signingSecret,
      SLACK_API_URL: slack.apiUrl,
      SLACK_PORT: '0',
      ACTIONS_ENABLED: 'true',
      ACTION_SIGNING_KEY: randomBytes(32).toString('base64url'),
      ACTION_POLICY: policy,
    });
    const settings = slackSettingsOf(config);
    if (!settings) throw new Error('demo: Slack settings expected');
    const quietLog = createLogger({ level: 'warn', destination: new Writable({ write: (_c, _e, done) => done() }) });

    const started: { agent?: RunningAgent } = {};
    const agentOf = (): RunningAgent => {
      if (!started.agent) throw new Error('the demo agent is still starting');
      return started.agent;
    };
    // As `podwhy agent` wires Slack in one process (src/cli/agent.ts): claims in memory, act jobs to this agent's queue.
    const gateway = await createSlackGateway({
      settings,
      log: quietLog,
      clusters: [DEMO_CLUSTER],
      host: '127.0.0.1',
      pacing: { channelIntervalMs: Math.round(250 * pace), methodLimits: { 'chat.update': { limit: 600, windowMs: 60_000 } } },
      actionSigningKey: config.ACTION_SIGNING_KEY,
      actions: { enabled: config.ACTIONS_ENABLED, policy: parseActionPolicy(config.ACTION_POLICY), maxAgeSeconds: config.ACTION_MAX_AGE_SECONDS, enqueue: (job) => agentOf().queue.enqueue(job) },
      enqueueCommand: (job) => agentOf().queue.enqueue(job),
      openIncidents: (cluster) => agentOf().incidents.listOpen(cluster),
    });
    closers.push(() => gateway.close());
    const { port } = await gateway.start();

    const out = options.out;
    const notifier: Notifier = out
      ? {
          async deliver(command) {
            const posted = await gateway.notifier.deliver(command);
            if (command.type !== 'reply') out.write(`${renderNotifyCommand(command, { maxEvidence: 4, ts: posted?.ts })}\n`);
            return posted;
          },
        }
      : gateway.notifier;
    const agent = await startAgent({
      config,
      log: quietLog,
      mode: 'agent',
      notifier,
      kubeconfig: loadKubeconfig({ path: apiServer.writeKubeconfig(join(dir, 'kubeconfig')) }),
      now: () => clock.nowMs(),
      incidentSettings: { minUpdateIntervalMs: 10_000 },
      tickMs: 100,
      ...(options.onDiagnosis && { onDiagnosis: options.onDiagnosis }),
      ...(options.onNotified && { onNotified: options.onNotified }),
    });
    started.agent = agent;
    closers.push(() => agent.stop({ timeoutMs: 5_000 }).then(() => undefined));
    // Stop order (reversed): the page, then Slack's requests, then the agent, then the gateway's notifier.
    closers.push(() => gateway.stopReceiving());

    let page: WorkspacePage | undefined;
    if (options.page) {
      page = await startWorkspacePage({
        slack,
        app: { eventsUrl: `http://127.0.0.1:${port}/slack/events`, signingSecret },
        defaultUser: DEMO_USER,
        defaultChannel: DEMO_CHANNEL,
        ...(typeof options.page === 'object' && options.page.port !== undefined && { port: options.page.port }),
      });
      const opened = page;
      closers.push(() => opened.close());
    }
    return { clock, store, sim, apiServer, planted, slack, gateway, agent, page, close };
  } catch (error) {
    await close();
    throw error;
  }
}
