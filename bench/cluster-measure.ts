/**
 * What `npm run bench:cluster` measures, against any fake API server it can reach through a
 * kubeconfig (a child process in the bench, in-process in test/bench/cluster-bench.test.ts):
 *
 * 1. Sync: a ClusterCache started through ClientNodeCluster (the real @kubernetes/client-node),
 *    time from start() to waitForSync(), LIST pages and full LISTs per informer, event-loop lag
 *    during the initial list (PLATFORM.md §6 test 4: p99 < 100 ms), RSS and heap after sync and
 *    after a forced GC (when node runs with --expose-gc).
 * 2. Diagnoses: every failing Pod plus a sample of healthy ones, collector.collect + diagnose, twice.
 *    The first pass is cold (the collector reads the log tails it needs); the second is steady
 *    state (immutable tails are remembered). API requests per diagnosis come from the server's own
 *    request log, so nothing the client does escapes the count, and from collector.stats().
 * 3. Baseline: what a naive cache would hold — every object of the same resource types as the
 *    same LISTs return it (parsed JSON, managedFields and all), kept as is — against the slimmed
 *    cache's heap; then the same objects without managedFields, to show their share.
 *
 * Phases run one after another in one process; each measures heap after a forced GC against a
 * baseline taken just before it, so they do not see each other's garbage.
 */
import { loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { HeapCompactor } from '../src/agent/compact-heap.ts';
import { podCandidate, windowsFrom } from '../src/cluster/candidates.ts';
import { ClusterCache } from '../src/cluster/cache.ts';
import { ClientNodeCluster } from '../src/cluster/client-node-cluster.ts';
import { SnapshotCollector } from '../src/cluster/collector.ts';
import { loadKubeconfig } from '../src/cluster/kubeconfig.ts';
import { RESOURCE_NAMES } from '../src/cluster/resources.ts';
import { DEFAULT_INFORMER_TIMINGS } from '../src/cluster/watch/resilient-informer.ts';
import { diagnose } from '../src/diagnosis/engine.ts';
import { EXPECTED_SCENARIO, type FailingPod, type RequestCounts } from './cluster-seed.ts';

/** A fake API server as the measurement sees it. */
export interface ApiTarget {
  kubeconfigPath: string;
  /** Requests the server has received so far, by `verb resource[/subresource]`. */
  requestCounts(): Promise<RequestCounts>;
}

export interface MeasureOptions {
  target: ApiTarget;
  /** Pods the server holds (to check that every one reached the cache). */
  expectedPods: number;
  failing: readonly FailingPod[];
  /** Healthy Pods diagnosed per pass (default: as many as failing, at least 20). */
  healthySample?: number;
  /** LIST page size of the informers (default: the product's, DEFAULT_INFORMER_TIMINGS.pageSize). */
  pageSize?: number;
  /** How long the steady state is left alone before its RSS is read without a forced GC (default STEADY_IDLE_MS). */
  steadyIdleMs?: number;
  /** Also measure the naive baseline (default true). */
  naiveBaseline?: boolean;
  /** Progress lines (to stderr in the bench). */
  progress?: (message: string) => void;
}

export interface DiagnosisPass {
  diagnoses: number;
  /** Failing and healthy Pods diagnosed. */
  failing: number;
  healthy: number;
  /** Diagnoses that found something. */
  found: number;
  /** Failing Pods diagnosed with the scenario their failure implies. */
  failingMatched: number;
  /** Failing Pods diagnosed otherwise (up to 5, for the report): `ns/name: expected → got`. */
  failingMismatches: string[];
  /** Healthy Pods that got a diagnosis (false positives). */
  healthyFlagged: number;
  /** GETs and log reads the server received during the pass. */
  serverRequests: number;
  /** Requests the collector says it sent during the pass. */
  collectorRequests: number;
  /** LISTs and WATCHes the server received during the pass (anything but 0 is a relist or reconnect). */
  listsAndWatches: number;
  /** serverRequests / diagnoses. */
  requestsPerDiagnosis: number;
  msPerDiagnosis: number;
  p99Ms: number;
}

export interface MemoryFigures {
  /** Whether global.gc was available (node --expose-gc); without it the after-GC figures are not forced. */
  gcForced: boolean;
  rssBaselineMb: number;
  heapBaselineMb: number;
  /** Peak RSS of the process up to the end of the sync (getrusage maxrss). */
  rssPeakSyncMb: number;
  rssAfterSyncMb: number;
  heapAfterSyncMb: number;
  /** Highest heap use sampled (every 20 ms) during the sync. */
  heapPeakSyncMb: number;
  /** V8 heap committed (used + free pages it has not returned) after sync, and off-heap memory (Buffers, TLS). */
  heapTotalAfterSyncMb: number;
  externalAfterSyncMb: number;
  rssAfterGcMb: number;
  /** After a memory-reducing GC (pooled free pages returned to the OS): what the cache really keeps. */
  rssReducedMb: number;
  /** Right after the agent's one compaction after the sync (compactHeapOnce), and that collection's pause. */
  rssCompactedMb: number;
  compactionPauseMs: number;
  heapAfterGcMb: number;
  /** After both diagnosis passes, with a forced (regular) GC. */
  rssSteadyMb: number;
  heapSteadyMb: number;
  /** V8 heap committed in the steady state: RSS above heap used is mostly pages V8 keeps after the passes' garbage. */
  heapTotalSteadyMb: number;
  /** RSS steady after a memory-reducing GC (as V8's memory reducer leaves an idle agent). */
  rssSteadyReducedMb: number;
  /** RSS right after the diagnosis passes, and STEADY_IDLE_MS later with no forced collection (what V8 does by itself). */
  rssAfterPassesMb: number;
  rssSteadyIdleMb: number;
  steadyIdleMs: number;
  /** After the agent's check for a compaction (HeapCompactor.check), and its pause (null: not needed). */
  rssSteadyCompactedMb: number;
  burstCompactionPauseMs: number | null;
  /** Heap held by the cache: heap after sync + GC minus the baseline. */
  cacheHeapMb: number;
  heapPerPodKb: number;
  rssPerPodKb: number;
}

export interface NaiveFigures {
  /** Heap of every listed object kept as client-node returned it. */
  heapMb: number;
  /** The same objects with metadata.managedFields dropped. */
  heapWithoutManagedFieldsMb: number;
  /** heapMb − heapWithoutManagedFieldsMb. */
  managedFieldsMb: number;
  /** Share of the naive heap that is managedFields. */
  managedFieldsPct: number;
  /** How much less heap the slimmed cache takes than the naive one. */
  cacheSavingPct: number;
  objects: number;
}

export interface ClusterFigures {
  pods: number;
  cachedPods: number;
  /** Objects per informer after sync. */
  cachedObjects: Record<string, number>;
  syncMs: number;
  /**
   * CPU time (user + system) this process spent from start() to waitForSync(): unlike syncMs it
   * hardly depends on what else runs on the machine, so runs on a busy machine compare by it.
   */
  syncCpuMs: number;
  /** One pass over every Pod as AlertSource.resync makes it (rebuilt and examined, one turn), and the candidates it found. */
  resyncMs: number;
  resyncCandidates: number;
  /** Informers (one per resource scope). */
  scopes: number;
  /** Full LISTs per informer after sync (1 each when there is no relist). */
  listsPerScope: Record<string, number>;
  /** The informers' LIST page size (`limit`). */
  pageSize: number;
  /** LIST requests (pages) the server received during the sync. */
  listPages: number;
  /** WATCH requests the server received from start to the end of the diagnoses (one per informer when none was restarted). */
  watches: number;
  eventLoop: { p50Ms: number; p99Ms: number; maxMs: number };
  memory: MemoryFigures;
  passes: { cold: DiagnosisPass; steady: DiagnosisPass };
  naive: NaiveFigures | null;
  /** The machine's 1-minute load average when the sync started and when the diagnoses ended (other processes share the cores). */
  loadAverage: { atSync: number; atEnd: number };
}

const MB = 1024 * 1024;
/** 150,000 Pods on a busy 2-core machine can take minutes; the figure is the time, the timeout only ends a run that is stuck. */
const SYNC_TIMEOUT_MS = 900_000;

function sumOf(counts: RequestCounts, verbs: readonly string[]): number {
  let n = 0;
  for (const [key, value] of Object.entries(counts)) if (verbs.includes(key.split(' ')[0] ?? '')) n += value;
  return n;
}

function diff(after: RequestCounts, before: RequestCounts): RequestCounts {
  const out: RequestCounts = {};
  for (const [key, value] of Object.entries(after)) if (value !== (before[key] ?? 0)) out[key] = value - (before[key] ?? 0);
  return out;
}

type GcOptions = { type: 'major'; execution: 'sync'; flavor: 'regular' | 'last-resort' };
type GcFunction = (options?: GcOptions) => void;

/**
 * global.gc from --expose-gc; else the same function from a fresh context after turning the flag on
 * at run time (how tests under vitest, which start node without the flag, still get forced GCs).
 */
function findGc(): GcFunction | undefined {
  const exposed = (globalThis as { gc?: GcFunction }).gc;
  if (exposed) return exposed;
  try {
    setFlagsFromString('--expose-gc');
    const gc: unknown = runInNewContext('gc');
    return typeof gc === 'function' ? (gc as GcFunction) : undefined;
  } catch {
    return undefined;
  }
}

const gcFunction = findGc();

/**
 * Two full collections with a turn in between (weak callbacks and finalizers run in between).
 * `reduce`: V8's memory-reducing collection (the "last-resort" flavor of the --expose-gc extension,
 * what V8 runs under memory pressure), which also returns pooled free pages to the OS. Without it,
 * RSS keeps the pages freed after the LIST decoding until V8 happens to reduce memory (an idle
 * watcher process allocates too little for that), so RSS after a regular GC overstates what the
 * cache needs (measured: 520 MB → 280 MB for 10,000 Pods).
 */
async function collectGarbage(reduce = false): Promise<void> {
  if (!gcFunction) return;
  const options: GcOptions = { type: 'major', execution: 'sync', flavor: reduce ? 'last-resort' : 'regular' };
  gcFunction(options);
  await nextTurn();
  gcFunction(options);
}

function memory(): { rss: number; heap: number; heapTotal: number; external: number } {
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed, heapTotal: m.heapTotal, external: m.external };
}

