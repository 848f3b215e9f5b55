/**
 * The pipeline benchmark, small (500 Pods on 25 nodes, a burst of 5 workloads × 10 failing Pods) with the
 * server and the workers in-process: what could go wrong without anyone noticing (a failing Pod in no
 * incident or in two, a duplicate open, edits beyond the coalescing bound, the pipeline acting before a
 * stabilization window ends, lost or failed jobs, Redis keys left behind). No timing assertions: those
 * depend on the machine; `npm run bench:pipeline` reports them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { windowsFrom } from '../../src/cluster/candidates.ts';
import { createLogger } from '../../src/log.ts';
import { startPipelineCluster, type BurstResult, type PipelineCluster } from '../../bench/pipeline-cluster.ts';
import {
  formatReport,
  inProcessWorker,
  measureBullmqThroughput,
  measureBurst,
  measureInProcessThroughput,
  reportRows,
  type BurstFigures,
  type ThroughputFigures,
  type WorkerStats,
} from '../../bench/pipeline-measure.ts';

const REDIS_URL = 'redis://127.0.0.1:6379';
const WORKLOADS = 5;
const PER_WORKLOAD = 10;
const FAILING = WORKLOADS * PER_WORKLOAD;
const JOBS = 200;
// Short windows and coalescing so the test runs in seconds; the bench uses the product's defaults.
const STABILIZE_SECONDS = 2;
const MIN_UPDATE_INTERVAL_MS = 2_000;

const log = createLogger({ level: 'error', destination: new Writable({ write: (_chunk, _encoding, done) => done() }) });
let dir: string;
let cluster: PipelineCluster;
let burstResult: BurstResult;
let burst: BurstFigures;
let inProcess: ThroughputFigures;
let bullmq: ThroughputFigures & { workerStats: WorkerStats[]; prefix: string };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'podwhy-pipeline-bench-test-'));
  cluster = await startPipelineCluster({
    pods: 500,
    nodes: 25,
    burstWorkloads: WORKLOADS,
    podsPerBurstWorkload: PER_WORKLOAD,
    podsPerDeployment: 10,
    podsPerNamespace: 100,
    windows: windowsFrom(STABILIZE_SECONDS),
    kubeconfigPath: join(dir, 'kubeconfig'),
  });
  burst = await measureBurst({
    kubeconfigPath: cluster.kubeconfigPath,
    stabilizeSeconds: STABILIZE_SECONDS,
    incidentSettings: { minUpdateIntervalMs: MIN_UPDATE_INTERVAL_MS },
    burst: async () => {
      burstResult = await cluster.burst();
      return burstResult;
    },
    log,
  });
  inProcess = await measureInProcessThroughput({ kubeconfigPath: cluster.kubeconfigPath, pods: burstResult.pods, jobs: JOBS, log });
  bullmq = await measureBullmqThroughput({
    kubeconfigPath: cluster.kubeconfigPath,
    redisUrl: REDIS_URL,
    pods: burstResult.pods,
    jobs: JOBS,
    workers: 1,
    spawnWorker: inProcessWorker(log),
    log,
  });
}, 60_000);

afterAll(async () => {
  await cluster?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('bench:pipeline, small', () => {
  it('writes the burst with a stabilization window end for every failing Pod, including windowed hints', () => {
    const hints = new Set(burstResult.pods.map((p) => p.hint));

    expect(burstResult.pods).toHaveLength(FAILING);
    expect(hints.has(null)).toBe(false);
    expect(hints).toEqual(new Set(['crash', 'oom', 'image-pull', 'config']));
    expect(burstResult.pods.filter((p) => p.hint === 'image-pull').every((p) => p.windowEndsAt === p.writtenAt + STABILIZE_SECONDS * 1000)).toBe(true);
  });

  it('stays silent on the healthy cluster before the burst', () => {
    expect(burst.messagesBeforeBurst).toBe(0);
  });

  it('records every failing Pod in exactly one incident, one per workload, diagnosed as planted', () => {
    const incidents = burst.incidents.filter((i) => i.burstPods > 0);

    expect({ one: burst.podsInOneIncident, several: burst.podsInSeveralIncidents, missing: burst.podsMissing }).toEqual({ one: FAILING, several: 0, missing: 0 });
    expect(incidents).toHaveLength(WORKLOADS);
    expect(incidents.map((i) => i.burstPods)).toEqual(Array.from({ length: WORKLOADS }, () => PER_WORKLOAD));
    expect(burst.causeMismatches).toEqual([]);
  });

  it('posts one message per incident and edits it no more often than coalescing allows', () => {
    expect(burst.messages).toMatchObject({ open: WORKLOADS, reopen: 0, digestPosts: 0, resolve: 0 });
    expect(burst.maxOpensPerIncident).toBe(1);
    expect(burst.postedPerIncident).toBe(1);
    expect(burst.maxUpdatesPerIncident).toBeLessThanOrEqual(burst.updatesAllowedPerIncident);
  });

  it('measures a finite latency for every failing Pod, never before its window ended', () => {
    expect(burst.latencyMs.count).toBe(FAILING);
    expect(burst.firstMessageMs.count).toBe(WORKLOADS);
    expect(burst.incidentsShownByDigestEdit).toBe(0);
    expect(burst.latencies.every((ms) => Number.isFinite(ms))).toBe(true);
    expect(Math.min(...burst.latencies)).toBeGreaterThanOrEqual(0);
  });

  it('runs every throughput job through the processor, in-process and on BullMQ, without failures', () => {
    expect(inProcess).toMatchObject({ jobs: JOBS, diagnoses: JOBS, failed: 0 });
    expect(bullmq).toMatchObject({ jobs: JOBS, failed: 0, processes: 1 });
    expect(bullmq.diagnoses).toBeGreaterThanOrEqual(JOBS);
    expect(bullmq.workerStats.map((s) => s.completed)).toEqual([bullmq.diagnoses]);
    expect([inProcess.perSecond, bullmq.perSecond].every((n) => Number.isFinite(n) && n > 0)).toBe(true);
  });

  it('leaves no Redis key under the run\'s prefix', async () => {
    const redis = new Redis(REDIS_URL);

    const keys = await redis.keys(`${bullmq.prefix}*`);
    await redis.quit();

    expect(bullmq.prefix).toMatch(/^podwhy-bench-/);
    expect(keys).toEqual([]);
  });

  it('reports a verdict for each of the three targets', () => {
    const figures = {
      cluster: { pods: 500, nodes: 25, namespaces: 5, healthyPods: 450, burstWorkloads: WORKLOADS, podsPerWorkload: PER_WORKLOAD },
      stabilizeSeconds: STABILIZE_SECONDS,
      burst,
      throughput: { inProcess, bullmq: [bullmq, { ...bullmq, label: 'BullMQ, 2 worker processes', processes: 2 }] },
    };

    const verdicts = reportRows(figures).filter((r) => r.verdict !== '');

    expect(verdicts.map((r) => r.metric)).toEqual(
      expect.arrayContaining(['messages posted per incident', 'latency after the window, per Pod: p50 / p99 / max', expect.stringMatching(/^throughput, BullMQ, 2 worker processes/)]),
    );
    expect(verdicts.every((r) => r.verdict === 'MET' || r.verdict === 'MISSED')).toBe(true);
    expect(formatReport(figures)).toContain('Machine:');
  });
});
