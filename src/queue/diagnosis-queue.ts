import { isPodwhyError, PodwhyError } from '../errors.ts';
import { dedupIdOf, type DiagnoseJob } from './jobs.ts';

/**
 * The diagnosis queue of ONE cluster, behind one interface with two implementations:
 * - in-process.ts: the default without REDIS_URL (one process, nothing else to run);
 * - bullmq.ts: BullMQ on Redis (any number of worker processes on any number of machines).
 * Both deduplicate per `dedupIdOf(job)` while a job is waiting, delayed (between retries) or active,
 * retry transient failures with exponential back-off and stop on unrecoverable ones.
 */

/** 'deduplicated': a job with the same dedup id is already waiting, retrying or running. */
export type EnqueueResult = 'queued' | 'deduplicated';

export interface ProcessorContext {
  /** 1 for the first run, 2 for the first retry, … (a stalled job that is picked up again keeps its count). */
  attempt: number;
  /** The queue's id of this job (carries the cluster name; no ':'). */
  jobId: string;
  /** Aborted when the job is cancelled or the worker shuts down; processors should pass it to I/O. */
  signal?: AbortSignal;
}

/**
 * Runs one diagnosis: worker.ts processDiagnoseJob, tested directly as well as through a real worker.
 * Throw UnrecoverableJobError (or a PodwhyError 'bad-input' / 'pod-not-found' / 'gone' /
 * 'namespace-not-found') to stop retrying; any other error is retried with back-off.
 * Processors must be idempotent: BullMQ delivers at least once (a worker killed mid-job is re-run).
 */
export type DiagnoseProcessor = (job: DiagnoseJob, ctx: ProcessorContext) => Promise<void>;

/** Retrying cannot help: bad input, the Pod is gone, the job belongs to another cluster. */
export class UnrecoverableJobError extends Error {
  override name = 'UnrecoverableJobError';
}

const UNRECOVERABLE_CODES = new Set(['bad-input', 'pod-not-found', 'namespace-not-found', 'gone', 'config-invalid']);

export function isUnrecoverable(error: unknown): boolean {
  if (error instanceof UnrecoverableJobError) return true;
  return isPodwhyError(error) && UNRECOVERABLE_CODES.has(error.code);
}

export interface RetrySettings {
  /** Total runs including the first (BullMQ `attempts`). */
  attempts: number;
  /** Delay before the first retry; doubles each retry (BullMQ's exponential strategy). */
  backoffMs: number;
  /** Upper bound of one delay. */
  maxBackoffMs: number;
  /** 0..1: a retry waits between delay × (1 − jitter) and delay, so failures of one API outage spread out. */
  jitter: number;
}

export const DEFAULT_RETRY: RetrySettings = { attempts: 5, backoffMs: 2_000, maxBackoffMs: 60_000, jitter: 0.2 };

/**
 * Delay before the retry that follows `attemptsMade` failed runs: backoffMs × 2^(attemptsMade−1), capped,
 * minus up to `jitter` of it. Same formula as BullMQ's built-in 'exponential' (src/classes/backoffs.ts),
 * plus the cap; used by both implementations so their timing agrees.
 */
export function backoffDelay(attemptsMade: number, retry: RetrySettings, random: () => number = Math.random): number {
  const base = Math.min(retry.maxBackoffMs, Math.round(retry.backoffMs * 2 ** Math.max(0, attemptsMade - 1)));
  if (retry.jitter <= 0) return base;
  return Math.floor(base * (1 - retry.jitter) + random() * base * retry.jitter);
}

export interface QueueCounts {
  waiting: number;
  active: number;
  /** Jobs waiting for their retry back-off to expire. */
  delayed: number;
  completed: number;
  failed: number;
}

export interface WorkerOptions {
  /** Jobs run in parallel by this process. */
  concurrency?: number;
}

export interface DiagnosisQueue {
  readonly cluster: string;
  /** `podwhy-diagnose-<cluster>` */
  readonly name: string;
  /**
   * Validates and enqueues. Throws PodwhyError 'bad-input' for invalid data or a job of another cluster,
   * and (BullMQ) 'redis-unavailable' at once when Redis is down: keep the job in a ReplayBuffer.
   */
  enqueue(job: DiagnoseJob): Promise<EnqueueResult>;
  /** Starts consuming; call once per process. */
  startWorkers(processor: DiagnoseProcessor, options?: WorkerOptions): Promise<void>;
  /** Backlog for metrics and health: jobs waiting to run, including retries waiting for their back-off. */
  depth(): Promise<number>;
  counts(): Promise<QueueCounts>;
  /** Stops workers (waiting for active jobs) and closes connections. */
  close(): Promise<void>;
}

