import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { CauseId } from '../../src/contract/scenarios.ts';
import { PodwhyError } from '../../src/errors.ts';
import { createBullmqDiagnosisQueue } from '../../src/queue/bullmq.ts';
import { UnrecoverableJobError, type DiagnosisQueue, type ProcessorContext, type RetrySettings } from '../../src/queue/diagnosis-queue.ts';
import { InProcessDiagnosisQueue } from '../../src/queue/in-process.ts';
import type { DiagnoseJob } from '../../src/queue/jobs.ts';

// The same behaviour suite against both implementations: what the pipeline relies on must not depend on REDIS_URL.
const REDIS_URL = 'redis://127.0.0.1:6379';
const PREFIX = `podwhy-test-contract-${randomUUID().slice(0, 8)}`;
const RETRY: RetrySettings = { attempts: 3, backoffMs: 150, maxBackoffMs: 1_000, jitter: 0 };

interface Implementation {
  name: string;
  create(cluster: string, retry?: Partial<RetrySettings>): Promise<DiagnosisQueue>;
}

const implementations: Implementation[] = [
  {
    name: 'in-process',
    create: async (cluster, retry = RETRY) => new InProcessDiagnosisQueue({ cluster, retry }),
  },
  {
    name: 'bullmq',
    create: (cluster, retry = RETRY) =>
      createBullmqDiagnosisQueue({ cluster, redis: REDIS_URL, prefix: PREFIX, retry, drainDelaySeconds: 1 }),
  },
];

