import { describe, expect, it } from 'vitest';
import type { Digest, DigestEntry } from '../../../src/contract/incident.ts';
import type { SlackMessage } from '../../../src/slack/render/blocks.ts';
import { podCountsOf, renderDigest, renderIncidentMessage, renderIncidentReopened, renderNotifyCommand, threadUrl } from '../../../src/slack/render/incident.ts';
import { blockKitViolations, isOwnMarkup, liveMarkup, visibleTexts } from './block-kit-check.ts';
import { FIFTY_KB, HOSTILE, hostileDiagnosis, incidentPods, makeIncident, OBSERVED_AT_MS, RAW_MARKUP } from './hostile.ts';

function allText(message: SlackMessage): string {
  return visibleTexts(message).join('\n');
}

function fieldsOf(message: SlackMessage): string[] {
  return message.blocks.flatMap((b) => (b.type === 'section' ? (b.fields ?? []).map((f) => f.text) : []));
}

function headerOf(message: SlackMessage): string | undefined {
  const first = message.blocks[0];
  return first?.type === 'header' ? first.text.text : undefined;
}

const FIRST_SEEN = `<!date^${(OBSERVED_AT_MS - 600_000) / 1000}^{date_short_pretty} {time}|2026-11-20 11:50 UTC>`;

describe('renderIncidentMessage for a workload', () => {
  it('says what is wrong, where, how many Pods, its status and when it was first seen', () => {
    const incident = makeIncident();

    const message = renderIncidentMessage(incident, podCountsOf(incident));

    expect(headerOf(message)).toBe('🔴 Container keeps exiting: Deployment/web');
    expect(allText(message)).toContain('Container app of Pod web-1 exits right after start with exit code 1.\n`container-exit.immediate`');
    expect(fieldsOf(message)).toEqual([
      '*Workload*\n`Deployment/web`',
      '*Namespace*\n`shop`',
      '*Cluster*\n`prod`',
      '*Pods*\n3 failing · 1 healthy · 0 gone of 4',
      '*Status*\n🔴 Open',
      `*First seen*\n${FIRST_SEEN}`,
    ]);
    expect(message.text).toBe('Open: container-exit.immediate in prod/shop Deployment/web, 3 of 4 Pods failing. Container app of Pod web-1 exits right after start with exit code 1.');
    expect(blockKitViolations(message)).toEqual([]);
  });

  it('shows the occurrence when the incident is open again', () => {
    const incident = makeIncident({ occurrence: 3 });

    const message = renderIncidentMessage(incident, podCountsOf(incident));

    expect(fieldsOf(message)).toContain('*Status*\n🔴 Open again (occurrence 3)');
    expect(message.text).toMatch(/^Open again \(occurrence 3\): /);
  });

  it('turns into a resolved message with the time it resolved', () => {
    const incident = makeIncident({ status: 'resolved', resolvedAt: OBSERVED_AT_MS });
    const pods = { failing: 0, healthy: 3, gone: 1, total: 4 };

    const message = renderIncidentMessage(incident, pods);

    expect(headerOf(message)).toBe('✅ Resolved: Container keeps exiting: Deployment/web');
    expect(fieldsOf(message)).toEqual(expect.arrayContaining(['*Status*\n✅ Resolved', '*Pods*\n0 failing · 3 healthy · 1 gone of 4', expect.stringMatching(/^\*Resolved\*\n<!date\^1795176000\^/)]));
    expect(message.text).toMatch(/^Resolved: /);
  });

  it('carries the incident in its metadata: cause, subject, id and status', () => {
    const incident = makeIncident();

    const message = renderIncidentMessage(incident, podCountsOf(incident));

    expect(message.metadata).toEqual({
      event_type: 'podwhy_incident',
      event_payload: {
        cluster: 'prod',
        namespace: 'shop',
        kind: 'Deployment',
        name: 'web',
        scenario: 'container-exit',
        cause: 'container-exit.immediate',
        incident_id: 'prod/shop/Deployment/web/container-exit.immediate',
        status: 'open',
        occurrence: 1,
      },
    });
  });

  it('escapes a hostile workload name and summary and stays within limits', () => {
    const incident = makeIncident({ subject: { kind: 'Deployment', name: HOSTILE }, namespace: HOSTILE, diagnosis: hostileDiagnosis({ summary: FIFTY_KB }) });

    const message = renderIncidentMessage(incident, podCountsOf(incident));

    expect(blockKitViolations(message)).toEqual([]);
    const text = allText(message);
    for (const raw of RAW_MARKUP) expect(text).not.toContain(raw);
    expect(liveMarkup(message).filter((t) => !isOwnMarkup(t))).toEqual([]);
    expect(text).toMatch(/more characters\)/);
  });
});