/** Checks a job belongs to this queue's cluster (one queue per cluster; a worker never runs another's jobs). */
export function assertCluster(job: DiagnoseJob, cluster: string): void {
  if (job.cluster !== cluster) {
    throw new PodwhyError('bad-input', `Job for cluster ${job.cluster} on the queue of cluster ${cluster}`, {
      jobCluster: job.cluster,
      queueCluster: cluster,
    });
  }
}

export interface ReplayBufferOptions {
  /** Usually `queue.enqueue` bound to the queue. */
  enqueue: (job: DiagnoseJob) => Promise<EnqueueResult>;
  /** Jobs kept while Redis is down; the oldest is dropped beyond it (and reported through onOverflow). */
  capacity?: number;
  /** How often to try again while jobs are buffered. */
  retryIntervalMs?: number;
  /** E.g. `queue.onReady`: replay as soon as the producer connection is back. Returns an unsubscribe function. */
  subscribeReady?: (listener: () => void) => () => void;
  /**
   * A job was dropped because the buffer is full: the watch side should re-scan its informer cache for
   * candidates once Redis is back, so no failure is lost.
   */
  onOverflow?: (dropped: DiagnoseJob) => void;
  /** A job was dropped because it can never be enqueued (bad input). */
  onRejected?: (job: DiagnoseJob, error: unknown) => void;
}

/**
 * The producer-side outbox. `submit(job)` enqueues; if Redis is down ('redis-unavailable') the job is kept,
 * keyed by its dedup id (newest wins: a later observation of the same Pod and cause replaces the older
 * one), and replayed every `retryIntervalMs` and when the connection reports 'ready'.
 */
export class ReplayBuffer {
  readonly #jobs = new Map<string, DiagnoseJob>();
  readonly #options: Required<Pick<ReplayBufferOptions, 'capacity' | 'retryIntervalMs'>> & ReplayBufferOptions;
  #timer: NodeJS.Timeout | undefined;
  #unsubscribe: (() => void) | undefined;
  #flushing: Promise<FlushResult> | undefined;

  constructor(options: ReplayBufferOptions) {
    this.#options = { capacity: 10_000, retryIntervalMs: 2_000, ...options };
  }

  get size(): number {
    return this.#jobs.size;
  }

  /** Enqueues now, or keeps the job for replay when Redis is down. Other errors are thrown. */
  async submit(job: DiagnoseJob): Promise<EnqueueResult | 'buffered'> {
    // While older jobs wait for Redis, newer ones queue behind them (keeps the order and avoids a doomed call).
    if (this.#jobs.size > 0) {
      this.add(job);
      return 'buffered';
    }
    try {
      return await this.#options.enqueue(job);
    } catch (error) {
      if (!isPodwhyError(error, 'redis-unavailable')) throw error;
      this.add(job);
      return 'buffered';
    }
  }

  /** Keeps a job for replay; a job with the same dedup id is replaced (newest wins). */
  add(job: DiagnoseJob): void {
    const id = dedupIdOf(job);
    this.#jobs.delete(id);
    this.#jobs.set(id, job);
    while (this.#jobs.size > this.#options.capacity) {
      const [oldestId, oldest] = this.#jobs.entries().next().value as [string, DiagnoseJob];
      this.#jobs.delete(oldestId);
      this.#options.onOverflow?.(oldest);
    }
  }

  /** Replays buffered jobs in order; stops at the first 'redis-unavailable'. One flush at a time. */
  flush(): Promise<FlushResult> {
    this.#flushing ??= this.#flush().finally(() => {
      this.#flushing = undefined;
    });
    return this.#flushing;
  }

  async #flush(): Promise<FlushResult> {
    let replayed = 0;
    for (const [id, job] of [...this.#jobs]) {
      try {
        await this.#options.enqueue(job);
      } catch (error) {
        if (isPodwhyError(error, 'redis-unavailable')) break;
        this.#options.onRejected?.(job, error);
      }
      // Only remove what was sent: a newer job for the same id may have arrived during the await.
      if (this.#jobs.get(id) === job) this.#jobs.delete(id);
      replayed += 1;
    }
    return { replayed, remaining: this.#jobs.size };
  }

  /** Starts the retry timer and the 'ready' subscription. */
  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => {
      if (this.#jobs.size > 0) void this.flush();
    }, this.#options.retryIntervalMs);
    this.#timer.unref();
    this.#unsubscribe = this.#options.subscribeReady?.(() => void this.flush());
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
  }
}

export interface FlushResult {
  /** Jobs handed to the queue (queued, deduplicated or rejected as invalid). */
  replayed: number;
  remaining: number;
}
