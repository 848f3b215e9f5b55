import type { AddressInfo } from 'node:net';
import { App } from '@slack/bolt';
import { retryPolicies } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { registerAppHome } from '../../handlers/events/app-home.ts';
import { incidentOwnerOf } from '../../src/incidents/keys.ts';
import { IncidentManager } from '../../src/incidents/manager.ts';
import { MemoryIncidentStore } from '../../src/incidents/memory-store.ts';
import { markPosted } from '../../src/incidents/posted.ts';
import { createLogger } from '../../src/log.ts';
import { AppHomePublisher } from '../../src/slack/app-home.ts';
import { startSlackEmulator, type SlackEmulator } from '../../src/slack-emulator/server.ts';
import { sendEvent } from '../../src/slack-emulator/signer.ts';
import { recordingLogger, sleep, until } from '../slack-emulator/support.ts';
import { FIXTURE_NOW, podSnapshot } from '../support/fixtures.ts';
import { diagnosisOf } from '../support/notify-commands.ts';

const SIGNING_SECRET = 'app-home-test-signing-secret';
const CRASH = 'container-exit/immediate/exit-1-config-error.yaml';

/** The text of every section in a stored Home view, joined. */
function homeText(slack: SlackEmulator, user: string): string {
  const blocks = (slack.homeView(user)?.view['blocks'] ?? []) as { text?: { text?: string } }[];
  return blocks.map((b) => b.text?.text ?? '').join('\n');
}

