import { Queue, UnrecoverableError, Worker, type Job, type KeepJobs } from 'bullmq';
import type { Redis, RedisOptions } from 'ioredis';
import { pino, type Logger } from 'pino';
import type { NotifyCommand } from '../contract/incident.ts';
import { isPodwhyError, PodwhyError } from '../errors.ts';
import { backoffDelay, isUnrecoverable, type RetrySettings } from './diagnosis-queue.ts';
import { parseNotifyCommand } from './notify-jobs.ts';
import { NOTIFY_QUEUE_NAME, type NotifyDeliveryOptions, type NotifyHandler, type NotifyQueue } from './notify-queue.ts';
import { closeRedis, createProducer, createRedis, isConnectionError, jobCountsOf, openProducerQueue, QUEUE_DEFAULTS, unavailable, watchConnection, withTimeout } from './redis-connection.ts';

/**
 * The notify queue on Redis with BullMQ (`podwhy-notify`): the agents of every cluster produce, the Slack
 * gateway consumes with nothing but Redis and its Slack tokens. Delivery is at least once (a consumer killed
 * mid-job has it run again once its lock expires, guide/workers/stalled-jobs.md) and a failed delivery is
 * retried with back-off; an open or a digest post is still posted once, because the delivering side checks
 * the incident store for a recorded `posted` before posting (src/notify/deliver.ts). Connection settings as
 * for the diagnosis queue (redis-connection.ts).
 */

/** A custom back-off type so both queues share `backoffDelay` (with its cap and jitter). */
const BACKOFF_TYPE = 'podwhy-exponential';

/** Slack answers 429 with Retry-After in seconds and has short outages: retries spread over about 5 minutes. */
export const DEFAULT_NOTIFY_RETRY: RetrySettings = { attempts: 8, backoffMs: 1_000, maxBackoffMs: 60_000, jitter: 0.2 };

export interface BullmqNotifyQueueOptions {
  /** REDIS_URL, or ioredis options. */
  redis: string | RedisOptions;
  /** BullMQ key prefix (the same REDIS_PREFIX as the diagnosis queues). */
  prefix?: string;
  retry?: Partial<RetrySettings>;
  /** How long a consumer's lock on a job lasts without renewal. */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  drainDelaySeconds?: number;
  removeOnComplete?: KeepJobs;
  removeOnFail?: KeepJobs;
  /** An enqueue that does not finish within this time counts as Redis being unavailable. */
  enqueueTimeoutMs?: number;
  connectTimeoutMs?: number;
  log?: Logger;
  /** Jitter source; tests pass a constant. */
  random?: () => number;
}

type Defaulted = 'prefix' | 'lockDurationMs' | 'stalledIntervalMs' | 'drainDelaySeconds' | 'removeOnComplete' | 'removeOnFail' | 'enqueueTimeoutMs' | 'connectTimeoutMs';

const DEFAULTS: Required<Pick<BullmqNotifyQueueOptions, Defaulted>> = QUEUE_DEFAULTS;

/**
 * Connects, checks Redis (refuses a maxmemory-policy other than noeviction) and returns the queue.
 * Throws PodwhyError 'redis-unavailable' or 'redis-misconfigured'.
 */
export async function createBullmqNotifyQueue(options: BullmqNotifyQueueOptions): Promise<BullmqNotifyQueue> {
  const queue = new BullmqNotifyQueue(options);
  try {
    await queue.connect();
  } catch (error) {
    await queue.close();
    throw error;
  }
  return queue;
}

export class BullmqNotifyQueue implements NotifyQueue {
  readonly name = NOTIFY_QUEUE_NAME;
  readonly #options: BullmqNotifyQueueOptions & Required<Pick<BullmqNotifyQueueOptions, Defaulted>>;
  readonly #retry: RetrySettings;
  readonly #log: Logger;
  readonly #random: () => number;
  /** Producer connection: fails fast (no offline queue, one retry per request). */
  readonly #producer: Redis;
  #queue: Queue | undefined;
  #workerConnection: Redis | undefined;
  #worker: Worker | undefined;

