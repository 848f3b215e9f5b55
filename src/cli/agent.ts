/**
 * `podwhy agent` (watch + workers + incidents; the single-process default) and `podwhy worker`
 * (workers only, for BullMQ mode). Configuration comes from the environment (src/config.ts);
 * a few flags override it for one-off runs. Where notifications go: with SLACK_BOT_TOKEN, to Slack through a
 * gateway in this process (podwhy agent only); else with REDIS_URL, onto the BullMQ notify queue for
 * `podwhy gateway`; else to the console.
 */
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
import { parseCommandArgs, wantsHelp } from './args.ts';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, type CliIo } from './io.ts';

export interface AgentCommandDeps {
  env: NodeJS.ProcessEnv;
  /** Resolves when the process is asked to stop (SIGTERM/SIGINT). */
  stopSignal: Promise<string>;
  /** Resolves with a fatal error raised after start (an uncaught exception, an unhandled rejection). */
  fatal?: Promise<unknown>;
  /** How long a stop may take in all before the command returns anyway (default 25 s: workers get 20 s). */
  stopTimeoutMs?: number;
}

export function agentHelp(mode: AgentMode): string {
  const what =
    mode === 'agent'
      ? 'Watches a cluster and raises incidents: informers, workers and incidents in one process\n(with REDIS_URL, queues and incidents on Redis).'
      : 'Runs diagnosis workers only, beside a podwhy agent of the same cluster (needs REDIS_URL).';
  return `usage: podwhy ${mode} [--cluster NAME] [--kubeconfig FILE] [--context CTX] [--namespaces a,b]

${what}
Configuration comes from the environment (.env.example lists every key); these flags override it for one run. SIGTERM or SIGINT drains and exits; a second one exits at once.

options:
  --cluster NAME        CLUSTER_NAME
  --kubeconfig FILE     KUBECONFIG
  --context CTX         KUBE_CONTEXT
  --namespaces a,b      WATCH_NAMESPACES (default: the whole cluster)
  -h, --help            this help
`;
}

export async function agentCommand(mode: AgentMode, argv: string[], io: CliIo, deps: AgentCommandDeps): Promise<number> {
  if (wantsHelp(argv)) {
    io.stdout(agentHelp(mode));
    return EXIT_OK;
  }
  let overrides: Partial<Record<keyof Config, string>>;
  try {
    const { values } = parseCommandArgs(mode, {
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
  // A signal or a fatal error ends the run at any point, start-up included (issue 13: a SIGTERM during the first
  // sync used to wait for the sync timeout, and a failure after it left the process running).
  const abort = new AbortController();
  let ending: { kind: 'stop'; signal: string } | { kind: 'fatal'; error: unknown } | undefined;
  const ended = Promise.race([
    deps.stopSignal.then((signal) => ({ kind: 'stop' as const, signal })),
    (deps.fatal ?? new Promise<never>(() => undefined)).then((error) => ({ kind: 'fatal' as const, error })),
  ]).then((outcome) => {
    ending ??= outcome;
    abort.abort(new Error(outcome.kind === 'stop' ? `stopped by ${outcome.signal}` : 'fatal error'));
    return outcome;
  });
  const fail = (error: unknown): number => {
    // One line: the reason, never a stack (render/text.ts keeps cluster-sourced words on one safe line).
    const reason = error instanceof Error ? error.message : String(error);
    io.stderr(`${toTextLine(`podwhy ${mode}: ${reason}`)}\n`);
    return EXIT_FAILURE;
  };
  let gateway: SlackGateway | undefined;
  let notifyQueue: NotifyQueue | undefined;
  const closeDelivery = async (): Promise<void> => {
    await notifyQueue?.close().catch(() => undefined);
    await gateway?.close().catch(() => undefined);
  };
  let agent: RunningAgent;
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
    agent = await startAgent({ config, log, ...delivery, mode, signal: abort.signal });
    started.agent = agent;
  } catch (error) {
    await closeDelivery();
    if (ending?.kind === 'stop') return EXIT_OK;
    if (ending?.kind === 'fatal') return fail(ending.error);
    // E.g. the API server's own words when the first sync fails.
    if (isPodwhyError(error)) return fail(error);
    throw error;
  }
  let slackPort: number | undefined;
  try {
    slackPort = gateway ? (await gateway.start()).port : undefined;
  } catch (error) {
    await agent.stop({ timeoutMs: 5_000 }).catch(() => undefined);
    await closeDelivery();
    return fail(error);
  }
  log.info({ cluster: config.CLUSTER_NAME, port: agent.http?.port, slackPort, queue: config.REDIS_URL ? 'bullmq' : 'in-process', notifier: gateway ? 'slack' : notifyQueue ? 'notify-queue' : 'console' }, 'podwhy started');
  const outcome = await ended;
  if (outcome.kind === 'stop') log.info({ signal: outcome.signal }, 'Stop requested');
  else log.debug({ err: outcome.error }, 'Fatal error');
  const stopTimeoutMs = deps.stopTimeoutMs ?? 25_000;
  const stopped = await Promise.race([
    (async () => {
      // Receiver first (no new Slack requests), then the agent (workers finish), then delivery.
      await gateway?.stopReceiving();
      await agent.stop({ timeoutMs: Math.max(stopTimeoutMs - 5_000, stopTimeoutMs / 2) });
      await notifyQueue?.close();
      await gateway?.close();
    })().then(() => true),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(false), stopTimeoutMs).unref()),
  ]);
  if (!stopped) log.warn({ timeoutMs: stopTimeoutMs }, 'Shutdown did not finish in time; exiting anyway');
  return outcome.kind === 'fatal' ? fail(outcome.error) : EXIT_OK;
}
