/**
 * One NotifyCommand of every kind, as the real incident manager emits them (memory store, a real fixture's
 * diagnosis, the console notifier as the delivering side), for tests of the notify seam. Plus a reply,
 * which the worker will produce for `/pod why` (issue 8).
 */
import { diagnose } from '../../src/diagnosis/engine.ts';
import type { Diagnosis } from '../../src/contract/diagnosis.ts';
import type { NotifyCommand } from '../../src/contract/incident.ts';
import type { PodSnapshot } from '../../src/contract/snapshot.ts';
import { IncidentManager } from '../../src/incidents/manager.ts';
import { MemoryIncidentStore } from '../../src/incidents/memory-store.ts';
import { ConsoleNotifier } from '../../src/notify/console-notifier.ts';
import { deliverNotification } from '../../src/notify/deliver.ts';
import { FIXTURE_NOW, podSnapshot } from './fixtures.ts';

/** A Deployment's Pod whose Secret is missing (its ReplicaSet and Deployment are in the fixture). */
export const SECRET_MISSING_FIXTURE = 'dependency/secret/env-secret-missing.yaml';

/** The fixture's Pod, renamed to be another replica of the same ReplicaSet. */
export function replicaSnapshot(suffix: string, uid: string): PodSnapshot {
  const snapshot = podSnapshot(SECRET_MISSING_FIXTURE);
  snapshot.pod.metadata.name = `worker-5d9c7b8f6-${suffix}`;
  snapshot.pod.metadata.uid = uid;
  return snapshot;
}

export function diagnosisOf(snapshot: PodSnapshot): Diagnosis {
  const diagnosis = diagnose(snapshot);
  if (!diagnosis) throw new Error(`no diagnosis for ${snapshot.pod.metadata.name}`);
  return diagnosis;
}

export type CommandKind = NotifyCommand['type'] | 'digest-edit';

export async function commandsOfEveryKind(cluster = 'prod'): Promise<Record<CommandKind, NotifyCommand>> {
  const clock = { now: Date.parse(FIXTURE_NOW) };
  const store = new MemoryIncidentStore({ now: () => clock.now });
  const manager = new IncidentManager({ store, now: () => clock.now, settings: { resolveAfterMs: 60_000, stormThresholdPerMinute: 1 } });
  const notifier = new ConsoleNotifier({ out: { write: () => undefined }, now: () => clock.now });
  const seen: NotifyCommand[] = [];
  const send = async (commands: NotifyCommand | NotifyCommand[] | null) => {
    for (const command of [commands ?? []].flat()) {
      seen.push(structuredClone(command));
      await deliverNotification(command, { notifier, store });
    }
  };
  const observe = (snapshot: PodSnapshot, owner: string) =>
    manager.record({ cluster, diagnosis: diagnosisOf(snapshot), owner: { kind: 'Deployment', name: owner }, node: snapshot.pod.spec.nodeName, channel: 'C0ALERTS', observedAt: FIXTURE_NOW });
  const at = (seconds: number) => {
    clock.now = Date.parse(FIXTURE_NOW) + seconds * 1000;
  };
  const first = replicaSnapshot('r7t2n', '6d0e5a7c-8f91-42a3-8ebf-3a4b5c6d7e01');
  const second = replicaSnapshot('x8y9z', '6d0e5a7c-8f91-42a3-8ebf-3a4b5c6d7e02');

  await send(await observe(first, 'worker')); // open
  at(1);
  await send(await observe(second, 'worker'));
  at(10);
  await send(await manager.flushDue(cluster)); // update (the second replica)
  at(11);
  await send(await manager.podHealthy(cluster, first.pod.metadata.uid ?? ''));
  await send(await manager.podHealthy(cluster, second.pod.metadata.uid ?? ''));
  at(71);
  await send(await manager.flushDue(cluster)); // resolve
  at(80);
  await send(await observe(first, 'worker')); // reopen
  at(81);
  await send(await observe(replicaSnapshot('a1b2c', 'uid-api'), 'api')); // open, one new incident in the minute
  at(82);
  await send(await observe(replicaSnapshot('d3e4f', 'uid-cart'), 'cart')); // two: a storm digest is posted
  at(95);
  await send(await observe(replicaSnapshot('g5h6i', 'uid-shop'), 'shop')); // its edit

  const find = (predicate: (command: NotifyCommand) => boolean, what: string): NotifyCommand => {
    const found = seen.find(predicate);
    if (!found) throw new Error(`the manager emitted no ${what}: ${seen.map((c) => c.type).join(', ')}`);
    return found;
  };
  return {
    open: find((c) => c.type === 'open', 'open'),
    update: find((c) => c.type === 'update', 'update'),
    resolve: find((c) => c.type === 'resolve', 'resolve'),
    reopen: find((c) => c.type === 'reopen', 'reopen'),
    digest: find((c) => c.type === 'digest' && !c.target, 'digest post'),
    'digest-edit': find((c) => c.type === 'digest' && c.target !== undefined, 'digest edit'),
    reply: {
      type: 'reply',
      cluster,
      requestId: '1732104000.000100.abcdef',
      replyTo: { channel: 'C0123ABC', threadTs: '1732104000.000100', user: 'U0456DEF' },
      answer: { kind: 'diagnoses', diagnoses: [diagnosisOf(first)], note: 'Deployment shop/worker: 1 of 2 Pods has a problem: worker-5d9c7b8f6-r7t2n' },
    },
  };
}
