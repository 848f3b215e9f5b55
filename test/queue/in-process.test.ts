import { afterEach, describe, expect, it } from 'vitest';
import { InProcessDiagnosisQueue } from '../../src/queue/in-process.ts';
import type { DiagnoseJob } from '../../src/queue/jobs.ts';

// Behaviour shared with BullMQ is in contract.test.ts; these are the in-memory implementation's own promises.

const open: InProcessDiagnosisQueue[] = [];
function queueFor(options: Partial<ConstructorParameters<typeof InProcessDiagnosisQueue>[0]> = {}): InProcessDiagnosisQueue {
  const queue = new InProcessDiagnosisQueue({ cluster: 'prod', retry: { attempts: 3, backoffMs: 100, jitter: 0 }, ...options });
  open.push(queue);
  return queue;
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((queue) => queue.close()));
});

function watchJob(uid: string): DiagnoseJob {
  return {
    trigger: 'watch',
    cluster: 'prod',
    namespace: 'shop',
    subject: { kind: 'Pod', name: `web-${uid}`, uid },
    candidateCause: 'image-pull.unauthorized',
    enqueuedAt: '2026-11-20T12:00:00Z',
  };
}

async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('InProcessDiagnosisQueue', () => {
  it('holds jobs until workers start, then runs them in the order they were enqueued', async () => {
    const queue = queueFor();
    const order: string[] = [];
    for (const uid of ['a', 'b', 'c']) await queue.enqueue(watchJob(uid));
    const waitingBeforeStart = (await queue.counts()).waiting;

    await queue.startWorkers(async (job) => void order.push(job.subject.kind === 'Pod' ? job.subject.uid : ''));
    await waitFor(async () => (await queue.counts()).completed === 3);

    expect(waitingBeforeStart).toBe(3);
    expect(order).toEqual(['a', 'b', 'c']);
  });

  it('gives the processor its own parsed copy: changing the caller\'s object after enqueue changes nothing', async () => {
    const queue = queueFor();
    const job = watchJob('a');
    const seen: DiagnoseJob[] = [];
    await queue.enqueue(job);
    (job.subject as { name: string }).name = 'changed';

    await queue.startWorkers(async (received) => void seen.push(received));
    await waitFor(() => seen.length === 1);

    expect(seen[0]).toEqual(watchJob('a'));
    expect(seen[0]).not.toBe(job);
  });

  it('counts a job waiting for its retry back-off as delayed, and it still deduplicates', async () => {
    const queue = queueFor({ retry: { attempts: 2, backoffMs: 300, jitter: 0 } });
    let runs = 0;
    await queue.startWorkers(async () => {
      runs += 1;
      if (runs === 1) throw new Error('API server timeout');
    });

    await queue.enqueue(watchJob('a'));
    await waitFor(async () => (await queue.counts()).delayed === 1);
    const duringBackoff = await queue.enqueue(watchJob('a'));
    const depthDuringBackoff = await queue.depth();
    await waitFor(async () => (await queue.counts()).completed === 1);

    expect(duringBackoff).toBe('deduplicated');
    expect(depthDuringBackoff).toBe(1);
    expect(runs).toBe(2);
  });

  it('close() lets active jobs finish, aborts their signal after closeTimeoutMs, and refuses new jobs', async () => {
    const queue = queueFor({ closeTimeoutMs: 50 });
    let aborted = false;
    await queue.startWorkers(
      (_job, ctx) =>
        new Promise<void>((resolve) => {
          ctx.signal?.addEventListener('abort', () => {
            aborted = true;
            resolve();
          });
        }),
    );
    await queue.enqueue(watchJob('a'));
    await waitFor(async () => (await queue.counts()).active === 1);

    await queue.close();

    expect(aborted).toBe(true);
    await expect(queue.enqueue(watchJob('b'))).rejects.toMatchObject({ code: 'bad-input' });
  });
});
