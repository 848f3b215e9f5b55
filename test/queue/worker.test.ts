import { describe, expect, it } from 'vitest';
import type { NotifyCommand } from '../../src/contract/incident.ts';
import type { PodSnapshot, WorkloadSnapshot } from '../../src/contract/snapshot.ts';
import { IncidentManager } from '../../src/incidents/manager.ts';
import { MemoryIncidentStore } from '../../src/incidents/memory-store.ts';
import { IncidentRecorder } from '../../src/incidents/recorder.ts';
import { diagnose } from '../../src/diagnosis/engine.ts';
import { createLogger } from '../../src/log.ts';
import { createAgentMetrics, seriesValue } from '../../src/metrics.ts';
import { ConsoleNotifier } from '../../src/notify/console-notifier.ts';
import { deliverNotification } from '../../src/notify/deliver.ts';
import type { DiagnoseJob, WatchJob } from '../../src/queue/jobs.ts';
import { InProcessNotifyQueue } from '../../src/queue/notify-in-process.ts';
import { processDiagnoseJob, type DiagnoseWorkerDeps, type SnapshotSource } from '../../src/queue/worker.ts';
import { FIXTURE_NOW } from '../support/fixtures.ts';
import { replicaSnapshot } from '../support/notify-commands.ts';

// The processor run directly (test/queue/contract.test.ts and test/agent/ run it through real queues), with
// the real engine, incident recorder and manager (memory store), and the console notifier behind the
// in-process notify queue. Snapshots come from a kubectl fixture instead of an informer cache.

const T0 = Date.parse(FIXTURE_NOW);
const pod = replicaSnapshot('r7t2n', '6d0e5a7c-8f91-42a3-8ebf-3a4b5c6d7e01');
const podUid = pod.pod.metadata.uid ?? '';

/** Fixture snapshots by uid; a uid it does not hold is a Pod that is gone. */
class FixtureSnapshots implements SnapshotSource {
  readonly pods = new Map<string, PodSnapshot>([[podUid, pod]]);
  async collect(ref: { uid: string }): Promise<PodSnapshot | null> {
    return this.pods.get(ref.uid) ?? null;
  }
  async collectWorkload(): Promise<WorkloadSnapshot | null> {
    return null;
  }
}

function watchJob(overrides: Partial<WatchJob> = {}): WatchJob {
  return {
    trigger: 'watch', cluster: 'prod', namespace: 'shop', subject: { kind: 'Pod', name: pod.pod.metadata.name, uid: podUid },
    candidateHint: 'config', enqueuedAt: new Date(T0 - 250).toISOString(), ...overrides,
  };
}

async function setup(options: { ownersCached?: boolean } = {}) {
  const store = new MemoryIncidentStore({ now: () => T0 });
  const manager = new IncidentManager({ store, now: () => T0 });
  const printed: string[] = [];
  const delivered: NotifyCommand[] = [];
  const notify = new InProcessNotifyQueue();
  const notifier = new ConsoleNotifier({ out: { write: (text: string) => printed.push(text) }, now: () => T0 });
  await notify.startDelivery(async (command) => {
    delivered.push(command);
    await deliverNotification(command, { notifier, store });
  });
  const recorder = new IncidentRecorder({ cluster: 'prod', manager, channelFor: () => 'C0ALERTS', notify, log: createLogger({ level: 'silent' }) });
  const metrics = createAgentMetrics();
  const owners = new Map(pod.owners.map((owner) => [owner.metadata.uid ?? '', owner]));
  const deps: DiagnoseWorkerDeps = {
    cluster: 'prod',
    snapshots: new FixtureSnapshots(),
    owners: { workload: (uid) => (options.ownersCached === false ? undefined : owners.get(uid)) },
    incidents: recorder,
    metrics,
    now: () => T0,
    commands: {
      // The agent answers with src/cluster/answer-query.ts (test/slack/pod-why-every-cause.test.ts); here the real engine on the fixture.
      answer: async () => {
        const diagnosis = diagnose(pod);
        return diagnosis ? { kind: 'diagnoses', diagnoses: [diagnosis] } : { kind: 'error', code: 'internal', message: 'no diagnosis' };
      },
      reply: (command) => notify.enqueue(command),
    },
  };
  return { deps, manager, metrics, delivered, printed };
}