/** How long the steady state is left alone before its RSS is read without a forced collection. */
const STEADY_IDLE_MS = 10_000;

function round(n: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
}

/** Evenly spaced healthy Pods (by uid, so the sample is the same every run). */
/** Uids of evenly spaced healthy Pods (sorted, so the sample is the same every run). */
function healthySampleOf(uids: readonly string[], failing: ReadonlySet<string>, size: number): string[] {
  const healthy = uids.filter((uid) => !failing.has(uid)).sort();
  if (healthy.length <= size) return healthy;
  const step = healthy.length / size;
  return Array.from({ length: size }, (_, i) => healthy[Math.floor(i * step)] as string);
}

async function diagnosisPass(
  target: ApiTarget,
  collector: SnapshotCollector,
  failing: readonly FailingPod[],
  healthy: readonly string[],
): Promise<DiagnosisPass> {
  const before = await target.requestCounts();
  const collectorBefore = collector.stats().requests;
  const latencies: number[] = [];
  let found = 0;
  let failingMatched = 0;
  let healthyFlagged = 0;
  const failingMismatches: string[] = [];
  const run = async (uid: string): Promise<string | null> => {
    const started = performance.now();
    const snapshot = await collector.collect({ uid });
    const diagnosis = snapshot ? diagnose(snapshot) : null;
    latencies.push(performance.now() - started);
    if (diagnosis) found++;
    return diagnosis ? diagnosis.scenario : null;
  };
  for (const pod of failing) {
    const scenario = await run(pod.uid);
    const expected = EXPECTED_SCENARIO[pod.kind];
    if (scenario === expected) failingMatched++;
    else if (failingMismatches.length < 5) failingMismatches.push(`${pod.namespace}/${pod.name}: ${expected} → ${scenario ?? 'none'}`);
  }
  for (const uid of healthy) if ((await run(uid)) !== null) healthyFlagged++;
  const during = diff(await target.requestCounts(), before);
  const diagnoses = latencies.length;
  const serverRequests = sumOf(during, ['get', 'log']);
  latencies.sort((a, b) => a - b);
  return {
    diagnoses,
    failing: failing.length,
    healthy: healthy.length,
    found,
    failingMatched,
    failingMismatches,
    healthyFlagged,
    serverRequests,
    collectorRequests: collector.stats().requests - collectorBefore,
    listsAndWatches: sumOf(during, ['list', 'watch']),
    requestsPerDiagnosis: diagnoses === 0 ? 0 : round(serverRequests / diagnoses, 3),
    msPerDiagnosis: diagnoses === 0 ? 0 : round(latencies.reduce((a, b) => a + b, 0) / diagnoses, 2),
    p99Ms: round(percentile(latencies, 0.99), 2),
  };
}

