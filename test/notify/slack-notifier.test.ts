/**
 * SlackNotifier against the Slack Web API emulator over real HTTP, with the real WebClient, real
 * diagnoses (fixture Pods through the engine) and the real IncidentManager deciding what to send.
 * Tests that wait out a Retry-After (whole seconds) run concurrently, each on its own emulator.
 */
import { Writable } from 'node:stream';
import { ErrorCode, type WebAPIHTTPError } from '@slack/web-api';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryIncidentStore } from '../../src/incidents/memory-store.ts';
import { deliverNotification } from '../../src/notify/deliver.ts';
import { IncidentManager } from '../../src/incidents/manager.ts';
import type { IncidentSettings } from '../../src/incidents/settings.ts';
import type { NotifyCommand, PostedMessage } from '../../src/contract/incident.ts';
import { isPodwhyError, type PodwhyError } from '../../src/errors.ts';
import { createLogger } from '../../src/log.ts';
import type { PacingSettings } from '../../src/notify/channel-pacer.ts';
import { createSlackWebClient, SlackNotifier, type SlackNotifierOptions } from '../../src/notify/slack-notifier.ts';
import { isUnrecoverable } from '../../src/queue/diagnosis-queue.ts';
import { highestCountInWindow, type RateLimitOverrides } from '../../src/slack-emulator/rate-limits.ts';
import { startSlackEmulator, type SlackEmulator } from '../../src/slack-emulator/server.ts';
import type { StoredMessage } from '../../src/slack-emulator/workspace.ts';
import { crashLoopReplicas, ReplicaFactory, replicaObservation, type Replica } from '../support/crash-loop-replicas.ts';
import { until } from '../slack-emulator/support.ts';

const T0 = Date.parse('2026-11-20T12:00:00Z');
const ALERTS = 'C0ALERTS';
const OPS = 'C0OPS';
const REPLICAS = crashLoopReplicas({ namespaces: ['shop'], deployments: 2, podsPerDeployment: 3 });
const API = REPLICAS.filter((r) => r.deployment === 'api');
const ORDERS = REPLICAS.filter((r) => r.deployment === 'orders-api');

interface Harness {
  slack: SlackEmulator;
  notifier: SlackNotifier;
  incidents: IncidentManager;
  store: MemoryIncidentStore;
  clock: { now: number };
  logs: string[];
  /** Records an observation and delivers what the manager decides (markPosted included). */
  record(replica: Replica, channel?: string): Promise<NotifyCommand | null>;
  /** Advances the manager's clock and delivers what has become due. */
  flush(advanceMs: number): Promise<NotifyCommand[]>;
}

const started: SlackEmulator[] = [];
const notifiers: SlackNotifier[] = [];
afterAll(async () => {
  await Promise.all(notifiers.map((n) => n.close()));
  await Promise.all(started.map((s) => s.close()));
});

async function harness(options: {
  rateLimits?: RateLimitOverrides | false;
  pacing?: Partial<PacingSettings>;
  incidents?: Partial<IncidentSettings>;
  timeoutMs?: number;
  notifier?: Partial<SlackNotifierOptions>;
} = {}): Promise<Harness> {
  const slack = await startSlackEmulator(options.rateLimits === undefined ? {} : { rateLimits: options.rateLimits });
  started.push(slack);
  const logs: string[] = [];
  const log = createLogger({ level: 'debug', destination: new Writable({ write: (chunk, _encoding, done) => (logs.push(String(chunk)), done()) }) });
  const client = createSlackWebClient({ token: slack.botToken, slackApiUrl: slack.apiUrl, timeoutMs: options.timeoutMs ?? 5_000 });
  const notifier = new SlackNotifier({ client, log, ...(options.pacing ? { pacing: options.pacing } : {}), ...options.notifier });
  notifiers.push(notifier);
  const clock = { now: T0 };
  const store = new MemoryIncidentStore({ now: () => clock.now });
  const incidents = new IncidentManager({ store, settings: { stormThresholdPerMinute: 100, ...options.incidents }, now: () => clock.now });
  return {
    store,
    slack,
    notifier,
    incidents,
    clock,
    logs,
    async record(replica, channel = ALERTS) {
      const command = await incidents.record(replicaObservation(replica, channel));
      if (command) await deliverNotification(command, { notifier, store });
      return command;
    },
    async flush(advanceMs) {
      clock.now += advanceMs;
      const commands = await incidents.flushDue('prod');
      for (const command of commands) await deliverNotification(command, { notifier, store });
      return commands;
    },
  };
}

