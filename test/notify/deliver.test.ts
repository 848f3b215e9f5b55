import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import type { NotifyCommand, PostedMessage } from '../../src/contract/incident.ts';
import { IncidentManager } from '../../src/incidents/manager.ts';
import { MemoryIncidentStore } from '../../src/incidents/memory-store.ts';
import { markPosted } from '../../src/incidents/posted.ts';
import { RedisIncidentStore } from '../../src/incidents/redis-store.ts';
import type { IncidentStore } from '../../src/incidents/store.ts';
import { deliverNotification } from '../../src/notify/deliver.ts';
import type { Notifier } from '../../src/notify/notifier.ts';
import { FIXTURE_NOW } from '../support/fixtures.ts';
import { commandsOfEveryKind, diagnosisOf, replicaSnapshot } from '../support/notify-commands.ts';

// Both stores; Redis at 127.0.0.1:6379 with a prefix of this file's own, deleted in afterAll. The delivering
// side always gets its OWN handle on the store (with Redis, its own connection), as the Slack gateway would.
const REDIS_URL = 'redis://127.0.0.1:6379';
const PREFIX = `podwhy-test-deliver-${randomUUID().slice(0, 8)}`;
const T0 = Date.parse(FIXTURE_NOW);
const connections: Redis[] = [];
afterAll(async () => {
  const redis = new Redis(REDIS_URL);
  const keys = await redis.keys(`${PREFIX}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
  await Promise.all(connections.map((c) => c.quit()));
});

let seq = 0;
interface Stores {
  /** The agent's handle and the delivering side's handle on the same data. */
  agent: IncidentStore;
  gateway: IncidentStore;
  redis?: Redis;
  prefix?: string;
}
const STORES = [
  { name: 'memory', create: (now: () => number): Stores => { const store = new MemoryIncidentStore({ now }); return { agent: store, gateway: store }; } },
  {
    name: 'redis',
    create: (): Stores => {
      seq += 1;
      const prefix = `${PREFIX}-${seq}`;
      const [a, b] = [new Redis(REDIS_URL), new Redis(REDIS_URL)];
      connections.push(a, b);
      return { agent: new RedisIncidentStore({ redis: a, prefix }), gateway: new RedisIncidentStore({ redis: b, prefix }), redis: b, prefix };
    },
  },
];

/** Posts like Slack: a channel and a ts for new messages; counts every call. */
class CountingNotifier implements Notifier {
  readonly calls: NotifyCommand[] = [];
  async deliver(command: NotifyCommand): Promise<PostedMessage | void> {
    this.calls.push(command);
    if (command.type === 'open' || (command.type === 'digest' && !command.target)) return { channel: 'C0ALERTS', ts: `1795176000.00000${this.calls.length}` };
  }
}

const first = replicaSnapshot('r7t2n', '6d0e5a7c-8f91-42a3-8ebf-3a4b5c6d7e01');
const second = replicaSnapshot('x8y9z', '6d0e5a7c-8f91-42a3-8ebf-3a4b5c6d7e02');
const INCIDENT_ID = 'prod/shop/Deployment/worker/dependency.secret';

function setup(kind: (typeof STORES)[number]) {
  const clock = { now: T0 };
  const stores = kind.create(() => clock.now);
  const manager = new IncidentManager({ store: stores.agent, now: () => clock.now, settings: { resolveAfterMs: 60_000, retentionMs: 60 * 60_000 } });
  const observe = (snapshot: typeof first) =>
    manager.record({ cluster: 'prod', diagnosis: diagnosisOf(snapshot), owner: { kind: 'Deployment', name: 'worker' }, channel: 'C0ALERTS', observedAt: FIXTURE_NOW });
  return { clock, stores, manager, observe, notifier: new CountingNotifier() };
}

describe.each(STORES)('deliverNotification with the $name store', (kind) => {
  it('posts an open and records where it landed, so the manager\'s next update edits that message', async () => {
    const { clock, stores, manager, observe, notifier } = setup(kind);
    const open = await observe(first);

    const outcome = open && (await deliverNotification(open, { notifier, store: stores.gateway }));
    clock.now += 10_000;
    const update = await observe(second);

    expect(outcome).toEqual({ kind: 'delivered', posted: { channel: 'C0ALERTS', ts: '1795176000.000001' } });
    expect((await manager.get('prod', INCIDENT_ID))?.posted).toEqual({ channel: 'C0ALERTS', ts: '1795176000.000001' });
    expect(update).toMatchObject({ type: 'update', pods: { failing: 2 }, target: { channel: 'C0ALERTS', ts: '1795176000.000001' } });
  });

  it('does not post an open again when the store already records where it landed (a retried delivery)', async () => {
    const { stores, observe, notifier } = setup(kind);
    const open = (await observe(first)) as NotifyCommand;

    const outcomes = [await deliverNotification(open, { notifier, store: stores.gateway }), await deliverNotification(open, { notifier, store: stores.gateway })];

    expect(outcomes.map((o) => o.kind)).toEqual(['delivered', 'already-posted']);
    expect(notifier.calls.map((c) => c.type)).toEqual(['open']);
  });

  it('delivers edits and replies without writing to the store', async () => {
    const { clock, stores, observe, notifier } = setup(kind);
    await deliverNotification((await observe(first)) as NotifyCommand, { notifier, store: stores.gateway });
    clock.now += 10_000;
    const update = (await observe(second)) as NotifyCommand;
    const { reply, 'digest-edit': digestEdit } = await commandsOfEveryKind('prod');
    const before = await stores.gateway.get('prod', INCIDENT_ID);

    const outcomes = [];
    for (const command of [update, reply, digestEdit]) outcomes.push(await deliverNotification(command, { notifier, store: stores.gateway }));

    expect(outcomes).toEqual([{ kind: 'delivered' }, { kind: 'delivered' }, { kind: 'delivered' }]);
    expect(notifier.calls.map((c) => c.type)).toEqual(['open', 'update', 'reply', 'digest']);
    expect(before?.version).toBeGreaterThan(0);
    expect(await stores.gateway.get('prod', INCIDENT_ID)).toEqual(before);
  });
});

describe.each(STORES)('markPosted with the $name store', (kind) => {
  it('leaves an open incident listed as open and under its Pod, and makes it due at once', async () => {
    const { stores, observe } = setup(kind);
    await observe(first);

    const marked = await markPosted(stores.gateway, INCIDENT_ID, { channel: 'C0ALERTS', ts: '1795176000.000001' });

    expect(marked).toBe(true);
    expect(await stores.agent.openIds('prod')).toEqual([INCIDENT_ID]);
    expect(await stores.agent.idsForMember('prod', first.pod.metadata.uid ?? '')).toEqual([INCIDENT_ID]);
    expect(await stores.agent.dueIds('prod', 0, 10)).toEqual([INCIDENT_ID]);
  });

  it('keeps a resolved incident\'s expiry', async () => {
    const { clock, stores, manager, observe } = setup(kind);
    await observe(first);
    await manager.resolvePod('prod', first.pod.metadata.uid ?? '');
    clock.now += 60_000;
    await manager.flushDue('prod');

    await markPosted(stores.gateway, INCIDENT_ID, { channel: 'C0ALERTS', ts: '1795176000.000001' });
    const ttlMs = stores.redis ? await stores.redis.pttl(`${stores.prefix}:prod:incident:${INCIDENT_ID}`) : null;
    clock.now += 60 * 60_000 + 1;

    expect((await manager.get('prod', INCIDENT_ID))?.status ?? 'expired').toBe(stores.redis ? 'resolved' : 'expired');
    if (ttlMs !== null) expect(ttlMs).toBeGreaterThan(59 * 60_000);
  });

  it('returns false for a document that is gone', async () => {
    const { stores } = setup(kind);

    expect(await markPosted(stores.gateway, 'prod/shop/Deployment/nothing/dependency.secret', { channel: 'C0ALERTS', ts: '1.2' })).toBe(false);
  });
});
