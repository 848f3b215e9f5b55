/**
 * What `npm run bench:pipeline` measures (bench/pipeline.ts runs it at full size against a fake API server
 * in a child process; test/bench/pipeline-bench.test.ts runs it small, in-process):
 *
 * 1. Burst (end to end): podwhy's real agent (startAgent: informers → candidates → stabilizer → in-process
 *    queue → collector + engine → incident manager → notifier), default single-process mode, against a
 *    synced cluster; then a burst of failing Pods is written (bench/pipeline-cluster.ts records, per Pod,
 *    when it was written and when its stabilization window ends). A capturing notifier records every
 *    command it receives and when. Figures:
 *    - messages posted (new messages: open, reopen, digest) and edits (coalesced updates, digest edits);
 *    - latency after the window, per Pod = reachedAt − windowEndsAt, where reachedAt is when the notifier
 *      received the new message that first carried the Pod (the incident's open, or the storm digest's post
 *      that counted it), else when the incident manager recorded the Pod (incident.pods[uid].since): a Pod
 *      folded into an incident already posted (or an incident added to a digest already posted) is shown by
 *      an edit coalesced to at most one per message per minUpdateIntervalMs (10 s) by design, so the edit's
 *      own time is reported apart ("shown in a message") and not held against the target;
 *    - per incident, its first post (open or digest post) after the earliest window end of its Pods.
 * 2. Throughput (worker side): N diagnosis jobs (rounds over the burst's failing Pods, a distinct
 *    candidateHint per round so none is deduplicated) through the real processor (snapshot from the
 *    worker's own informer cache, log tail from the API server when needed, engine, incident record,
 *    notifier), measured from the moment the workers may start to the moment the queue is empty:
 *    - in-process queue, one process (startAgent without Redis, worker mode);
 *    - BullMQ on Redis with k worker processes, each a `podwhy worker` (startAgent, worker mode) with its
 *      own cache: the jobs are enqueued while the queue is paused, the workers start and sync, then the
 *      queue is resumed and the clock starts.
 */
import { randomUUID } from 'node:crypto';
import { availableParallelism, cpus } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { Histogram } from 'prom-client';
import { startAgent, type RunningAgent } from '../src/agent/agent.ts';
import type { IncidentSettings } from '../src/incidents/settings.ts';
import type { Incident, NotifyCommand, PostedMessage } from '../src/contract/incident.ts';
import type { Notifier } from '../src/notify/notifier.ts';
import { loadKubeconfig } from '../src/cluster/kubeconfig.ts';
import { loadConfig } from '../src/config.ts';
import { seriesValue } from '../src/metrics.ts';
import type { Logger } from '../src/log.ts';
import { createBullmqDiagnosisQueue } from '../src/queue/bullmq.ts';
import { queueNameFor, type DiagnoseJob } from '../src/queue/jobs.ts';
import type { BurstPod, BurstResult } from './pipeline-cluster.ts';

export const BENCH_CLUSTER = 'bench';

/** The issue's targets. */
export const TARGETS = {
  postedPerIncident: 1,
  latencyP99Ms: 1_000,
  diagnosesPerSecond2Workers: 1_000,
} as const;

// ---------- capturing notifier ----------

export interface CapturedMessage {
  at: number;
  type: NotifyCommand['type'];
  /** Incident id, or the digest id. */
  id: string;
  /** A new message (open, digest without target) rather than an edit or a thread reply. */
  isNew: boolean;
  /** Pods listed by the incident in the command (open, update, reopen, resolve). */
  podUids: string[];
  /** Incidents listed in a digest. */
  digestIncidentIds: string[];
}

/** Records what reaches the notifier and when; answers like Slack with a channel and a ts for new messages. */
export class CapturingNotifier implements Notifier {
  readonly messages: CapturedMessage[] = [];
  #sequence = 0;

  async deliver(command: NotifyCommand): Promise<PostedMessage | void> {
    const at = Date.now();
    const isNew = command.type === 'open' || (command.type === 'digest' && !command.target);
    if (command.type === 'digest') {
      this.messages.push({ at, type: 'digest', id: command.digest.id, isNew, podUids: [], digestIncidentIds: command.digest.entries.map((e) => e.incidentId) });
    } else if (command.type !== 'reply') {
      this.messages.push({ at, type: command.type, id: command.incident.id, isNew, podUids: Object.keys(command.incident.pods), digestIncidentIds: [] });
    }
    if (!isNew) return;
    this.#sequence += 1;
    const channel = command.type === 'digest' ? command.digest.channel : command.incident.channel;
    return { channel, ts: `${Math.floor(at / 1000)}.${String(this.#sequence).padStart(6, '0')}` };
  }
}

