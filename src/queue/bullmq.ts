import { randomUUID } from 'node:crypto';
import { Queue, UnrecoverableError, Worker, type Job, type KeepJobs } from 'bullmq';
import type { Redis, RedisOptions } from 'ioredis';
import { pino, type Logger } from 'pino';
import { isPodwhyError, PodwhyError } from '../errors.ts';
import { closeRedis, createProducer, createRedis, isConnectionError, jobCountsOf, openProducerQueue, QUEUE_DEFAULTS, unavailable, watchConnection, withTimeout } from './redis-connection.ts';
import {
  assertCluster,
  backoffDelay,
  DEFAULT_RETRY,
  isUnrecoverable,
  type DiagnoseProcessor,
  type DiagnosisQueue,
  type EnqueueResult,
  type QueueCounts,
  type RetrySettings,
  type WorkerOptions,
} from './diagnosis-queue.ts';
import { dedupIdOf, isUrgent, parseDiagnoseJob, queueNameFor, type DiagnoseJob } from './jobs.ts';

/**
 * The diagnosis queue on Redis with BullMQ: one queue per cluster (`podwhy-diagnose-<cluster>`), so a
 * worker of cluster X only ever runs jobs of cluster X. Facts relied on (taskforcesh/bullmq docs/gitbook):
 * - delivery is at least once; a worker that stops renewing its lock (killed, event loop blocked) has its
 *   job moved back to wait by another worker's stalled check, up to `maxStalledCount` (guide/workers/stalled-jobs.md);
 * - `deduplication: { id }` ignores adds while a job with that id is waiting, delayed or active, until it
 *   completes or fails (guide/jobs/deduplication.md); job ids must not contain ':' (guide/jobs/job-ids.md);
 * - workers need ioredis `maxRetriesPerRequest: null`; producers should fail fast with
 *   `enableOfflineQueue: false` (guide/connections.md, guide/going-to-production.md);
 * - only `maxmemory-policy noeviction` guarantees correct behaviour (guide/going-to-production.md).
 */

const JOB_NAME = 'diagnose';
/** A custom back-off type so both implementations share `backoffDelay` (with its cap and jitter). */
const BACKOFF_TYPE = 'podwhy-exponential';
const WATCH_PRIORITY = 10;

export interface BullmqQueueOptions {
  cluster: string;
  /** One shard's queue of the cluster (jobs.ts shardOf); absent: the cluster's own. */
  shard?: string;
  /** REDIS_URL, or ioredis options (host, port, db, password, tls, sentinels …). */
  redis: string | RedisOptions;
  /** BullMQ key prefix (not an ioredis keyPrefix, which BullMQ rejects). Use `{podwhy}` on Redis Cluster. */
  prefix?: string;
  retry?: Partial<RetrySettings>;
  /** How long a worker's lock on a job lasts without renewal (renewed every half of it). */
  lockDurationMs?: number;
  /** How often workers look for jobs whose lock expired (stalled) and put them back. */
  stalledIntervalMs?: number;
  /** How many times a job may stall before it is failed. */
  maxStalledCount?: number;
  /** Seconds a worker blocks waiting for a job when the queue is empty. */
  drainDelaySeconds?: number;
  /** Bounds on finished jobs kept in Redis (by default BullMQ keeps them forever). */
  removeOnComplete?: KeepJobs;
  removeOnFail?: KeepJobs;
  /** An enqueue that does not finish within this time counts as Redis being unavailable. */
  enqueueTimeoutMs?: number;
  /** Start-up: how long to wait for the first connection. */
  connectTimeoutMs?: number;
  log?: Logger;
  /** Jitter source; tests pass a constant. */
  random?: () => number;
}

type Defaulted =
  | 'prefix'
  | 'lockDurationMs'
  | 'stalledIntervalMs'
  | 'maxStalledCount'
  | 'drainDelaySeconds'
  | 'removeOnComplete'
  | 'removeOnFail'
  | 'enqueueTimeoutMs'
  | 'connectTimeoutMs';

const DEFAULTS: Required<Pick<BullmqQueueOptions, Defaulted>> = { ...QUEUE_DEFAULTS, maxStalledCount: 1 };

/**
 * Connects, checks Redis (refuses a maxmemory-policy other than noeviction) and returns the queue.
 * Throws PodwhyError 'redis-unavailable' when Redis cannot be reached within connectTimeoutMs and
 * 'redis-misconfigured' when its eviction policy could lose jobs.
 */
export async function createBullmqDiagnosisQueue(options: BullmqQueueOptions): Promise<BullmqDiagnosisQueue> {
  const queue = new BullmqDiagnosisQueue(options);
  try {
    await queue.connect();
  } catch (error) {
    await queue.close();
    throw error;
  }
  return queue;
}

export class BullmqDiagnosisQueue implements DiagnosisQueue {
  readonly cluster: string;
  readonly name: string;
  readonly #options: BullmqQueueOptions & Required<Pick<BullmqQueueOptions, Defaulted>>;
  readonly #retry: RetrySettings;
  readonly #log: Logger;
  readonly #random: () => number;
  /** Producer connection: fails fast (no offline queue, one retry per request). */
  readonly #producer: Redis;
  #queue: Queue | undefined;
  #workerConnection: Redis | undefined;
  #worker: Worker | undefined;

  /** Prefer createBullmqDiagnosisQueue, which connects and checks Redis. */
  constructor(options: BullmqQueueOptions) {
    this.#options = { ...DEFAULTS, ...options };
    this.cluster = options.cluster;
    this.name = queueNameFor(options.cluster, options.shard);
    this.#retry = { ...DEFAULT_RETRY, ...options.retry };
    this.#log = (options.log ?? pino({ level: 'silent' })).child({ component: 'queue', queue: this.name });
    this.#random = options.random ?? Math.random;
    this.#producer = createProducer(options.redis, this.#options.connectTimeoutMs, this.#log, 'producer');
  }

