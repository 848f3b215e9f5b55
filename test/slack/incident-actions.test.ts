import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sendBlockAction, sendViewSubmission } from '../../src/slack-emulator/signer.ts';
import type { StoredMessage } from '../../src/slack-emulator/workspace.ts';
import { parseActionPolicy } from '../../src/slack/action-policy.ts';
import type { RunningAgent } from '../../src/agent/agent.ts';
import { settle, startSimCluster, waitFor, type SimCluster } from '../agent/support.ts';
import { SIGNING_SECRET, startSingleProcess, type SingleProcess } from './support.ts';

// The incident buttons end to end, single process: an incident posted by the watch side → its diagnosis in the
// thread with "Snooze…" and "Mark resolved" → real Bolt → the gateway's checks (HMAC, policy with a Slack user
// group, age, claim) → an incident-action job on the agent's queue → the incident manager → the thread line and
// the parent edited through the notify path. Also: a one-click fix that was done shows on the parent.

const POLICY = parseActionPolicy(JSON.stringify([
  { users: ['U0ALICE'], clusters: ['prod'], namespaces: ['shop'], actions: ['snooze', 'mark-resolved', 'remove-finalizer'] },
  { groups: ['@oncall'], clusters: ['prod'], namespaces: ['shop'], actions: ['mark-resolved'] },
]));
let seed = 500;

let p: SingleProcess;
let cluster: SimCluster | undefined;
beforeAll(async () => {
  p = await startSingleProcess({ actions: { enabled: true, policy: POLICY, maxAgeSeconds: 900 } });
  p.slack.workspace.addUserGroup({ id: 'S0ONCALL', handle: 'oncall', users: ['U0BOB'] });
});
afterAll(async () => {
  await p.close();
});
afterEach(async () => {
  p.bind(undefined);
  await cluster?.close();
  cluster = undefined;
});

const parents = (channel: string): StoredMessage[] => p.slack.messages(channel).filter((m) => m.threadTs === undefined);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const parentText = (m: StoredMessage | undefined) => JSON.stringify(p.slack.message(m?.channel ?? '', m?.ts ?? '')?.blocks ?? []);

/** A Deployment `name` crash-looping in shop (routed to C0OPS): its incident's parent and the diagnosis in its thread. */
async function incident(cause: Parameters<SimCluster['sim']['breakWorkload']>[0] = 'container-exit.immediate', name = 'api'): Promise<{ c: SimCluster; agent: RunningAgent; parent: StoredMessage; diagnosis: StoredMessage }> {
  // One gateway serves every test's cluster (all named prod): its notifier remembers the incidents it posted, so each
  // test breaks a workload of its own (another incident id).
  const c = await startSimCluster({ seed: seed++ });
  cluster = c;
  const agent = await p.startAgent(c, { ACTIONS_ENABLED: 'true', CHANNEL_ROUTES: 'shop=C0OPS' });
  const before = Date.now();
  c.sim.breakWorkload(cause, { namespace: 'shop', name, replicas: 2 });
  for (let i = 0; i < 20 && !(await agent.incidents.listOpen('prod')).some((x) => x.delivery === 'message'); i++) {
    c.sim.advance(15);
    await settle(c, agent);
  }
  // The gateway paces posts per channel (about one a second), so the post may come a little later.
  const posted = await waitFor(() => parents('C0OPS').find((m) => m.postedAt >= before && JSON.stringify(m.metadata).includes(cause)), `the incident for ${cause}`);
  const parent = posted;
  const diagnosis = await waitFor(() => p.slack.thread('C0OPS', posted.ts).find((m) => JSON.stringify(m.blocks).includes('podwhy.mark-resolved')), 'the diagnosis with the incident buttons');
  return { c, agent, parent, diagnosis };
}

function click(message: StoredMessage, actionId: string, userId = 'U0ALICE') {
  return sendBlockAction(p.eventsUrl, { signingSecret: SIGNING_SECRET, slack: p.slack, userId, channelId: message.channel, messageTs: message.ts, actionId });
}