// ---------- statistics ----------

export interface Distribution {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentiles, in the unit given, rounded to 0.1. */
export function distribution(values: readonly number[]): Distribution {
  if (values.length === 0) return { count: 0, p50: Number.NaN, p99: Number.NaN, max: Number.NaN };
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
  const round = (n: number): number => Math.round(n * 10) / 10;
  return { count: sorted.length, p50: round(rank(50)), p99: round(rank(99)), max: round(sorted.at(-1) as number) };
}

// ---------- 1. burst ----------

export interface BurstOptions {
  kubeconfigPath: string;
  /** Writes the burst into the cluster and says what it wrote (bench/pipeline-cluster.ts). */
  burst: () => Promise<BurstResult>;
  /** STABILIZE_SECONDS of the agent (the cluster must compute window ends with windowsFrom of the same). */
  stabilizeSeconds: number;
  incidentSettings?: Partial<IncidentSettings>;
  /** After the last Pod was recorded: how long to wait for coalesced edits (default minUpdateIntervalMs + 1.5 s). */
  settleMs?: number;
  /** Give up waiting for Pods to be recorded after this long past the last window end (default 60 s). */
  timeoutMs?: number;
  log: Logger;
  progress?: (message: string) => void;
}

export interface IncidentFigure {
  id: string;
  cause: string;
  delivery: Incident['delivery'];
  burstPods: number;
  /** Planted cause of the workload (null when the incident is not about a burst workload). */
  plantedCause: string | null;
}

export interface BurstFigures {
  pods: number;
  workloads: number;
  /** First to last write of the burst. */
  writeMs: number;
  agentSyncMs: number;
  /** Messages the notifier received before the burst (a healthy cluster: 0). */
  messagesBeforeBurst: number;
  hints: Record<string, number>;
  diagnoses: number;
  incidents: IncidentFigure[];
  /** Burst Pods in exactly one / several / no incident. */
  podsInOneIncident: number;
  podsInSeveralIncidents: number;
  podsMissing: number;
  /** Incidents whose diagnosed cause is not the workload's planted one. */
  causeMismatches: string[];
  messages: {
    open: number;
    reopen: number;
    update: number;
    resolve: number;
    digestPosts: number;
    digestEdits: number;
    /** New messages: open + reopen (a thread reply) + digest posts. */
    posted: number;
    /** Edits of a message: update, resolve, digest edits. */
    edits: number;
  };
  postedPerIncident: number;
  editsPerIncident: number;
  /** The most opens any one incident got (1: no duplicate opens). */
  maxOpensPerIncident: number;
  /** The most edits any one incident got, and what coalescing allows over the measured span. */
  maxUpdatesPerIncident: number;
  updatesAllowedPerIncident: number;
  /** Per Pod, reachedAt − windowEndsAt (ms). */
  latencyMs: Distribution;
  /** The same by candidate hint (which stabilization window applied). */
  latencyByHint: Record<string, Distribution>;
  /** Per Pod, the first message or edit that shows it (open, update, digest listing its incident) − windowEndsAt (ms). */
  shownMs: Distribution;
  /**
   * Per incident first shown by a new message (its open, or the storm digest's post), that message − the
   * earliest window end of its Pods (ms). Incidents that joined the digest after it was posted are shown by
   * its next edit (coalesced, ≤ 1 per 10 s): counted in incidentsShownByDigestEdit.
   */
  firstMessageMs: Distribution;
  incidentsShownByDigestEdit: number;
  /** The agent's own podwhy_alert_latency_seconds (job enqueued → processed): observations ≤ 1 s of all. */
  agentHistogram: { withinOneSecond: number; count: number };
  /** Every latency figure, for checks: each must be a finite number. */
  latencies: number[];
  spanMs: number;
}

function config(extra: Record<string, string> = {}) {
  return loadConfig({ CLUSTER_NAME: BENCH_CLUSTER, HTTP_PORT: '0', LOG_LEVEL: 'warn', ...extra });
}

export async function measureBurst(o: BurstOptions): Promise<BurstFigures> {
  const progress = o.progress ?? (() => undefined);
  const notifier = new CapturingNotifier();
  let diagnoses = 0;
  const syncStarted = performance.now();
  const agent = await startAgent({
    config: config({ STABILIZE_SECONDS: String(o.stabilizeSeconds) }),
    log: o.log,
    notifier,
    mode: 'agent',
    kubeconfig: loadKubeconfig({ path: o.kubeconfigPath }),
    withoutHttp: true,
    ...(o.incidentSettings ? { incidentSettings: o.incidentSettings } : {}),
    onDiagnosis: () => {
      diagnoses += 1;
    },
  });
  const agentSyncMs = Math.round(performance.now() - syncStarted);
  try {
    progress(`agent synced in ${(agentSyncMs / 1000).toFixed(1)} s; letting it settle`);
    await sleep(1_000);
    const messagesBeforeBurst = notifier.messages.length;
    const diagnosesBeforeBurst = diagnoses;
    const burst = await o.burst();
    progress(`burst written: ${burst.pods.length} Pods, ${burst.objects} objects in ${burst.finishedAt - burst.startedAt} ms; waiting for incidents`);
    const uids = new Set(burst.pods.map((p) => p.uid));
    const lastWindowEnd = Math.max(...burst.pods.map((p) => p.windowEndsAt));
    const settleMs = o.settleMs ?? (agent.incidents.settings.minUpdateIntervalMs + 1_500);
    const deadline = lastWindowEnd + (o.timeoutMs ?? 60_000);
    let lastRecordedAt = 0;
    let reported = 0;
    let incidents: Incident[];
    for (;;) {
      incidents = await agent.incidents.listOpen(BENCH_CLUSTER);
      let recorded = 0;
      for (const incident of incidents) {
        for (const [uid, pod] of Object.entries(incident.pods)) {
          if (!uids.has(uid)) continue;
          recorded += 1;
          lastRecordedAt = Math.max(lastRecordedAt, pod.since);
        }
      }
      if (recorded !== reported) {
        progress(`${recorded} of ${uids.size} Pods recorded in ${incidents.length} incidents`);
        reported = recorded;
      }
      const now = Date.now();
      if (recorded >= uids.size && now >= lastWindowEnd && now >= lastRecordedAt + settleMs) break;
      if (now > deadline) {
        progress(`gave up waiting: ${recorded} of ${uids.size} Pods recorded`);
        break;
      }
      await sleep(250);
    }
    const spanMs = Date.now() - burst.startedAt;
    const agentHistogram = await histogramWithin(agent.metrics.latency, 1);
    return figuresOf({ burst, incidents, messages: notifier.messages, agent, agentSyncMs, messagesBeforeBurst, diagnoses: diagnoses - diagnosesBeforeBurst, spanMs, agentHistogram });
  } finally {
    await agent.stop({ timeoutMs: 5_000 });
  }
}

function figuresOf(input: {
  burst: BurstResult;
  incidents: Incident[];
  messages: CapturedMessage[];
  agent: RunningAgent;
  agentSyncMs: number;
  messagesBeforeBurst: number;
  diagnoses: number;
  spanMs: number;
  agentHistogram: BurstFigures['agentHistogram'];
}): BurstFigures {
  const { burst, incidents } = input;
  const messages = input.messages.slice(input.messagesBeforeBurst);
  const podsByUid = new Map(burst.pods.map((p) => [p.uid, p]));
  const plantedByWorkload = new Map(burst.pods.map((p) => [`${p.namespace}/${p.workload}`, p.cause]));

  const homes = new Map<string, string[]>();
  for (const incident of incidents) {
    for (const uid of Object.keys(incident.pods)) if (podsByUid.has(uid)) homes.set(uid, [...(homes.get(uid) ?? []), incident.id]);
  }
  const firstMessageOf = (incident: Incident): CapturedMessage | undefined =>
    messages.find((m) => (m.id === incident.id && (m.type === 'open' || m.type === 'reopen')) || (m.type === 'digest' && m.digestIncidentIds.includes(incident.id)));

  const latencies: number[] = [];
  const shown: number[] = [];
  const firstMessage: number[] = [];
  let shownByDigestEdit = 0;
  const byHint = new Map<string, number[]>();
  const incidentFigures: IncidentFigure[] = [];
  const causeMismatches: string[] = [];
  for (const incident of incidents) {
    const pods = Object.entries(incident.pods).filter(([uid]) => podsByUid.has(uid));
    const planted = incident.subject.kind === 'Deployment' ? plantedByWorkload.get(`${incident.namespace}/${incident.subject.name}`) ?? null : null;
    incidentFigures.push({ id: incident.id, cause: incident.cause, delivery: incident.delivery, burstPods: pods.length, plantedCause: planted });
    if (planted && planted !== incident.cause) causeMismatches.push(`${incident.namespace}/${incident.subject.name}: planted ${planted}, diagnosed ${incident.cause}`);
    if (pods.length === 0) continue;
    const first = firstMessageOf(incident);
    const windowEnds = pods.map(([uid]) => (podsByUid.get(uid) as BurstPod).windowEndsAt);
    if (first?.isNew) firstMessage.push(first.at - Math.min(...windowEnds));
    else if (first) shownByDigestEdit += 1;
    for (const [uid, member] of pods) {
      const pod = podsByUid.get(uid) as BurstPod;
      // Only a new message counts as reaching the notifier for the Pods in it; a Pod (or, in a storm, an
      // incident) that joins later is shown by an edit, coalesced by design: its time is the record.
      const inFirst = first !== undefined && first.isNew && (first.type === 'digest' ? member.since <= first.at : first.podUids.includes(uid));
      const reachedAt = inFirst ? (first as CapturedMessage).at : member.since;
      latencies.push(reachedAt - pod.windowEndsAt);
      byHint.set(pod.hint ?? 'none', [...(byHint.get(pod.hint ?? 'none') ?? []), reachedAt - pod.windowEndsAt]);
      const shownBy = messages.find(
        (m) => (m.id === incident.id && m.type !== 'resolve' && m.podUids.includes(uid)) || (m.type === 'digest' && m.digestIncidentIds.includes(incident.id) && member.since <= m.at),
      );
      if (shownBy) shown.push(shownBy.at - pod.windowEndsAt);
    }
  }

  const count = (type: NotifyCommand['type'], isNew?: boolean): number => messages.filter((m) => m.type === type && (isNew === undefined || m.isNew === isNew)).length;
  const m = {
    open: count('open'),
    reopen: count('reopen'),
    update: count('update'),
    resolve: count('resolve'),
    digestPosts: count('digest', true),
    digestEdits: count('digest', false),
    posted: 0,
    edits: 0,
  };
  m.posted = m.open + m.reopen + m.digestPosts;
  m.edits = m.update + m.resolve + m.digestEdits;
  const withBurst = incidentFigures.filter((i) => i.burstPods > 0).length || 1;
  const perIncident = (type: NotifyCommand['type']): number[] => incidents.map((i) => messages.filter((x) => x.id === i.id && x.type === type).length);
  const minUpdate = input.agent.incidents.settings.minUpdateIntervalMs;
  const hints: Record<string, number> = {};
  for (const p of burst.pods) hints[p.hint ?? 'none'] = (hints[p.hint ?? 'none'] ?? 0) + 1;

  return {
    pods: burst.pods.length,
    workloads: plantedByWorkload.size,
    writeMs: burst.finishedAt - burst.startedAt,
    agentSyncMs: input.agentSyncMs,
    messagesBeforeBurst: input.messagesBeforeBurst,
    hints,
    diagnoses: input.diagnoses,
    incidents: incidentFigures,
    podsInOneIncident: [...homes.values()].filter((h) => h.length === 1).length,
    podsInSeveralIncidents: [...homes.values()].filter((h) => h.length > 1).length,
    podsMissing: burst.pods.filter((p) => !homes.has(p.uid)).length,
    causeMismatches,
    messages: m,
    postedPerIncident: round2(m.posted / withBurst),
    editsPerIncident: round2(m.edits / withBurst),
    maxOpensPerIncident: Math.max(0, ...perIncident('open')),
    maxUpdatesPerIncident: Math.max(0, ...perIncident('update')),
    updatesAllowedPerIncident: Math.floor(input.spanMs / minUpdate) + 1,
    latencyMs: distribution(latencies),
    latencyByHint: Object.fromEntries([...byHint].sort(([a], [b]) => a.localeCompare(b)).map(([hint, values]) => [hint, distribution(values)])),
    shownMs: distribution(shown),
    firstMessageMs: distribution(firstMessage),
    incidentsShownByDigestEdit: shownByDigestEdit,
    agentHistogram: input.agentHistogram,
    latencies: [...latencies, ...shown, ...firstMessage],
    spanMs: input.spanMs,
  };
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

/** Observations within `seconds` (a bucket bound) and in all, summed over the histogram's series. */
async function histogramWithin(histogram: Histogram<string>, seconds: number): Promise<{ withinOneSecond: number; count: number }> {
  let within = 0;
  let count = 0;
  for (const { labels, value } of (await histogram.get()).values) {
    if (labels.le === seconds) within += value;
    else if (labels.le === '+Inf') count += value;
  }
  return { withinOneSecond: within, count };
}

// ---------- 2. throughput ----------

export interface ThroughputFigures {
  label: string;
  /** Worker processes (in-process: 1). */
  processes: number;
  concurrency: number;
  jobs: number;
  /** Diagnoses the processors produced (the onDiagnosis hook), summed over processes. */
  diagnoses: number;
  /** Jobs that failed (all attempts). */
  failed: number;
  seconds: number;
  perSecond: number;
  /** Time for the workers to start and sync their caches (not measured in the rate). */
  startMs: number;
}

/** `jobs` watch jobs over `pods`, round by round; each round has its own candidateHint, so none is deduplicated. */
export function benchJobs(pods: readonly Pick<BurstPod, 'uid' | 'namespace' | 'name'>[], jobs: number): DiagnoseJob[] {
  const out: DiagnoseJob[] = [];
  const enqueuedAt = new Date().toISOString();
  for (let round = 1; out.length < jobs && pods.length > 0; round++) {
    for (const pod of pods) {
      if (out.length >= jobs) break;
      out.push({ trigger: 'watch', cluster: BENCH_CLUSTER, namespace: pod.namespace, subject: { kind: 'Pod', name: pod.name, uid: pod.uid }, candidateHint: `bench-${round}`, enqueuedAt });
    }
  }
  return out;
}

export interface InProcessThroughputOptions {
  kubeconfigPath: string;
  pods: readonly BurstPod[];
  jobs: number;
  log: Logger;
  concurrency?: number;
}

/** The default single-process setup: in-process queue, memory incidents, the workers in the agent's process. */
export async function measureInProcessThroughput(o: InProcessThroughputOptions): Promise<ThroughputFigures> {
  let diagnoses = 0;
  const started = performance.now();
  const agent = await startAgent({
    config: config(o.concurrency ? { WORKER_CONCURRENCY: String(o.concurrency) } : {}),
    log: o.log,
    notifier: new CapturingNotifier(),
    mode: 'worker',
    kubeconfig: loadKubeconfig({ path: o.kubeconfigPath }),
    withoutHttp: true,
    onDiagnosis: () => {
      diagnoses += 1;
    },
  });
  const startMs = Math.round(performance.now() - started);
  try {
    const jobs = benchJobs(o.pods, o.jobs);
    const t0 = performance.now();
    await Promise.all(jobs.map((job) => agent.queue.enqueue(job)));
    for (;;) {
      const c = await agent.queue.counts();
      if (c.waiting + c.active + c.delayed === 0) break;
      await sleep(5);
    }
    const seconds = (performance.now() - t0) / 1000;
    const counts = await agent.queue.counts();
    return {
      label: 'in-process queue, 1 process',
      processes: 1,
      concurrency: configConcurrency(o.concurrency),
      jobs: jobs.length,
      diagnoses,
      failed: counts.failed,
      seconds: round2(seconds),
      perSecond: Math.round(jobs.length / seconds),
      startMs,
    };
  } finally {
    await agent.stop({ timeoutMs: 5_000 });
  }
}

function configConcurrency(given: number | undefined): number {
  return given ?? config().WORKER_CONCURRENCY;
}

/** What a worker process reports. */
export interface WorkerStats {
  pid: number;
  diagnoses: number;
  completed: number;
  firstAt: number | null;
  lastAt: number | null;
}

export interface WorkerHandle {
  /** Resolves once the worker's cache is synced and its BullMQ worker is connected. */
  ready: Promise<void>;
  stats(): Promise<WorkerStats>;
  stop(): Promise<void>;
}

export interface WorkerSpec {
  kubeconfigPath: string;
  redisUrl: string;
  prefix: string;
}

export type WorkerFactory = (spec: WorkerSpec) => WorkerHandle;

/** A `podwhy worker`: startAgent in worker mode on BullMQ, with its own informer cache. Used in-process and by bench/pipeline-worker.ts. */
export async function startBenchWorker(spec: WorkerSpec & { log: Logger }): Promise<{ agent: RunningAgent; stats(): Promise<WorkerStats> }> {
  const stats: WorkerStats = { pid: process.pid, diagnoses: 0, completed: 0, firstAt: null, lastAt: null };
  const agent = await startAgent({
    config: config({ REDIS_URL: spec.redisUrl, REDIS_PREFIX: spec.prefix }),
    log: spec.log,
    notifier: new CapturingNotifier(),
    mode: 'worker',
    kubeconfig: loadKubeconfig({ path: spec.kubeconfigPath }),
    withoutHttp: true,
    onDiagnosis: () => {
      const now = Date.now();
      stats.diagnoses += 1;
      stats.firstAt ??= now;
      stats.lastAt = now;
    },
  });
  return {
    agent,
    stats: async () => ({ ...stats, completed: await seriesValue(agent.metrics.jobs, { cluster: BENCH_CLUSTER, outcome: 'completed' }) }),
  };
}

/** A worker in this process (tests). */
export function inProcessWorker(log: Logger): WorkerFactory {
  return (spec) => {
    const started = startBenchWorker({ ...spec, log });
    return {
      ready: started.then(() => undefined),
      stats: async () => (await started).stats(),
      stop: async () => (await started).agent.stop({ timeoutMs: 5_000 }),
    };
  };
}

export interface BullmqThroughputOptions {
  kubeconfigPath: string;
  redisUrl: string;
  pods: readonly BurstPod[];
  jobs: number;
  workers: number;
  spawnWorker: WorkerFactory;
  log: Logger;
  label?: string;
  progress?: (message: string) => void;
}

export async function measureBullmqThroughput(o: BullmqThroughputOptions): Promise<ThroughputFigures & { workerStats: WorkerStats[]; prefix: string }> {
  const progress = o.progress ?? (() => undefined);
  // A prefix of its own (BullMQ's and the incident store's keys), removed afterwards.
  const prefix = `podwhy-bench-${process.pid}-${randomUUID().slice(0, 8)}-w${o.workers}`;
  const producer = await createBullmqDiagnosisQueue({ cluster: BENCH_CLUSTER, redis: o.redisUrl, prefix, log: o.log });
  const connection = new Redis(o.redisUrl, { maxRetriesPerRequest: null });
  connection.on('error', (err) => o.log.warn({ err }, 'Bench Redis connection error'));
  const control = new Queue(queueNameFor(BENCH_CLUSTER), { connection, prefix });
  control.on('error', (err) => o.log.warn({ err }, 'Bench queue error'));
  const workers: WorkerHandle[] = [];
  try {
    await control.pause();
    const jobs = benchJobs(o.pods, o.jobs);
    for (let i = 0; i < jobs.length; i += 500) await Promise.all(jobs.slice(i, i + 500).map((job) => producer.enqueue(job)));
    progress(`${jobs.length} jobs queued (paused); starting ${o.workers} worker(s)`);
    const started = performance.now();
    for (let i = 0; i < o.workers; i++) workers.push(o.spawnWorker({ kubeconfigPath: o.kubeconfigPath, redisUrl: o.redisUrl, prefix }));
    await Promise.all(workers.map((w) => w.ready));
    const startMs = Math.round(performance.now() - started);
    progress(`worker(s) synced in ${(startMs / 1000).toFixed(1)} s; resuming the queue`);
    const t0 = performance.now();
    await control.resume();
    let failed = 0;
    for (;;) {
      const c = await control.getJobCounts('wait', 'prioritized', 'active', 'delayed', 'failed');
      failed = c['failed'] ?? 0;
      if ((c['wait'] ?? 0) + (c['prioritized'] ?? 0) + (c['active'] ?? 0) + (c['delayed'] ?? 0) === 0) break;
      await sleep(10);
    }
    const seconds = (performance.now() - t0) / 1000;
    const workerStats = await Promise.all(workers.map((w) => w.stats()));
    return {
      label: o.label ?? `BullMQ, ${o.workers} worker process${o.workers === 1 ? '' : 'es'}`,
      processes: o.workers,
      concurrency: configConcurrency(undefined),
      jobs: jobs.length,
      diagnoses: workerStats.reduce((sum, s) => sum + s.diagnoses, 0),
      failed,
      seconds: round2(seconds),
      perSecond: Math.round(jobs.length / seconds),
      startMs,
      workerStats,
      prefix,
    };
  } finally {
    await Promise.allSettled(workers.map((w) => w.stop()));
    await producer.close();
    await control.close();
    await deleteKeys(connection, prefix);
    await connection.quit().catch(() => connection.disconnect());
  }
}

/** Removes every key under the prefix (BullMQ's `<prefix>:<queue>:…` and the incidents' `<prefix>:<cluster>:…`). */
export async function deleteKeys(redis: Redis, prefix: string): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) deleted += await redis.unlink(...keys);
  } while (cursor !== '0');
  return deleted;
}