/** Phases 1 and 2; everything they allocate is unreachable once this returns. */
async function measureCache(options: MeasureOptions): Promise<Omit<ClusterFigures, 'naive'>> {
  const { target, progress = () => undefined } = options;
  await collectGarbage();
  const base = memory();
  const { kubeConfig } = loadKubeconfig({ path: target.kubeconfigPath });
  const cluster = new ClientNodeCluster(kubeConfig);
  const cache = new ClusterCache(cluster, options.pageSize ? { timings: { pageSize: options.pageSize } } : {});
  const countsBefore = await target.requestCounts();

  progress('syncing the cache');
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  // Samples heap use while the LISTs are decoded: the transient peak is what a memory limit must allow.
  let heapPeak = 0;
  const sampler = setInterval(() => {
    heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
  }, 20);
  const loadAtSync = loadavg()[0] ?? 0;
  const cpuAtStart = process.cpuUsage();
  const started = performance.now();
  cache.start();
  await cache.waitForSync(SYNC_TIMEOUT_MS);
  const syncMs = performance.now() - started;
  const syncCpu = process.cpuUsage(cpuAtStart);
  clearInterval(sampler);
  lag.disable();
  const afterSync = memory();
  heapPeak = Math.max(heapPeak, afterSync.heap);
  const rssPeakSync = process.resourceUsage().maxRSS * 1024;
  const syncCounts = diff(await target.requestCounts(), countsBefore);
  // What the agent does once its cache has synced (src/agent/compact-heap.ts): its pause is a figure too.
  const compactor = new HeapCompactor({ minIntervalMs: 0 });
  const compaction = compactor.compact();
  const compacted = memory();
  // What AlertSource.resync does at start and after a relist, in one turn: every Pod rebuilt (shaped.ts) and examined.
  const resyncStarted = performance.now();
  const windows = windowsFrom(60);
  let resyncCandidates = 0;
  for (const pod of cache.eachPod()) if (podCandidate(pod, Date.now(), windows)) resyncCandidates++;
  const resyncMs = performance.now() - resyncStarted;
  await collectGarbage();
  const afterGc = memory();
  await collectGarbage(true);
  const reduced = memory();

  // The informers open their WATCHes right after their LISTs; wait for all of them so that the
  // diagnosis passes count only what the diagnoses cost.
  const scopes = cache.scopes().length;
  const deadline = Date.now() + 30_000;
  while (sumOf(diff(await target.requestCounts(), countsBefore), ['watch']) < scopes && Date.now() < deadline) await sleep(20);

  const stats = cache.informerStats();
  // Uids only, one Pod at a time: the cache rebuilds a Pod on each read (shaped.ts), so cache.pods() would
  // make a copy of every Pod at once (~300 MB of garbage at 150,000 Pods, which the steady RSS would count).
  const uids: string[] = [];
  for (const pod of cache.eachPod()) uids.push(pod.metadata.uid ?? '');
  const cachedPods = uids.length;
  const healthy = healthySampleOf(uids, new Set(options.failing.map((f) => f.uid)), options.healthySample ?? Math.max(20, options.failing.length));
  const collector = new SnapshotCollector({ cache, reader: cluster });
  progress(`diagnosing ${options.failing.length} failing + ${healthy.length} healthy Pods (cold)`);
  const cold = await diagnosisPass(target, collector, options.failing, healthy);
  progress('diagnosing again (steady state)');
  const steady = await diagnosisPass(target, collector, options.failing, healthy);
  // The agent forces no collection after a burst: what is left to V8 (its memory reducer) after a quiet spell.
  const afterPasses = memory();
  await sleep(options.steadyIdleMs ?? STEADY_IDLE_MS);
  const steadyIdle = memory();
  // What the agent's minute check then does (HeapCompactor.check: compacts when RSS grew 64 MiB since the last one).
  const burstCompaction = compactor.check();
  const steadyCompacted = memory();
  await collectGarbage();
  const steadyMemory = memory();
  await collectGarbage(true);
  const steadyReduced = memory();
  const totalCounts = diff(await target.requestCounts(), countsBefore);
  await cache.stop();

  const cacheHeap = afterGc.heap - base.heap;
  return {
    pods: options.expectedPods,
    cachedPods,
    cachedObjects: Object.fromEntries(Object.entries(stats).map(([scope, s]) => [scope, s.objects])),
    syncMs: Math.round(syncMs),
    syncCpuMs: Math.round((syncCpu.user + syncCpu.system) / 1000),
    resyncMs: Math.round(resyncMs),
    resyncCandidates,
    scopes: Object.keys(stats).length,
    listsPerScope: Object.fromEntries(Object.entries(stats).map(([scope, s]) => [scope, s.lists])),
    pageSize: options.pageSize ?? DEFAULT_INFORMER_TIMINGS.pageSize,
    listPages: sumOf(syncCounts, ['list']),
    watches: sumOf(totalCounts, ['watch']),
    eventLoop: { p50Ms: round(lag.percentile(50) / 1e6), p99Ms: round(lag.percentile(99) / 1e6), maxMs: round(lag.max / 1e6) },
    memory: {
      gcForced: gcFunction !== undefined,
      rssBaselineMb: round(base.rss / MB),
      heapBaselineMb: round(base.heap / MB),
      rssPeakSyncMb: round(rssPeakSync / MB),
      rssAfterSyncMb: round(afterSync.rss / MB),
      heapAfterSyncMb: round(afterSync.heap / MB),
      heapPeakSyncMb: round(heapPeak / MB),
      heapTotalAfterSyncMb: round(afterSync.heapTotal / MB),
      externalAfterSyncMb: round(afterSync.external / MB),
      rssAfterGcMb: round(afterGc.rss / MB),
      heapAfterGcMb: round(afterGc.heap / MB),
      rssSteadyMb: round(steadyMemory.rss / MB),
      heapSteadyMb: round(steadyMemory.heap / MB),
      heapTotalSteadyMb: round(steadyMemory.heapTotal / MB),
      rssSteadyReducedMb: round(steadyReduced.rss / MB),
      rssAfterPassesMb: round(afterPasses.rss / MB),
      rssSteadyIdleMb: round(steadyIdle.rss / MB),
      steadyIdleMs: options.steadyIdleMs ?? STEADY_IDLE_MS,
      rssSteadyCompactedMb: round(steadyCompacted.rss / MB),
      burstCompactionPauseMs: burstCompaction ? burstCompaction.pauseMs : null,
      cacheHeapMb: round(cacheHeap / MB),
      heapPerPodKb: round(cacheHeap / 1024 / Math.max(1, cachedPods), 2),
      rssReducedMb: round(reduced.rss / MB),
      rssCompactedMb: round(compacted.rss / MB),
      compactionPauseMs: compaction?.pauseMs ?? 0,
      rssPerPodKb: round((reduced.rss - base.rss) / 1024 / Math.max(1, cachedPods), 2),
    },
    passes: { cold, steady },
    loadAverage: { atSync: round(loadAtSync, 2), atEnd: round(loadavg()[0] ?? 0, 2) },
  };
}

