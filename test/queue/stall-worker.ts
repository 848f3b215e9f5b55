/**
 * A worker process for bullmq.test.ts: `node test/queue/stall-worker.ts run '<config json>'`.
 * It takes a job, performs the pipeline's side effect (record the incident, "post" what the manager
 * says), prints `side-effect-done`, and then hangs until the test kills it with SIGKILL — a worker that
 * dies mid-job, whose lock then expires so another worker's stalled check re-queues the job.
 * Also exports the processor, so the surviving worker in the test runs exactly the same code.
 */
import { Redis } from 'ioredis';
import { RedisIncidentStore } from '../../src/incidents/redis-store.ts';
import { IncidentManager } from '../../src/incidents/manager.ts';
import { markPosted } from '../../src/incidents/posted.ts';
import type { IncidentStore } from '../../src/incidents/store.ts';
import type { Diagnosis } from '../../src/contract/diagnosis.ts';
import { createBullmqDiagnosisQueue } from '../../src/queue/bullmq.ts';
import type { DiagnoseProcessor } from '../../src/queue/diagnosis-queue.ts';
import type { DiagnoseJob } from '../../src/queue/jobs.ts';

export interface StallWorkerConfig {
  redisUrl: string;
  queuePrefix: string;
  incidentPrefix: string;
  cluster: string;
  /** Redis list where every "posted" notification is appended. */
  postsKey: string;
  lockDurationMs: number;
  stalledIntervalMs: number;
}

/** A canned diagnosis for the job's Pod (the engine is not under test here). */
export function cannedDiagnosis(job: DiagnoseJob): Diagnosis {
  const subject = job.subject.kind === 'Query' ? { name: 'unknown', uid: 'unknown' } : job.subject;
  return {
    subject: { kind: 'Pod', namespace: job.namespace ?? 'default', name: subject.name, uid: subject.uid },
    scenario: 'oom',
    cause: 'oom.container-limit',
    otherCauses: [],
    summary: `Container app of Pod ${subject.name} was OOM-killed at its 256Mi memory limit`,
    evidence: [
      // source: containerd/containerd internal/cri/server/helpers.go (oomExitReason = "OOMKilled")
      { kind: 'status', field: 'status.containerStatuses[app].lastState.terminated.reason', value: 'OOMKilled' },
    ],
    remediation: [{ text: 'Raise spec.containers[app].resources.limits.memory above the working set' }],
    actions: [],
  };
}

/** The idempotent processor: the incident store decides whether anything is posted. */
export function incidentProcessor(
  manager: IncidentManager,
  store: IncidentStore,
  redis: Redis,
  postsKey: string,
  afterSideEffect: () => Promise<void>,
): DiagnoseProcessor {
  return async (job) => {
    const command = await manager.record({
      cluster: job.cluster,
      diagnosis: cannedDiagnosis(job),
      owner: { kind: 'Deployment', name: 'web' },
      channel: 'C0ALERTS',
      observedAt: job.enqueuedAt,
    });
    if (command) {
      await redis.rpush(postsKey, `${command.type} by ${process.pid}`);
      if (command.type === 'open') await markPosted(store, command.incident.id, { channel: 'C0ALERTS', ts: `${process.pid}.000001` });
    }
    await afterSideEffect();
  };
}

async function main(config: StallWorkerConfig): Promise<void> {
  const redis = new Redis(config.redisUrl);
  redis.on('error', () => undefined);
  const store = new RedisIncidentStore({ redis, prefix: config.incidentPrefix });
  const manager = new IncidentManager({ store });
  const queue = await createBullmqDiagnosisQueue({
    cluster: config.cluster,
    redis: config.redisUrl,
    prefix: config.queuePrefix,
    lockDurationMs: config.lockDurationMs,
    stalledIntervalMs: config.stalledIntervalMs,
    drainDelaySeconds: 1,
  });
  await queue.startWorkers(
    incidentProcessor(manager, store, redis, config.postsKey, async () => {
      process.stdout.write('side-effect-done\n');
      await new Promise(() => undefined); // never finishes: the test kills this process here
    }),
  );
  process.stdout.write('ready\n');
}

if (process.argv[2] === 'run') {
  await main(JSON.parse(process.argv[3] ?? '{}') as StallWorkerConfig);
}