describe('a snooze on the parent', () => {
  const at = Date.parse('2026-12-07T13:05:00Z');

  it('shows who snoozed what until when while the incident is open, and nothing once it is resolved', () => {
    const snooze = { by: 'U0ALICE', at, untilMs: at + 3_600_000, target: 'namespace shop' };
    const open = allText(renderIncidentMessage(makeIncident({ snooze }), podCountsOf(makeIncident())));
    const resolved = allText(renderIncidentMessage(makeIncident({ snooze, status: 'resolved', resolvedAt: at }), podCountsOf(makeIncident())));

    expect(open).toContain(':zzz: Snoozed by <@U0ALICE>: alerts for `namespace shop` held back until 14:05 UTC');
    expect(resolved).not.toContain('Snoozed');
  });

  it('escapes a hostile namespace in the target (cluster-sourced) and names the day when the snooze ends on another', () => {
    const incident = makeIncident({ namespace: HOSTILE, snooze: { by: 'U0ALICE', at, untilMs: at + 86_400_000, target: `namespace ${HOSTILE}` } });

    const message = renderIncidentMessage(incident, podCountsOf(incident));

    expect(blockKitViolations(message)).toEqual([]);
    const text = allText(message);
    for (const raw of RAW_MARKUP) expect(text).not.toContain(raw);
    // The one live mention is the Slack user who snoozed (an id from Slack, not from the cluster).
    expect(liveMarkup(message).filter((t) => !isOwnMarkup(t, ['U0ALICE']))).toEqual([]);
    expect(text).toContain('held back until 2026-12-08 13:05 UTC');
  });
});

describe('renderIncidentMessage for a lost node', () => {
  const nodeIncident = (podCount: number, namespaces: readonly string[]) =>
    makeIncident({
      id: 'prod/_node/node-3/node-lost',
      scope: 'node',
      namespace: null,
      subject: { kind: 'Node', name: 'node-3' },
      cause: 'unknown.node-lost',
      diagnosis: hostileDiagnosis({ scenario: 'unknown', cause: 'unknown.node-lost', summary: 'Node node-3 stopped reporting 5m ago.', otherCauses: [] }),
      pods: incidentPods(podCount, namespaces),
    });

  it('names the node and counts the Pods affected in each namespace', () => {
    const incident = nodeIncident(5, ['shop', 'data']);

    const message = renderIncidentMessage(incident, podCountsOf(incident));

    expect(headerOf(message)).toBe('🔴 Node lost: Node/node-3');
    expect(fieldsOf(message)).toEqual(expect.arrayContaining(['*Node*\n`node-3`', '*Pods affected*\n5 failing · 0 healthy · 0 gone of 5', '*Namespaces*\n2']));
    expect(allText(message)).toContain('*Pods affected, by namespace*\n• `data`: 2 Pods\n• `shop`: 3 Pods');
    expect(allText(message)).toContain('*Failing Pods*\n• `data/pod-1`\n• `data/pod-3`\n• `shop/pod-0`');
    expect(message.metadata?.event_payload).toMatchObject({ kind: 'Node', name: 'node-3', cause: 'unknown.node-lost', incident_id: 'prod/_node/node-3/node-lost' });
    expect(message.metadata?.event_payload).not.toHaveProperty('namespace');
  });

  it('bounds 5,000 Pods across 300 namespaces with "+N more"', () => {
    const namespaces = Array.from({ length: 300 }, (_, i) => `ns-${String(i).padStart(3, '0')}`);
    const incident = nodeIncident(5_000, namespaces);

    const message = renderIncidentMessage(incident, podCountsOf(incident));

    expect(blockKitViolations(message)).toEqual([]);
    expect(allText(message)).toContain('+280 more namespaces');
    expect(allText(message)).toContain('+4,975 more');
  });
});

describe('renderIncidentReopened', () => {
  it('says the incident is back, which occurrence, then gives the diagnosis with buttons for this incident', () => {
    const incident = makeIncident({ occurrence: 2 });

    const message = renderIncidentReopened(incident, incident.diagnosis, podCountsOf(incident), { cluster: 'prod', issuedAt: OBSERVED_AT_MS });

    expect(visibleTexts(message)[1]).toBe('🔁 *It is back* (occurrence 2): 3 failing · 1 healthy · 0 gone of 4');
    expect(message.metadata?.event_payload).toMatchObject({ incident_id: incident.id, cause: 'container-exit.immediate' });
    const values = message.blocks.flatMap((b) => (b.type === 'actions' ? b.elements : [])).map((e) => (e.type === 'button' ? JSON.parse(e.value ?? '{}') : {}));
    expect(values.map((v) => v.incidentId)).toEqual([incident.id, incident.id]);
    expect(blockKitViolations(message)).toEqual([]);
  });
});