/**
 * Phase 3: the same LISTs, every object kept as listed (parsed JSON, as a cache that keeps what it
 * lists would hold; client-node's own ListWatch keeps the generated client's typed copies, which
 * are bigger still), then without managedFields.
 */
async function measureNaive(target: ApiTarget, cacheHeapBytes: number): Promise<NaiveFigures> {
  const { kubeConfig } = loadKubeconfig({ path: target.kubeconfigPath });
  const cluster = new ClientNodeCluster(kubeConfig);
  await collectGarbage();
  const base = memory().heap;
  const kept: unknown[][] = [];
  for (const resource of RESOURCE_NAMES) {
    const source = cluster.listerWatcher(resource);
    let token: string | undefined;
    do {
      const page = await source.list({ limit: 500, continue: token, keepManagedFields: true });
      kept.push(page.items);
      token = page.continue;
    } while (token);
  }
  await collectGarbage();
  const withManagedFields = memory().heap - base;
  let objects = 0;
  for (const items of kept) {
    for (const item of items) {
      objects++;
      // Assign rather than delete: delete would turn the object into a slower, bigger dictionary.
      const metadata = (item as { metadata?: { managedFields?: unknown } }).metadata;
      if (metadata) metadata.managedFields = undefined;
    }
  }
  await collectGarbage();
  const withoutManagedFields = memory().heap - base;
  if (kept.length === 0) throw new Error('unreachable: keeps `kept` alive until measured');
  return {
    heapMb: round(withManagedFields / MB),
    heapWithoutManagedFieldsMb: round(withoutManagedFields / MB),
    managedFieldsMb: round((withManagedFields - withoutManagedFields) / MB),
    managedFieldsPct: round((100 * (withManagedFields - withoutManagedFields)) / withManagedFields),
    cacheSavingPct: round((100 * (withManagedFields - cacheHeapBytes)) / withManagedFields),
    objects,
  };
}

