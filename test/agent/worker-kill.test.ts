import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { queueNameFor } from '../../src/queue/jobs.ts';
import type { AgentProcessConfig } from './agent-process.ts';
import {
  deleteRedisKeys, linesOf, REDIS_HOST, REDIS_PORT, REDIS_URL, startSimCluster, startTestAgent, TEST_ENV, uniquePrefix, waitFor,
} from './support.ts';

const PREFIX = uniquePrefix('worker-kill');
const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});
afterAll(async () => {
  await deleteRedisKeys(PREFIX);
});

// Short locks so a dead worker's job is taken over within about a second (defaults: 30 s each).
const LOCKS = { lockDurationMs: 1_000, stalledIntervalMs: 500 };

describe('a worker killed mid-job (BullMQ queue, two instances on one Redis)', () => {
  it('has the job completed by the other instance, and nothing is posted twice', async () => {
    const cluster = await startSimCluster();
    cleanup.push(() => cluster.close());
    const name = 'kill-b1';
    const config: AgentProcessConfig = {
      kubeconfigPath: cluster.kubeconfigPath,
      redisUrl: REDIS_URL,
      redisPrefix: PREFIX,
      cluster: name,
      mode: 'agent',
      env: TEST_ENV,
      ...LOCKS,
    };
    const child = spawn(process.execPath, [join(import.meta.dirname, 'agent-process.ts'), 'run', JSON.stringify(config)], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    cleanup.push(async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    });
    const output = linesOf(child);
    await waitFor(() => output.includes('ready'), 'the child agent to start', 20_000);
    const raw = new Queue(queueNameFor(name), { connection: { host: REDIS_HOST, port: REDIS_PORT }, prefix: PREFIX });
    raw.on('error', () => undefined);
    cleanup.push(() => raw.close());

    cluster.sim.breakWorkload('container-exit.immediate', { namespace: 'shop', name: 'api', replicas: 1 });
    await waitFor(() => output.some((line) => line.startsWith('posted ')), 'the child agent to post the open', 15_000);
    const [stuck] = await raw.getJobs(['active']);
    // A second instance (`podwhy worker`) on the same Redis, with the same short locks.
    const survivor = await startTestAgent(cluster, { queue: 'bullmq', redisPrefix: PREFIX, cluster: name, mode: 'worker', deps: { queueOptions: { ...LOCKS, drainDelaySeconds: 1 } } });
    cleanup.push(() => survivor.stop());
    child.kill('SIGKILL');
    await exited;
    await waitFor(async () => (await survivor.agent.queue.counts()).completed >= 1, 'the surviving instance to complete the job', 15_000);
    await survivor.agent.tick();
    const job = await raw.getJob(stuck?.id ?? '');
    const incidentId = `${name}/shop/Deployment/api/container-exit.immediate`;
    const incident = await survivor.agent.incidents.get(name, incidentId);

    expect(output.filter((line) => line.startsWith('posted '))).toEqual([`posted open ${incidentId}`]);
    expect(survivor.notifier.delivered).toEqual([]);
    expect(survivor.diagnoses.map((d) => d.cause)).toEqual(['container-exit.immediate']);
    expect(job).toMatchObject({ id: stuck?.id, stalledCounter: 1, attemptsStarted: 2 });
    expect(job?.finishedOn).toBeGreaterThan(0);
    expect(job?.failedReason).toBeUndefined();
    expect(await survivor.agent.queue.counts()).toMatchObject({ completed: 1, failed: 0, active: 0, waiting: 0, delayed: 0 });
    expect(incident).toMatchObject({ status: 'open', delivery: 'message' });
    expect(Object.keys(incident?.pods ?? {})).toHaveLength(1);
  });
});
