/**
 * `npm run bench:pipeline`: a burst of failing Pods on a large simulated cluster, through podwhy's real
 * alert pipeline. Reports messages posted per incident, latency from each Pod's status change to the
 * notifier (after the stabilization window), and worker-side throughput with the in-process queue and
 * with 1 and 2 BullMQ worker processes. What is measured and how: bench/pipeline-measure.ts.
 *
 *   npm run bench:pipeline                                   (10,000 Pods on 500 nodes; 50 workloads × 20 failing)
 *   npm run bench:pipeline -- --jobs 10000                   (diagnosis jobs per throughput run; default 5,000)
 *   npm run bench:pipeline -- --redis redis://host:6379      (default redis://127.0.0.1:6379; unreachable: BullMQ runs are skipped)
 *   npm run bench:pipeline -- --json                         (figures as JSON on stdout)
 *   npm run bench:pipeline -- --throughput 2                 (which throughput runs: in-process and/or worker counts; default in-process,1,2)
 *   npm run bench:pipeline -- --cpu-prof DIR                 (V8 CPU profiles of the worker processes into DIR, for Chrome DevTools)
 *
 * The fake API server runs in a CHILD process (bench/pipeline-server.ts), as in bench/cluster.ts, so its
 * work does not run on the agent's event loop; BullMQ workers are child processes too (bench/pipeline-worker.ts).
 * Targets (the issue): ≤ 1 message per incident, p99 ≤ 1 s after the window, ≥ 1,000 diagnoses/s with 2 workers.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { createLogger } from '../src/log.ts';
import type { BurstResult, ClusterSummary } from './pipeline-cluster.ts';
import {
  formatReport,
  measureBullmqThroughput,
  measureBurst,
  measureInProcessThroughput,
  type PipelineFigures,
  type WorkerFactory,
  type WorkerStats,
} from './pipeline-measure.ts';

const { values } = parseArgs({
  options: {
    pods: { type: 'string', default: '10000' },
    nodes: { type: 'string', default: '500' },
    workloads: { type: 'string', default: '50' },
    'per-workload': { type: 'string', default: '20' },
    jobs: { type: 'string', default: '5000' },
    stabilize: { type: 'string', default: '60' },
    redis: { type: 'string', default: 'redis://127.0.0.1:6379' },
    json: { type: 'boolean', default: false },
    throughput: { type: 'string', default: 'in-process,1,2' },
    'cpu-prof': { type: 'string' },
  },
});
const throughputRuns = values.throughput.split(',').map((run) => run.trim());
const workerCounts = throughputRuns.filter((run) => run !== 'in-process').map(Number);
if (workerCounts.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`--throughput: expected in-process and/or worker counts, got ${values.throughput}`);

const progress = (message: string): void => {
  process.stderr.write(`[bench:pipeline] ${message}\n`);
};
const log = createLogger({ level: 'warn', destination: process.stderr });
const NODE_FLAGS = ['--disable-warning=ExperimentalWarning'];
const WORKER_FLAGS = values['cpu-prof'] ? [...NODE_FLAGS, '--cpu-prof', `--cpu-prof-dir=${values['cpu-prof']}`] : NODE_FLAGS;

interface ServerReady {
  kubeconfig: string;
  url: string;
  control: string;
  summary: ClusterSummary;
}

/** The first JSON line a child prints, or its early exit as an error. */
function firstLine<T>(child: ChildProcess, lines: Interface): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onExit = (code: number | null): void => reject(new Error(`child process exited early (code ${String(code)})`));
    child.once('exit', onExit);
    lines.once('line', (line) => {
      child.off('exit', onExit);
      resolve(JSON.parse(line) as T);
    });
  });
}

/** A worker as a child process (bench/pipeline-worker.ts). */
const childWorker: WorkerFactory = (spec) => {
  const child = spawn(process.execPath, [...WORKER_FLAGS, join(import.meta.dirname, 'pipeline-worker.ts'), '--kubeconfig', spec.kubeconfigPath, '--redis', spec.redisUrl, '--prefix', spec.prefix], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout as NonNullable<ChildProcess['stdout']> });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    ready: firstLine<{ ready: boolean }>(child, lines).then(() => undefined),
    stats: () => {
      const answer = firstLine<WorkerStats>(child, lines);
      child.stdin?.write('stats\n');
      return answer;
    },
    stop: async () => {
      child.stdin?.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
};

