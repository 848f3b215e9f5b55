import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { deleteRedisKeys, QUEUE_MODES, settle, startSimCluster, startTestAgent, uniquePrefix } from './support.ts';

const PREFIX = uniquePrefix('crash-loop');
const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});
afterAll(async () => {
  await deleteRedisKeys(PREFIX);
});

const HOUR_MS = 3_600_000;
const MIN_UPDATE_INTERVAL_MS = 10_000; // DEFAULT_INCIDENT_SETTINGS.minUpdateIntervalMs, the coalescing under test

describe.each(QUEUE_MODES)('a Pod crash-looping for an hour (%s queue)', (queue) => {
  it('keeps one thread: one open, then updates coalesced to at most one per 10 s of simulated time, the last one current', async () => {
    const cluster = await startSimCluster();
    cleanup.push(() => cluster.close());
    const { agent, notifier, diagnoses } = await startTestAgent(cluster, {
      queue,
      redisPrefix: PREFIX,
      cluster: `loop-${queue === 'bullmq' ? 'b' : 'i'}`,
      // The test ticks the pipeline itself after every step (no timer), so every run sees the same sequence;
      // the Pod is diagnosed again every 5 s, so evidence changes arrive faster than updates may go out.
      deps: { tickMs: HOUR_MS, refreshMs: 5_000 },
    });
    cleanup.push(() => agent.stop());
    cluster.sim.breakWorkload('container-exit.immediate', { namespace: 'batch', name: 'importer', replicas: 1, startedSecondsAgo: 0 });
    const startedAt = cluster.clock.nowMs();
    await settle(cluster, agent);

    // 5 s steps while the kubelet's back-off is short (restarts after 10, 20, 40, 80, 160 s), then 10 s steps.
    while (cluster.clock.nowMs() - startedAt < HOUR_MS) {
      cluster.sim.advance(cluster.clock.nowMs() - startedAt < 300_000 ? 5 : 10);
      await settle(cluster, agent);
    }
    cluster.clock.advance(MIN_UPDATE_INTERVAL_MS / 1000); // lets a held-back update go out
    await settle(cluster, agent);
    const [open] = notifier.opens;
    const updates = notifier.updates;
    const emittedAt = [open?.incident.openEmittedAt ?? 0, ...updates.map((u) => u.incident.lastEmittedAt ?? 0)];
    const gaps = emittedAt.slice(1).map((at, i) => at - (emittedAt[i] ?? 0));
    let changes = 0;
    for (let i = 1; i < diagnoses.length; i++) if (diagnoses[i]?.summary !== diagnoses[i - 1]?.summary) changes++;

    expect(notifier.opens).toHaveLength(1);
    expect(notifier.delivered.map((d) => d.command.type).filter((type) => type !== 'update')).toEqual(['open']);
    expect(updates.every((u) => u.target.ts === notifier.postedMessages()[0]?.ts && u.incident.id === open?.incident.id)).toBe(true);
    // Each restart changes the summary ("N restarts"): ~17 in an hour with the back-off capped at 300 s.
    expect(updates.length).toBeGreaterThanOrEqual(10);
    expect(updates.length).toBeLessThanOrEqual(changes);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(MIN_UPDATE_INTERVAL_MS);
    // Nothing is lost by coalescing: the last update carries the latest diagnosis.
    expect(updates.at(-1)?.diagnosis.summary).toBe(diagnoses.at(-1)?.summary);
    expect(diagnoses.length).toBeGreaterThan(300);
  });
});
