/**
 * Composition root of `podwhy agent` (watch + workers + incidents, one process by default) and
 * `podwhy worker` (workers only, BullMQ mode). Wiring only: it builds each stage of the alert flow
 * (docs/architecture.md) from the validated config, connects each to the next, and shuts them down in
 * order: informers → watch side → incident timer → workers (bounded) → notify delivery → queue → Redis.
 */
import { Redis } from 'ioredis';
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import { PodwhyError } from '../errors.ts';
import { createAgentMetrics, type AgentMetrics } from '../metrics.ts';
import { loadKubeconfig, type LoadedKubeconfig } from '../cluster/kubeconfig.ts';
import { ClientNodeCluster } from '../cluster/client-node-cluster.ts';
import { ClusterCache } from '../cluster/cache.ts';
import { SnapshotCollector } from '../cluster/collector.ts';
import type { InformerTimings } from '../cluster/watch/resilient-informer.ts';
import { InProcessDiagnosisQueue } from '../queue/in-process.ts';
import { createBullmqDiagnosisQueue, type BullmqQueueOptions } from '../queue/bullmq.ts';
import type { DiagnosisQueue } from '../queue/diagnosis-queue.ts';
import { shardOf, type DiagnoseJob } from '../queue/jobs.ts';
import { ShardedDiagnosisQueue } from '../queue/sharded.ts';
import { ShardRegistry } from '../queue/shard-registry.ts';
import { closeRedis, createRedis } from '../queue/redis-connection.ts';
import { createDiagnoseProcessor } from '../queue/worker.ts';
import { IncidentManager } from '../incidents/manager.ts';
import { HeapCompactor } from './compact-heap.ts';
import type { IncidentSettings } from '../incidents/settings.ts';
import { IncidentRecorder } from '../incidents/recorder.ts';
import type { NotifyCommand } from '../contract/incident.ts';
import { MemoryIncidentStore } from '../incidents/memory-store.ts';
import { RedisIncidentStore } from '../incidents/redis-store.ts';
import type { Notifier } from '../notify/notifier.ts';
import { CHANNEL_ANNOTATION, ChannelRouter } from '../notify/channel-routing.ts';
import { deliverNotification } from '../notify/deliver.ts';
import type { IncidentStore } from '../incidents/store.ts';
import { InProcessNotifyQueue } from '../queue/notify-in-process.ts';
import type { NotifyQueue } from '../queue/notify-queue.ts';
import { windowsFrom, type StabilizationWindows } from '../cluster/candidates.ts';
import { AlertSource } from '../cluster/alert-source.ts';
import type { Diagnosis } from '../contract/diagnosis.ts';
import { answerQuery } from '../cluster/answer-query.ts';
import { missingWatchedNamespaces } from '../cluster/watched-namespaces.ts';
import { startHealthServer, type HealthServer } from './http.ts';

/** How often the agent asks whether the heap is worth compacting (a cheap look at process.memoryUsage()). */
const HEAP_CHECK_MS = 60_000;

export type AgentMode = 'agent' | 'worker';

/**
 * Where notify commands go: a Notifier in this process (the single-process default: an in-process notify
 * queue delivers at once), or a notify queue another process consumes (the Slack gateway, on Redis). The
 * caller owns a queue it passes and closes it.
 */
export type AgentDelivery = { notifier: Notifier; notifyQueue?: undefined } | { notifyQueue: NotifyQueue; notifier?: undefined };

export type AgentDeps = AgentDelivery & AgentOptions;

export interface AgentOptions {
  config: Config;
  log: Logger;
  mode: AgentMode;
  /** Overrides the kubeconfig the config names (the demo passes the simulator's). */
  kubeconfig?: LoadedKubeconfig;
  now?: () => number;
  /** Test and demo knobs: faster windows, informer timings, incident coalescing. */
  windows?: Partial<StabilizationWindows>;
  informerTimings?: Partial<InformerTimings>;
  incidentSettings?: Partial<IncidentSettings>;
  tickMs?: number;
  refreshMs?: number;
  /**
   * BullMQ knobs (REDIS_URL set): tests shorten lockDuration/stalledInterval so a killed worker's job is
   * picked up again within seconds instead of the 30 s defaults.
   */
  queueOptions?: Partial<Pick<BullmqQueueOptions, 'lockDurationMs' | 'stalledIntervalMs' | 'maxStalledCount' | 'drainDelaySeconds' | 'retry' | 'enqueueTimeoutMs' | 'connectTimeoutMs'>>;
  /**
   * Aborts start-up (SIGTERM while the first sync waits on an unreachable API server): what started is closed
   * and startAgent rejects with the signal's reason.
   */
  signal?: AbortSignal;
  /** Skip the HTTP server (tests that run several agents). */
  withoutHttp?: boolean;
  onDiagnosis?: (diagnosis: Diagnosis) => void;
  /** Called after each command this process delivered (not when another process delivers them). */
  onNotified?: (command: NotifyCommand) => void;
}