async function redisReachable(url: string): Promise<string | null> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2_000, retryStrategy: () => null });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.ping();
    return null;
  } catch (error) {
    return `Redis at ${url} unreachable (${(error as Error).message})`;
  } finally {
    redis.disconnect();
  }
}

const server = spawn(
  process.execPath,
  [...NODE_FLAGS, join(import.meta.dirname, 'pipeline-server.ts'), '--pods', values.pods, '--nodes', values.nodes, '--workloads', values.workloads, '--per-workload', values['per-workload'], '--stabilize', values.stabilize],
  { stdio: ['pipe', 'pipe', 'inherit'] },
);

const loadBefore = loadavg()[0] ?? 0;
try {
  progress(`building ${values.pods} Pods on ${values.nodes} nodes and staging ${values.workloads} × ${values['per-workload']} failing Pods in the server process`);
  const ready = await firstLine<ServerReady>(server, createInterface({ input: server.stdout }));
  const s = ready.summary;
  progress(
    `server ready at ${ready.url}: ${s.healthyPods} healthy Pods in ${s.healthyDeployments} Deployments, ${s.nodes} nodes, ${s.namespaces} namespaces ` +
      `(populate ${s.populateMs} ms, burst staged in ${s.stageMs} ms)`,
  );
  const stabilizeSeconds = Number(values.stabilize);
  let burstResult: BurstResult | undefined;
  const burst = await measureBurst({
    kubeconfigPath: ready.kubeconfig,
    stabilizeSeconds,
    burst: async () => {
      const response = await fetch(`${ready.control}/burst`, { method: 'POST' });
      if (!response.ok) throw new Error(`burst failed: ${response.status} ${await response.text()}`);
      burstResult = (await response.json()) as BurstResult;
      return burstResult;
    },
    log,
    progress,
  });
  const pods = burstResult?.pods ?? [];
  const jobs = Number(values.jobs);

  let inProcess: PipelineFigures['throughput']['inProcess'];
  if (throughputRuns.includes('in-process')) {
    progress(`throughput: ${jobs} jobs, in-process queue`);
    inProcess = await measureInProcessThroughput({ kubeconfigPath: ready.kubeconfig, pods, jobs, log });
    progress(`  ${inProcess.perSecond} diagnoses/s`);
  }

  const bullmq: PipelineFigures['throughput']['bullmq'] = [];
  const unreachable = await redisReachable(values.redis);
  for (const workers of workerCounts) {
    const label = `BullMQ, ${workers} worker process${workers === 1 ? '' : 'es'}`;
    if (unreachable) {
      bullmq.push({ label, skipped: unreachable });
      continue;
    }
    progress(`throughput: ${jobs} jobs, ${label}`);
    const figures = await measureBullmqThroughput({ kubeconfigPath: ready.kubeconfig, redisUrl: values.redis, pods, jobs, workers, spawnWorker: childWorker, log, label, progress });
    progress(`  ${figures.perSecond} diagnoses/s`);
    bullmq.push(figures);
  }

  const figures: PipelineFigures = {
    cluster: { pods: s.healthyPods + s.burstPods, nodes: s.nodes, namespaces: s.namespaces, healthyPods: s.healthyPods, burstWorkloads: s.burstWorkloads.length, podsPerWorkload: Number(values['per-workload']) },
    stabilizeSeconds,
    burst,
    throughput: { inProcess, bullmq },
    loadAverage: { before: loadBefore, after: loadavg()[0] ?? 0 },
  };
  if (values.json) {
    const { latencies: _latencies, ...rest } = figures.burst;
    process.stdout.write(`${JSON.stringify({ ...figures, burst: rest }, null, 2)}\n`);
  } else {
    process.stdout.write(
      `\npodwhy bench:pipeline — burst of ${s.burstPods} failing Pods in ${s.burstWorkloads.length} workloads on a ${figures.cluster.pods}-Pod cluster (${s.nodes} nodes), Node ${process.version}\n\n`,
    );
    process.stdout.write(`${formatReport(figures)}\n`);
  }
} finally {
  server.stdin.end();
  server.kill('SIGTERM');
}
