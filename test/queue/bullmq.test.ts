import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { linesOf } from '../support/child-lines.ts';
import { RedisOutageProxy } from '../support/redis-outage-proxy.ts';
import { RedisIncidentStore } from '../../src/incidents/redis-store.ts';
import { IncidentManager } from '../../src/incidents/manager.ts';
import { BullmqDiagnosisQueue, createBullmqDiagnosisQueue, type BullmqQueueOptions } from '../../src/queue/bullmq.ts';
import { checkRedis } from '../../src/queue/redis-connection.ts';
import { ReplayBuffer } from '../../src/queue/diagnosis-queue.ts';
import { queueNameFor, type DiagnoseJob } from '../../src/queue/jobs.ts';
import { incidentProcessor, type StallWorkerConfig } from './stall-worker.ts';

// Real Redis at 127.0.0.1:6379; every key this file creates starts with PREFIX and is deleted in afterAll.
const REDIS_HOST = '127.0.0.1';
const REDIS_PORT = 6379;
const REDIS_URL = `redis://${REDIS_HOST}:${REDIS_PORT}`;
const PREFIX = `podwhy-test-bullmq-${randomUUID().slice(0, 8)}`;
const FAST = { attempts: 3, backoffMs: 100, maxBackoffMs: 1_000, jitter: 0 };

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});
afterAll(async () => {
  const redis = new Redis(REDIS_URL);
  const keys = await redis.keys(`${PREFIX}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

let clusterSeq = 0;
function uniqueCluster(): string {
  clusterSeq += 1;
  return `b${clusterSeq}-${randomUUID().slice(0, 6)}`;
}

async function queue(options: Partial<BullmqQueueOptions> & { cluster: string }): Promise<BullmqDiagnosisQueue> {
  const created = await createBullmqDiagnosisQueue({ redis: REDIS_URL, prefix: PREFIX, retry: FAST, drainDelaySeconds: 1, ...options });
  cleanup.push(() => created.close());
  return created;
}

function watchJob(cluster: string, uid: string): DiagnoseJob {
  return {
    trigger: 'watch',
    cluster,
    namespace: 'shop',
    subject: { kind: 'Pod', name: `web-${uid}`, uid },
    candidateCause: 'oom.container-limit',
    enqueuedAt: '2026-11-20T12:00:00Z',
  };
}

async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}


describe('BullMQ diagnosis queue: start-up checks', () => {
  it('fails fast (under 2 s) with redis-unavailable when Redis cannot be reached', async () => {
    const port = await freePort();
    const started = Date.now();

    const attempt = createBullmqDiagnosisQueue({ cluster: uniqueCluster(), redis: `redis://127.0.0.1:${port}`, connectTimeoutMs: 1_500 });

    await expect(attempt).rejects.toMatchObject({ code: 'redis-unavailable' });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('refuses a Redis whose maxmemory-policy is allkeys-lru, naming the policy, and accepts noeviction', async () => {
    const admin = new Redis(REDIS_URL);
    const [, original] = (await admin.config('GET', 'maxmemory-policy')) as [string, string];
    let refusal: unknown;
    try {
      await admin.config('SET', 'maxmemory-policy', 'allkeys-lru');
      refusal = await createBullmqDiagnosisQueue({ cluster: uniqueCluster(), redis: REDIS_URL, prefix: PREFIX }).catch((error: unknown) => error);
    } finally {
      // Shared Redis: restore the policy whatever happened.
      await admin.config('SET', 'maxmemory-policy', original);
    }
    const accepted = await checkRedis(admin);
    await admin.quit();

    expect(original).toBe('noeviction');
    expect(refusal).toMatchObject({ code: 'redis-misconfigured', details: { maxmemoryPolicy: 'allkeys-lru' } });
    expect((refusal as Error).message).toContain('"allkeys-lru"');
    expect(accepted).toEqual({ maxmemoryPolicy: 'noeviction' });
  });

  it('reads the policy from INFO when CONFIG is denied, and warns and continues when both are', async () => {
    const admin = new Redis(REDIS_URL);
    const user = `${PREFIX}-user`;
    const logged: string[] = [];
    const log = pino({ level: 'warn' }, { write: (line: string) => void logged.push(line) });
    let viaInfo: unknown;
    let blind: unknown;
    try {
      await admin.acl('SETUSER', user, 'on', '>pw', '~*', '&*', '+@all', '-config');
      const restricted = new Redis({ host: REDIS_HOST, port: REDIS_PORT, username: user, password: 'pw' });
      viaInfo = await checkRedis(restricted, log);
      await admin.acl('SETUSER', user, '-info');
      blind = await checkRedis(restricted, log);
      await restricted.quit();
    } finally {
      await admin.acl('DELUSER', user);
      await admin.quit();
    }

    expect(viaInfo).toEqual({ maxmemoryPolicy: 'noeviction' });
    expect(blind).toEqual({ maxmemoryPolicy: null });
    expect(logged).toHaveLength(1);
    expect(logged[0]).toContain('Cannot read the Redis maxmemory-policy');
  });
});

describe('BullMQ diagnosis queue: runtime', () => {
  it('runs a cluster\'s jobs only on that cluster\'s workers when clusters share one Redis', async () => {
    const prod = await queue({ cluster: uniqueCluster() });
    const stage = await queue({ cluster: uniqueCluster() });
    const seenByProd: string[] = [];
    const seenByStage: string[] = [];
    await prod.startWorkers(async (job) => void seenByProd.push(job.cluster));
    await stage.startWorkers(async (job) => void seenByStage.push(job.cluster));

    await prod.enqueue(watchJob(prod.cluster, 'u1'));
    await stage.enqueue(watchJob(stage.cluster, 'u1'));
    await waitFor(async () => (await prod.counts()).completed === 1 && (await stage.counts()).completed === 1);

    expect(seenByProd).toEqual([prod.cluster]);
    expect(seenByStage).toEqual([stage.cluster]);
  });

  it('validates job data on the worker side: invalid data or another cluster\'s job fails without retries and never reaches the processor', async () => {
    const target = await queue({ cluster: uniqueCluster() });
    const processed: DiagnoseJob[] = [];
    await target.startWorkers(async (job) => void processed.push(job));
    // A producer that skips validation (an older version, a hand-made job), writing straight to the queue.
    const raw = new Queue(queueNameFor(target.cluster), { connection: { host: REDIS_HOST, port: REDIS_PORT }, prefix: PREFIX });
    raw.on('error', () => undefined);
    cleanup.push(() => raw.close());
    const opts = { attempts: 3, backoff: { type: 'podwhy-exponential' } };

    const invalid = await raw.add('diagnose', { ...watchJob(target.cluster, 'u1'), enqueuedAt: 'yesterday' }, opts);
    const foreign = await raw.add('diagnose', watchJob('some-other-cluster', 'u2'), opts);
    await waitFor(async () => (await target.counts()).failed === 2);

    expect(processed).toEqual([]);
    expect((await raw.getJob(invalid.id ?? ''))?.attemptsMade).toBe(1);
    expect((await raw.getJob(foreign.id ?? ''))?.attemptsMade).toBe(1);
    expect((await raw.getJob(invalid.id ?? ''))?.failedReason).toContain('enqueuedAt');
  });

  it('fails fast with redis-unavailable while Redis is down, buffers, and replays when it is back, so no job is lost', async () => {
    const proxy = new RedisOutageProxy();
    await proxy.up();
    cleanup.push(() => proxy.down());
    const cluster = uniqueCluster();
    const producer = await queue({ cluster, redis: `redis://127.0.0.1:${proxy.port}`, enqueueTimeoutMs: 1_500 });
    const consumer = await queue({ cluster });
    const processed: string[] = [];
    await consumer.startWorkers(async (job) => void processed.push(job.subject.kind === 'Query' ? '' : job.subject.uid));
    const buffer = new ReplayBuffer({
      enqueue: (job) => producer.enqueue(job),
      subscribeReady: (listener) => producer.onReady(listener),
      retryIntervalMs: 60_000, // only the 'ready' event should trigger the replay here
    });
    buffer.start();
    cleanup.push(async () => buffer.stop());

    const beforeOutage = await buffer.submit(watchJob(cluster, 'u1'));
    await proxy.down();
    const started = Date.now();
    const direct = await producer.enqueue(watchJob(cluster, 'u2')).catch((error: unknown) => error);
    const failedAfterMs = Date.now() - started;
    const duringOutage = [await buffer.submit(watchJob(cluster, 'u2')), await buffer.submit(watchJob(cluster, 'u3'))];
    const bufferedDuringOutage = buffer.size;
    await proxy.up();
    await waitFor(() => processed.length === 3);

    expect(beforeOutage).toBe('queued');
    expect(direct).toMatchObject({ code: 'redis-unavailable' });
    expect(failedAfterMs).toBeLessThan(2_000);
    expect(duringOutage).toEqual(['buffered', 'buffered']);
    expect(bufferedDuringOutage).toBe(2);
    expect(processed.sort()).toEqual(['u1', 'u2', 'u3']);
    expect(buffer.size).toBe(0);
  });

  it('recovers the job of a worker killed with SIGKILL mid-job on another worker, and the notification is posted once', async () => {
    const cluster = uniqueCluster();
    const config: StallWorkerConfig = {
      redisUrl: REDIS_URL,
      queuePrefix: PREFIX,
      incidentPrefix: `${PREFIX}-incidents`,
      cluster,
      postsKey: `${PREFIX}-posts-${cluster}`,
      lockDurationMs: 1_000,
      stalledIntervalMs: 500,
    };
    const producer = await queue({ cluster });
    const child = spawn(process.execPath, [join(import.meta.dirname, 'stall-worker.ts'), 'run', JSON.stringify(config)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    cleanup.push(async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    const output = linesOf(child);
    await waitFor(() => output.includes('ready'), 15_000);

    await producer.enqueue(watchJob(cluster, 'u1'));
    await waitFor(() => output.includes('side-effect-done'));
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    // The surviving worker runs the same processor, with the same short lock, and finishes.
    const redis = new Redis(REDIS_URL);
    cleanup.push(() => redis.quit());
    const store = new RedisIncidentStore({ redis, prefix: config.incidentPrefix });
    const manager = new IncidentManager({ store });
    let survivorRuns = 0;
    const survivor = await queue({ cluster, lockDurationMs: config.lockDurationMs, stalledIntervalMs: config.stalledIntervalMs });
    await survivor.startWorkers(incidentProcessor(manager, store, redis, config.postsKey, async () => void (survivorRuns += 1)));
    await waitFor(async () => (await survivor.counts()).completed === 1, 15_000);

    expect(survivorRuns).toBe(1);
    expect(await redis.lrange(config.postsKey, 0, -1)).toEqual([`open by ${child.pid}`]);
    expect(await survivor.counts()).toMatchObject({ completed: 1, failed: 0, active: 0, waiting: 0 });
  });
});

