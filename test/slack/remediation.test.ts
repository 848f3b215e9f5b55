import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CauseId } from '../../src/contract/scenarios.ts';
import type { KubeObject } from '../../src/sim/store.ts';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { deliver, sendBlockAction, sendSlashCommand, sendViewSubmission } from '../../src/slack-emulator/signer.ts';
import type { StoredMessage } from '../../src/slack-emulator/workspace.ts';
import { RedisActionClaims } from '../../src/slack/action-claims.ts';
import { parseActionPolicy } from '../../src/slack/action-policy.ts';
import { startSimCluster, waitFor, type SimCluster } from '../agent/support.ts';
import { SIGNING_SECRET, startSingleProcess, type SingleProcess, type TestActionSettings } from './support.ts';

// One-click fixes end to end, single process: the diagnosis's button → real Bolt (signature, team, app) → the
// gateway's checks (HMAC, policy, age, claim) → an act job on the agent's queue → the agent re-reads the Pod and
// patches/deletes with preconditions on the simulated API server → the audit line in the thread. Every refusal
// is also checked on the API server's request log: no patch or delete of a Pod reached it.

const POLICY = parseActionPolicy(JSON.stringify([{ users: ['U0ALICE'], clusters: ['prod'], namespaces: ['shop', 'team-*'], actions: ['remove-finalizer', 'force-delete', 'restart-pod'] }]));
const clock = { offsetMs: 0 };
/** A seed per cluster: the simulator's uids follow its seed, and the gateway's claims outlive a test's cluster. */
let seed = 100;

let p: SingleProcess;
let cluster: SimCluster | undefined;
const actions: TestActionSettings = { enabled: true, policy: POLICY, maxAgeSeconds: 900, now: () => Date.now() + clock.offsetMs };
beforeAll(async () => {
  p = await startSingleProcess({ actions });
});
afterAll(async () => {
  await p.close();
});
/** Every Pod mutation the API server took during these tests (verb), for the RBAC comparison at the end. */
const recordedVerbs = new Set<string>();
afterEach(async () => {
  for (const r of cluster ? mutations(cluster) : []) if (r.status < 300) recordedVerbs.add(`${r.resource ?? ''} ${r.verb}`);
  clock.offsetMs = 0;
  p.bind(undefined);
  await cluster?.close();
  cluster = undefined;
});

function mutations(c: SimCluster) {
  return c.server.requests.filter((r) => r.resource === 'pods' && (r.verb === 'patch' || r.verb === 'delete'));
}

function stuckPod(c: SimCluster): KubeObject {
  const pod = c.store.list('pods', { namespace: 'shop' }).items.find((o) => o.metadata.deletionTimestamp !== undefined);
  if (!pod) throw new Error('no terminating Pod');
  return pod;
}

/** A workload broken with `cause`, the `/pod why` answer for `pickPod`'s Pod (with the `button`) in C0OPS. */
async function diagnosed(cause: CauseId, button: string, pickPod: (c: SimCluster) => KubeObject, env: Record<string, string> = {}): Promise<{ c: SimCluster; pod: KubeObject; answer: StoredMessage }> {
  const c = await startSimCluster({ seed: seed++ });
  cluster = c;
  c.sim.breakWorkload(cause, { namespace: 'shop', name: 'edge', replicas: 1 });
  await p.startAgent(c, { ACTIONS_ENABLED: 'true', ...env });
  const pod = pickPod(c);
  const before = Date.now();
  await sendSlashCommand(p.eventsUrl, { signingSecret: SIGNING_SECRET, slack: p.slack, command: '/pod', text: `why ${pod.metadata.name} -n shop`, userId: 'U0ALICE', channelId: 'C0OPS' });
  const answer = await waitFor(() => p.slack.messages('C0OPS').find((m) => m.postedAt >= before && m.threadTs === undefined && JSON.stringify(m.blocks).includes(button)), `the diagnosis with its ${button} button`);
  return { c, pod, answer };
}

/** A Pod stuck on a finalizer, its `/pod why` answer (with the buttons) in C0OPS. */
function finalizerDiagnosis() {
  return diagnosed('terminating.finalizer', 'podwhy.remove-finalizer', stuckPod);
}