export interface RunningAgent {
  cluster: string;
  cache: ClusterCache;
  queue: DiagnosisQueue;
  incidents: IncidentManager;
  /** Where the incident stage hands its commands (delivered in this process unless the caller passed a queue). */
  notify: NotifyQueue;
  /** The watch side (started in agent mode only). */
  source: AlertSource;
  /** The incident stage's entry point. */
  recorder: IncidentRecorder;
  metrics: AgentMetrics;
  collector: SnapshotCollector;
  clusterClient: ClientNodeCluster;
  http: HealthServer | undefined;
  /** One beat of the timer-driven stages: hands on due candidates, emits due incident changes (tests drive it). */
  tick(): Promise<void>;
  stop(options?: { timeoutMs?: number }): Promise<void>;
}

export async function startAgent(deps: AgentDeps): Promise<RunningAgent> {
  const { config, log } = deps;
  const now = deps.now ?? Date.now;
  const cluster = config.CLUSTER_NAME;
  const agentLog = log.child({ component: deps.mode, cluster });
  const kubeconfig = deps.kubeconfig ?? loadKubeconfig({ path: config.KUBECONFIG, context: config.KUBE_CONTEXT });
  const clusterClient = new ClientNodeCluster(kubeconfig.kubeConfig);
  const informerErrors = new InformerErrorLog(agentLog);
  const cache = new ClusterCache(clusterClient, {
    namespaces: config.WATCH_NAMESPACES,
    timings: deps.informerTimings,
    onError: (error, context) => informerErrors.report(error, context),
    // Events are aged on the clock the snapshots are observed on.
    now,
  });
  const metrics = createAgentMetrics({ cluster });

  let redis: Redis | undefined;
  let queue: DiagnosisQueue;
  let store: IncidentStore;
  if (config.REDIS_URL) {
    queue = await createDiagnosisQueueOnRedis({ ...deps.queueOptions, cluster, redis: config.REDIS_URL, prefix: config.REDIS_PREFIX, log: agentLog }, config.WATCH_NAMESPACES);
    redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 3, enableOfflineQueue: true, lazyConnect: false });
    redis.on('error', (error) => agentLog.warn({ err: error }, 'Incident store connection error'));
    store = new RedisIncidentStore({ redis, prefix: config.REDIS_PREFIX });
  } else {
    queue = new InProcessDiagnosisQueue({ cluster });
    store = new MemoryIncidentStore({ now });
  }
  const incidents = new IncidentManager({
    store,
    now,
    settings: {
      resolveAfterMs: config.RESOLVE_AFTER_SECONDS * 1000,
      reopenWindowMs: config.REOPEN_WINDOW_SECONDS * 1000,
      stormThresholdPerMinute: config.STORM_THRESHOLD_PER_MINUTE,
      ...deps.incidentSettings,
    },
  });

  cache.start();
  try {
    await untilAborted(cache.waitForSync(config.SYNC_TIMEOUT_SECONDS * 1000), deps.signal);
  } catch (error) {
    await cache.stop();
    await queue.close();
    redis?.disconnect();
    if (deps.signal?.aborted) throw deps.signal.reason;
    throw error instanceof PodwhyError ? error : new PodwhyError('api-unreachable', `could not sync with the API server at ${kubeconfig.server}: ${(error as Error).message}`, {}, { cause: error });
  }
  // From here on a failed step (the health port taken, Redis refusing the workers) must not leave informers, queues
  // or servers running: the process would stay alive with nothing left to stop it (issue 13). Close all, rethrow.
  const abandon = async (error: unknown): Promise<never> => {
    await cache.stop();
    source.stop();
    recorder.stop();
    await queue.close().catch(() => undefined);
    if (!deps.notifyQueue) await notify.close().catch(() => undefined);
    await clusterClient.close().catch(() => undefined);
    redis?.disconnect();
    throw error;
  };
  agentLog.info({ server: kubeconfig.server, namespaces: config.WATCH_NAMESPACES, queue: queue.name }, 'Cluster cache synced');
  // The LIST's decoded objects are garbage now; hand their pages back before settling in to watch (compact-heap.ts).
  const compactor = new HeapCompactor();
  const compaction = compactor.compact();
  if (compaction) agentLog.info(compaction, 'Heap compacted after the initial sync');
  // V8 keeps the pages a burst of diagnoses freed until something asks it to give them back (compact-heap.ts).
  const compactTimer = setInterval(() => {
    const later = compactor.check();
    if (later) agentLog.info(later, 'Heap compacted after a burst');
  }, HEAP_CHECK_MS);
  compactTimer.unref();
  // A misspelled WATCH_NAMESPACES entry would otherwise watch nothing, silently (once per entry, at start).
  for (const missing of missingWatchedNamespaces(config.WATCH_NAMESPACES, cache.namespaceNames())) {
    agentLog.warn({ namespace: missing.namespace, closest: missing.closest }, missing.message);
  }

  const collector = new SnapshotCollector({ cache, reader: clusterClient, now: () => new Date(now()), onError: (error, context) => agentLog.debug({ err: error, context }, 'Collector worked around a failure') });
  const notify = deps.notifyQueue ?? new InProcessNotifyQueue();
  if (deps.notifier) {
    const notifier = deps.notifier;
    await notify
      .startDelivery(async (command) => {
        await deliverNotification(command, { notifier, store });
        metrics.notifications.inc({ cluster, kind: command.type });
        deps.onNotified?.(command);
      })
      .catch(abandon);
  }
  // A Namespace's podwhy.io/channel annotation overrides CHANNEL_ROUTES; CHANNEL_MIN_SEVERITY filters what a channel takes.
  const router = new ChannelRouter({
    routing: { routes: config.CHANNEL_ROUTES, defaultChannel: config.DEFAULT_CHANNEL },
    severities: config.CHANNEL_MIN_SEVERITY,
    annotationOf: (namespace) => cache.namespace(namespace)?.metadata.annotations?.[CHANNEL_ANNOTATION],
    onInvalidAnnotation: (namespace, value) => agentLog.warn({ namespace, value }, 'Ignoring an invalid podwhy.io/channel annotation'),
  });
  const recorder = new IncidentRecorder({
    cluster,
    manager: incidents,
    channelFor: (namespace) => router.channelFor(namespace),
    takes: (channel, cause) => router.takes(channel, cause),
    notify,
    log: agentLog,
    tickMs: deps.tickMs,
  });
  const source = new AlertSource({
    cluster,
    view: cache,
    queue,
    recoveries: recorder,
    windows: { ...windowsFrom(config.STABILIZE_SECONDS), ...deps.windows },
    metrics,
    log: agentLog,
    now,
    tickMs: deps.tickMs,
    refreshMs: deps.refreshMs,
  });
  if (deps.mode === 'agent') {
    source.start();
    try {
      await source.reconcile(await recorder.openIncidents());
    } catch (error) {
      agentLog.warn({ err: error }, 'Could not reconcile open incidents with the cluster');
    }
  }
  await queue
    .startWorkers(
    createDiagnoseProcessor({
      cluster, snapshots: collector, owners: cache, incidents: recorder, metrics, now, onDiagnosis: deps.onDiagnosis, log: agentLog.child({ component: 'actions' }),
      watchesNamespace: (namespace) => cache.watchesNamespace(namespace),
      ...(queue instanceof ShardedDiagnosisQueue && { forward: (job: DiagnoseJob) => queue.forward(job) }),
      commands: {
        answer: (job) => answerQuery(job, { cache, collector, reader: clusterClient, watchedNamespaces: config.WATCH_NAMESPACES }),
        reply: (command) => notify.enqueue(command),
      },
      // One-click fixes only with ACTIONS_ENABLED (and the actions component's RBAC: pods delete, patch).
      ...(config.ACTIONS_ENABLED && { actions: { reader: clusterClient, actor: clusterClient, snapshots: collector, log: agentLog.child({ component: 'actions' }), ...(config.ACTION_AUTHORIZATION === 'kubernetes' && { accessReviews: clusterClient }) } }),
    }),
    { concurrency: config.WORKER_CONCURRENCY },
  )
    .catch(abandon);
  recorder.start();

  const http = deps.withoutHttp
    ? undefined
    : await startHealthServer({
        port: config.HTTP_PORT,
        registry: metrics.registry,
        beforeScrape: async () => {
          const counts = await queue.counts();
          metrics.queueDepth.set({ cluster }, counts.waiting + counts.active + counts.delayed);
        },
        readiness: async () => {
          const reasons: string[] = [];
          if (!cache.hasSynced) reasons.push('informer caches not synced');
          // With Redis, a queue that cannot answer within a second means jobs cannot be taken or run.
          const reachable = await Promise.race([
            queue.counts().then(() => true, () => false),
            new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 1_000).unref()),
          ]);
          if (!reachable) reasons.push(config.REDIS_URL ? 'Redis (diagnosis queue) unreachable' : 'diagnosis queue not answering');
          return { ready: reasons.length === 0, reasons };
        },
      }).catch(abandon);

  let stopping: Promise<void> | undefined;
  const stop = (options: { timeoutMs?: number } = {}): Promise<void> => {
    stopping ??= (async () => {
      agentLog.info('Shutting down');
      clearInterval(compactTimer);
      await cache.stop();
      source.stop();
      recorder.stop();
      const closed = queue.close().then(() => true);
      const timedOut = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), options.timeoutMs ?? 20_000).unref());
      if (!(await Promise.race([closed, timedOut]))) agentLog.warn('Workers did not finish in time; their jobs will be retried as stalled');
      // After the workers: a job finishing during shutdown still hands its commands on (bounded like them).
      if (!deps.notifyQueue) await Promise.race([notify.close(), timedOut]);
      await http?.close();
      await clusterClient.close();
      if (redis) await redis.quit().catch(() => redis?.disconnect());
    })();
    return stopping;
  };

  const tick = async (): Promise<void> => {
    source.tick();
    await recorder.flushDue();
  };

  return { cluster, cache, queue, incidents, notify, source, recorder, metrics, collector, clusterClient, http, tick, stop };
}