export async function measureCluster(options: MeasureOptions): Promise<ClusterFigures> {
  const figures = await measureCache(options);
  let naive: NaiveFigures | null = null;
  if (options.naiveBaseline ?? true) {
    options.progress?.('measuring the naive baseline (objects kept as listed)');
    naive = await measureNaive(options.target, figures.memory.cacheHeapMb * MB);
  }
  return { ...figures, naive };
}

// ---------- the report ----------

export const TARGETS = {
  syncMs: 10_000,
  rssMb: 300,
  requestsPerDiagnosis: 1,
  /** Issue 14: the log-tail cache keeps a steady pass at ≤ 0.1 requests per diagnosis at every scale. */
  steadyRequestsPerDiagnosis: 0.1,
  /** PLATFORM.md §6 test 4. */
  eventLoopP99Ms: 100,
  /** PLATFORM.md §6 test 4: stripping managedFields or a slim projection gives ≥ 20% lower heap. */
  heapSavingPct: 20,
  /** Issue 14: cache heap per Pod. */
  heapPerPodKb: 2.2,
} as const;

/** Issue 14, for Kubernetes' designed limits (150,000 Pods on 5,000 nodes): the same figures, scaled. */
export const LARGE_CLUSTER_TARGETS = { ...TARGETS, syncMs: 30_000, rssMb: 512 } as const;
/** Clusters this big or bigger are held to LARGE_CLUSTER_TARGETS. */
const LARGE_CLUSTER_PODS = 100_000;

export function targetsFor(pods: number): typeof TARGETS | typeof LARGE_CLUSTER_TARGETS {
  return pods >= LARGE_CLUSTER_PODS ? LARGE_CLUSTER_TARGETS : TARGETS;
}

interface Row {
  metric: string;
  value: string;
  target: string;
  verdict: 'MET' | 'MISSED' | '';
}

function verdict(ok: boolean): 'MET' | 'MISSED' {
  return ok ? 'MET' : 'MISSED';
}