describe('snooze from Slack', () => {
  it('snoozes the namespace for 1 hour: the thread says until when, a new incident there is tracked but not posted until the snooze ends', async () => {
    const { c, agent, parent, diagnosis } = await incident('container-exit.immediate', 'api');
    // Another workload of the namespace already has its incident posted: the namespace snooze holds it too.
    c.sim.breakWorkload('container-exit.immediate', { namespace: 'shop', name: 'cart', replicas: 1 });
    for (let i = 0; i < 20 && !(await agent.incidents.listOpen('prod')).some((x) => x.subject.name === 'cart' && x.posted); i++) {
      c.sim.advance(15);
      await settle(c, agent);
    }
    const cart = await waitFor(() => parents('C0OPS').find((m) => JSON.stringify(m.blocks).includes('Deployment/cart')), 'the incident of cart');

    await click(diagnosis, 'podwhy.snooze');
    const opened = await waitFor(() => p.slack.calls('views.open').at(-1), 'the snooze modal');
    const view = (opened.response as { view: { id: string; blocks: unknown[] } }).view;
    expect(JSON.stringify(view.blocks)).toContain('this workload (Deployment/api)');
    await sendViewSubmission(p.eventsUrl, {
      signingSecret: SIGNING_SECRET, slack: p.slack, userId: 'U0ALICE', viewId: view.id,
      values: { duration: { choice: { type: 'radio_buttons', selected_option: { value: '3600' } } }, scope: { choice: { type: 'radio_buttons', selected_option: { value: 'namespace' } } } },
    });
    const line = await waitFor(() => p.slack.thread('C0OPS', parent.ts).find((m) => m.text.includes('snoozed alerts')), 'the snooze line in the thread');
    // The end is an hour after the click: "HH:MM UTC", with the date when it falls on the next day (after 23:00 UTC).
    const shown = /^U0ALICE snoozed alerts for namespace shop for 1 hour \(until (?:(\d{4}-\d\d-\d\d) )?(\d\d:\d\d) UTC\)/.exec(line.text);
    expect(shown, line.text).not.toBeNull();
    const expectedEnd = c.clock.nowMs() + 3_600_000;
    // Without a date the end is on the click's day: today's or, just after midnight, yesterday's.
    const days = shown?.[1] !== undefined ? [shown[1]] : [0, 86_400_000].map((back) => new Date(expectedEnd - back).toISOString().slice(0, 10));
    const nearest = Math.min(...days.map((day) => Math.abs(Date.parse(`${day}T${shown?.[2] ?? ''}:00Z`) - expectedEnd)));
    expect(nearest).toBeLessThan(120_000); // the click was at most a minute or two before now
    if (shown?.[1] !== undefined) expect(shown[1]).not.toBe(new Date(expectedEnd - 3_720_000).toISOString().slice(0, 10)); // a date only for another day
    expect(JSON.stringify(line.blocks)).toContain('<@U0ALICE> snoozed alerts for `namespace shop`');
    // The parent shows the snooze too, edited at once although the snooze holds back other edits.
    await waitFor(() => parentText(parent).includes('Snoozed by <@U0ALICE>: alerts for `namespace shop` held back until'), 'the snooze on the parent');
    expect(parentText(parent)).toContain(`held back until ${shown?.[1] !== undefined ? `${shown[1]} ` : ''}${shown?.[2] ?? '?'} UTC`);
    await waitFor(() => parentText(cart).includes('Snoozed by <@U0ALICE>: alerts for `namespace shop` held back until'), 'the snooze on the other parent it holds');

    // Another workload of the namespace breaks: the incident is tracked, nothing is posted.
    const before = parents('C0OPS').length;
    c.sim.breakWorkload('container-exit.immediate', { namespace: 'shop', name: 'web', replicas: 1 });
    let held: Awaited<ReturnType<RunningAgent['incidents']['listOpen']>>[number] | undefined;
    for (let i = 0; i < 20 && !held; i++) {
      await settle(c, agent);
      held = (await agent.incidents.listOpen('prod')).find((x) => x.subject.name === 'web');
      if (!held) c.sim.advance(15);
    }
    await sleep(300);
    expect(held).toMatchObject({ delivery: 'pending', snoozedUntil: expect.any(Number) });
    expect(parents('C0OPS')).toHaveLength(before);

    // The snooze ends: what was held back is posted.
    c.clock.advance(3_601);
    await settle(c, agent);
    await waitFor(() => parents('C0OPS').find((m) => JSON.stringify(m.blocks).includes('Deployment/web')), 'the held-back incident posted after the snooze');
    // And the parent that showed the snooze no longer does.
    await waitFor(() => !parentText(parent).includes('Snoozed by') && !parentText(cart).includes('Snoozed by'), 'the snooze gone from the parents');
    expect(parentText(parent)).toContain('Open');
  });

  it('refuses a user the policy does not grant snooze, ephemerally: no modal', async () => {
    const { diagnosis } = await incident('container-exit.immediate', 'denied');
    const modals = p.slack.calls('views.open').length;

    await click(diagnosis, 'podwhy.snooze', 'U0BOB');
    const denial = await waitFor(() => p.slack.ephemerals({ user: 'U0BOB' }).find((e) => e.text.includes('You may not snooze')), 'the denial');

    expect(denial.text).toContain('the action policy grants you no actions');
    expect(p.slack.calls('views.open')).toHaveLength(modals);
  });

  it('refuses a tampered incident button (another incident id under the old HMAC): nothing changes', async () => {
    const { parent, diagnosis } = await incident('container-exit.immediate', 'tampered');
    const original = (diagnosis.blocks as { elements?: { action_id: string; value: string }[] }[]).flatMap((b) => b.elements ?? []).find((e) => e.action_id === 'podwhy.mark-resolved')?.value ?? '';
    const value = JSON.parse(original) as Record<string, unknown>;
    value['incidentId'] = 'prod/shop/Deployment/api/container-exit.immediate';

    await sendBlockAction(p.eventsUrl, { signingSecret: SIGNING_SECRET, slack: p.slack, userId: 'U0ALICE', channelId: diagnosis.channel, messageTs: diagnosis.ts, actionId: 'podwhy.mark-resolved', value: JSON.stringify(value) });
    await waitFor(() => p.slack.ephemerals({ user: 'U0ALICE' }).find((e) => e.text.includes('not one podwhy can read')), 'the refusal');
    await sleep(300);

    expect(p.slack.thread('C0OPS', parent.ts).filter((m) => m.text.includes('marked resolved'))).toEqual([]);
    expect(parentText(parent)).not.toContain('Resolved');
  });
});