// ---------- report ----------

export interface PipelineFigures {
  cluster: { pods: number; nodes: number; namespaces: number; healthyPods: number; burstWorkloads: number; podsPerWorkload: number };
  stabilizeSeconds: number;
  burst: BurstFigures;
  throughput: { inProcess?: ThroughputFigures; bullmq: (ThroughputFigures | { label: string; skipped: string })[] };
  /** 1-minute load average before and after the run: anything well above 0 means other work shared the cores. */
  loadAverage?: { before: number; after: number };
}

export interface Row {
  metric: string;
  value: string;
  target: string;
  verdict: string;
}

const verdict = (ok: boolean): string => (ok ? 'MET' : 'MISSED');
const ms = (d: Distribution): string => `${d.p50} / ${d.p99} / ${d.max} ms`;

export function reportRows(f: PipelineFigures): Row[] {
  const b = f.burst;
  const incidentsWithPods = b.incidents.filter((i) => i.burstPods > 0);
  const digested = incidentsWithPods.filter((i) => i.delivery === 'digest').length;
  const hints = Object.entries(b.hints).sort(([a], [c]) => a.localeCompare(c)).map(([h, n]) => `${h} ${n}`).join(', ');
  const rows: Row[] = [
    { metric: 'burst: failing Pods written / in workloads', value: `${b.pods} / ${b.workloads} (in ${b.writeMs} ms)`, target: '', verdict: '' },
    { metric: '  candidate hints as written', value: hints, target: '', verdict: '' },
    { metric: 'failing Pods recorded in exactly one incident', value: `${b.podsInOneIncident}/${b.pods} (several: ${b.podsInSeveralIncidents}, none: ${b.podsMissing})`, target: 'all', verdict: verdict(b.podsInOneIncident === b.pods) },
    { metric: 'incidents (one per workload and cause)', value: `${incidentsWithPods.length} (${incidentsWithPods.length - digested} posted, ${digested} in the storm digest)`, target: String(b.workloads), verdict: verdict(incidentsWithPods.length === b.workloads) },
    { metric: 'incidents diagnosed as planted', value: `${incidentsWithPods.length - b.causeMismatches.length}/${incidentsWithPods.length}`, target: 'all', verdict: verdict(b.causeMismatches.length === 0) },
    {
      metric: 'messages posted (open + reopen + digest)',
      value: `${b.messages.posted} (${b.messages.open} + ${b.messages.reopen} + ${b.messages.digestPosts})`,
      target: '',
      verdict: '',
    },
    { metric: 'messages posted per incident', value: String(b.postedPerIncident), target: `≤ ${TARGETS.postedPerIncident}`, verdict: verdict(b.postedPerIncident <= TARGETS.postedPerIncident && b.maxOpensPerIncident <= 1) },
    {
      metric: 'edits (coalesced updates + digest edits) per incident',
      value: `${b.editsPerIncident} (${b.messages.update} + ${b.messages.digestEdits}; max ${b.maxUpdatesPerIncident} for one incident)`,
      target: `≤ ${b.updatesAllowedPerIncident} per incident in ${Math.round(b.spanMs / 1000)} s`,
      verdict: verdict(b.maxUpdatesPerIncident <= b.updatesAllowedPerIncident),
    },
    { metric: 'latency after the window, per Pod: p50 / p99 / max', value: ms(b.latencyMs), target: `p99 ≤ ${TARGETS.latencyP99Ms} ms`, verdict: verdict(b.latencyMs.count === b.pods && b.latencyMs.p99 <= TARGETS.latencyP99Ms) },
    ...Object.entries(b.latencyByHint).map(([hint, d]) => ({ metric: `    Pods with hint ${hint} (${d.count})`, value: ms(d), target: '', verdict: '' })),
    {
      metric: '  incident first posted (open or digest post)',
      value: `${ms(b.firstMessageMs)} (${b.firstMessageMs.count} incidents; ${b.incidentsShownByDigestEdit} joined the digest by an edit)`,
      target: '',
      verdict: '',
    },
    { metric: '  Pod shown in a message (incl. 10 s coalescing)', value: `${ms(b.shownMs)} (${b.shownMs.count} Pods)`, target: '', verdict: '' },
    { metric: '  agent histogram: job enqueued → processed ≤ 1 s', value: `${b.agentHistogram.withinOneSecond}/${b.agentHistogram.count}`, target: '', verdict: '' },
    { metric: 'diagnoses during the burst phase', value: `${b.diagnoses}`, target: '', verdict: '' },
  ];
  const throughput = [...(f.throughput.inProcess ? [f.throughput.inProcess] : []), ...f.throughput.bullmq];
  for (const t of throughput) {
    if ('skipped' in t) {
      rows.push({ metric: `throughput, ${t.label}`, value: `skipped: ${t.skipped}`, target: '', verdict: '' });
      continue;
    }
    const isTarget = t.label.startsWith('BullMQ') && t.processes === 2;
    rows.push({
      metric: `throughput, ${t.label} (concurrency ${t.concurrency} each)`,
      value: `${t.perSecond} diagnoses/s (${t.jobs} jobs in ${t.seconds} s; ${t.diagnoses} diagnoses, ${t.failed} failed)`,
      target: isTarget ? `≥ ${TARGETS.diagnosesPerSecond2Workers}/s` : '',
      verdict: isTarget ? verdict(t.perSecond >= TARGETS.diagnosesPerSecond2Workers && t.failed === 0) : '',
    });
  }
  return rows;
}