afterAll(async () => {
  const redis = new Redis(REDIS_URL);
  const keys = await redis.keys(`${PREFIX}:*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

let clusterSeq = 0;
function uniqueCluster(): string {
  clusterSeq += 1;
  return `c${clusterSeq}-${randomUUID().slice(0, 6)}`;
}

function watchJob(cluster: string, uid: string, candidateCause: CauseId = 'oom.container-limit'): DiagnoseJob {
  return {
    trigger: 'watch',
    cluster,
    namespace: 'shop',
    subject: { kind: 'Pod', name: `web-${uid}`, uid },
    candidateCause,
    enqueuedAt: '2026-11-20T12:00:00Z',
  };
}

async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 8_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe.each(implementations)('$name diagnosis queue', ({ create }) => {
  const open: DiagnosisQueue[] = [];
  async function queueFor(cluster = uniqueCluster(), retry?: Partial<RetrySettings>): Promise<DiagnosisQueue> {
    const queue = await create(cluster, retry);
    open.push(queue);
    return queue;
  }
  afterEach(async () => {
    await Promise.all(open.splice(0).map((queue) => queue.close()));
  });

  it('runs an enqueued job once, with the data re-parsed and a job id that carries the cluster and no colon', async () => {
    const queue = await queueFor();
    const seen: { job: DiagnoseJob; ctx: ProcessorContext }[] = [];
    await queue.startWorkers(async (job, ctx) => {
      seen.push({ job, ctx });
    });

    const result = await queue.enqueue(watchJob(queue.cluster, 'u1'));
    await waitFor(async () => (await queue.counts()).completed === 1);

    expect(result).toBe('queued');
    expect(seen).toHaveLength(1);
    expect(seen[0]?.job).toEqual(watchJob(queue.cluster, 'u1'));
    expect(seen[0]?.ctx.attempt).toBe(1);
    expect(seen[0]?.ctx.jobId.startsWith(`${queue.cluster}-u1-oom.container-limit-`)).toBe(true);
    expect(seen[0]?.ctx.jobId).not.toContain(':');
    expect(queue.name).toBe(`podwhy-diagnose-${queue.cluster}`);
  });

  it('deduplicates a job for the same pod and cause while one is waiting', async () => {
    const queue = await queueFor();

    const first = await queue.enqueue(watchJob(queue.cluster, 'u1'));
    const second = await queue.enqueue(watchJob(queue.cluster, 'u1'));
    const otherCause = await queue.enqueue(watchJob(queue.cluster, 'u1', 'container-exit.after-running'));
    const otherPod = await queue.enqueue(watchJob(queue.cluster, 'u2'));

    expect([first, second, otherCause, otherPod]).toEqual(['queued', 'deduplicated', 'queued', 'queued']);
    expect(await queue.depth()).toBe(3);
  });

  it('deduplicates while the job is running and accepts it again once it completed', async () => {
    const queue = await queueFor();
    let release: () => void = () => undefined;
    const blocked = new Promise<void>((resolve) => {
      release = resolve;
    });
    let runs = 0;
    await queue.startWorkers(async () => {
      runs += 1;
      if (runs === 1) await blocked;
    });
    await queue.enqueue(watchJob(queue.cluster, 'u1'));
    await waitFor(async () => (await queue.counts()).active === 1);

    const whileActive = await queue.enqueue(watchJob(queue.cluster, 'u1'));
    release();
    await waitFor(async () => (await queue.counts()).completed === 1);
    const afterCompletion = await queue.enqueue(watchJob(queue.cluster, 'u1'));
    await waitFor(async () => (await queue.counts()).completed === 2);

    expect(whileActive).toBe('deduplicated');
    expect(afterCompletion).toBe('queued');
    expect(runs).toBe(2);
  });

  it('retries a transient failure with exponential back-off, then succeeds', async () => {
    const queue = await queueFor();
    const runs: { attempt: number; at: number }[] = [];
    await queue.startWorkers(async (_job, ctx) => {
      runs.push({ attempt: ctx.attempt, at: Date.now() });
      if (ctx.attempt < 3) throw new Error('API server timeout');
    });

    await queue.enqueue(watchJob(queue.cluster, 'u1'));
    await waitFor(async () => (await queue.counts()).completed === 1);

    expect(runs.map((r) => r.attempt)).toEqual([1, 2, 3]);
    const [a, b, c] = runs.map((r) => r.at) as [number, number, number];
    // 150 ms, then 300 ms (timers fire no earlier than asked; allow 20 ms of clock granularity).
    expect(b - a).toBeGreaterThanOrEqual(130);
    expect(c - b).toBeGreaterThanOrEqual(280);
    expect(await queue.counts()).toMatchObject({ failed: 0, delayed: 0, waiting: 0 });
  });

  it('stops at the first UnrecoverableJobError and at PodwhyError pod-not-found', async () => {
    const queue = await queueFor();
    const attempts: string[] = [];
    await queue.startWorkers(async (job, ctx) => {
      attempts.push(`${job.subject.kind === 'Pod' ? job.subject.uid : ''}#${ctx.attempt}`);
      if (job.subject.kind === 'Pod' && job.subject.uid === 'u1') throw new UnrecoverableJobError('bad data');
      throw new PodwhyError('pod-not-found', 'Pod shop/web-u2 is gone');
    });

    await queue.enqueue(watchJob(queue.cluster, 'u1'));
    await queue.enqueue(watchJob(queue.cluster, 'u2'));
    await waitFor(async () => (await queue.counts()).failed === 2);

    expect(attempts.sort()).toEqual(['u1#1', 'u2#1']);
  });

  it('gives up after the configured number of attempts', async () => {
    const queue = await queueFor(undefined, { ...RETRY, attempts: 2, backoffMs: 50 });
    let runs = 0;
    await queue.startWorkers(async () => {
      runs += 1;
      throw new Error('still broken');
    });

    await queue.enqueue(watchJob(queue.cluster, 'u1'));
    await waitFor(async () => (await queue.counts()).failed === 1);

    expect(runs).toBe(2);
    // A failed job no longer blocks its dedup id.
    expect(await queue.enqueue(watchJob(queue.cluster, 'u1'))).toBe('queued');
  });

  it('rejects invalid job data and jobs of another cluster with bad-input, before queueing', async () => {
    const queue = await queueFor();
    const invalid = { ...watchJob(queue.cluster, 'u1'), subject: { kind: 'Pod', name: 'Web_1', uid: 'u:1' } } as unknown as DiagnoseJob;
    const withObject = { ...watchJob(queue.cluster, 'u1'), pod: { metadata: {} } } as unknown as DiagnoseJob;

    await expect(queue.enqueue(invalid)).rejects.toMatchObject({ code: 'bad-input' });
    await expect(queue.enqueue(withObject)).rejects.toMatchObject({ code: 'bad-input' });
    await expect(queue.enqueue(watchJob('another-cluster', 'u1'))).rejects.toMatchObject({ code: 'bad-input' });
    expect(await queue.depth()).toBe(0);
  });

  it('runs at most `concurrency` jobs at once', async () => {
    const queue = await queueFor();
    let running = 0;
    let maxRunning = 0;
    await queue.startWorkers(
      async () => {
        running += 1;
        maxRunning = Math.max(maxRunning, running);
        await new Promise((resolve) => setTimeout(resolve, 80));
        running -= 1;
      },
      { concurrency: 2 },
    );

    for (let i = 0; i < 6; i += 1) await queue.enqueue(watchJob(queue.cluster, `u${i}`));
    await waitFor(async () => (await queue.counts()).completed === 6);

    expect(maxRunning).toBe(2);
  });

  it('runs commands, which a person waits for, before watch jobs that were queued earlier', async () => {
    const queue = await queueFor();
    const order: string[] = [];
    for (const uid of ['w1', 'w2', 'w3']) await queue.enqueue(watchJob(queue.cluster, uid));
    await queue.enqueue({
      trigger: 'command',
      cluster: queue.cluster,
      namespace: 'shop',
      subject: { kind: 'Query', query: 'web' },
      requestId: 'req-1',
      replyTo: { channel: 'C0123ABC', user: 'U0456DEF' },
      enqueuedAt: '2026-11-20T12:00:05Z',
    });

    await queue.startWorkers(async (job) => void order.push(job.trigger === 'command' ? 'command' : job.subject.kind === 'Pod' ? job.subject.uid : ''));
    await waitFor(async () => (await queue.counts()).completed === 4);

    expect(order).toEqual(['command', 'w1', 'w2', 'w3']);
  });

  it('reports counts by state', async () => {
    const queue = await queueFor();
    await queue.enqueue(watchJob(queue.cluster, 'u1'));
    await queue.enqueue(watchJob(queue.cluster, 'u2'));

    const counts = await queue.counts();

    expect(counts).toEqual({ waiting: 2, active: 0, delayed: 0, completed: 0, failed: 0 });
    expect(await queue.depth()).toBe(2);
  });
});