describe('App Home on a real Bolt app (HTTP mode) against the Slack emulator', () => {
  let slack: SlackEmulator;
  let app: App;
  let eventsUrl: string;
  let manager: IncidentManager;
  let store: MemoryIncidentStore;
  let publisher: AppHomePublisher;
  let clock: { now: number };
  const logLines: string[] = [];

  async function openIncident(cluster: string, posted?: { channel: string; ts: string }): Promise<string> {
    const snapshot = podSnapshot(CRASH);
    const command = await manager.record({ cluster, diagnosis: diagnosisOf(snapshot), owner: incidentOwnerOf(snapshot.owners), observedAt: snapshot.observedAt, channel: 'C0ALERTS' });
    if (command?.type !== 'open') throw new Error('expected an open');
    if (posted) await markPosted(store, command.incident.id, posted);
    return command.incident.id;
  }

  function start(options: { minIntervalMs?: number; maxUsers?: number; recentForMs?: number } = {}): void {
    publisher = new AppHomePublisher({
      client: app.client,
      incidents: manager,
      clusters: ['prod', 'staging'],
      log: createLogger({ level: 'warn', destination: { write: (line: string) => void logLines.push(line) } }),
      now: () => clock.now,
      ...options,
    });
    registerAppHome(app, { publisher });
  }

  function opened(user: string, tab = 'home') {
    return sendEvent(eventsUrl, { signingSecret: SIGNING_SECRET, slack, event: { type: 'app_home_opened', user, channel: `D0${user}`, tab } });
  }

  beforeEach(async () => {
    logLines.length = 0;
    clock = { now: Date.parse(FIXTURE_NOW) };
    store = new MemoryIncidentStore({ now: () => clock.now });
    manager = new IncidentManager({ store, now: () => clock.now });
    slack = await startSlackEmulator({ rateLimits: false });
    app = new App({
      token: slack.botToken,
      signingSecret: SIGNING_SECRET,
      clientOptions: { slackApiUrl: slack.apiUrl, retryConfig: retryPolicies.rapidRetryPolicy },
      logger: recordingLogger(),
    });
    const server = await app.start({ port: 0, host: '127.0.0.1' });
    eventsUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;
  });

  afterEach(async () => {
    publisher.stop();
    await app.stop();
    await slack.close();
  });

  it('publishes the open incidents of every listed cluster, with a link to the thread, for the user who opened the tab', async () => {
    start();
    await openIncident('prod', { channel: 'C0ALERTS', ts: '1763640000.000100' });
    await openIncident('staging');

    const delivery = await opened('U0ALICE');
    await until(() => slack.homeView('U0ALICE') !== undefined, 5_000, 'the Home view');

    const text = homeText(slack, 'U0ALICE');
    expect(delivery.status).toBe(200);
    expect(slack.calls('views.publish').map((c) => [c.args['user_id'], c.response['ok']])).toEqual([['U0ALICE', true]]);
    expect(text).toContain('2 open incidents* in 2 clusters');
    expect(text).toContain('https://slack.com/archives/C0ALERTS/p1763640000000100|thread');
    expect(text).toContain('container-exit.immediate');
    expect(slack.homeView('U0BOB')).toBeUndefined();
    expect(slack.violations()).toEqual([]);
  });

  it('publishes nothing when the Messages tab is opened', async () => {
    start();

    const delivery = await opened('U0ALICE', 'messages');
    await sleep(200);

    expect(delivery.status).toBe(200);
    expect(slack.calls('views.publish')).toEqual([]);
  });

  it('refuses an event with a bad signature (401) and publishes nothing', async () => {
    start();

    const delivery = await sendEvent(eventsUrl, { signingSecret: SIGNING_SECRET, signWithSecret: 'guessed', slack, event: { type: 'app_home_opened', user: 'U0ALICE', channel: 'D0U0ALICE', tab: 'home' } });
    await sleep(200);

    expect(delivery.status).toBe(401);
    expect(slack.calls('views.publish')).toEqual([]);
  });

  it('re-publishes on change for recent viewers, one publish per user for a burst of changes, no sooner than the interval', async () => {
    start({ minIntervalMs: 400 });
    const id = await openIncident('prod', { channel: 'C0ALERTS', ts: '1763640000.000100' });
    await opened('U0ALICE');
    await opened('U0BOB');
    await until(() => slack.calls('views.publish').length === 2, 5_000, 'two opening publishes');
    const before = homeText(slack, 'U0ALICE');
    const openedAt = Date.now();

    const incident = await manager.get('prod', id);
    for (const uid of Object.keys(incident?.pods ?? {})) await manager.resolvePod('prod', uid);
    for (let i = 0; i < 5; i++) publisher.onIncidentsChanged();
    await until(() => slack.calls('views.publish').length === 4, 5_000, 'one re-publish per viewer');
    const waited = Date.now() - openedAt;
    await sleep(600);

    const republished = slack.calls('views.publish').slice(2).map((c) => c.args['user_id']).sort();
    expect(republished).toEqual(['U0ALICE', 'U0BOB']);
    expect(slack.calls('views.publish')).toHaveLength(4);
    expect(waited).toBeGreaterThanOrEqual(350);
    expect(before).toContain('1 of 1 failing');
    expect(homeText(slack, 'U0ALICE')).toContain('0 of 1 failing');
  });

  it('remembers a bounded number of viewers (the most recent) and forgets those who have not looked for a while', async () => {
    start({ minIntervalMs: 0, maxUsers: 2, recentForMs: 60_000 });
    await opened('U0ALICE');
    await opened('U0BOB');
    await opened('U0CAROL');
    await until(() => slack.calls('views.publish').length === 3, 5_000, 'three opening publishes');
    const remembered = publisher.viewers();

    clock.now += 61_000;
    await opened('U0BOB');
    await until(() => slack.calls('views.publish').length === 4, 5_000, "Bob's second opening");
    publisher.onIncidentsChanged();
    await until(() => slack.calls('views.publish').length === 5, 5_000, 'the re-publish');
    await sleep(200);

    expect(remembered).toEqual(['U0BOB', 'U0CAROL']);
    expect(slack.calls('views.publish').slice(4).map((c) => c.args['user_id'])).toEqual(['U0BOB']);
    expect(publisher.viewers()).toEqual(['U0BOB']);
  });

  it('logs a failed publish and keeps going (the listener does not throw)', async () => {
    start();
    slack.failNext('views.publish', { error: 'internal_error' });

    await opened('U0ALICE');
    await until(() => logLines.some((l) => l.includes('App Home publish failed')), 5_000, 'the warning');
    await opened('U0ALICE');
    await until(() => slack.homeView('U0ALICE') !== undefined, 5_000, 'the second publish');

    expect(slack.calls('views.publish').map((c) => c.response['ok'])).toEqual([false, true]);
  });
});
