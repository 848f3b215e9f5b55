/**
 * Redis connections for the BullMQ queues (bullmq.ts: diagnosis jobs; notify-bullmq.ts: notify commands),
 * with the settings BullMQ's docs ask for (taskforcesh/bullmq docs/gitbook/guide/connections.md,
 * guide/going-to-production.md): producers fail fast (`enableOfflineQueue: false`), workers retry for ever
 * (`maxRetriesPerRequest: null`), every connection has an 'error' handler, and Redis must not evict keys.
 */
import { Queue, type KeepJobs } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import { pino, type Logger } from 'pino';
import { PodwhyError } from '../errors.ts';

/**
 * Refuses a Redis whose `maxmemory-policy` is not `noeviction`: an eviction policy may delete queue keys
 * and lose jobs silently (BullMQ guide/going-to-production.md). CONFIG is often disabled on managed Redis,
 * so INFO memory is the fallback; when neither is readable, warn and continue.
 */
export async function checkRedis(connection: Redis, log: Logger = pino({ level: 'silent' })): Promise<{ maxmemoryPolicy: string | null }> {
  let policy: string | null = null;
  let configError: unknown;
  try {
    const reply = (await connection.config('GET', 'maxmemory-policy')) as unknown;
    if (Array.isArray(reply) && typeof reply[1] === 'string') policy = reply[1];
  } catch (error) {
    configError = error;
  }
  if (policy === null) {
    try {
      policy = /^maxmemory_policy:(\S+)/m.exec(await connection.info('memory'))?.[1] ?? null;
    } catch {
      // Both CONFIG and INFO are denied: nothing more to learn.
    }
  }
  if (policy === null) {
    log.warn({ err: configError }, 'Cannot read the Redis maxmemory-policy; it must be noeviction');
    return { maxmemoryPolicy: null };
  }
  if (policy !== 'noeviction') {
    throw new PodwhyError(
      'redis-misconfigured',
      `Redis maxmemory-policy is "${policy}": podwhy needs "noeviction", because an eviction policy can delete queued jobs and incidents. Set maxmemory-policy noeviction in the Redis configuration.`,
      { maxmemoryPolicy: policy },
    );
  }
  return { maxmemoryPolicy: policy };
}

export function createRedis(redis: string | RedisOptions, overrides: RedisOptions): Redis {
  return typeof redis === 'string' ? new Redis(redis, overrides) : new Redis({ ...redis, ...overrides });
}

/** Every connection gets an 'error' handler (ioredis otherwise prints "Unhandled error event"); logs once per outage. */
export function watchConnection(connection: Redis, log: Logger, role: string): void {
  let down = false;
  connection.on('error', (err: Error) => {
    if (down) return;
    down = true;
    log.warn({ role, err }, 'Redis connection lost');
  });
  connection.on('ready', () => {
    if (down) log.info({ role }, 'Redis connection ready again');
    down = false;
  });
}

export async function closeRedis(connection: Redis | undefined): Promise<void> {
  if (!connection || connection.status === 'end') return;
  if (connection.status !== 'ready') {
    connection.disconnect();
    return;
  }
  try {
    await connection.quit();
  } catch {
    connection.disconnect();
  }
}

export function unavailable(connection: Redis, cause?: unknown): PodwhyError {
  const { host, port } = connection.options;
  return new PodwhyError(
    'redis-unavailable',
    `Redis at ${host ?? '?'}:${port ?? '?'} is unavailable (connection ${connection.status})`,
    { host, port, status: connection.status },
    cause === undefined ? undefined : { cause },
  );
}

const CONNECTION_ERROR = /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|EHOSTUNREACH|Connection is closed|Stream isn't writeable|max retries per request|timed out/i;

export function isConnectionError(error: unknown): boolean {
  return error instanceof Error && CONNECTION_ERROR.test(`${error.message} ${(error as NodeJS.ErrnoException).code ?? ''}`);
}

export async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A producer's connection: it fails fast while Redis is down (the callers buffer or report), never queues offline. */
export function createProducer(redis: string | RedisOptions, connectTimeoutMs: number, log: Logger, role: string): Redis {
  const producer = createRedis(redis, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: true, connectTimeout: connectTimeoutMs });
  watchConnection(producer, log, role);
  return producer;
}

export interface ProducerQueueOptions {
  prefix: string;
  connectTimeoutMs: number;
  /** Runs of a job, the first included; retries use the queue's custom back-off strategy `backoffType`. */
  attempts: number;
  backoffType: string;
  removeOnComplete: KeepJobs;
  removeOnFail: KeepJobs;
  log: Logger;
}

/**
 * Connects a producer, checks Redis (noeviction) and opens the BullMQ Queue on it. The Queue is created only
 * now: given a lazy connection, BullMQ would call connect() on it itself, outside our time limit.
 */
export async function openProducerQueue(producer: Redis, name: string, options: ProducerQueueOptions): Promise<Queue> {
  try {
    await withTimeout(producer.connect(), options.connectTimeoutMs);
  } catch (error) {
    throw unavailable(producer, error);
  }
  await checkRedis(producer, options.log);
  const queue = new Queue(name, {
    connection: producer,
    prefix: options.prefix,
    defaultJobOptions: {
      attempts: options.attempts,
      backoff: { type: options.backoffType },
      removeOnComplete: options.removeOnComplete,
      removeOnFail: options.removeOnFail,
    },
  });
  queue.on('error', (err) => options.log.error({ err, queue: name }, 'Queue error'));
  return queue;
}

/** Settings both BullMQ queues (diagnosis jobs, notify commands) start from; each may override them. */
export const QUEUE_DEFAULTS = {
  prefix: 'podwhy',
  lockDurationMs: 30_000,
  stalledIntervalMs: 30_000,
  drainDelaySeconds: 5,
  removeOnComplete: { age: 3_600, count: 1_000 },
  removeOnFail: { age: 7 * 24 * 3_600, count: 5_000 },
  enqueueTimeoutMs: 1_500,
  connectTimeoutMs: 5_000,
} as const satisfies Record<string, unknown>;

/**
 * A BullMQ queue's job counts as podwhy reports them (the diagnosis and notify queues alike): prioritized jobs are
 * waiting too; counts BullMQ leaves out are 0.
 */
export async function jobCountsOf(queue: Queue): Promise<{ waiting: number; active: number; delayed: number; completed: number; failed: number }> {
  const c = await queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'completed', 'failed');
  return {
    waiting: (c.waiting ?? 0) + (c.prioritized ?? 0),
    active: c.active ?? 0,
    delayed: c.delayed ?? 0,
    completed: c.completed ?? 0,
    failed: c.failed ?? 0,
  };
}