const posts = (slack: SlackEmulator) => slack.calls('chat.postMessage').filter((c) => c.status === 200 && c.response['ok'] === true);
const textOf = (message: StoredMessage | undefined) => message?.text ?? '';

describe.concurrent('SlackNotifier', () => {
  it('posts an open as a parent with podwhy_incident metadata and the diagnosis as a thread reply, and returns the parent', async () => {
    const { slack, notifier, incidents } = await harness();
    const command = await incidents.record(replicaObservation(API[0] as Replica, ALERTS));
    if (command?.type !== 'open') throw new Error('expected an open');

    const posted = (await notifier.deliver(command)) as PostedMessage;

    expect(posted.channel).toBe(ALERTS);
    const [parent] = slack.messages(ALERTS);
    expect(parent?.ts).toBe(posted.ts);
    expect(parent?.metadata).toMatchObject({ event_type: 'podwhy_incident', event_payload: { incident_id: command.incident.id, cause: 'container-exit.immediate', status: 'open', occurrence: 1 } });
    expect(textOf(parent)).toContain('1 of 1 Pods failing');
    const replies = slack.thread(ALERTS, posted.ts);
    expect(replies).toHaveLength(1);
    expect(replies[0]?.metadata).toMatchObject({ event_type: 'podwhy_diagnosis', event_payload: { cause: 'container-exit.immediate', incident_id: command.incident.id, name: API[0]?.name } });
    expect(slack.calls('chat.postMessage').every((c) => c.args['link_names'] === undefined)).toBe(true);
    expect(notifier.stats()).toMatchObject({ posts: 2, updates: 0, rateLimited: 0 });
  });

  it('edits the parent in place on update and resolve: same ts, the edit history grows, no new message', async () => {
    const h = await harness({ incidents: { resolveAfterMs: 60_000 } });
    await h.record(API[0] as Replica);
    const [parent] = h.slack.messages(ALERTS);

    await h.record(API[1] as Replica);
    await h.record(API[2] as Replica);
    const updates = await h.flush(10_000);

    expect(updates.map((c) => c.type)).toEqual(['update']);
    expect(h.slack.messages(ALERTS).map((m) => m.ts)).toEqual([parent?.ts]);
    const edited = h.slack.message(ALERTS, parent?.ts ?? '');
    expect(edited?.versions).toHaveLength(2);
    expect(textOf(edited)).toContain('3 of 3 Pods failing');

    for (const replica of API) await h.incidents.podHealthy('prod', replica.uid);
    const resolves = await h.flush(61_000);

    expect(resolves.map((c) => c.type)).toEqual(['resolve']);
    expect(h.slack.messages(ALERTS)).toHaveLength(1);
    const resolved = h.slack.message(ALERTS, parent?.ts ?? '');
    expect(resolved?.versions).toHaveLength(3);
    expect(textOf(resolved)).toMatch(/^Resolved: /);
    expect(resolved?.metadata?.event_payload).toMatchObject({ status: 'resolved' });
    expect(h.slack.thread(ALERTS, parent?.ts ?? '')).toHaveLength(1);
    expect(h.slack.calls('chat.update').every((c) => c.args['channel'] === ALERTS && c.args['ts'] === parent?.ts)).toBe(true);
  });

  it('re-opens in the same thread: "it is back" as a reply, the parent edited back to open', async () => {
    const h = await harness({ incidents: { resolveAfterMs: 60_000 } });
    await h.record(API[0] as Replica);
    await h.incidents.podHealthy('prod', API[0]?.uid ?? '');
    await h.flush(61_000);
    const [parent] = h.slack.messages(ALERTS);

    h.clock.now += 5 * 60_000;
    const command = await h.record(API[0] as Replica);

    expect(command?.type).toBe('reopen');
    expect(h.slack.messages(ALERTS).map((m) => m.ts)).toEqual([parent?.ts]);
    const replies = h.slack.thread(ALERTS, parent?.ts ?? '');
    expect(replies).toHaveLength(2);
    expect(textOf(replies[1])).toMatch(/^Back again \(occurrence 2\)/);
    const reopened = h.slack.message(ALERTS, parent?.ts ?? '');
    expect(textOf(reopened)).toMatch(/^Open again \(occurrence 2\)/);
    expect(reopened?.metadata?.event_payload).toMatchObject({ status: 'open', occurrence: 2 });
  });

  it('does not repeat the "it is back" reply when a re-open is delivered again after its edit failed', async () => {
    const h = await harness({ incidents: { resolveAfterMs: 60_000 } });
    await h.record(API[0] as Replica);
    await h.incidents.podHealthy('prod', API[0]?.uid ?? '');
    await h.flush(61_000);
    const [parent] = h.slack.messages(ALERTS);
    h.clock.now += 60_000;
    const reopen = await h.incidents.record(replicaObservation(API[0] as Replica, ALERTS));
    if (reopen?.type !== 'reopen') throw new Error('expected a reopen');
    h.slack.failNext('chat.update', { status: 503 });

    const first = await h.notifier.deliver(reopen).catch((error: unknown) => error);
    await h.notifier.deliver(reopen);

    expect((first as WebAPIHTTPError).code).toBe(ErrorCode.HTTPError);
    expect(h.slack.thread(ALERTS, parent?.ts ?? '')).toHaveLength(2);
    expect(textOf(h.slack.message(ALERTS, parent?.ts ?? ''))).toMatch(/^Open again/);
  });

  it('posts the storm digest once and edits it as more incidents join', async () => {
    const h = await harness({ incidents: { stormThresholdPerMinute: 1 } });
    const [api, orders] = [API[0], ORDERS[0]];
    const extra = new ReplicaFactory('container-exit/after-running/go-panic-exit-2.yaml').replica('shop', 'notifier', 0);

    await h.record(api as Replica);
    const digest = await h.record(orders as Replica);
    await h.record(extra);
    const edits = await h.flush(10_000);

    expect(digest?.type).toBe('digest');
    expect(edits.map((c) => c.type)).toEqual(['digest']);
    const top = h.slack.messages(ALERTS);
    expect(top.map((m) => m.metadata?.event_type)).toEqual(['podwhy_incident', 'podwhy_digest']);
    const digestMessage = top[1];
    expect(digestMessage?.versions).toHaveLength(2);
    expect(digestMessage?.metadata?.event_payload).toMatchObject({ total: 2 });
    expect(JSON.stringify(digestMessage?.blocks)).toContain('Deployment/notifier');
    expect(h.slack.thread(ALERTS, digestMessage?.ts ?? '')).toEqual([]);
  });

  it('keeps posting in channel B while channel A waits out a 429', async () => {
    const h = await harness();
    const [a, b] = [API[0], ORDERS[0]];
    h.slack.failNext('chat.postMessage', { retryAfterSeconds: 2 });

    const deliveredA = h.record(a as Replica, ALERTS);
    await until(() => h.slack.calls('chat.postMessage').some((c) => c.status === 429), 5_000, 'the 429');
    const refusedAt = h.slack.calls('chat.postMessage').find((c) => c.status === 429)?.at ?? 0;
    await h.record(b as Replica, OPS);
    await deliveredA;

    const accepted = posts(h.slack);
    const inB = accepted.filter((c) => c.args['channel'] === OPS).map((c) => c.at);
    const inA = accepted.filter((c) => c.args['channel'] === ALERTS).map((c) => c.at);
    expect(inB).toHaveLength(2);
    expect(inA).toHaveLength(2);
    expect(Math.max(...inB)).toBeLessThan(refusedAt + 2_000);
    expect(Math.min(...inA)).toBeGreaterThanOrEqual(refusedAt + 2_000);
    expect(h.slack.messages(ALERTS)).toHaveLength(1);
    expect(h.slack.ignoredRetryAfters()).toEqual([]);
    expect(h.notifier.stats().rateLimited).toBe(1);
  });

  it('spreads a burst of 20 opens in one channel within the channel rate: all posted, in order, no 429', async () => {
    // The emulator's windows shrunk tenfold (3 posts in 300 ms) and the pacer's interval with them.
    const h = await harness({ rateLimits: { postMessagePerChannel: { limit: 3, windowMs: 300 } }, pacing: { channelIntervalMs: 100 } });
    const factory = new ReplicaFactory('container-exit/immediate/exit-127-crashloop.yaml');
    const commands: NotifyCommand[] = [];
    for (let i = 0; i < 20; i += 1) {
      const command = await h.incidents.record(replicaObservation(factory.replica('shop', `api-${i}`, 0), ALERTS));
      if (command) commands.push(command);
    }

    const posted = await Promise.all(commands.map((command) => h.notifier.deliver(command)));

    expect(commands).toHaveLength(20);
    const parents = h.slack.messages(ALERTS);
    expect(parents).toHaveLength(20);
    expect(parents.map((m) => m.metadata?.event_payload['name'])).toEqual(commands.map((c) => (c.type === 'open' ? c.incident.subject.name : '')));
    expect(posted.map((p) => (p as PostedMessage).ts)).toEqual(parents.map((m) => m.ts));
    for (const parent of parents) expect(h.slack.thread(ALERTS, parent.ts)).toHaveLength(1);
    const [stats] = h.slack.channelRates('chat.postMessage');
    expect(stats?.acceptedAt).toHaveLength(40);
    expect(highestCountInWindow(stats?.acceptedAt ?? [], 300)).toBeLessThanOrEqual(3);
    expect(h.slack.rateLimited()).toEqual([]);
    expect(h.slack.ignoredRetryAfters()).toEqual([]);
  });

  it('waits out every Retry-After when paced faster than Slack allows, and still posts each message once', async () => {
    const h = await harness({ rateLimits: { postMessagePerChannel: { limit: 3, windowMs: 1_000 } }, pacing: { channelIntervalMs: 0, maxAttempts: 5 } });
    const factory = new ReplicaFactory('container-exit/immediate/exit-127-crashloop.yaml');
    const commands: NotifyCommand[] = [];
    for (let i = 0; i < 5; i += 1) {
      const command = await h.incidents.record(replicaObservation(factory.replica('shop', `api-${i}`, 0), ALERTS));
      if (command) commands.push(command);
    }

    await Promise.all(commands.map((command) => h.notifier.deliver(command)));

    expect(h.slack.rateLimited().length).toBeGreaterThan(0);
    expect(h.notifier.stats().rateLimited).toBe(h.slack.rateLimited().length);
    expect(h.slack.ignoredRetryAfters()).toEqual([]);
    expect(h.slack.messages(ALERTS)).toHaveLength(5);
    for (const parent of h.slack.messages(ALERTS)) expect(h.slack.thread(ALERTS, parent.ts)).toHaveLength(1);
  });

  it('throws when Slack fails (HTTP 500), and the retried delivery posts exactly once', async () => {
    const { slack, notifier, incidents } = await harness();
    const command = await incidents.record(replicaObservation(API[0] as Replica, ALERTS));
    if (!command) throw new Error('expected an open');
    slack.failNext('chat.postMessage', { status: 500 });

    const error = await notifier.deliver(command).catch((e: unknown) => e);
    const posted = (await notifier.deliver(command)) as PostedMessage;

    expect((error as WebAPIHTTPError).code).toBe(ErrorCode.HTTPError);
    expect((error as WebAPIHTTPError).statusCode).toBe(500);
    expect(isUnrecoverable(error)).toBe(false);
    expect(slack.messages(ALERTS).map((m) => m.ts)).toEqual([posted.ts]);
    expect(slack.thread(ALERTS, posted.ts)).toHaveLength(1);
  });

  it('returns the parent when only its reply fails, posts the reply later, and never posts the parent again', async () => {
    const emulator: { slack?: SlackEmulator } = {};
    const h = await harness({
      notifier: {
        replyRetry: { attempts: 3, delayMs: 200 },
        // Runs between the parent and its reply: the reply is the next chat.postMessage, so it fails.
        onParentPosted: async () => emulator.slack?.failNext('chat.postMessage', { status: 502 }),
      },
    });
    emulator.slack = h.slack;
    const command = await h.incidents.record(replicaObservation(API[0] as Replica, ALERTS));
    if (!command) throw new Error('expected an open');

    const posted = (await h.notifier.deliver(command)) as PostedMessage;
    const owedRightAfter = h.notifier.stats().repliesOwed;
    await h.notifier.settled();
    const again = (await h.notifier.deliver(command)) as PostedMessage;

    expect(owedRightAfter).toBe(1);
    expect(h.notifier.stats().repliesOwed).toBe(0);
    expect(again).toEqual(posted);
    expect(h.slack.messages(ALERTS)).toHaveLength(1);
    expect(h.slack.thread(ALERTS, posted.ts)).toHaveLength(1);
    expect(h.slack.message(ALERTS, posted.ts)?.versions).toHaveLength(2);
    expect(h.logs.some((line) => line.includes('Thread reply failed after its parent was posted'))).toBe(true);
    expect(h.logs.join('\n')).not.toContain(h.slack.botToken);
  });

  it('posts a new parent when an open is delivered again after someone deleted the first one', async () => {
    const { slack, notifier, incidents } = await harness();
    const command = await incidents.record(replicaObservation(API[0] as Replica, ALERTS));
    if (!command) throw new Error('expected an open');
    const first = (await notifier.deliver(command)) as PostedMessage;
    const admin = createSlackWebClient({ token: slack.botToken, slackApiUrl: slack.apiUrl });
    await admin.chat.delete({ channel: first.channel, ts: first.ts });

    const second = (await notifier.deliver(command)) as PostedMessage;

    expect(second.ts).not.toBe(first.ts);
    expect(slack.messages(ALERTS).map((m) => m.ts)).toEqual([second.ts]);
    expect(slack.thread(ALERTS, second.ts)).toHaveLength(1);
  });

  it('shares one attempt between concurrent deliveries of the same open', async () => {
    const { slack, notifier, incidents } = await harness();
    const command = await incidents.record(replicaObservation(API[0] as Replica, ALERTS));
    if (!command) throw new Error('expected an open');

    const [first, second] = await Promise.all([notifier.deliver(command), notifier.deliver(command)]);

    expect(first).toEqual(second);
    expect(slack.messages(ALERTS)).toHaveLength(1);
    expect(slack.thread(ALERTS, (first as PostedMessage).ts)).toHaveLength(1);
  });

  it('fails fast and clearly where the app is not in the channel or cannot see it, and the queue does not retry that', async () => {
    const { slack, notifier, incidents } = await harness();
    const notIn = await incidents.record(replicaObservation(API[0] as Replica, 'C0GENERAL'));
    const hidden = await incidents.record(replicaObservation(ORDERS[0] as Replica, 'C0HIDDEN'));
    if (!notIn || !hidden) throw new Error('expected opens');

    const errors = (await Promise.all([notifier.deliver(notIn), notifier.deliver(hidden)].map((p) => p.catch((e: unknown) => e)))) as PodwhyError[];

    expect(errors.map((e) => isPodwhyError(e, 'config-invalid'))).toEqual([true, true]);
    expect(errors[0]?.message).toContain('C0GENERAL (not_in_channel)');
    expect(errors[0]?.message).toContain('/invite @podwhy');
    expect(errors[1]?.message).toContain('C0HIDDEN (channel_not_found)');
    expect(errors[0]?.details).toMatchObject({ channel: 'C0GENERAL', slackError: 'not_in_channel' });
    expect(errors.every((e) => isUnrecoverable(e))).toBe(true);
    expect(slack.calls('chat.postMessage')).toHaveLength(2);
  });

  it('gives up on a hanging Slack after the client timeout with a retryable error', async () => {
    const { slack, notifier, incidents } = await harness({ timeoutMs: 300 });
    const command = await incidents.record(replicaObservation(API[0] as Replica, ALERTS));
    if (!command) throw new Error('expected an open');
    slack.failNext('chat.postMessage', { delayMs: 1_500, status: 500 });
    const startedAt = Date.now();

    const error = await notifier.deliver(command).catch((e: unknown) => e);

    expect((error as { code?: string }).code).toBe(ErrorCode.RequestError);
    expect(Date.now() - startedAt).toBeLessThan(1_400);
    expect(isUnrecoverable(error)).toBe(false);
  });

  it('sends hostile cluster strings inertly: no mentions, no link_names, no violations recorded', async () => {
    const h = await harness({ incidents: { minUpdateIntervalMs: 0 } });
    const hostile = '<!channel> @here <@U0ALICE> <!subteam^S123> *bold* `tick` ```block``` <https://evil.example|click> &amp; \u202Eevil';
    const replica = structuredClone(API[0] as Replica);
    replica.diagnosis.summary = `${hostile} ${replica.diagnosis.summary}`;
    for (const evidence of replica.diagnosis.evidence) if (evidence.kind === 'event') evidence.message = hostile;
    replica.diagnosis.remediation.push({ text: hostile, command: `kubectl logs ${hostile}` });
    const observation = { ...replicaObservation(replica, ALERTS), owner: { kind: 'Deployment', name: `api ${hostile}` } };

    const second = structuredClone(replica);
    second.diagnosis.subject = { ...second.diagnosis.subject, name: 'api-2', uid: 'uid-2' };

    for (const diagnosis of [replica.diagnosis, second.diagnosis]) {
      const command = await h.incidents.record({ ...observation, diagnosis });
      if (command) await deliverNotification(command, { notifier: h.notifier, store: h.store });
    }

    expect(h.slack.messages(ALERTS)).toHaveLength(1);
    expect(h.slack.calls('chat.update')).toHaveLength(1);
    expect(h.slack.violations()).toEqual([]);
    // What people see (text and blocks); the metadata is data and carries the names as they are.
    const sent = JSON.stringify([...h.slack.calls('chat.postMessage'), ...h.slack.calls('chat.update')].map((c) => [c.args['text'], c.args['blocks']]));
    expect(sent).not.toContain('<!channel>');
    expect(sent).not.toContain('<@U0ALICE>');
    expect(sent).not.toContain('<https://evil');
    expect([...h.slack.calls('chat.postMessage'), ...h.slack.calls('chat.update')].every((c) => !('link_names' in c.args))).toBe(true);
  });
});