describe('renderDigest', () => {
  const entry = (i: number, summary = `Pods of web-${i} cannot pull their image.`): DigestEntry => ({
    incidentId: `prod/shop/Deployment/web-${i}/image-pull.not-found`,
    namespace: i % 2 ? 'shop' : null,
    subject: `Deployment/web-${i}`,
    cause: 'image-pull.not-found',
    summary,
    failingPods: i + 1,
    addedAt: OBSERVED_AT_MS,
  });
  const digest = (entries: DigestEntry[], total: number): Digest => ({
    type: 'digest',
    id: 'prod/_digest/C0ALERTS',
    cluster: 'prod',
    channel: 'C0ALERTS',
    startedAt: OBSERVED_AT_MS,
    lastAddedAt: OBSERVED_AT_MS,
    entries,
    total,
    pendingUpdate: false,
    dueAt: null,
  });

  it('lists each incident held back with its cause and failing Pods', () => {
    const message = renderDigest(digest([entry(0), entry(1)], 2));

    expect(message.blocks[0]?.type === 'header' && message.blocks[0].text.text).toBe('⚠️ Alert storm: 2 new incidents');
    expect(allText(message)).toContain('• `Deployment/web-0` · `image-pull.not-found` · 1 Pod failing\n   Pods of web-0 cannot pull their image.\n• `shop` `Deployment/web-1` · `image-pull.not-found` · 2 Pods failing');
    expect(message.metadata).toEqual({ event_type: 'podwhy_digest', event_payload: { cluster: 'prod', incident_id: 'prod/_digest/C0ALERTS', total: 2 } });
    expect(blockKitViolations(message)).toEqual([]);
  });

  it('says how many more there are than it lists', () => {
    const message = renderDigest(digest(Array.from({ length: 50 }, (_, i) => entry(i)), 400));

    expect(allText(message)).toContain('+370 more');
    expect(allText(message)).not.toContain('web-30`');
    expect(blockKitViolations(message)).toEqual([]);
  });

  it('stays within limits when every summary is 50 KB of hostile text', () => {
    const message = renderDigest(digest(Array.from({ length: 30 }, (_, i) => entry(i, FIFTY_KB)), 30));

    expect(blockKitViolations(message)).toEqual([]);
    for (const raw of RAW_MARKUP) expect(allText(message)).not.toContain(raw);
  });
});

describe('renderNotifyCommand', () => {
  const incident = makeIncident();
  const pods = podCountsOf(incident);
  const target = { channel: 'C0ALERTS', ts: '1795176000.000100' };
  const options = { issuedAt: OBSERVED_AT_MS };

  it('opens with the parent message and the diagnosis for its thread', () => {
    const rendered = renderNotifyCommand({ type: 'open', incident, diagnosis: incident.diagnosis, pods }, options);

    expect(rendered.parent.metadata?.event_type).toBe('podwhy_incident');
    expect(rendered.reply?.metadata).toMatchObject({ event_type: 'podwhy_diagnosis', event_payload: { incident_id: incident.id, cluster: 'prod' } });
  });

  it('re-opens with the parent edited to open and "it is back" in the thread', () => {
    const back = { ...incident, occurrence: 2 };

    const rendered = renderNotifyCommand({ type: 'reopen', incident: back, diagnosis: back.diagnosis, pods, target }, options);

    expect(fieldsOf(rendered.parent)).toContain('*Status*\n🔴 Open again (occurrence 2)');
    expect(rendered.reply && visibleTexts(rendered.reply)[1]).toMatch(/^🔁 \*It is back\* \(occurrence 2\)/);
  });

  it('only edits the parent on update and resolve', () => {
    const update = renderNotifyCommand({ type: 'update', incident, diagnosis: incident.diagnosis, pods, target }, options);
    const resolve = renderNotifyCommand({ type: 'resolve', incident: { ...incident, status: 'resolved' }, diagnosis: incident.diagnosis, pods, target }, options);

    expect(update.reply).toBeUndefined();
    expect(resolve.reply).toBeUndefined();
    expect(headerOf(resolve.parent)).toMatch(/^✅ Resolved: /);
  });

  it('renders a digest as its own parent message', () => {
    const digest: Digest = { type: 'digest', id: 'prod/_digest/C0ALERTS', cluster: 'prod', channel: 'C0ALERTS', startedAt: OBSERVED_AT_MS, lastAddedAt: OBSERVED_AT_MS, entries: [], total: 0, pendingUpdate: false, dueAt: null };

    const rendered = renderNotifyCommand({ type: 'digest', digest }, options);

    expect(rendered).toEqual({ parent: renderDigest(digest) });
  });
});

describe('threadUrl', () => {
  it('builds the archive link of a thread from its channel and ts', () => {
    expect(threadUrl({ channel: 'C0ALERTS', ts: '1795176000.000100' })).toBe('https://slack.com/archives/C0ALERTS/p1795176000000100');
  });

  it('refuses a channel or ts that is not Slack-shaped', () => {
    expect(threadUrl({ channel: 'C1/../x', ts: '1.2' })).toBeNull();
    expect(threadUrl({ channel: 'C0ALERTS', ts: '1795176000.000100|<!here>' })).toBeNull();
  });
});