function click(answer: StoredMessage, userId = 'U0ALICE', extra: { value?: string } = {}) {
  return sendBlockAction(p.eventsUrl, { signingSecret: SIGNING_SECRET, slack: p.slack, userId, channelId: answer.channel, messageTs: answer.ts, actionId: 'podwhy.remove-finalizer', ...extra });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const ephemeralFor = (user: string, text: string) => waitFor(() => p.slack.ephemerals({ user }).find((e) => e.text.includes(text)), `an ephemeral "${text}" for ${user}`);

describe('one-click fixes through Slack', () => {
  it('removes the finalizer of a stuck Pod: confirm dialog, one JSON Patch with test ops, the Pod gone, the audit line in the thread', async () => {
    const { c, pod, answer } = await finalizerDiagnosis();
    const button = (answer.blocks as { type: string; elements?: { action_id: string; style?: string; confirm?: { text: { text: string } } }[] }[])
      .flatMap((b) => b.elements ?? [])
      .find((e) => e.action_id === 'podwhy.remove-finalizer');
    expect(button?.style).toBe('danger');
    expect(button?.confirm?.text.text).toContain(`shop/${pod.metadata.name}`);
    expect(JSON.stringify(answer.blocks)).not.toContain('podwhy.force-delete');

    const delivery = await click(answer);
    const audit = await waitFor(() => p.slack.thread('C0OPS', answer.ts).find((m) => m.text.includes('removed the finalizers')), 'the audit line');

    expect(delivery.status).toBe(200);
    expect(audit.text).toContain(`U0ALICE removed the finalizers of pod shop/${pod.metadata.name} (uid ${pod.metadata.uid}): done`);
    await waitFor(() => c.store.get('pods', 'shop', pod.metadata.name ?? '') === undefined, 'the Pod to be gone');
    expect(mutations(c).map((r) => [r.verb, r.name, r.status])).toEqual([['patch', pod.metadata.name, 200]]);
    expect(p.logs.lines.join('')).not.toContain('"level":50');
  });

  it('refuses a user the policy does not name, ephemerally and saying why: no mutation', async () => {
    const { c, answer } = await finalizerDiagnosis();

    await click(answer, 'U0BOB');
    const denial = await ephemeralFor('U0BOB', 'You may not remove-finalizer');
    await sleep(300);

    expect(denial.text).toContain('the action policy grants you no actions');
    expect(mutations(c)).toEqual([]);
  });

  it('ignores a correctly signed click from another workspace: no answer, no mutation', async () => {
    const { c, answer } = await finalizerDiagnosis();

    const delivery = await sendBlockAction(p.eventsUrl, { signingSecret: SIGNING_SECRET, slack: p.slack, teamId: 'T0STRANGER', userId: 'U0ALICE', channelId: answer.channel, messageTs: answer.ts, actionId: 'podwhy.remove-finalizer' });
    await sleep(500);

    expect(delivery.status).toBe(200);
    expect(mutations(c)).toEqual([]);
    expect(p.slack.thread('C0OPS', answer.ts)).toHaveLength(0);
  });

  it.each([
    ['namespace', (v: Record<string, unknown>) => void (v['namespace'] = 'team-a')],
    ['uid', (v: Record<string, unknown>) => void (v['uid'] = '00000000-0000-4000-8000-000000000000')],
    ['action', (v: Record<string, unknown>) => void (v['action'] = 'force-delete')],
    ['HMAC', (v: Record<string, unknown>) => void (v['sig'] = 'AAAA' + String(v['sig']).slice(4))],
  ])('refuses a value with a tampered %s: no mutation', async (_field, change) => {
    const { c, answer } = await finalizerDiagnosis();
    const original = (answer.blocks as { elements?: { action_id: string; value: string }[] }[]).flatMap((b) => b.elements ?? []).find((e) => e.action_id === 'podwhy.remove-finalizer')?.value ?? '';
    const value = JSON.parse(original) as Record<string, unknown>;
    change(value);

    await click(answer, 'U0ALICE', { value: JSON.stringify(value) });
    await ephemeralFor('U0ALICE', 'not one podwhy can read');
    await sleep(300);

    expect(mutations(c)).toEqual([]);
  });

  it('acts once on a replayed payload and on two concurrent clicks; the others hear who was first', async () => {
    const { c, answer } = await finalizerDiagnosis();

    const first = await click(answer);
    const replay = await deliver(p.eventsUrl, first.sentBody, first.sentHeaders);
    await Promise.all([click(answer), click(answer)]);
    await waitFor(() => p.slack.thread('C0OPS', answer.ts).find((m) => m.text.includes('removed the finalizers')), 'the audit line');
    await waitFor(() => p.slack.ephemerals({ user: 'U0ALICE' }).filter((e) => e.text.includes('Already done by')).length >= 2, 'the later clicks told');
    await sleep(300);

    expect(replay.status).toBe(200);
    expect(mutations(c)).toHaveLength(1);
    expect(p.slack.thread('C0OPS', answer.ts).filter((m) => m.text.includes('removed the finalizers'))).toHaveLength(1);
  });

  it('says "the pod was replaced" and does nothing when the Pod was re-created under the same name after the diagnosis', async () => {
    const { c, pod, answer } = await finalizerDiagnosis();
    const name = pod.metadata.name ?? '';
    // The finalizer's operator came back and let it go; a new Pod of the same name, stuck the same way, took its place.
    const current = c.store.get('pods', 'shop', name) as KubeObject;
    c.store.update({ ...current, metadata: { ...current.metadata, finalizers: [] } });
    expect(c.store.get('pods', 'shop', name)).toBeUndefined();
    const { uid: _uid, resourceVersion: _rv, deletionTimestamp: _dt, deletionGracePeriodSeconds: _dg, creationTimestamp: _ct, ...metadata } = pod.metadata;
    const twin = c.store.create({ ...pod, metadata: { ...metadata, finalizers: ['traffic.example.com/drain'] } });
    c.store.delete('pods', 'shop', name);
    expect(twin.metadata.uid).not.toBe(pod.metadata.uid);

    await click(answer);
    const audit = await waitFor(() => p.slack.thread('C0OPS', answer.ts).find((m) => m.text.includes('removed the finalizers')), 'the audit line');

    expect(audit.text).toContain('the pod was replaced — nothing done');
    expect(mutations(c)).toEqual([]);
    expect(c.store.get('pods', 'shop', name)?.metadata.uid).toBe(twin.metadata.uid);
  });

  it('asks for a re-diagnosis when the button is older than ACTION_MAX_AGE_SECONDS: no mutation', async () => {
    const { c, answer } = await finalizerDiagnosis();
    clock.offsetMs = 16 * 60_000;

    await click(answer);
    const asked = await ephemeralFor('U0ALICE', 'Re-diagnose first');
    await sleep(300);

    expect(asked.text).toContain('16 minutes old');
    expect(mutations(c)).toEqual([]);
  });
});

describe('force delete and restart', () => {
  it('force-deletes a Pod on a lost node after its name is typed (the owner is unknown to a /pod why button): grace period 0, the Pod gone', async () => {
    const { c, pod, answer } = await diagnosed('terminating.node-lost', 'podwhy.force-delete', stuckPod);
    const name = pod.metadata.name ?? '';

    await sendBlockAction(p.eventsUrl, { signingSecret: SIGNING_SECRET, slack: p.slack, userId: 'U0ALICE', channelId: answer.channel, messageTs: answer.ts, actionId: 'podwhy.force-delete' });
    const opened = await waitFor(() => p.slack.calls('views.open').at(-1), 'the typed-confirmation modal');
    const view = (opened.response as { view: { id: string } }).view;
    const wrong = await sendViewSubmission(p.eventsUrl, { signingSecret: SIGNING_SECRET, slack: p.slack, userId: 'U0ALICE', viewId: view.id, values: { typed: { 'pod-name': { type: 'plain_text_input', value: 'edge' } } } });
    await sleep(300);
    expect(mutations(c)).toEqual([]);
    const right = await sendViewSubmission(p.eventsUrl, { signingSecret: SIGNING_SECRET, slack: p.slack, userId: 'U0ALICE', viewId: view.id, values: { typed: { 'pod-name': { type: 'plain_text_input', value: name } } } });
    const audit = await waitFor(() => p.slack.thread('C0OPS', answer.ts).find((m) => m.text.includes('force-deleted')), 'the audit line');

    expect(JSON.parse(wrong.body || '{}')).toMatchObject({ response_action: 'errors', errors: { typed: expect.stringContaining(name) } });
    expect(right.status).toBe(200);
    expect(audit.text).toContain(`U0ALICE force-deleted pod shop/${name} (uid ${pod.metadata.uid}): done`);
    expect(mutations(c).map((r) => [r.verb, r.name, r.status])).toEqual([['delete', name, 200]]);
    expect(mutations(c)[0]?.query).toContain('gracePeriodSeconds=0');
    expect(c.store.get('pods', 'shop', name)?.metadata.uid).not.toBe(pod.metadata.uid);
  });

  it('force-deletes a Pod its kubelet cannot kill (terminating.unresponsive, the last resort) after its name is typed', async () => {
    const { c, pod, answer } = await diagnosed('terminating.unresponsive', 'podwhy.force-delete', stuckPod);
    const name = pod.metadata.name ?? '';

    await sendBlockAction(p.eventsUrl, { signingSecret: SIGNING_SECRET, slack: p.slack, userId: 'U0ALICE', channelId: answer.channel, messageTs: answer.ts, actionId: 'podwhy.force-delete' });
    const opened = await waitFor(() => p.slack.calls('views.open').find((call) => JSON.stringify(call.args).includes(name)), 'the typed-confirmation modal');
    const view = (opened.response as { view: { id: string } }).view;
    await sendViewSubmission(p.eventsUrl, { signingSecret: SIGNING_SECRET, slack: p.slack, userId: 'U0ALICE', viewId: view.id, values: { typed: { 'pod-name': { type: 'plain_text_input', value: name } } } });
    const audit = await waitFor(() => p.slack.thread('C0OPS', answer.ts).find((m) => m.text.includes('force-deleted')), 'the audit line');

    expect(audit.text).toContain(`U0ALICE force-deleted pod shop/${name} (uid ${pod.metadata.uid}): done`);
    expect(mutations(c).map((r) => [r.verb, r.name, r.status])).toEqual([['delete', name, 200]]);
    expect(mutations(c)[0]?.query).toContain('gracePeriodSeconds=0');
  });

  it('restarts a Pod its controller re-creates: a plain delete with the uid precondition', async () => {
    const pickFailing = (c: SimCluster) => c.store.list('pods', { namespace: 'shop' }).items[0] as KubeObject;
    const { c, pod, answer } = await diagnosed('image-pull.unauthorized', 'podwhy.restart-pod', pickFailing);

    await sendBlockAction(p.eventsUrl, { signingSecret: SIGNING_SECRET, slack: p.slack, userId: 'U0ALICE', channelId: answer.channel, messageTs: answer.ts, actionId: 'podwhy.restart-pod' });
    const audit = await waitFor(() => p.slack.thread('C0OPS', answer.ts).find((m) => m.text.includes('restarted')), 'the audit line');

    expect(audit.text).toContain(`(uid ${pod.metadata.uid}): done`);
    expect(mutations(c).map((r) => [r.verb, r.name])).toEqual([['delete', pod.metadata.name]]);
    expect(mutations(c)[0]?.query ?? '').not.toContain('gracePeriodSeconds=0');
  });

});

describe('one-click fixes when the claim store is down', () => {
  it('fails closed with a clear message: no job, no mutation', async () => {
    const deadRedis = new Redis('redis://127.0.0.1:1', { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
    deadRedis.on('error', () => undefined);
    const q = await startSingleProcess({ actions: { ...actions, claims: new RedisActionClaims({ redis: deadRedis, prefix: 'podwhy-test-dead' }) } });
    const c = await startSimCluster();
    try {
      c.sim.breakWorkload('terminating.finalizer', { namespace: 'shop', name: 'edge', replicas: 1 });
      await q.startAgent(c, { ACTIONS_ENABLED: 'true' });
      const pod = stuckPod(c);
      const before = Date.now();
      await sendSlashCommand(q.eventsUrl, { signingSecret: SIGNING_SECRET, slack: q.slack, command: '/pod', text: `why ${pod.metadata.name} -n shop`, userId: 'U0ALICE', channelId: 'C0OPS' });
      const answer = await waitFor(() => q.slack.messages('C0OPS').find((m) => m.postedAt >= before && m.threadTs === undefined), 'the diagnosis');

      await sendBlockAction(q.eventsUrl, { signingSecret: SIGNING_SECRET, slack: q.slack, userId: 'U0ALICE', channelId: answer.channel, messageTs: answer.ts, actionId: 'podwhy.remove-finalizer' });
      const told = await waitFor(() => q.slack.ephemerals({ user: 'U0ALICE' }).find((e) => e.text.includes('could not record this click')), 'the fail-closed message');
      await sleep(300);

      expect(told.text).toContain('it did nothing');
      expect(mutations(c)).toEqual([]);
    } finally {
      await q.close();
      await c.close();
      deadRedis.disconnect();
    }
  });
});

describe('SubjectAccessReview mode (ACTION_AUTHORIZATION=kubernetes)', () => {
  it('acts for a clicker whose own Kubernetes rights allow it, and denies one whose rights do not: no mutation for the denial', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'podwhy-sar-'));
    const policyPath = join(dir, 'access.json');
    writeFileSync(policyPath, JSON.stringify([{ user: 'alice@example.com', verbs: ['patch'], namespaces: ['shop'] }]));
    const q = await startSingleProcess({ actions: { enabled: true, policy: [], authorization: 'kubernetes', maxAgeSeconds: 900 } });
    const c = await startSimCluster({ seed: seed++, accessReviewPolicyPath: policyPath });
    try {
      c.sim.breakWorkload('terminating.finalizer', { namespace: 'shop', name: 'edge', replicas: 2 });
      await q.startAgent(c, { ACTIONS_ENABLED: 'true', ACTION_AUTHORIZATION: 'kubernetes' });
      const [first, second] = c.store.list('pods', { namespace: 'shop' }).items.filter((o) => o.metadata.deletionTimestamp !== undefined);
      const answerFor = async (pod: KubeObject | undefined) => {
        const before = Date.now();
        await sendSlashCommand(q.eventsUrl, { signingSecret: SIGNING_SECRET, slack: q.slack, command: '/pod', text: `why ${pod?.metadata.name ?? ''} -n shop`, userId: 'U0ALICE', channelId: 'C0OPS' });
        return waitFor(() => q.slack.messages('C0OPS').find((m) => m.postedAt >= before && m.threadTs === undefined && JSON.stringify(m.blocks).includes(pod?.metadata.name ?? '?')), 'the diagnosis');
      };
      const forBob = await answerFor(second);
      await sendBlockAction(q.eventsUrl, { signingSecret: SIGNING_SECRET, slack: q.slack, userId: 'U0BOB', channelId: 'C0OPS', messageTs: forBob.ts, actionId: 'podwhy.remove-finalizer' });
      const denied = await waitFor(() => q.slack.thread('C0OPS', forBob.ts).find((m) => m.text.includes('removed the finalizers')), 'the denial in the thread');
      expect(denied.text).toContain('denied: your Kubernetes rights do not allow it (bob@example.com may not patch pods in shop) — nothing done');
      expect(mutations(c)).toEqual([]);

      const forAlice = await answerFor(first);
      await sendBlockAction(q.eventsUrl, { signingSecret: SIGNING_SECRET, slack: q.slack, userId: 'U0ALICE', channelId: 'C0OPS', messageTs: forAlice.ts, actionId: 'podwhy.remove-finalizer' });
      const done = await waitFor(() => q.slack.thread('C0OPS', forAlice.ts).find((m) => m.text.includes('removed the finalizers')), 'the audit line');

      expect(done.text).toContain(': done');
      expect(mutations(c).map((r) => r.verb)).toEqual(['patch']);
      const reviews = c.server.requests.filter((r) => r.resource === 'subjectaccessreviews');
      expect(reviews.map((r) => [r.verb, r.status])).toEqual([['create', 201], ['create', 201]]);
      for (const r of [...mutations(c), ...reviews]) if (r.status < 300) recordedVerbs.add(`${r.resource ?? ''} ${r.verb}`);
    } finally {
      await q.close();
      await c.close();
    }
  });
});

describe('the actions RBAC', () => {
  it('grants in the actions RBAC exactly the verbs these tests made the API server take', () => {
    const rules = parseAllDocuments(readFileSync(join(import.meta.dirname, '..', '..', 'deploy', 'kubernetes', 'actions', 'rbac-actions.yaml'), 'utf8'))
      .map((d) => d.toJS() as { kind: string; rules?: { apiGroups: string[]; resources: string[]; verbs: string[] }[] })
      .flatMap((d) => (d.kind === 'ClusterRole' || d.kind === 'Role' ? (d.rules ?? []) : []));
    const granted = rules.flatMap((r) => r.resources.flatMap((resource) => r.verbs.map((verb) => `${resource} ${verb}`)));

    expect([...recordedVerbs].sort()).toEqual([...new Set(granted)].sort());
  });
});
