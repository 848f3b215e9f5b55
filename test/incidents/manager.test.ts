import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { ConsoleNotifier } from '../../src/notify/console-notifier.ts';
import { MemoryIncidentStore } from '../../src/incidents/memory-store.ts';
import { RedisIncidentStore } from '../../src/incidents/redis-store.ts';
import { IncidentManager } from '../../src/incidents/manager.ts';
import { incidentKeyOf, incidentOwnerOf, type Observation } from '../../src/incidents/keys.ts';
import type { IncidentSettings } from '../../src/incidents/settings.ts';
import type { IncidentStore } from '../../src/incidents/store.ts';
import type { Digest, NotifyCommand, PostedMessage } from '../../src/contract/incident.ts';
import type { Notifier } from '../../src/notify/notifier.ts';
import { deliverNotification } from '../../src/notify/deliver.ts';
import type { Diagnosis } from '../../src/contract/diagnosis.ts';

// Every test runs against both stores. Redis: 127.0.0.1:6379, one key prefix per test, all deleted in afterAll.
const REDIS_URL = 'redis://127.0.0.1:6379';
const PREFIX = `podwhy-test-incidents-${randomUUID().slice(0, 8)}`;
const T0 = Date.parse('2026-11-20T12:00:00Z');
const SETTINGS: Partial<IncidentSettings> = {
  minUpdateIntervalMs: 10_000,
  resolveAfterMs: 5 * 60_000,
  reopenWindowMs: 60 * 60_000,
  stormThresholdPerMinute: 5,
};