  /** Prefer createBullmqNotifyQueue, which connects and checks Redis. */
  constructor(options: BullmqNotifyQueueOptions) {
    this.#options = { ...DEFAULTS, ...options };
    this.#retry = { ...DEFAULT_NOTIFY_RETRY, ...options.retry };
    this.#log = (options.log ?? pino({ level: 'silent' })).child({ component: 'notify-queue', queue: this.name });
    this.#random = options.random ?? Math.random;
    this.#producer = createProducer(options.redis, this.#options.connectTimeoutMs, this.#log, 'notify-producer');
  }

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

  async enqueue(command: NotifyCommand): Promise<void> {
    const parsed = parseNotifyCommand(command);
    if (!this.#queue) throw new PodwhyError('redis-unavailable', `Queue ${this.name} is not connected; call connect() first`);
    // BullMQ's add() waits for the connection to be ready, for ever: check first, so producers fail fast.
    if (this.#producer.status !== 'ready') throw unavailable(this.#producer);
    try {
      await withTimeout(this.#queue.add(parsed.type, parsed), this.#options.enqueueTimeoutMs);
    } catch (error) {
      if (isPodwhyError(error)) throw error;
      if (this.#producer.status !== 'ready' || isConnectionError(error)) throw unavailable(this.#producer, error);
      throw error;
    }
  }

  async startDelivery(handler: NotifyHandler, options: NotifyDeliveryOptions = {}): Promise<void> {
    if (this.#worker) throw new PodwhyError('bad-input', `Delivery from ${this.name} is already started`);
    const connection = createRedis(this.#options.redis, { maxRetriesPerRequest: null });
    watchConnection(connection, this.#log, 'notify-worker');
    this.#workerConnection = connection;
    const worker = new Worker(this.name, (job) => this.#deliver(job, handler), {
      connection,
      prefix: this.#options.prefix,
      concurrency: Math.max(1, options.concurrency ?? 1),
      lockDuration: this.#options.lockDurationMs,
      stalledInterval: this.#options.stalledIntervalMs,
      drainDelay: this.#options.drainDelaySeconds,
      settings: { backoffStrategy: (attemptsMade: number) => backoffDelay(attemptsMade, this.#retry, this.#random) },
    });
    worker.on('error', (err) => this.#log.error({ err }, 'Notify worker error'));
    worker.on('failed', (job, err) => this.#log.warn({ jobId: job?.id, type: job?.name, attemptsMade: job?.attemptsMade, err }, 'Notify delivery attempt failed'));
    worker.on('stalled', (jobId) => this.#log.warn({ jobId }, 'Notify delivery stalled; it will run again'));
    this.#worker = worker;
    await worker.waitUntilReady();
  }

  async #deliver(job: Job, handler: NotifyHandler): Promise<void> {
    let command: NotifyCommand;
    try {
      command = parseNotifyCommand(job.data);
    } catch (error) {
      throw new UnrecoverableError(error instanceof Error ? error.message : String(error));
    }
    try {
      await handler(command, { attempt: job.attemptsMade + 1, jobId: job.id ?? '' });
    } catch (error) {
      if (isUnrecoverable(error)) throw new UnrecoverableError(error instanceof Error ? error.message : String(error));
      throw error;
    }
  }

  /** Jobs waiting (including retries waiting for their back-off), running, done and failed. */
  async counts(): Promise<{ waiting: number; active: number; delayed: number; completed: number; failed: number }> {
    if (!this.#queue) throw new PodwhyError('redis-unavailable', `Queue ${this.name} is not connected`);
    return jobCountsOf(this.#queue);
  }

  /** Graceful: the consumer finishes its active deliveries, then connections close. */
  async close(): Promise<void> {
    await this.#worker?.close();
    await this.#queue?.close();
    await closeRedis(this.#workerConnection);
    await closeRedis(this.#producer);
  }
}
