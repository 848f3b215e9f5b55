import { describe, expect, it } from 'vitest';
import { PodwhyError } from '../../src/errors.ts';
import { backoffDelay, isUnrecoverable, ReplayBuffer, UnrecoverableJobError, type EnqueueResult } from '../../src/queue/diagnosis-queue.ts';
import type { DiagnoseJob } from '../../src/queue/jobs.ts';

function watchJob(uid: string, enqueuedAt = '2026-11-20T12:00:00Z'): DiagnoseJob {
  return {
    trigger: 'watch',
    cluster: 'prod',
    namespace: 'shop',
    subject: { kind: 'Pod', name: `web-${uid}`, uid },
    candidateCause: 'oom.container-limit',
    enqueuedAt,
  };
}

/** A stand-in for queue.enqueue whose Redis can be switched off: a plain function, not a mocked client. */
function switchableQueue() {
  const state = { up: true, received: [] as DiagnoseJob[] };
  const enqueue = async (job: DiagnoseJob): Promise<EnqueueResult> => {
    if (!state.up) throw new PodwhyError('redis-unavailable', 'Redis at 127.0.0.1:6379 is unavailable (connection reconnecting)');
    if (job.namespace === 'invalid') throw new PodwhyError('bad-input', 'Invalid diagnose job');
    state.received.push(job);
    return 'queued';
  };
  return { state, enqueue };
}

describe('backoffDelay', () => {
  it('doubles per failed attempt from backoffMs and stops at maxBackoffMs', () => {
    const retry = { attempts: 10, backoffMs: 1_000, maxBackoffMs: 5_000, jitter: 0 };

    const delays = [1, 2, 3, 4, 5].map((attemptsMade) => backoffDelay(attemptsMade, retry));

    expect(delays).toEqual([1_000, 2_000, 4_000, 5_000, 5_000]);
  });

  it('takes off at most `jitter` of the delay', () => {
    const retry = { attempts: 5, backoffMs: 1_000, maxBackoffMs: 60_000, jitter: 0.2 };

    const shortest = backoffDelay(2, retry, () => 0);
    const longest = backoffDelay(2, retry, () => 0.999_999);

    expect(shortest).toBe(1_600);
    expect(longest).toBe(1_999);
  });
});

describe('isUnrecoverable', () => {
  it('is true for UnrecoverableJobError and for bad input or a Pod that is gone, false for transient errors', () => {
    const cases = [
      new UnrecoverableJobError('bad'),
      new PodwhyError('bad-input', 'x'),
      new PodwhyError('pod-not-found', 'x'),
      new PodwhyError('gone', 'x'),
      new PodwhyError('api-unreachable', 'x'),
      new PodwhyError('redis-unavailable', 'x'),
      new Error('ECONNRESET'),
    ];

    expect(cases.map(isUnrecoverable)).toEqual([true, true, true, true, false, false, false]);
  });
});

describe('ReplayBuffer', () => {
  it('passes jobs straight through while the queue is up', async () => {
    const { state, enqueue } = switchableQueue();
    const buffer = new ReplayBuffer({ enqueue });

    const result = await buffer.submit(watchJob('a'));

    expect(result).toBe('queued');
    expect(state.received).toHaveLength(1);
    expect(buffer.size).toBe(0);
  });

  it('keeps jobs while Redis is down, newest per dedup id, and replays them in order when it is back', async () => {
    const { state, enqueue } = switchableQueue();
    const buffer = new ReplayBuffer({ enqueue });
    state.up = false;

    const results = [
      await buffer.submit(watchJob('a', '2026-11-20T12:00:00Z')),
      await buffer.submit(watchJob('b')),
      await buffer.submit(watchJob('a', '2026-11-20T12:00:30Z')),
    ];
    const stillDown = await buffer.flush();
    state.up = true;
    const replay = await buffer.flush();

    expect(results).toEqual(['buffered', 'buffered', 'buffered']);
    expect(stillDown).toEqual({ replayed: 0, remaining: 2 });
    expect(replay).toEqual({ replayed: 2, remaining: 0 });
    expect(state.received.map((job) => `${job.subject.kind === 'Pod' ? job.subject.uid : ''}@${job.enqueuedAt}`)).toEqual([
      'b@2026-11-20T12:00:00Z',
      'a@2026-11-20T12:00:30Z',
    ]);
  });

  it('drops the oldest job beyond its capacity and reports it, so the pipeline can re-scan its informer cache', async () => {
    const { state, enqueue } = switchableQueue();
    const dropped: DiagnoseJob[] = [];
    const buffer = new ReplayBuffer({ enqueue, capacity: 2, onOverflow: (job) => dropped.push(job) });
    state.up = false;

    for (const uid of ['a', 'b', 'c']) await buffer.submit(watchJob(uid));

    expect(buffer.size).toBe(2);
    expect(dropped).toEqual([watchJob('a')]);
  });

  it('throws errors other than redis-unavailable to the caller, and drops invalid jobs at replay', async () => {
    const { state, enqueue } = switchableQueue();
    const rejected: DiagnoseJob[] = [];
    const buffer = new ReplayBuffer({ enqueue, onRejected: (job) => rejected.push(job) });
    const invalid = { ...watchJob('x'), namespace: 'invalid' };

    await expect(buffer.submit(invalid)).rejects.toMatchObject({ code: 'bad-input' });
    state.up = false;
    buffer.add(invalid);
    state.up = true;
    const replay = await buffer.flush();

    expect(replay).toEqual({ replayed: 1, remaining: 0 });
    expect(rejected).toEqual([invalid]);
  });

  it('replays when the connection reports ready', async () => {
    const { state, enqueue } = switchableQueue();
    let ready: () => void = () => undefined;
    const buffer = new ReplayBuffer({
      enqueue,
      retryIntervalMs: 60_000,
      subscribeReady: (listener) => {
        ready = listener;
        return () => undefined;
      },
    });
    buffer.start();
    state.up = false;
    await buffer.submit(watchJob('a'));

    state.up = true;
    ready();
    await new Promise((resolve) => setTimeout(resolve, 10));
    buffer.stop();

    expect(state.received).toEqual([watchJob('a')]);
    expect(buffer.size).toBe(0);
  });
});
