import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Diagnosis } from '../../src/contract/diagnosis.ts';
import type { PodCounts } from '../../src/contract/incident.ts';
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
  it('keeps one thread: one open, then an edit only for what a person would care about (not a restart count or a rewording), at most one per 10 s', async () => {
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
    let rewordings = 0;
    for (let i = 1; i < diagnoses.length; i++) if (diagnoses[i]?.summary !== diagnoses[i - 1]?.summary) rewordings++;
    // What a person reads as news: the cause, the kinds of evidence (an event by its reason), how many Pods.
    const news = (c: { diagnosis: Diagnosis; pods: PodCounts }) =>
      JSON.stringify([c.diagnosis.cause, [...new Set(c.diagnosis.evidence.map((e) => (e.kind === 'event' ? `event ${e.reason}` : e.kind)))].sort(), c.pods.total]);
    const shown = [open, ...updates].map((c) => (c ? news(c) : ''));

    expect(notifier.opens).toHaveLength(1);
    expect(notifier.delivered.map((d) => d.command.type).filter((type) => type !== 'update')).toEqual(['open']);
    expect(updates.every((u) => u.target.ts === notifier.postedMessages()[0]?.ts && u.incident.id === open?.incident.id)).toBe(true);
    // Each restart rewords the summary ("N restarts", ", now in CrashLoopBackOff"): about 20 times in an hour. None
    // of that edits the message; an edit says something the message did not (e.g. a telling log line).
    expect(rewordings).toBeGreaterThan(15);
    expect(updates.length).toBeLessThanOrEqual(2);
    for (let i = 1; i < shown.length; i++) expect(shown[i], `edit ${i}`).not.toBe(shown[i - 1]);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(MIN_UPDATE_INTERVAL_MS);
    expect(diagnoses.length).toBeGreaterThan(300);
  });
});