/**
 * The cluster's BullMQ queue, or, for a process that watches only some namespaces (a shard of a large cluster,
 * docs/architecture.md "Sharding one large cluster"), its shard's queue for watch jobs beside the cluster's queue.
 */
async function createDiagnosisQueueOnRedis(options: BullmqQueueOptions, namespaces: readonly string[]): Promise<DiagnosisQueue> {
  const id = shardOf(namespaces);
  const cluster = await createBullmqDiagnosisQueue(options);
  if (id === undefined) return cluster;
  const connection = createRedis(options.redis, { maxRetriesPerRequest: 1 });
  connection.on('error', () => undefined); // the queues' own connections report Redis trouble
  try {
    const sharded = new ShardedDiagnosisQueue({
      shard: { id, namespaces, queue: await createBullmqDiagnosisQueue({ ...options, shard: id }) },
      cluster,
      registry: new ShardRegistry({ redis: connection, prefix: options.prefix ?? 'podwhy', cluster: options.cluster }),
      openShardQueue: (shard) => createBullmqDiagnosisQueue({ ...options, shard }),
      onClose: () => closeRedis(connection),
    });
    await sharded.announce();
    // Overlapping shards are harmless (both diagnose, the incident's compare-and-set posts once) but do the work twice.
    const overlaps = (await sharded.registry.live()).filter((other) => other.shard !== id && other.namespaces.some((namespace) => namespaces.includes(namespace)));
    for (const other of overlaps) {
      options.log?.warn({ shard: other.shard, namespaces: other.namespaces.filter((namespace) => namespaces.includes(namespace)) }, 'Another shard of this cluster watches some of the same namespaces: both diagnose their Pods (one incident, posted once)');
    }
    return sharded;
  } catch (error) {
    await cluster.close();
    await closeRedis(connection);
    throw error;
  }
}