const connections: Redis[] = [];
afterAll(async () => {
  const redis = new Redis(REDIS_URL);
  const keys = await redis.keys(`${PREFIX}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
  await Promise.all(connections.map((c) => c.quit()));
});

interface StoreKind {
  name: string;
  /** A store; `sameAs` gives a second handle on the same data (another process's view). */
  create(now: () => number, sameAs?: IncidentStore): IncidentStore;
}

let prefixSeq = 0;
const redisPrefixes = new WeakMap<IncidentStore, string>();
const STORES: StoreKind[] = [
  {
    name: 'memory',
    // One process: "another manager on the same store" shares the object.
    create: (now, sameAs) => sameAs ?? new MemoryIncidentStore({ now }),
  },
  {
    name: 'redis',
    create: (_now, sameAs) => {
      const redis = new Redis(REDIS_URL);
      connections.push(redis);
      prefixSeq += 1;
      const prefix = (sameAs && redisPrefixes.get(sameAs)) ?? `${PREFIX}-${prefixSeq}`;
      const store = new RedisIncidentStore({ redis, prefix });
      redisPrefixes.set(store, prefix);
      return store;
    },
  },
];

/**
 * A crash-looping Pod as the engine words it: between crashes the container runs (`looping: false`), and the
 * summary and the state evidence say so; `log` adds a telling log line (a new class of evidence).
 */
function crashLoop(name: string, uid: string, restarts = 5, namespace = 'shop', options: { looping?: boolean; log?: string } = {}): Diagnosis {
  const looping = options.looping ?? true;
  return {
    subject: { kind: 'Pod', namespace, name, uid },
    scenario: 'container-exit',
    cause: 'container-exit.after-running',
    otherCauses: [],
    summary: `Container app of Pod ${name} exits with code 1 after running; ${restarts} restarts${looping ? ', now in CrashLoopBackOff' : '.'}`,
    evidence: [
      // source: kubernetes pkg/kubelet/container/sync_result.go (ErrCrashLoopBackOff = "CrashLoopBackOff")
      looping
        ? { kind: 'status', field: 'status.containerStatuses[app].state.waiting.reason', value: 'CrashLoopBackOff' }
        : { kind: 'status', field: 'status.containerStatuses[app].state.running.startedAt', value: '2026-11-20T11:59:58Z' },
      ...(options.log ? [{ kind: 'log' as const, container: 'app', previous: true, line: options.log }] : []),
      // source: containerd/containerd internal/cri/server/helpers.go (errorExitReason = "Error")
      { kind: 'exit-code', container: 'app', exitCode: 1, reason: 'Error', meaning: 'the application exited with an error', ranForSeconds: 40 + (restarts % 7), finishedAt: '2026-11-20T11:59:50Z' },
      // source: kubernetes pkg/kubelet/kuberuntime/kuberuntime_manager.go (doBackOff, format.Pod = name_namespace(uid))
      { kind: 'event', object: `Pod/${name}`, type: 'Warning', reason: 'BackOff', message: `Back-off restarting failed container app in pod ${name}_${namespace}(${uid})`, count: restarts * 3, ageSeconds: 4 },
    ],
    remediation: [{ text: 'Read the log of the previous instance', command: `kubectl -n ${namespace} logs ${name} -c app --previous` }],
    actions: [{ action: 'show-logs', reason: 'The previous instance log shows why it exited' }],
  };
}

function nodeLost(name: string, uid: string, node: string, namespace = 'shop'): Diagnosis {
  return {
    subject: { kind: 'Pod', namespace, name, uid },
    scenario: 'unknown',
    cause: 'unknown.node-lost',
    otherCauses: [],
    summary: `Pod ${name} is Unknown because its node ${node} stopped reporting`,
    evidence: [
      // source: kubernetes pkg/util/node/node.go (NodeUnreachablePodReason, NodeUnreachablePodMessage)
      { kind: 'status', field: 'status.reason', value: 'NodeLost' },
      { kind: 'status', field: 'status.message', value: `Node ${node} which was running pod ${name} is unresponsive` },
      // source: kubernetes pkg/controller/nodelifecycle/node_lifecycle_controller.go (NodeStatusUnknown)
      { kind: 'node', node, detail: 'Ready=Unknown (NodeStatusUnknown): Kubelet stopped posting node status.' },
    ],
    remediation: [{ text: `Check the node: kubectl describe node ${node}` }],
    actions: [],
  };
}

function observation(diagnosis: Diagnosis, extra: Partial<Observation> = {}): Observation {
  return {
    cluster: 'prod',
    diagnosis,
    owner: { kind: 'Deployment', name: 'web' },
    channel: 'C0ALERTS',
    observedAt: '2026-11-20T12:00:00Z',
    ...extra,
  };
}

interface Sent {
  at: number;
  command: NotifyCommand;
  posted?: PostedMessage;
}

/** The manager, its clock, and what the (console) notifier delivered. */
function setup(store: StoreKind, settings: Partial<IncidentSettings> = SETTINGS) {
  const clock = { now: T0 };
  const now = () => clock.now;
  const incidentStore = store.create(now);
  const manager = new IncidentManager({ store: incidentStore, settings, now });
  const printed: string[] = [];
  const consoleNotifier = new ConsoleNotifier({ out: { write: (text: string) => printed.push(text) }, now });
  const sent: Sent[] = [];
  const notifier: Notifier = {
    async deliver(command) {
      const posted = await consoleNotifier.deliver(command);
      sent.push(posted ? { at: clock.now, command, posted } : { at: clock.now, command });
      return posted;
    },
  };
  /** The store handle each manager writes through: the delivering side reports back through it. */
  const storeOf = new Map<IncidentManager, IncidentStore>([[manager, incidentStore]]);
  async function send(commands: NotifyCommand | (NotifyCommand | null)[] | null, via: IncidentManager = manager): Promise<void> {
    for (const command of [commands].flat()) if (command) await deliverNotification(command, { notifier, store: storeOf.get(via) as IncidentStore });
  }
  function another(): IncidentManager {
    const handle = store.create(now, incidentStore);
    const other = new IncidentManager({ store: handle, settings, now });
    storeOf.set(other, handle);
    return other;
  }
  return { clock, manager, sent, printed, send, another };
}

function types(sent: Sent[]): string[] {
  return sent.map((s) => s.command.type);
}

/** The message a command created or refers to. */
function threadOf(s: Sent): string | undefined {
  if (s.command.type === 'open') return s.posted?.ts;
  if (s.command.type === 'digest') return s.command.target?.ts ?? s.posted?.ts;
  if (s.command.type === 'reply') return undefined;
  return s.command.target.ts;
}

describe.each(STORES)('IncidentManager with the $name store', (store) => {
  it('turns 100 failing replicas of one Deployment into one incident: one open, then one coalesced update with the count', async () => {
    const { clock, manager, sent, send } = setup(store);

    for (let batch = 0; batch < 10; batch += 1) {
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) => {
          const n = batch * 10 + i;
          return manager.record(observation(crashLoop(`web-7d9f8b6c5-${n}`, `uid-${n}`)));
        }),
      );
      await send(results);
      clock.now += 200;
    }
    const beforeFlush = types(sent);
    clock.now = T0 + 10_000;
    await send(await manager.flushDue('prod'));
    clock.now = T0 + 30_000;
    await send(await manager.flushDue('prod'));

    expect(beforeFlush).toEqual(['open']);
    expect(types(sent)).toEqual(['open', 'update']);
    const update = sent[1]?.command;
    expect(update).toMatchObject({ type: 'update', pods: { failing: 100, total: 100 }, target: { ts: sent[0]?.posted?.ts } });
    expect((await manager.listOpen('prod')).map((i) => i.id)).toEqual(['prod/shop/Deployment/web/container-exit.after-running']);
  });

  it('never lets two managers on one store both open the same incident', async () => {
    const { manager, sent, send, another } = setup(store);
    const other = another();

    const results = await Promise.all(
      Array.from({ length: 20 }, (_, n) => (n % 2 === 0 ? manager : other).record(observation(crashLoop(`web-${n}`, `uid-${n}`)))),
    );
    await send(results);

    expect(types(sent)).toEqual(['open']);
    expect((await manager.get('prod', 'prod/shop/Deployment/web/container-exit.after-running'))?.pods).toSatisfy(
      (pods: object) => Object.keys(pods).length === 20,
    );
  });

  it('makes the 50 pods of a lost node one node incident, not 50 pod alerts', async () => {
    const { clock, manager, sent, send } = setup(store);
    const workloads = ['web', 'api', 'cart', 'search', 'mail'];

    for (let n = 0; n < 50; n += 1) {
      const owner = { kind: 'Deployment', name: workloads[n % 5] as string };
      await send(await manager.record(observation(nodeLost(`${owner.name}-${n}`, `uid-${n}`, 'node-3'), { owner, node: 'node-3' })));
    }
    await send(await manager.record(observation(nodeLost('web-x', 'uid-x', 'node-4'), { node: 'node-4' })));
    clock.now += 10_000;
    await send(await manager.flushDue('prod'));

    expect(types(sent)).toEqual(['open', 'open', 'update']);
    expect(sent[0]?.command).toMatchObject({ type: 'open', incident: { id: 'prod/_node/node-3/node-lost', scope: 'node', namespace: null, subject: { kind: 'Node', name: 'node-3' } } });
    expect(sent[1]?.command).toMatchObject({ type: 'open', incident: { id: 'prod/_node/node-4/node-lost' } });
    expect(sent[2]?.command).toMatchObject({ type: 'update', pods: { failing: 50, total: 50 }, target: { ts: sent[0]?.posted?.ts } });
    expect((await manager.listOpen('prod')).map((i) => i.id)).toEqual(['prod/_node/node-3/node-lost', 'prod/_node/node-4/node-lost']);
  });

  it('keeps an hour of crash-looping to one open and one edit, for the one new class of evidence, all in one thread, and does not resolve on brief recoveries', async () => {
    const { clock, manager, sent, send } = setup(store);
    const LOG_FROM_SECOND = 1_800;

    for (let second = 0; second <= 3_600; second += 1) {
      clock.now = T0 + second * 1_000;
      // Every look words the Pod anew: the restart count grows every 30 s, the state flips between CrashLoopBackOff
      // and running, the BackOff event's count grows. Half-way through, a telling log line appears (new evidence).
      if (second % 5 === 0) {
        const diagnosis = crashLoop('web-1', 'uid-1', 1 + Math.floor(second / 30), 'shop', { looping: second % 10 === 0, ...(second >= LOG_FROM_SECOND ? { log: 'panic: nil map' } : {}) });
        await send(await manager.record(observation(diagnosis, { owner: { kind: 'Deployment', name: 'web' } })));
      }
      // Between crashes the container runs for a moment and the pipeline sees the Pod healthy.
      if (second % 60 === 2) await send(await manager.podHealthy('prod', 'uid-1'));
      await send(await manager.flushDue('prod'));
    }

    const opens = sent.filter((s) => s.command.type === 'open');
    const updates = sent.filter((s) => s.command.type === 'update');
    expect(opens).toHaveLength(1);
    expect(types(sent)).toEqual(['open', 'update']);
    expect(updates[0]!.at).toBeGreaterThanOrEqual(T0 + LOG_FROM_SECOND * 1_000);
    // The edit carries the latest wording, not the one of the look that brought the new evidence.
    expect(updates[0]!.command.type === 'update' && updates[0]!.command.diagnosis.evidence.some((e) => e.kind === 'log')).toBe(true);
    expect(new Set(sent.map(threadOf))).toEqual(new Set([opens[0]?.posted?.ts]));
  });

  it('does not edit the message for a wording that flips between two states of the same Pod, nor for a counter', async () => {
    const { clock, manager, sent, send } = setup(store);
    const look = async (diagnosis: Diagnosis) => {
      await send(await manager.record(observation(diagnosis)));
      clock.now += 6_000;
      await send(await manager.flushDue('prod'));
    };

    for (let restarts = 8; restarts < 28; restarts++) {
      await look(crashLoop('web-1', 'uid-1', restarts, 'shop', { looping: false }));
      await look(crashLoop('web-1', 'uid-1', restarts, 'shop', { looping: true }));
    }
    expect(types(sent)).toEqual(['open']);

    // What a person cares about still edits it: another Pod failing.
    await look(crashLoop('web-2', 'uid-2', 3));
    clock.now += 10_000;
    await send(await manager.flushDue('prod'));
    expect(types(sent)).toEqual(['open', 'update']);
    expect(sent[1]?.command).toMatchObject({ type: 'update', pods: { failing: 2, total: 2 } });
  });

  it('after a restart (a new manager on the same store) updates the posted message instead of opening a second thread', async () => {
    const { clock, manager, sent, send, another } = setup(store);
    await send(await manager.record(observation(crashLoop('web-1', 'uid-1'))));

    const restarted = another();
    clock.now += 15_000;
    await send(await restarted.record(observation(crashLoop('web-2', 'uid-2'))), restarted);

    expect(types(sent)).toEqual(['open', 'update']);
    expect(sent[1]?.command).toMatchObject({ type: 'update', pods: { failing: 2 }, target: { channel: 'C0ALERTS', ts: sent[0]?.posted?.ts } });
  });

  it('resolves once every pod has been healthy or gone for resolveAfterMs, re-opens a recurrence within the window in the same thread, and opens a new thread after it', async () => {
    const { clock, manager, sent, send } = setup(store);
    await send(await manager.record(observation(crashLoop('web-1', 'uid-1'))));
    await send(await manager.record(observation(crashLoop('web-2', 'uid-2'))));
    const thread = sent[0]?.posted?.ts;

    clock.now += 60_000;
    await send(await manager.podHealthy('prod', 'uid-1'));
    await send(await manager.resolvePod('prod', 'uid-2'));
    const allClearAt = clock.now;
    clock.now = allClearAt + 5 * 60_000 - 1;
    await send(await manager.flushDue('prod'));
    const beforeWindow = types(sent);
    clock.now = allClearAt + 5 * 60_000;
    await send(await manager.flushDue('prod'));
    const afterResolve = types(sent);
    clock.now += 20 * 60_000;
    await send(await manager.record(observation(crashLoop('web-3', 'uid-3'))));
    const reopen = sent.at(-1)?.command;
    clock.now += 60_000;
    await send(await manager.resolvePod('prod', 'uid-3'));
    clock.now += 5 * 60_000;
    await send(await manager.flushDue('prod'));
    clock.now += 60 * 60_000 + 1;
    await send(await manager.record(observation(crashLoop('web-4', 'uid-4'))));

    // Pods turning healthy or gone change the count on the message (coalesced updates); 'update' is left out here.
    const withoutUpdates = (list: string[]) => list.filter((t) => t !== 'update');
    expect(withoutUpdates(beforeWindow)).toEqual(['open']);
    expect(withoutUpdates(afterResolve)).toEqual(['open', 'resolve']);
    expect(sent.find((s) => s.command.type === 'resolve')?.command).toMatchObject({
      type: 'resolve',
      pods: { failing: 0, healthy: 1, gone: 1 },
      target: { ts: thread },
    });
    expect(reopen).toMatchObject({ type: 'reopen', incident: { occurrence: 2, status: 'open' }, target: { ts: thread } });
    expect(withoutUpdates(types(sent))).toEqual(['open', 'resolve', 'reopen', 'resolve', 'open']);
    expect(new Set(sent.slice(0, -1).map(threadOf))).toEqual(new Set([thread]));
    expect(sent.at(-1)?.posted?.ts).not.toBe(thread);
    expect(sent.at(-1)?.command).toMatchObject({ type: 'open', incident: { occurrence: 1 }, pods: { failing: 1, total: 1 } });
  });

  it('does not resolve when a pod fails again before resolveAfterMs', async () => {
    const { clock, manager, sent, send } = setup(store);
    await send(await manager.record(observation(crashLoop('web-1', 'uid-1'))));

    clock.now += 60_000;
    await send(await manager.podHealthy('prod', 'uid-1'));
    clock.now += 4 * 60_000;
    await send(await manager.record(observation(crashLoop('web-1', 'uid-1'))));
    clock.now += 10 * 60_000;
    await send(await manager.flushDue('prod'));

    expect(types(sent).filter((t) => t === 'resolve')).toEqual([]);
    expect((await manager.listOpen('prod')).length).toBe(1);
  });

  it('snoozes a workload or a namespace: incidents are tracked but silent, and post once the snooze ends', async () => {
    const { clock, manager, sent, send } = setup(store);
    await manager.snooze({ cluster: 'prod', namespace: 'shop', workload: { kind: 'Deployment', name: 'web' }, untilMs: T0 + 30 * 60_000 });
    await manager.snooze({ cluster: 'prod', namespace: 'batch', untilMs: T0 + 60 * 60_000 });

    const snoozed = await manager.record(observation(crashLoop('web-1', 'uid-1')));
    const inSnoozedNamespace = await manager.record(observation(crashLoop('etl-1', 'uid-e1', 5, 'batch'), { owner: { kind: 'CronJob', name: 'etl' } }));
    await send(await manager.record(observation(crashLoop('api-1', 'uid-a1'), { owner: { kind: 'Deployment', name: 'api' } })));
    await manager.record(observation(crashLoop('web-2', 'uid-2')));
    const tracked = await manager.get('prod', 'prod/shop/Deployment/web/container-exit.after-running');
    clock.now = T0 + 30 * 60_000 - 1;
    await send(await manager.flushDue('prod'));
    const duringSnooze = types(sent);
    clock.now = T0 + 30 * 60_000;
    await send(await manager.flushDue('prod'));

    expect(snoozed).toBeNull();
    expect(inSnoozedNamespace).toBeNull();
    expect(Object.keys(tracked?.pods ?? {}).sort()).toEqual(['uid-1', 'uid-2']);
    expect(duringSnooze).toEqual(['open']);
    expect(sent[0]?.command).toMatchObject({ incident: { subject: { name: 'api' } } });
    expect(sent[1]?.command).toMatchObject({ type: 'open', incident: { subject: { name: 'web' } }, pods: { failing: 2 } });
    expect(sent).toHaveLength(2);
  });

  it('snoozes an incident\'s workload (or its node) from Slack: the same workload\'s other incidents are held back, another workload\'s are not', async () => {
    const { clock, manager, sent, send } = setup(store);
    await send(await manager.record(observation(crashLoop('web-1', 'uid-1'))));
    const id = 'prod/shop/Deployment/web/container-exit.after-running';

    const snoozed = await manager.snoozeIncident('prod', id, 'workload', 3_600_000, 'U0ALICE');
    const missing = await manager.snoozeIncident('prod', 'prod/shop/Deployment/gone/container-exit.after-running', 'workload', 3_600_000, 'U0ALICE');
    const sameWorkload = await manager.record(observation({ ...crashLoop('web-2', 'uid-2'), cause: 'container-exit.immediate' }));
    await send(await manager.record(observation(crashLoop('api-1', 'uid-a1'), { owner: { kind: 'Deployment', name: 'api' } })));
    const node = await manager.record(observation(nodeLost('db-0', 'uid-d0', 'node-3'), { node: 'node-3' }));
    await send(node);
    const nodeSnooze = await manager.snoozeIncident('prod', 'prod/_node/node-3/node-lost', 'namespace', 86_400_000, 'U0ALICE');

    expect(snoozed).toMatchObject({ outcome: 'done', target: 'Deployment/web', untilMs: clock.now + 3_600_000 });
    expect(missing).toMatchObject({ outcome: 'gone' });
    expect(sameWorkload).toBeNull();
    expect(nodeSnooze).toMatchObject({ outcome: 'done', target: 'Node/node-3' });
    expect(types(sent)).toEqual(['open', 'open', 'open']);
  });

  it('shows a snooze set from Slack on the parents it holds at once, and edits it away when it ends or the incident resolves', async () => {
    const { clock, manager, sent, send } = setup(store);
    await send(await manager.record(observation(crashLoop('web-1', 'uid-1'))));
    await send(await manager.record(observation(crashLoop('api-1', 'uid-a1'), { owner: { kind: 'Deployment', name: 'api' } })));
    const web = 'prod/shop/Deployment/web/container-exit.after-running';
    const api = 'prod/shop/Deployment/api/container-exit.after-running';
    clock.now += 1_000;

    // The namespace: both parents show it. Then api's workload for a day: its parent shows the snooze that ends last.
    const snoozed = await manager.snoozeIncident('prod', web, 'namespace', 3_600_000, 'U0ALICE');
    await send([snoozed.command, ...snoozed.others]);
    const apiSnoozed = await manager.snoozeIncident('prod', api, 'workload', 86_400_000, 'U0BOB');
    await send([apiSnoozed.command, ...apiSnoozed.others]);
    // During the snooze: nothing else is edited, the parent keeps showing it.
    clock.now += 30 * 60_000;
    await send(await manager.flushDue('prod'));
    const duringSnooze = types(sent);
    // The Pods of api recover: the resolve (held back by its own snooze until it ends) shows no snooze.
    await send(await manager.podHealthy('prod', 'uid-a1'));
    // The namespace snooze ends: web's parent loses the line, though nothing else changed.
    clock.now = T0 + 1_000 + 3_600_000;
    await send(await manager.flushDue('prod'));
    const webAfter = sent.at(-1)?.command;
    clock.now = T0 + 1_000 + 86_400_000;
    await send(await manager.flushDue('prod'));

    expect(snoozed.command).toMatchObject({ type: 'update', incident: { id: web, snooze: { by: 'U0ALICE', at: T0 + 1_000, untilMs: T0 + 1_000 + 3_600_000, target: 'namespace shop' } } });
    expect(snoozed.others).toMatchObject([{ type: 'update', incident: { id: api, snooze: { by: 'U0ALICE', target: 'namespace shop' } } }]);
    expect(apiSnoozed.command).toMatchObject({ type: 'update', incident: { id: api, snooze: { by: 'U0BOB', target: 'Deployment/api' } } });
    expect(apiSnoozed.others).toEqual([]);
    expect(duringSnooze).toEqual(['open', 'open', 'update', 'update', 'update']);
    expect(webAfter).toMatchObject({ type: 'update', incident: { id: web }, pods: { failing: 1 } });
    expect(webAfter?.type === 'update' && webAfter.incident.snooze).toBeUndefined();
    const apiResolve = sent.at(-1)?.command;
    expect(apiResolve).toMatchObject({ type: 'resolve', incident: { id: api, status: 'resolved' } });
    expect(apiResolve?.type === 'resolve' && apiResolve.incident.snooze).toBeUndefined();
    expect(types(sent)).toEqual(['open', 'open', 'update', 'update', 'update', 'update', 'resolve']);
    expect((await manager.get('prod', web))?.snooze).toBeUndefined();
  });

  it('shows the snooze that holds a parent longest: a re-snooze of the same scope replaces it, shorter or not; a shorter one of another scope does not', async () => {
    const { clock, manager, send } = setup(store);
    await send(await manager.record(observation(crashLoop('web-1', 'uid-1'))));
    const id = 'prod/shop/Deployment/web/container-exit.after-running';
    clock.now += 1_000;

    const day = await manager.snoozeIncident('prod', id, 'workload', 86_400_000, 'U0ALICE');
    const hourOfNamespace = await manager.snoozeIncident('prod', id, 'namespace', 3_600_000, 'U0BOB');
    const hourOfWorkload = await manager.snoozeIncident('prod', id, 'workload', 3_600_000, 'U0CAROL');

    expect(day.command).toMatchObject({ incident: { snooze: { by: 'U0ALICE', untilMs: T0 + 1_000 + 86_400_000 } } });
    expect(hourOfNamespace.command).toBeNull();
    expect(hourOfWorkload.command).toMatchObject({ incident: { snooze: { by: 'U0CAROL', untilMs: T0 + 1_000 + 3_600_000, target: 'Deployment/web' } } });
  });

  it('drops the snooze shown on the parent when the incident is marked resolved', async () => {
    const { clock, manager, send } = setup(store);
    await send(await manager.record(observation(crashLoop('web-1', 'uid-1'))));
    const id = 'prod/shop/Deployment/web/container-exit.after-running';
    clock.now += 1_000;
    await send((await manager.snoozeIncident('prod', id, 'workload', 3_600_000, 'U0ALICE')).command);

    const marked = await manager.markResolved('prod', id, 'U0BOB');

    expect(marked.command).toMatchObject({ type: 'resolve', incident: { intervention: { action: 'mark-resolved', by: 'U0BOB' } } });
    expect(marked.command?.type === 'resolve' && marked.command.incident.snooze).toBeUndefined();
  });

  it('marks an incident resolved from Slack: one resolve edit naming who, members released so a still-failing Pod re-opens it as occurrence 2', async () => {
    const { clock, manager, sent, send } = setup(store);
    await send(await manager.record(observation(crashLoop('web-1', 'uid-1'))));
    const id = 'prod/shop/Deployment/web/container-exit.after-running';
    clock.now += 60_000;

    const marked = await manager.markResolved('prod', id, 'U0ALICE');
    await send(marked.command);
    const again = await manager.markResolved('prod', id, 'U0BOB');
    clock.now += 60_000;
    await send(await manager.podHealthy('prod', 'uid-1'));
    await send(await manager.record(observation(crashLoop('web-1', 'uid-1', 6))));

    expect(marked).toMatchObject({ outcome: 'done', stillFailing: 1, command: { type: 'resolve', incident: { status: 'resolved', intervention: { action: 'mark-resolved', by: 'U0ALICE', at: T0 + 60_000 } } } });
    expect(again).toMatchObject({ outcome: 'already-resolved', command: null });
    expect(types(sent)).toEqual(['open', 'resolve', 'reopen']);
    expect((await manager.get('prod', id))?.occurrence).toBe(2);
  });

  it('shows a done one-click fix on the parent at once (an edit outside the coalescing interval), open or resolved', async () => {
    const { clock, manager, sent, send } = setup(store);
    await send(await manager.record(observation(crashLoop('web-1', 'uid-1'))));
    const id = 'prod/shop/Deployment/web/container-exit.after-running';
    clock.now += 1_000;

    const noted = await manager.noteIntervention('prod', id, { action: 'restart-pod', by: 'U0ALICE', pod: 'web-1' });
    await send(noted.command);
    const unknown = await manager.noteIntervention('prod', 'prod/shop/Deployment/gone/x', { action: 'restart-pod', by: 'U0ALICE' });

    expect(noted.command).toMatchObject({ type: 'update', incident: { intervention: { action: 'restart-pod', by: 'U0ALICE', pod: 'web-1', at: T0 + 1_000 } } });
    expect(unknown).toMatchObject({ outcome: 'gone', command: null });
    expect(types(sent)).toEqual(['open', 'update']);
  });

  it('during a storm lists further new incidents in one digest message instead of posting each, per channel', async () => {
    const { clock, manager, sent, send } = setup(store);

    for (let n = 0; n < 12; n += 1) {
      const owner = { kind: 'Deployment', name: `svc-${n}` };
      await send(await manager.record(observation(crashLoop(`svc-${n}-abc`, `uid-${n}`), { owner })));
      clock.now += 2_000;
    }
    await send(await manager.record(observation(crashLoop('billing-1', 'uid-b1', 5, 'billing'), { owner: { kind: 'Deployment', name: 'billing' }, channel: 'C0BILLING' })));
    clock.now = T0 + 40_000;
    await send(await manager.flushDue('prod'));
    clock.now = T0 + 3 * 60_000;
    await send(await manager.record(observation(crashLoop('late-1', 'uid-l1'), { owner: { kind: 'Deployment', name: 'late' } })));

    const opens = sent.filter((s) => s.command.type === 'open').map((s) => (s.command.type === 'open' ? s.command.incident.subject.name : ''));
    const digests = sent.filter((s) => s.command.type === 'digest');
    expect(opens).toEqual(['svc-0', 'svc-1', 'svc-2', 'svc-3', 'svc-4', 'billing', 'late']);
    const [first, ...edits] = digests;
    expect(first?.command).toMatchObject({ type: 'digest', digest: { channel: 'C0ALERTS', total: 1 } });
    expect(first?.command).not.toHaveProperty('target');
    expect(edits.length).toBeGreaterThanOrEqual(1);
    expect(edits.every((e) => e.command.type === 'digest' && e.command.target?.ts === first?.posted?.ts)).toBe(true);
    expect(edits.slice(1).every((e, i) => e.at - (edits[i] as Sent).at >= 10_000)).toBe(true);
    const last = edits.at(-1)?.command;
    expect(last).toMatchObject({ type: 'digest', digest: { total: 7 } });
    expect(last?.type === 'digest' ? last.digest.entries.map((e) => e.subject) : []).toEqual(
      ['svc-5', 'svc-6', 'svc-7', 'svc-8', 'svc-9', 'svc-10', 'svc-11'].map((name) => `Deployment/${name}`),
    );
  });
});

/** Passes everything to `inner` and counts the writes that reach it and those refused (compare-and-set conflicts). */
function countingStore(inner: IncidentStore): IncidentStore & { puts: number; conflicts: number } {
  const counted = {
    puts: 0,
    conflicts: 0,
    get: (cluster: string, id: string) => inner.get(cluster, id),
    put: async (...args: Parameters<IncidentStore['put']>) => {
      counted.puts += 1;
      const written = await inner.put(...args);
      if (!written) counted.conflicts += 1;
      return written;
    },
    replace: (...args: Parameters<IncidentStore['replace']>) => inner.replace(...args),
    idsForMember: (cluster: string, uid: string) => inner.idsForMember(cluster, uid),
    dueIds: (cluster: string, now: number, limit: number) => inner.dueIds(cluster, now, limit),
    clearDue: (cluster: string, id: string) => inner.clearDue(cluster, id),
    openIds: (cluster: string) => inner.openIds(cluster),
    setSnooze: (cluster: string, scope: string, untilMs: number) => inner.setSnooze(cluster, scope, untilMs),
    removeSnooze: (cluster: string, scope: string) => inner.removeSnooze(cluster, scope),
    snoozedUntil: (cluster: string, scopes: string[], now: number) => inner.snoozedUntil(cluster, scopes, now),
    countNew: (cluster: string, channel: string, incidentId: string, now: number, windowMs: number) => inner.countNew(cluster, channel, incidentId, now, windowMs),
  };
  return counted;
}

describe.each(STORES)('IncidentManager writes with the $name store', (store) => {
  it('writes nothing when replicas are seen again with the evidence each had, though their evidence differs from each other', async () => {
    const clock = { now: T0 };
    const counted = countingStore(store.create(() => clock.now));
    const manager = new IncidentManager({ store: counted, settings: SETTINGS, now: () => clock.now });
    const notifier: Notifier = { deliver: async () => ({ channel: 'C0ALERTS', ts: '1700000000.000100' }) };
    const open = await manager.record(observation(crashLoop('web-1', 'uid-1')));
    if (open) await deliverNotification(open, { notifier, store: counted });
    await manager.record(observation(crashLoop('web-2', 'uid-2')));
    const writesBefore = counted.puts;

    clock.now += 1_000;
    const again = [];
    for (const [name, uid] of [['web-1', 'uid-1'], ['web-2', 'uid-2'], ['web-1', 'uid-1'], ['web-2', 'uid-2']] as const) {
      again.push(await manager.record(observation(crashLoop(name, uid))));
    }
    clock.now += 1_000;
    const newEvidence = await manager.record(observation(crashLoop('web-1', 'uid-1', 5, 'shop', { log: 'panic: nil map' })));

    expect(open?.type).toBe('open');
    expect(again).toEqual([null, null, null, null]);
    expect(counted.puts - writesBefore).toBe(1);
    expect(newEvidence).toBeNull(); // coalesced: an update follows after minUpdateIntervalMs
    expect((await manager.get('prod', 'prod/shop/Deployment/web/container-exit.after-running'))?.pendingUpdate).toBe(true);
  });

  it('records replicas that arrive together in one incident with one write for those that queued behind the first', async () => {
    const clock = { now: T0 };
    const counted = countingStore(store.create(() => clock.now));
    const manager = new IncidentManager({ store: counted, settings: SETTINGS, now: () => clock.now });

    const commands = await Promise.all(Array.from({ length: 20 }, (_, n) => manager.record(observation(crashLoop(`web-${n}`, `uid-${n}`)))));

    const incident = await manager.get('prod', 'prod/shop/Deployment/web/container-exit.after-running');
    expect(commands.filter((c) => c?.type === 'open')).toHaveLength(1);
    expect(commands.filter((c) => c !== null)).toHaveLength(1);
    expect(Object.keys(incident?.pods ?? {})).toHaveLength(20);
    expect(counted.conflicts).toBe(0);
    expect(counted.puts).toBe(2);
  });
});

describe('RedisIncidentStore', () => {
  it('answers reads asked for in the same turn, sent together, each with its own result or error', async () => {
    const redis = new Redis(REDIS_URL);
    connections.push(redis);
    const prefix = `${PREFIX}-batch`;
    const store = new RedisIncidentStore({ redis, prefix });
    const doc: Digest = { type: 'digest', id: 'prod/_digest/C0ALERTS', cluster: 'prod', channel: 'C0ALERTS', startedAt: T0, lastAddedAt: T0, entries: [], total: 0, pendingUpdate: false, dueAt: null };
    await store.put('prod', doc, 0, { dueAt: null, ttlMs: null, open: false, addMembers: ['uid-1'], removeMembers: [] });
    await store.setSnooze('prod', 'namespace/shop', T0 + 60_000);
    await redis.set(`${prefix}:other:snoozes`, 'not a hash');

    const [found, missing, snoozed, wrongType, ids] = await Promise.allSettled([
      store.get('prod', doc.id),
      store.get('prod', 'prod/_digest/C0NONE'),
      store.snoozedUntil('prod', ['namespace/shop', 'workload/shop/Deployment/web'], T0),
      store.snoozedUntil('other', ['namespace/shop'], T0),
      store.idsForMember('prod', 'uid-1'),
    ]);

    expect(found).toEqual({ status: 'fulfilled', value: { version: 1, doc } });
    expect(missing).toEqual({ status: 'fulfilled', value: null });
    expect(snoozed).toEqual({ status: 'fulfilled', value: T0 + 60_000 });
    expect(wrongType).toMatchObject({ status: 'rejected', reason: { message: expect.stringContaining('WRONGTYPE') } });
    expect(ids).toEqual({ status: 'fulfilled', value: [doc.id] });
  });
});

describe('incidentKeyOf', () => {
  it('keys on the top owner, the Pod itself when ownerless, the workload subject, or the node for node loss', () => {
    const owner = incidentOwnerOf([
      { kind: 'ReplicaSet', metadata: { name: 'web-7d9f8b6c5' } },
      { kind: 'Deployment', metadata: { name: 'web' } },
    ]);
    const quota: Diagnosis = { ...crashLoop('web-7d9f8b6c5', 'uid-rs'), subject: { kind: 'ReplicaSet', namespace: 'shop', name: 'web-7d9f8b6c5', uid: 'uid-rs' }, cause: 'unschedulable.quota-exceeded' };

    const keys = [
      incidentKeyOf(observation(crashLoop('web-1', 'uid-1'), owner ? { owner } : {})),
      incidentKeyOf({ ...observation(crashLoop('debug', 'uid-2')), owner: undefined }),
      incidentKeyOf({ ...observation(quota), owner: undefined }),
      incidentKeyOf(observation(nodeLost('web-1', 'uid-1', 'node-3'))),
      incidentKeyOf({ ...observation({ ...nodeLost('web-1', 'uid-1', 'node-3'), cause: 'terminating.node-lost' }), node: 'node-3' }),
    ].map((key) => `${key.scope} ${key.id}`);

    expect(owner).toEqual({ kind: 'Deployment', name: 'web' });
    expect(keys).toEqual([
      'workload prod/shop/Deployment/web/container-exit.after-running',
      'pod prod/shop/Pod/debug/container-exit.after-running',
      'workload prod/shop/ReplicaSet/web-7d9f8b6c5/unschedulable.quota-exceeded',
      'node prod/_node/node-3/node-lost',
      'node prod/_node/node-3/node-lost',
    ]);
  });
});
