/**
 * One `podwhy worker` process of `npm run bench:pipeline` (BullMQ mode): startAgent in worker mode with its
 * own informer cache of the simulated cluster. A second worker in the same process would share one event
 * loop (one core), so each gets a process. Protocol on stdio, one JSON line each:
 *   stdout {"ready":true,"pid":…} once the cache is synced and the BullMQ worker connected;
 *   stdin  "stats" → stdout WorkerStats;
 *   stdin closed → graceful stop, exit.
 *
 *   node --disable-warning=ExperimentalWarning bench/pipeline-worker.ts --kubeconfig F --redis URL --prefix P
 */
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { createLogger } from '../src/log.ts';
import { startBenchWorker } from './pipeline-measure.ts';

const { values } = parseArgs({
  options: {
    kubeconfig: { type: 'string' },
    redis: { type: 'string', default: 'redis://127.0.0.1:6379' },
    prefix: { type: 'string' },
  },
});
if (!values.kubeconfig || !values.prefix) throw new Error('usage: pipeline-worker.ts --kubeconfig FILE --redis URL --prefix PREFIX');

const log = createLogger({ level: 'warn', destination: process.stderr });
const worker = await startBenchWorker({ kubeconfigPath: values.kubeconfig, redisUrl: values.redis, prefix: values.prefix, log });

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await worker.agent.stop({ timeoutMs: 5_000 });
  process.exit(0);
}
const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  if (line.trim() === 'stats') void worker.stats().then((stats) => process.stdout.write(`${JSON.stringify(stats)}\n`));
});
lines.on('close', () => void stop());
process.on('SIGTERM', () => void stop());

process.stdout.write(`${JSON.stringify({ ready: true, pid: process.pid })}\n`);