const INCIDENT_ID = 'prod/shop/Deployment/worker/dependency.secret';

describe('processDiagnoseJob', () => {
  it('diagnoses a watch job\'s Pod from a fresh snapshot and hands the diagnosis to its incident, which opens', async () => {
    const { deps, manager, metrics, delivered, printed } = await setup();

    await processDiagnoseJob(watchJob(), { attempt: 1, jobId: 'prod-uid-config-1' }, deps);

    expect(delivered).toMatchObject([{ type: 'open', incident: { id: INCIDENT_ID }, diagnosis: { cause: 'dependency.secret' } }]);
    expect(printed.join('')).toContain('OPEN prod/shop Deployment/worker: dependency.secret');
    expect(await manager.get('prod', INCIDENT_ID)).toMatchObject({ posted: { channel: 'C0ALERTS' }, pods: { [podUid]: { state: 'failing' } } });
    expect(await seriesValue(metrics.jobs, { cluster: 'prod', outcome: 'completed' })).toBe(1);
    expect(await seriesValue(metrics.diagnoses, { cluster: 'prod', scenario: 'dependency', cause: 'dependency.secret' })).toBe(1);
  });

  it('marks the Pod gone in its incident when the snapshot finds no Pod any more', async () => {
    const { deps, manager } = await setup();
    await processDiagnoseJob(watchJob(), { attempt: 1, jobId: 'a' }, deps);
    (deps.snapshots as FixtureSnapshots).pods.clear();

    const { namespace, subject, enqueuedAt } = watchJob();
    await processDiagnoseJob({ trigger: 'rediagnose', cluster: 'prod', namespace, subject, requestId: 'click-1', enqueuedAt }, { attempt: 1, jobId: 'b' }, deps);

    expect((await manager.get('prod', INCIDENT_ID))?.pods[podUid]?.state).toBe('gone');
  });

  it('retries while the Pod\'s owners are not cached yet, and goes ahead with what it has on the last attempt', async () => {
    const { deps, manager } = await setup({ ownersCached: false });

    const early = await processDiagnoseJob(watchJob(), { attempt: 1, jobId: 'a' }, deps).catch((error: unknown) => error);
    const recordedEarly = await manager.listOpen('prod');
    await processDiagnoseJob(watchJob(), { attempt: 3, jobId: 'a' }, deps);

    expect(early).toBeInstanceOf(Error);
    expect(recordedEarly).toEqual([]);
    expect((await manager.listOpen('prod')).map((i) => i.id)).toEqual([INCIDENT_ID]);
  });

  it('refuses a job of another cluster; answers a person\'s command with a reply and opens no incident', async () => {
    const { deps, manager, delivered } = await setup();
    const command: DiagnoseJob = {
      trigger: 'command', cluster: 'prod', namespace: 'shop', subject: { kind: 'Pod', name: pod.pod.metadata.name, uid: podUid },
      requestId: 'trigger-1', requestedBy: 'U0ALICE', commandText: 'why x', replyTo: { channel: 'C0123ABC' }, enqueuedAt: FIXTURE_NOW,
    };

    await expect(processDiagnoseJob(watchJob({ cluster: 'stage' }), { attempt: 1, jobId: 'a' }, deps)).rejects.toThrow('stage');
    await processDiagnoseJob(command, { attempt: 1, jobId: 'b' }, deps);
    const { commands: _, ...withoutCommands } = deps;
    const refused = await processDiagnoseJob(command, { attempt: 1, jobId: 'c' }, withoutCommands).catch((error: unknown) => error);

    expect(delivered).toMatchObject([
      { type: 'reply', cluster: 'prod', requestId: 'trigger-1', replyTo: { channel: 'C0123ABC' }, request: { requestedBy: 'U0ALICE', commandText: 'why x' }, answer: { kind: 'diagnoses', diagnoses: [{ cause: 'dependency.secret' }] } },
    ]);
    expect(await manager.listOpen('prod')).toEqual([]);
    expect(refused).toBeInstanceOf(Error);
  });
});
