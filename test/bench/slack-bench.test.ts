/**
 * bench:slack, small: 500 crash-looping Pods (5 namespaces × 4 Deployments × 25) routed to 3 channels,
 * through the real IncidentManager and SlackNotifier to the emulator with Slack's default rate limits. The
 * storm threshold is lowered to 3 new incidents per channel per minute so that the storm digest is part of
 * the run (two channels get 8 incidents, one gets 4), and the coalescing interval to 3 s, so the test takes
 * seconds; `npm run bench:slack` runs 5,000 Pods with the product's defaults.
 */
import { Writable } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.ts';
import { formatSlackReport, measureSlackStorm, type SlackStormFigures } from '../../bench/slack-measure.ts';

const log = createLogger({ level: 'warn', destination: new Writable({ write: (_chunk, _encoding, done) => done() }) });
let figures: SlackStormFigures;

beforeAll(async () => {
  figures = await measureSlackStorm({
    namespaces: 5,
    deploymentsPerNamespace: 4,
    podsPerDeployment: 25,
    channels: 3,
    spreadMs: 1_000,
    incidentSettings: { stormThresholdPerMinute: 3, minUpdateIntervalMs: 3_000 },
    deadlineMs: 45_000,
    log,
  });
}, 60_000);

describe('bench:slack (small)', () => {
  it('settles, with one incident per Deployment, some of them in a storm digest per channel', () => {
    expect(figures.settled).toBe(true);
    expect(figures.pods).toBe(500);
    expect(figures.incidents).toBe(20);
    expect(figures.incidentsWithMessage).toBe(9);
    expect(figures.incidentsInDigest).toBe(11);
    expect(figures.digests).toBe(3);
    expect(figures.deliveryFailures).toBe(0);
    expect(figures.violations).toBe(0);
  });

  it('accounts for every Pod in some message: its incident\'s count, or its workload in a digest', () => {
    expect(figures.accounted).toMatchObject({ pods: 500, missing: [] });
    expect(figures.accounted.inIncidentMessages).toBe(9 * 25);
    expect(figures.accounted.inDigests).toBe(11 * 25);
  });

  it('keeps every channel within its rate and ignores no 429', () => {
    expect(figures.perChannel).toHaveLength(3);
    for (const channel of figures.perChannel) {
      expect(channel.max1s).toBeLessThanOrEqual(1);
      expect(channel.max3s).toBeLessThanOrEqual(figures.channelLimit.limit);
    }
    expect(figures.maxUpdates60s).toBeLessThanOrEqual(50);
    expect(figures.rateLimited).toBe(0);
    expect(figures.ignoredRetryAfters).toBe(0);
  });

  it('posts the first message within 10 s of the first window end, each top-level post at most once per incident', () => {
    expect(figures.firstMessageMs).toBeLessThanOrEqual(10_000);
    expect(figures.incidentLatencyMs.count).toBe(20);
    expect(figures.topLevelPosts).toBe(9 + 3);
    expect(figures.replies).toBe(9);
    expect(figures.wallMs).toBeLessThan(20_000);
  });

  it('reports the figures', () => {
    const report = formatSlackReport(figures);

    expect(report).toContain('500 crash-looping Pods in 5 namespaces → 3 channels');
    expect(report).toContain('accounted for: 500 of 500 Pods');
    expect(report).toMatch(/429s: 0 received \(0 seen by the notifier\), 0 ignored/);
  });
});