/** The rows of the report, with targets and verdicts where the issue or PLATFORM.md set one. */
export function reportRows(f: ClusterFigures): Row[] {
  const TARGETS = targetsFor(f.pods);
  const m = f.memory;
  const { cold, steady } = f.passes;
  const maxLists = Math.max(...Object.values(f.listsPerScope));
  const rows: Row[] = [
    { metric: 'Pods cached / on the server', value: `${f.cachedPods} / ${f.pods}`, target: 'all', verdict: verdict(f.cachedPods === f.pods) },
    { metric: 'time to sync (start → waitForSync)', value: `${(f.syncMs / 1000).toFixed(2)} s`, target: `≤ ${TARGETS.syncMs / 1000} s`, verdict: verdict(f.syncMs <= TARGETS.syncMs) },
    { metric: 'CPU time of the sync (user + system)', value: `${(f.syncCpuMs / 1000).toFixed(2)} s`, target: '', verdict: '' },
    { metric: 'a resync over every Pod (one turn, at start and after a relist)', value: `${f.resyncMs} ms (${f.resyncCandidates} candidates)`, target: '', verdict: '' },
    { metric: 'RSS after sync', value: `${m.rssAfterSyncMb} MB`, target: `≤ ${TARGETS.rssMb} MB`, verdict: verdict(m.rssAfterSyncMb <= TARGETS.rssMb) },
    { metric: 'RSS peak during sync (maxrss)', value: `${m.rssPeakSyncMb} MB`, target: `≤ ${TARGETS.rssMb} MB`, verdict: verdict(m.rssPeakSyncMb <= TARGETS.rssMb) },
    {
      metric: `RSS after sync, compacted as the agent does (pause)${m.gcForced ? '' : ' (GC not available)'}`,
      value: `${m.rssCompactedMb} MB (${m.compactionPauseMs} ms)`,
      target: `≤ ${TARGETS.rssMb} MB`,
      verdict: verdict(m.gcForced && m.rssCompactedMb <= TARGETS.rssMb),
    },
    { metric: `RSS after sync + full GC${m.gcForced ? '' : ' (GC not forced)'}`, value: `${m.rssAfterGcMb} MB`, target: '', verdict: '' },
    {
      metric: `RSS after sync + memory-reducing GC${m.gcForced ? '' : ' (GC not forced)'}`,
      value: `${m.rssReducedMb} MB`,
      target: `≤ ${TARGETS.rssMb} MB`,
      verdict: verdict(m.rssReducedMb <= TARGETS.rssMb),
    },
    {
      metric: `RSS right after the diagnoses / ${m.steadyIdleMs / 1000} s later (no forced GC)`,
      value: `${m.rssAfterPassesMb} / ${m.rssSteadyIdleMb} MB`,
      target: `≤ ${TARGETS.rssMb} MB`,
      verdict: verdict(m.rssSteadyIdleMb <= TARGETS.rssMb),
    },
    {
      metric: `RSS steady, after the agent's check for a compaction (pause)${m.gcForced ? '' : ' (GC not available)'}`,
      value: `${m.rssSteadyCompactedMb} MB (${m.burstCompactionPauseMs === null ? 'not needed' : `${m.burstCompactionPauseMs} ms`})`,
      target: `≤ ${TARGETS.rssMb} MB`,
      verdict: verdict(m.gcForced && m.rssSteadyCompactedMb <= TARGETS.rssMb),
    },
    { metric: 'RSS steady (after diagnoses + GC)', value: `${m.rssSteadyMb} MB`, target: `≤ ${TARGETS.rssMb} MB`, verdict: verdict(m.rssSteadyMb <= TARGETS.rssMb) },
    {
      metric: 'RSS steady + memory-reducing GC',
      value: `${m.rssSteadyReducedMb} MB`,
      target: `≤ ${TARGETS.rssMb} MB`,
      verdict: verdict(m.rssSteadyReducedMb <= TARGETS.rssMb),
    },
    { metric: 'heap used / committed, steady', value: `${m.heapSteadyMb} / ${m.heapTotalSteadyMb} MB`, target: '', verdict: '' },
    { metric: 'RSS baseline (before start)', value: `${m.rssBaselineMb} MB`, target: '', verdict: '' },
    { metric: 'heap used: peak during sync / after sync / after GC', value: `${m.heapPeakSyncMb} / ${m.heapAfterSyncMb} / ${m.heapAfterGcMb} MB`, target: '', verdict: '' },
    { metric: 'heap committed / off-heap (external) after sync', value: `${m.heapTotalAfterSyncMb} / ${m.externalAfterSyncMb} MB`, target: '', verdict: '' },
    {
      metric: 'heap held by the cache (after GC − baseline)',
      value: `${m.cacheHeapMb} MB (${m.heapPerPodKb} KB/Pod)`,
      target: `≤ ${TARGETS.heapPerPodKb} KB/Pod`,
      verdict: verdict(m.heapPerPodKb <= TARGETS.heapPerPodKb),
    },
    { metric: 'RSS per cached Pod (reduced − baseline)', value: `${m.rssPerPodKb} KB`, target: 'Go informer ≈ 30 KB', verdict: '' },
    { metric: 'informers (resource scopes)', value: String(f.scopes), target: '', verdict: '' },
    { metric: 'full LISTs per informer', value: `max ${maxLists}`, target: '1 (no relist)', verdict: verdict(maxLists === 1) },
    // A quiet informer's watch ends every quietWatchTimeoutSeconds and is re-established (resilient-informer.ts): a run
    // longer than that (150,000 Pods) counts one more WATCH per informer that listed early and sat quiet meanwhile.
    {
      metric: `LIST requests (pages of ${f.pageSize}) / WATCHes`,
      value: `${f.listPages} / ${f.watches}`,
      target: `— / ${f.scopes} (+1 per quiet ${DEFAULT_INFORMER_TIMINGS.quietWatchTimeoutSeconds} s)`,
      verdict: '',
    },
    { metric: 'event-loop lag during initial list p50 / p99 / max', value: `${f.eventLoop.p50Ms} / ${f.eventLoop.p99Ms} / ${f.eventLoop.maxMs} ms`, target: `p99 < ${TARGETS.eventLoopP99Ms} ms`, verdict: verdict(f.eventLoop.p99Ms < TARGETS.eventLoopP99Ms) },
    { metric: 'load average (1 min) at sync / at the end', value: `${f.loadAverage.atSync} / ${f.loadAverage.atEnd}`, target: '', verdict: '' },
  ];
  for (const [label, pass] of [['cold', cold], ['steady', steady]] as const) {
    const limit = label === 'steady' ? TARGETS.steadyRequestsPerDiagnosis : TARGETS.requestsPerDiagnosis;
    rows.push(
      {
        metric: `API requests per diagnosis, ${label} (server log)`,
        value: `${pass.requestsPerDiagnosis} (${pass.serverRequests} / ${pass.diagnoses}; collector says ${pass.collectorRequests})`,
        target: `≤ ${limit}`,
        verdict: verdict(pass.requestsPerDiagnosis <= limit && pass.listsAndWatches === 0),
      },
      { metric: `  LIST/WATCH during the ${label} pass`, value: String(pass.listsAndWatches), target: '0', verdict: verdict(pass.listsAndWatches === 0) },
      { metric: `  diagnosis latency, ${label} (mean / p99)`, value: `${pass.msPerDiagnosis} / ${pass.p99Ms} ms`, target: '', verdict: '' },
      {
        metric: `  failing Pods diagnosed right / healthy flagged, ${label}`,
        value: `${pass.failingMatched}/${pass.failing} / ${pass.healthyFlagged}/${pass.healthy}`,
        target: 'all / 0',
        verdict: verdict(pass.failingMatched === pass.failing && pass.healthyFlagged === 0),
      },
    );
  }
  if (f.naive) {
    const n = f.naive;
    rows.push(
      { metric: 'naive heap: objects kept as listed (with managedFields)', value: `${n.heapMb} MB (${n.objects} objects)`, target: '', verdict: '' },
      { metric: '  of which managedFields', value: `${n.managedFieldsMb} MB (${n.managedFieldsPct}%)`, target: '', verdict: '' },
      { metric: 'slimmed cache heap saving vs naive', value: `${n.cacheSavingPct}% (${m.cacheHeapMb} vs ${n.heapMb} MB)`, target: `≥ ${TARGETS.heapSavingPct}%`, verdict: verdict(n.cacheSavingPct >= TARGETS.heapSavingPct) },
    );
  }
  return rows;
}