describe('mark resolved from Slack', () => {
  it('resolves now (parent edited, thread line), acts once on a second click, and the still-failing Pods re-open it as a new occurrence', async () => {
    const { c, agent, parent, diagnosis } = await incident('container-exit.immediate', 'resolved');

    await click(diagnosis, 'podwhy.mark-resolved');
    const told = await waitFor(() => p.slack.ephemerals({ user: 'U0ALICE' }).find((e) => e.text.includes('Requested: mark resolved')), 'the confirmation');
    const line = await waitFor(() => p.slack.thread('C0OPS', parent.ts).find((m) => m.text.includes('marked resolved by')), 'the thread line');
    await waitFor(() => parentText(parent).includes('Marked resolved by <@U0ALICE>'), 'the parent edited');

    expect(told.text).toContain('the next diagnosis (podwhy re-checks failing Pods every 60 s) re-opens it');
    expect(line.text).toMatch(/^Deployment\/resolved marked resolved by U0ALICE\. 2 of its Pods are still failing: the next diagnosis \(podwhy re-checks failing Pods every 60 s\) re-opens it in this thread as a new occurrence\.$/);
    expect(parentText(parent)).toContain('Resolved: Container keeps exiting: Deployment/resolved');

    await click(diagnosis, 'podwhy.mark-resolved');
    await waitFor(() => p.slack.ephemerals({ user: 'U0ALICE' }).find((e) => e.text.includes('Already done by <@U0ALICE>: mark resolved')), 'the second click told');
    await sleep(300);
    expect(p.slack.thread('C0OPS', parent.ts).filter((m) => m.text.includes('marked resolved by'))).toHaveLength(1);

    // The Pods keep crashing: their next diagnosis re-opens the incident in the same thread.
    let back: StoredMessage | undefined;
    for (let i = 0; i < 20 && !back; i++) {
      c.sim.advance(30);
      await settle(c, agent);
      back = p.slack.thread('C0OPS', parent.ts).find((m) => m.text.includes('Back again (occurrence 2)'));
    }
    expect(back).toBeDefined();
    expect(parents('C0OPS').filter((m) => JSON.stringify(m.blocks).includes('Deployment/resolved'))).toHaveLength(1);
  });

  it('keeps its promise for a Pod that never changes (stuck on a finalizer): the re-check of failing Pods re-opens it within about a minute', async () => {
    const { c, agent, parent, diagnosis } = await incident('terminating.finalizer', 'stuck');
    const stuck = () => c.store.list('pods', { namespace: 'shop' }).items.filter((o) => o.metadata.name?.startsWith('stuck-') && o.metadata.deletionTimestamp !== undefined);
    const versions = () => stuck().map((o) => `${o.metadata.uid ?? ''}@${o.metadata.resourceVersion ?? ''}`).sort();
    const before = versions();
    expect(before).toHaveLength(2);

    await click(diagnosis, 'podwhy.mark-resolved');
    const line = await waitFor(() => p.slack.thread('C0OPS', parent.ts).find((m) => m.text.includes('marked resolved by')), 'the thread line');
    await waitFor(() => parentText(parent).includes('Resolved: Stuck terminating: Deployment/stuck'), 'the parent edited');
    const markedAt = c.clock.nowMs();

    // Ten seconds at a time, with no change to the Pods, until the incident is open again.
    const reopened = async () => (await agent.incidents.listOpen('prod')).some((x) => x.subject.name === 'stuck' && x.occurrence === 2);
    for (let i = 0; i < 12 && !(await reopened()); i++) {
      c.sim.advance(10);
      await settle(c, agent);
    }
    const back = await waitFor(() => p.slack.thread('C0OPS', parent.ts).find((m) => m.text.includes('Back again (occurrence 2)')), 'the re-open in the thread');

    expect(line.text).toContain('2 of its Pods are still failing: the next diagnosis (podwhy re-checks failing Pods every 60 s) re-opens it');
    expect(back).toBeDefined();
    expect(c.clock.nowMs() - markedAt).toBeLessThan(90_000);
    // Nothing about the Pods changed: the re-check is what diagnosed them again, not an informer event.
    expect(versions()).toEqual(before);
    await waitFor(() => parentText(parent).includes('Open again (occurrence 2)'), 'the parent re-opened');
  });

  it('lets a member of a user group the policy names mark it resolved, and refuses with a clear message while the group cannot be read', async () => {
    const { parent, diagnosis } = await incident('container-exit.immediate', 'grouped');

    p.slack.failNext('usergroups.list', { error: 'internal_error' });
    await click(diagnosis, 'podwhy.mark-resolved', 'U0BOB');
    const refused = await waitFor(() => p.slack.ephemerals({ user: 'U0BOB' }).find((e) => e.text.includes('could not read the Slack user group')), 'the fail-closed refusal');
    await sleep(300);
    expect(refused.text).toContain('@oncall: usergroups.list: An API error occurred: internal_error');
    expect(p.slack.thread('C0OPS', parent.ts).filter((m) => m.text.includes('marked resolved'))).toEqual([]);

    await click(diagnosis, 'podwhy.mark-resolved', 'U0BOB');
    const line = await waitFor(() => p.slack.thread('C0OPS', parent.ts).find((m) => m.text.includes('marked resolved by')), 'the thread line');

    expect(line.text).toContain('marked resolved by U0BOB');
    expect(p.slack.calls('usergroups.users.list').at(-1)?.args).toMatchObject({ usergroup: 'S0ONCALL' });
  });
});

describe('a one-click fix on an incident', () => {
  it('shows on the parent message: "finalizers removed from Pod … by @user"', async () => {
    const { c, parent } = await incident('terminating.finalizer', 'edge');
    const withButton = await waitFor(() => p.slack.thread('C0OPS', parent.ts).find((m) => JSON.stringify(m.blocks).includes('podwhy.remove-finalizer')), 'the remove-finalizer button');
    const pod = c.store.list('pods', { namespace: 'shop' }).items.find((o) => o.metadata.deletionTimestamp !== undefined && JSON.stringify(withButton.blocks).includes(o.metadata.uid ?? '?'));

    await click(withButton, 'podwhy.remove-finalizer');
    await waitFor(() => p.slack.thread('C0OPS', parent.ts).find((m) => m.text.includes('removed the finalizers') && m.text.includes(': done')), 'the audit line');
    await waitFor(() => parentText(parent).includes('Remediation: finalizers removed from Pod'), 'the parent edited');

    expect(parentText(parent)).toContain(`Remediation: finalizers removed from Pod \`${pod?.metadata.name ?? '?'}\` by <@U0ALICE>`);
  });
});
