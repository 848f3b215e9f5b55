/**
 * `podwhy agent` (watch + workers + incidents; the single-process default) and `podwhy worker`
 * (workers only, for BullMQ mode). Configuration comes from the environment (src/config.ts);
 * a few flags override it for one-off runs. Where notifications go: with SLACK_BOT_TOKEN, to Slack through a
 * gateway in this process (podwhy agent only); else with REDIS_URL, onto the BullMQ notify queue for
 * `podwhy gateway`; else to the console.
 */
import { parseArgs } from 'node:util';
import { loadConfig, slackSettingsOf, type Config } from '../config.ts';
import { isPodwhyError } from '../errors.ts';
import { createLogger } from '../log.ts';
import { ConsoleNotifier } from '../notify/console-notifier.ts';
import { toTextLine } from '../render/text.ts';
import { startAgent, type AgentMode, type RunningAgent } from '../agent/agent.ts';
import { createSlackGateway, type SlackGateway } from '../slack/gateway.ts';
import { parseActionPolicy } from '../slack/action-policy.ts';
import { createBullmqNotifyQueue } from '../queue/notify-bullmq.ts';
import type { NotifyQueue } from '../queue/notify-queue.ts';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, type CliIo } from './io.ts';

export interface AgentCommandDeps {
  env: NodeJS.ProcessEnv;
  /** Resolves when the process is asked to stop (SIGTERM/SIGINT). */
  stopSignal: Promise<string>;
}

export async function agentCommand(mode: AgentMode, argv: string[], io: CliIo, deps: AgentCommandDeps): Promise<number> {
  let overrides: Partial<Record<keyof Config, string>>;
  try {
    const { values } = parseArgs({
      args: argv,
      strict: true,
      options: { cluster: { type: 'string' }, kubeconfig: { type: 'string' }, context: { type: 'string' }, namespaces: { type: 'string' } },
    });
    overrides = {
      ...(values.cluster ? { CLUSTER_NAME: values.cluster } : {}),
      ...(values.kubeconfig ? { KUBECONFIG: values.kubeconfig } : {}),
      ...(values.context ? { KUBE_CONTEXT: values.context } : {}),
      ...(values.namespaces ? { WATCH_NAMESPACES: values.namespaces } : {}),
    };
  } catch (error) {
    io.stderr(`podwhy ${mode}: ${(error as Error).message}\nusage: podwhy ${mode} [--cluster NAME] [--kubeconfig FILE] [--context CTX] [--namespaces a,b]\n`);
    return EXIT_USAGE;
  }
  let config: Config;
  try {
    config = loadConfig({ ...deps.env, ...overrides });
  } catch (error) {
    io.stderr(`podwhy ${mode}: ${(error as Error).message}\n`);
    return EXIT_USAGE;
  }
  if (mode === 'worker' && !config.REDIS_URL) {
    io.stderr(`podwhy worker: REDIS_URL is not set; without Redis the agent runs its own workers (podwhy agent)\n`);
    return EXIT_USAGE;
  }
  const log = createLogger({ level: config.LOG_LEVEL });
  const slack = mode === 'agent' ? slackSettingsOf(config) : null;
  let gateway: SlackGateway | undefined;
  let notifyQueue: NotifyQueue | undefined;
  try {
    // Single process with Slack (docs/architecture.md, "Processes"): the gateway runs here; commands go to this
    // agent's own queue, which exists only once the agent has started (hence the late binding).
    const started: { agent?: RunningAgent } = {};
    const agentOf = (): RunningAgent => {
      if (!started.agent) throw new Error('the agent is still starting');
      return started.agent;
    };
    if (slack) {
      gateway = await createSlackGateway({
        settings: slack,
        log,
        clusters: [config.CLUSTER_NAME],
        actionSigningKey: config.ACTION_SIGNING_KEY,
        // One gateway in this process: claims in memory. Act jobs go to this agent's own queue.
        actions: { enabled: config.ACTIONS_ENABLED, policy: parseActionPolicy(config.ACTION_POLICY), maxAgeSeconds: config.ACTION_MAX_AGE_SECONDS, authorization: config.ACTION_AUTHORIZATION, enqueue: (job) => agentOf().queue.enqueue(job) },
        enqueueCommand: (job) => agentOf().queue.enqueue(job),
        openIncidents: (cluster) => agentOf().incidents.listOpen(cluster),
      });
    }
    // Scaled out without Slack settings here: notifications go to the BullMQ notify queue, for `podwhy gateway`.
    notifyQueue = !gateway && config.REDIS_URL ? await createBullmqNotifyQueue({ redis: config.REDIS_URL, prefix: config.REDIS_PREFIX }) : undefined;
    const delivery = notifyQueue ? { notifyQueue } : { notifier: gateway?.notifier ?? new ConsoleNotifier({ out: { write: (text: string) => io.stdout(text) } }) };
    const agent = await startAgent({ config, log, ...delivery, mode });
    started.agent = agent;
    const slackPort = gateway ? (await gateway.start()).port : undefined;
    log.info({ cluster: config.CLUSTER_NAME, port: agent.http?.port, slackPort, queue: config.REDIS_URL ? 'bullmq' : 'in-process', notifier: gateway ? 'slack' : 'console' }, 'podwhy started');
    const signal = await deps.stopSignal;
    log.info({ signal }, 'Stop requested');
    await gateway?.stopReceiving();
    await agent.stop({ timeoutMs: 20_000 });
    await notifyQueue?.close();
    await gateway?.close();
    return EXIT_OK;
  } catch (error) {
    await notifyQueue?.close().catch(() => undefined);
    await gateway?.close().catch(() => undefined);
    if (isPodwhyError(error)) {
      // E.g. the API server's own words when the first sync fails: one safe line (render/text.ts).
      io.stderr(`${toTextLine(`podwhy ${mode}: ${error.message}`)}\n`);
      return EXIT_FAILURE;
    }
    throw error;
  }
}
