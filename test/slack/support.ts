/**
 * Harness for the gateway tests: the Slack emulator over real HTTP, and the real gateway (Bolt in HTTP mode
 * behind its timestamp check) pointed at it through SLACK_API_URL, listening on a free port.
 */
import { Writable } from 'node:stream';
import { loadConfig, slackSettingsOf, type SlackSettings } from '../../src/config.ts';
import type { Incident } from '../../src/contract/incident.ts';
import { createLogger, type Logger } from '../../src/log.ts';
import type { CommandJob } from '../../src/queue/jobs.ts';
import { startSlackEmulator, type SlackEmulator } from '../../src/slack-emulator/server.ts';
import { createSlackGateway, type GatewayActionSettings, type SlackGateway } from '../../src/slack/gateway.ts';
import { startAgent, type RunningAgent } from '../../src/agent/agent.ts';
import { loadKubeconfig } from '../../src/cluster/kubeconfig.ts';
import { TEST_ENV, type SimCluster } from '../agent/support.ts';

export const SIGNING_SECRET = 'gateway-test-signing-secret';

export interface CapturedLog {
  lines: string[];
  log: Logger;
}

/** A pino logger writing JSON lines into memory (debug and up), to grep for secrets. */
export function capturedLog(level = 'debug'): CapturedLog {
  const lines: string[] = [];
  const log = createLogger({
    level,
    destination: new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    }),
  });
  return { lines, log };
}

export function httpSettings(slack: SlackEmulator, extra: Record<string, string> = {}): SlackSettings {
  const settings = slackSettingsOf(loadConfig({ SLACK_BOT_TOKEN: slack.botToken, SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: slack.apiUrl, SLACK_PORT: '0', ...extra }));
  if (!settings) throw new Error('Slack settings expected');
  return settings;
}

export interface TestGateway {
  slack: SlackEmulator;
  gateway: SlackGateway;
  eventsUrl: string;
  jobs: CommandJob[];
  logs: CapturedLog;
  close(): Promise<void>;
}

/** The gateway alone: command jobs are collected (no agent), incidents come from `incidents`. */
export async function startTestGateway(options: { clusters?: string[]; incidents?: Incident[]; slack?: SlackEmulator } = {}): Promise<TestGateway> {
  const slack = options.slack ?? (await startSlackEmulator({ rateLimits: false }));
  const jobs: CommandJob[] = [];
  const logs = capturedLog();
  const gateway = await createSlackGateway({
    settings: httpSettings(slack),
    log: logs.log,
    clusters: options.clusters ?? ['prod'],
    host: '127.0.0.1',
    enqueueCommand: async (job) => void jobs.push(job),
    openIncidents: async (cluster) => (options.incidents ?? []).filter((i) => i.cluster === cluster),
  });
  const { port } = await gateway.start();
  return {
    slack,
    gateway,
    eventsUrl: `http://127.0.0.1:${port}/slack/events`,
    jobs,
    logs,
    async close() {
      await gateway.close();
      if (!options.slack) await slack.close();
    },
  };
}

/**
 * `podwhy agent` with Slack in one process, as src/cli/agent.ts wires it: the gateway first (its command side
 * bound late to the agent's queue), the agent delivering through the gateway's notifier. One gateway can serve
 * agents started one after the other (`bind`), so a test can use a fresh simulated cluster per case.
 */
export interface SingleProcess {
  slack: SlackEmulator;
  gateway: SlackGateway;
  eventsUrl: string;
  logs: CapturedLog;
  bind(agent: RunningAgent | undefined): void;
  startAgent(cluster: SimCluster, env?: Record<string, string>): Promise<RunningAgent>;
  close(): Promise<void>;
}

/** One-click fixes for startSingleProcess: act jobs go to the bound agent's queue. */
export type TestActionSettings = Omit<GatewayActionSettings, 'enqueue'>;

export async function startSingleProcess(options: { clusterName?: string; slack?: SlackEmulator; actions?: TestActionSettings; actionSigningKey?: string } = {}): Promise<SingleProcess> {
  const slack = options.slack ?? (await startSlackEmulator({ rateLimits: false }));
  const clusterName = options.clusterName ?? 'prod';
  const logs = capturedLog('warn');
  const bound: { agent?: RunningAgent | undefined } = {};
  const agentOf = (): RunningAgent => {
    if (!bound.agent) throw new Error('no agent bound');
    return bound.agent;
  };
  const gateway = await createSlackGateway({
    settings: httpSettings(slack),
    log: logs.log,
    clusters: [clusterName],
    host: '127.0.0.1',
    enqueueCommand: (job) => agentOf().queue.enqueue(job),
    openIncidents: (cluster) => agentOf().incidents.listOpen(cluster),
    ...(options.actionSigningKey !== undefined && { actionSigningKey: options.actionSigningKey }),
    ...(options.actions && { actions: { ...options.actions, enqueue: (job) => agentOf().queue.enqueue(job) } }),
  });
  const { port } = await gateway.start();
  const agents: RunningAgent[] = [];
  return {
    slack,
    gateway,
    eventsUrl: `http://127.0.0.1:${port}/slack/events`,
    logs,
    bind(agent) {
      bound.agent = agent;
    },
    async startAgent(cluster, env = {}) {
      const config = loadConfig({ ...TEST_ENV, CLUSTER_NAME: clusterName, DEFAULT_CHANNEL: 'C0ALERTS', ...env });
      const agent = await startAgent({
        config,
        log: logs.log,
        notifier: gateway.notifier,
        mode: 'agent',
        kubeconfig: loadKubeconfig({ path: cluster.kubeconfigPath }),
        now: () => cluster.clock.nowMs(),
        withoutHttp: true,
        tickMs: 50,
        ...(config.REDIS_URL ? { queueOptions: { drainDelaySeconds: 1 } } : {}),
      });
      agents.push(agent);
      bound.agent = agent;
      return agent;
    },
    async close() {
      await gateway.stopReceiving();
      for (const agent of agents.splice(0)) await agent.stop({ timeoutMs: 5_000 });
      await gateway.close();
      if (!options.slack) await slack.close();
    },
  };
}
