/**
 * `podwhy agent` (watch + workers + incidents; the single-process default) and `podwhy worker`
 * (workers only, for BullMQ mode). Configuration comes from the environment (src/config.ts);
 * a few flags override it for one-off runs. Notifications go to the console until a Slack
 * notifier is configured.
 */
import { parseArgs } from 'node:util';
import { loadConfig, type Config } from '../config.ts';
import { isPodwhyError } from '../errors.ts';
import { createLogger } from '../log.ts';
import { ConsoleNotifier } from '../notify/console-notifier.ts';
import { toTextLine } from '../render/text.ts';
import { startAgent, type AgentMode } from '../agent/agent.ts';
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
  const notifier = new ConsoleNotifier({ out: { write: (text: string) => io.stdout(text) } });
  try {
    const agent = await startAgent({ config, log, notifier, mode });
    log.info({ cluster: config.CLUSTER_NAME, port: agent.http?.port, queue: config.REDIS_URL ? 'bullmq' : 'in-process' }, 'podwhy started');
    const signal = await deps.stopSignal;
    log.info({ signal }, 'Stop requested');
    await agent.stop({ timeoutMs: 20_000 });
    return EXIT_OK;
  } catch (error) {
    if (isPodwhyError(error)) {
      // E.g. the API server's own words when the first sync fails: one safe line (render/text.ts).
      io.stderr(`${toTextLine(`podwhy ${mode}: ${error.message}`)}\n`);
      return EXIT_FAILURE;
    }
    throw error;
  }
}