/**
 * One line for the README's benchmark table (`npm run bench:cluster -- --summary`): the figures
 * issue 14 sets targets for, and the load the machine was under.
 */
export function formatSummary(f: ClusterFigures, nodes: number): string {
  const m = f.memory;
  const { cold, steady } = f.passes;
  const n = (x: number): string => x.toLocaleString('en-US');
  return (
    `${n(f.pods)} Pods on ${n(nodes)} nodes: sync ${(f.syncMs / 1000).toFixed(1)} s (CPU ${(f.syncCpuMs / 1000).toFixed(1)} s); RSS after sync / steady ${Math.round(m.rssAfterSyncMb)} / ${Math.round(m.rssSteadyMb)} MB, as the agent compacts ${Math.round(m.rssCompactedMb)} / ${Math.round(m.rssSteadyCompactedMb)} MB; ` +
    `cache heap ${Math.round(m.cacheHeapMb)} MB (${m.heapPerPodKb} KB/Pod); lag p99 / max ${f.eventLoop.p99Ms} / ${f.eventLoop.maxMs} ms; ` +
    `${steady.requestsPerDiagnosis} requests/diagnosis steady (${cold.requestsPerDiagnosis} cold); ` +
    `${steady.failingMatched}/${steady.failing} failing diagnosed right, ${steady.healthyFlagged}/${steady.healthy} healthy flagged; load ${f.loadAverage.atSync}–${f.loadAverage.atEnd}`
  );
}

export function formatReport(f: ClusterFigures): string {
  const rows = reportRows(f);
  const header: Row = { metric: 'metric', value: 'value', target: 'target', verdict: '' };
  const widths = {
    metric: Math.max(...[header, ...rows].map((r) => r.metric.length)),
    value: Math.max(...[header, ...rows].map((r) => r.value.length)),
    target: Math.max(...[header, ...rows].map((r) => r.target.length)),
  };
  const line = (r: Row): string => `${r.metric.padEnd(widths.metric)}  ${r.value.padEnd(widths.value)}  ${r.target.padEnd(widths.target)}  ${r.verdict}`.trimEnd();
  const out = [line(header), '-'.repeat(widths.metric + widths.value + widths.target + 12), ...rows.map(line)];
  const mismatches = [...f.passes.cold.failingMismatches];
  if (mismatches.length > 0) out.push('', 'failing Pods diagnosed otherwise (first 5):', ...mismatches.map((m) => `  ${m}`));
  return out.join('\n');
}