/** Rejects with the signal's reason as soon as it aborts; otherwise settles as `work` does. */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * Informer failures as a person reads them: an unreachable API server fails every informer on every retry, which
 * logged a stack trace each (33 for one outage at start-up). One warn line per distinct reason and retry round,
 * naming the reason and the back-off; the error object with its stack only at debug.
 */
const PHASE_WORDS: Record<string, string> = { list: 'list', watch: 'watch', handler: 'handle an event of', transform: 'read an object of' };

class InformerErrorLog {
  readonly #log: Logger;
  readonly #lastWarned = new Map<string, number>();

  constructor(log: Logger) {
    this.#log = log;
  }

  report(error: unknown, context: { phase: string; retryInMs: number; source: string }): void {
    const reason = error instanceof Error ? error.message : String(error);
    this.#log.debug({ err: error, context }, 'Informer error');
    const now = Date.now();
    const last = this.#lastWarned.get(reason);
    // Every informer of a round reports the same reason within its back-off: the first one speaks for all.
    if (last !== undefined && now - last < Math.max(context.retryInMs, 1_000)) return;
    if (this.#lastWarned.size > 100) this.#lastWarned.clear();
    this.#lastWarned.set(reason, now);
    this.#log.warn(`Cannot ${PHASE_WORDS[context.phase] ?? context.phase} ${context.source}: ${reason}; retrying in ${Math.round(context.retryInMs / 100) / 10}s`);
  }
}