export function formatReport(f: PipelineFigures): string {
  const rows = reportRows(f);
  const header: Row = { metric: 'metric', value: 'value', target: 'target', verdict: '' };
  const all = [header, ...rows];
  const widths = {
    metric: Math.max(...all.map((r) => r.metric.length)),
    value: Math.max(...all.map((r) => r.value.length)),
    target: Math.max(...all.map((r) => r.target.length)),
  };
  const line = (r: Row): string => `${r.metric.padEnd(widths.metric)}  ${r.value.padEnd(widths.value)}  ${r.target.padEnd(widths.target)}  ${r.verdict}`.trimEnd();
  const out = [line(header), '-'.repeat(widths.metric + widths.value + widths.target + 12), ...rows.map(line)];
  if (f.burst.causeMismatches.length > 0) out.push('', 'incidents diagnosed otherwise than planted (first 5):', ...f.burst.causeMismatches.slice(0, 5).map((m) => `  ${m}`));
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  out.push(
    '',
    'What is measured:',
    `- latency after the window = reachedAt − max(written, window end); window end = the candidate's dueAtMs for the Pod as written`,
    `  (STABILIZE_SECONDS=${f.stabilizeSeconds}: crash/oom/init/not-ready with an old transition have none left, image-pull 20 s, config 30 s).`,
    '  reachedAt = when the notifier got the new message that first carried the Pod (its incident\'s open, or the storm digest\'s post),',
    '  else when the incident manager recorded the Pod in its incident (the edit showing it follows, coalesced to ≤ 1 per 10 s by design).',
    '- messages posted = new messages (open, reopen, digest); edits are updates of those messages.',
    `- throughput = jobs / (queue resumed → queue empty); ${f.throughput.bullmq.length > 0 ? 'BullMQ workers are separate processes, each with its own informer cache' : ''}`,
    '  of the whole cluster; the processor takes a snapshot from that cache (plus at most one log read), runs the engine and records the incident.',
    `Machine: ${availableParallelism()} cores (${cpu}), Node ${process.version}${f.loadAverage ? `, 1-min load average ${f.loadAverage.before.toFixed(1)} before / ${f.loadAverage.after.toFixed(1)} after` : ''}.`,
    '  The fake API server, Redis, the agent or workers and this process share those cores, so on 2 cores two worker processes',
    '  compete with Redis and the API server for CPU; a load average above the core count means other work competed too.',
  );
  return out.join('\n');
}
