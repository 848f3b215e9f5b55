/**
 * A real `podwhy agent` in a child process, for worker-kill.test.ts:
 *   node test/agent/agent-process.ts run '<AgentProcessConfig json>'
 * It watches the simulated cluster through its kubeconfig, queues and runs diagnosis jobs on BullMQ
 * (short lockDuration / stalledInterval), and records incidents in Redis — the same startAgent as
 * `podwhy agent`. Its notifier "posts" by printing `posted <type> <incident id>` and then never returns:
 * the process sits inside the job after the post (Slack answered, the job not yet marked complete) until
 * the test kills it with SIGKILL, as PLATFORM.md §6 test 6 prescribes.
 */
import { Writable } from 'node:stream';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/log.ts';
import { loadKubeconfig } from '../../src/cluster/kubeconfig.ts';
import { startAgent, type AgentMode } from '../../src/agent/agent.ts';
import type { Notifier } from '../../src/notify/notifier.ts';

export interface AgentProcessConfig {
  kubeconfigPath: string;
  redisUrl: string;
  redisPrefix: string;
  cluster: string;
  mode: AgentMode;
  lockDurationMs: number;
  stalledIntervalMs: number;
  /** Same knobs as the parent's agents (support.ts TEST_ENV). */
  env: Record<string, string>;
}

async function main(options: AgentProcessConfig): Promise<void> {
  const notifier: Notifier = {
    async deliver(command) {
      const id = command.type === 'digest' ? command.digest.id : command.type === 'reply' ? command.requestId : command.incident.id;
      process.stdout.write(`posted ${command.type} ${id}\n`);
      await new Promise(() => undefined); // never returns: the test kills this process here
    },
  };
  await startAgent({
    config: loadConfig({ ...options.env, CLUSTER_NAME: options.cluster, REDIS_URL: options.redisUrl, REDIS_PREFIX: options.redisPrefix }),
    log: createLogger({ level: 'warn', destination: new Writable({ write: (_chunk, _encoding, done) => done() }) }),
    notifier,
    mode: options.mode,
    kubeconfig: loadKubeconfig({ path: options.kubeconfigPath }),
    withoutHttp: true,
    tickMs: 50,
    queueOptions: { lockDurationMs: options.lockDurationMs, stalledIntervalMs: options.stalledIntervalMs, drainDelaySeconds: 1 },
  });
  process.stdout.write('ready\n');
}

if (process.argv[2] === 'run') {
  await main(JSON.parse(process.argv[3] ?? '{}') as AgentProcessConfig);
}