  /** Connects the producer and checks Redis; see createBullmqDiagnosisQueue. */
  async connect(): Promise<void> {
    this.#queue = await openProducerQueue(this.#producer, this.name, {
      prefix: this.#options.prefix,
      connectTimeoutMs: this.#options.connectTimeoutMs,
      attempts: this.#retry.attempts,
      backoffType: BACKOFF_TYPE,
      removeOnComplete: this.#options.removeOnComplete,
      removeOnFail: this.#options.removeOnFail,
      log: this.#log,
    });
  }

  #connectedQueue(): Queue {
    if (!this.#queue) throw new PodwhyError('redis-unavailable', `Queue ${this.name} is not connected; call connect() first`);
    return this.#queue;
  }

  /** Subscribes to the producer connection becoming ready again (for ReplayBuffer). Returns the unsubscribe. */
  onReady(listener: () => void): () => void {
    this.#producer.on('ready', listener);
    return () => this.#producer.off('ready', listener);
  }

  async enqueue(job: DiagnoseJob): Promise<EnqueueResult> {
    const parsed = parseDiagnoseJob(job);
    assertCluster(parsed, this.cluster);
    // BullMQ's add() waits for the connection to be ready, for ever: check first, so producers fail fast.
    const queue = this.#connectedQueue();
    if (this.#producer.status !== 'ready') throw unavailable(this.#producer);
    const dedupId = dedupIdOf(parsed);
    const jobId = `${dedupId}-${Date.parse(parsed.enqueuedAt)}-${randomUUID().slice(0, 8)}`;
    try {
      const added = await withTimeout(
        // BullMQ runs jobs without a priority before prioritized ones (DefaultJobOptions.priority), so
        // watch jobs get one and commands, which a person waits for, overtake them.
        queue.add(JOB_NAME, parsed, { jobId, deduplication: { id: dedupId }, ...(isUrgent(parsed) ? {} : { priority: WATCH_PRIORITY }) }),
        this.#options.enqueueTimeoutMs,
      );
      // A deduplicated add returns the job that is already there (src/classes/job.ts Job.create).
      return added.id === jobId ? 'queued' : 'deduplicated';
    } catch (error) {
      if (isPodwhyError(error)) throw error;
      if (this.#producer.status !== 'ready' || isConnectionError(error)) throw unavailable(this.#producer, error);
      throw error;
    }
  }

  async startWorkers(processor: DiagnoseProcessor, options: WorkerOptions = {}): Promise<void> {
    if (this.#worker) throw new PodwhyError('bad-input', `Workers of ${this.name} are already started`);
    // Workers retry commands for ever while Redis is away (BullMQ requires maxRetriesPerRequest: null).
    const connection = createRedis(this.#options.redis, { maxRetriesPerRequest: null });
    watchConnection(connection, this.#log, 'worker');
    this.#workerConnection = connection;
    const worker = new Worker(this.name, (job, _token, signal) => this.#process(job, processor, signal), {
      connection,
      prefix: this.#options.prefix,
      concurrency: Math.max(1, options.concurrency ?? 1),
      lockDuration: this.#options.lockDurationMs,
      stalledInterval: this.#options.stalledIntervalMs,
      maxStalledCount: this.#options.maxStalledCount,
      drainDelay: this.#options.drainDelaySeconds,
      settings: { backoffStrategy: (attemptsMade: number) => backoffDelay(attemptsMade, this.#retry, this.#random) },
    });
    worker.on('error', (err) => this.#log.error({ err }, 'Worker error'));
    worker.on('failed', (job, err) =>
      this.#log.warn({ jobId: job?.id, attemptsMade: job?.attemptsMade, err }, 'Diagnosis job attempt failed'),
    );
    worker.on('stalled', (jobId) => this.#log.warn({ jobId }, 'Diagnosis job stalled; it will run again'));
    this.#worker = worker;
    await worker.waitUntilReady();
  }

  async #process(job: Job, processor: DiagnoseProcessor, signal: AbortSignal | undefined): Promise<void> {
    let parsed: DiagnoseJob;
    try {
      parsed = parseDiagnoseJob(job.data);
      assertCluster(parsed, this.cluster);
    } catch (error) {
      throw new UnrecoverableError(error instanceof Error ? error.message : String(error));
    }
    try {
      const context = { attempt: job.attemptsMade + 1, jobId: job.id ?? '' };
      await processor(parsed, signal ? { ...context, signal } : context);
    } catch (error) {
      if (isUnrecoverable(error)) throw new UnrecoverableError(error instanceof Error ? error.message : String(error));
      throw error;
    }
  }

  async depth(): Promise<number> {
    const counts = await this.counts();
    return counts.waiting + counts.delayed;
  }

  async counts(): Promise<QueueCounts> {
    return jobCountsOf(this.#connectedQueue());
  }

  /** Graceful: the worker finishes its active jobs (BullMQ waits without a timeout), then connections close. */
  async close(): Promise<void> {
    await this.#worker?.close();
    await this.#queue?.close();
    await closeRedis(this.#workerConnection);
    await closeRedis(this.#producer);
  }

  /**
   * Forced shutdown (e.g. when close() exceeds the termination grace period): drops connections without
   * finishing active jobs; their locks expire and another worker runs them again.
   */
  async disconnect(): Promise<void> {
    await this.#worker?.close(true);
    this.#workerConnection?.disconnect();
    this.#producer.disconnect();
  }
}
