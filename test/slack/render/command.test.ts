import { describe, expect, it } from 'vitest';
import type { Diagnosis } from '../../../src/contract/diagnosis.ts';
import { diagnose } from '../../../src/diagnosis/engine.ts';
import { decodeActionValue } from '../../../src/slack/action-value.ts';
import type { SlackMessage } from '../../../src/slack/render/blocks.ts';
import {
  POD_COMMAND_SYNTAX,
  renderIncidentList,
  renderPodCommandError,
  renderPodHealthy,
  renderPodHelp,
  renderPodLogs,
  renderPodWhy,
  renderPodWhyMany,
  type PodCommandError,
  type PodResult,
} from '../../../src/slack/render/command.ts';
import { podSnapshot } from '../../support/fixtures.ts';
import { blockKitViolations, isOwnMarkup, liveMarkup, visibleTexts } from './block-kit-check.ts';
import { FIFTY_KB, HOSTILE, hostileDiagnosis, makeIncident, OBSERVED_AT_MS, RAW_MARKUP, TOKEN_LINE } from './hostile.ts';

const REQUEST = { cluster: 'prod', requestedBy: 'U0REQUESTER', commandText: 'why shop/api-5f6d7c8b9-p2r4t', issuedAt: OBSERVED_AT_MS };

function allText(message: SlackMessage): string {
  return visibleTexts(message).join('\n');
}

function expectSafe(message: SlackMessage): void {
  expect(blockKitViolations(message)).toEqual([]);
  const text = allText(message);
  for (const raw of RAW_MARKUP) expect(text).not.toContain(raw);
  expect(liveMarkup(message).filter((t) => !isOwnMarkup(t, ['U0REQUESTER', 'C0ALERTS', 'C0TEAM']))).toEqual([]);
}

function crashDiagnosis(): Diagnosis {
  const diagnosis = diagnose(podSnapshot('container-exit/immediate/exit-127-crashloop.yaml'));
  if (!diagnosis) throw new Error('fixture not diagnosed');
  return diagnosis;
}

describe('renderPodWhy', () => {
  it('answers with the diagnosis, who asked and what they asked', () => {
    const message = renderPodWhy(crashDiagnosis(), REQUEST);

    const texts = visibleTexts(message);
    expect(texts[1]).toBe('Asked by <@U0REQUESTER> · `/pod why shop/api-5f6d7c8b9-p2r4t` · cluster `prod`');
    expect(texts[2]).toMatch(/^\*Container keeps exiting\* · `container-exit\.immediate`\n/);
    expect(message.metadata).toMatchObject({ event_type: 'podwhy_diagnosis', event_payload: { cause: 'container-exit.immediate', name: 'api-5f6d7c8b9-p2r4t' } });
    expect(message.metadata?.event_payload).not.toHaveProperty('incident_id');
    expectSafe(message);
  });

  it('shows an unknown user id as text, not as a mention', () => {
    const message = renderPodWhy(crashDiagnosis(), { ...REQUEST, requestedBy: '<!channel>' });

    expect(allText(message)).toContain('Asked by `&lt;!channel&gt;`');
  });

  it('stays safe and within limits for a hostile diagnosis and command text', () => {
    expectSafe(renderPodWhy(hostileDiagnosis(), { ...REQUEST, commandText: FIFTY_KB }));
  });
});

describe('renderPodHealthy', () => {
  it('says no problems were found, with the Pod and its phase', () => {
    const message = renderPodHealthy({ namespace: 'shop', name: 'web-1', uid: 'u-1', phase: 'Running', ready: '2/2' }, REQUEST);

    expect(visibleTexts(message)).toContain('✅ `shop/web-1`: no problems found, phase `Running`, `2/2` ready');
    expect(message.text).toBe('No problems found: Pod shop/web-1 is Running.');
    expect(message.metadata).toEqual({ event_type: 'podwhy_diagnosis', event_payload: { cluster: 'prod', namespace: 'shop', kind: 'Pod', name: 'web-1', uid: 'u-1' } });
    expectSafe(message);
  });
});

describe('renderPodWhyMany', () => {
  const failing = (i: number): PodResult => ({
    kind: 'diagnosis',
    diagnosis: hostileDiagnosis({ subject: { kind: 'Pod', namespace: 'shop', name: `web-${String(i).padStart(2, '0')}`, uid: `uid-${i}` }, summary: `Pod web-${i} crashes.` }),
  });
  const healthy = (i: number): PodResult => ({ kind: 'healthy', pod: { namespace: 'shop', name: `web-h${i}`, phase: 'Running' } });

  it('lists failing Pods first, one compact section each, with a button for the full diagnosis', () => {
    const message = renderPodWhyMany([healthy(1), failing(2), failing(1)], { ...REQUEST, target: 'deploy/web' });

    const texts = visibleTexts(message);
    expect(texts[2]).toBe('*3 Pods match* `deploy/web`: 2 with a problem');
    expect(texts.slice(3, 6).map((t) => t.split('\n')[0])).toEqual([
      '🔴 `shop/web-01` · *Container keeps exiting* `container-exit.immediate`',
      'Details',
      '🔴 `shop/web-02` · *Container keeps exiting* `container-exit.immediate`',
    ]);
    expect(texts).toContain('✅ `shop/web-h1`: no problems found, phase `Running`');
    const accessory = message.blocks.flatMap((b) => (b.type === 'section' && b.accessory?.type === 'button' ? [b.accessory] : []))[0];
    expect(accessory?.action_id).toBe('podwhy.rediagnose');
    expect(decodeActionValue(accessory?.value)).toMatchObject({ ok: true, value: { name: 'web-01', uid: 'uid-1', action: 'rediagnose' } });
    expect(message.metadata?.event_payload).toEqual({ cluster: 'prod', namespace: 'shop', query: 'deploy/web', pods: 3 });
    expectSafe(message);
  });

  it('shows at most 15 Pods and says how many more matched', () => {
    const results = Array.from({ length: 40 }, (_, i) => failing(i));

    const message = renderPodWhyMany(results, { ...REQUEST, target: 'web', total: 120 });

    expect(visibleTexts(message).filter((t) => t.startsWith('🔴'))).toHaveLength(15);
    expect(allText(message)).toContain('+105 more; name one Pod to see it');
    expectSafe(message);
  });
});

describe('renderPodCommandError', () => {
  it.each<[PodCommandError, RegExp]>([
    [{ code: 'pod-not-found', namespace: 'shop', name: 'wbe-1', suggestions: ['web-1', 'web-2'] }, /^⚠️ No Pod wbe-1 in namespace shop\.\nClosest names: `web-1`, `web-2`$/],
    [{ code: 'namespace-not-found', namespace: 'shpo', suggestions: ['shop'] }, /^⚠️ Namespace shpo does not exist\.\nClosest names: `shop`$/],
    [{ code: 'cluster-not-found', cluster: 'prdo', clusters: ['prod', 'stage'] }, /^⚠️ No cluster named prdo is connected to podwhy\.\nClusters: `prod`, `stage`$/],
    [
      { code: 'forbidden', verb: 'list', resource: 'pods', namespace: 'shop', detail: 'pods is forbidden: User "system:serviceaccount:podwhy:podwhy" cannot list resource "pods"' },
      /^⚠️ podwhy is not allowed to list pods in namespace shop \(RBAC\)\. A cluster admin can grant its ServiceAccount the "list" verb on "pods"\.\nThe API server said: `pods is forbidden: /,
    ],
    [{ code: 'api-unreachable', server: 'https://10.0.0.1:6443', detail: 'ECONNREFUSED' }, /^⚠️ Cannot reach the Kubernetes API server at https:\/\/10\.0\.0\.1:6443\. .*\n`ECONNREFUSED`$/],
    [{ code: 'usage', problem: 'Name a Pod: /pod why needs one.', subcommand: 'why' }, /^⚠️ Name a Pod: \/pod why needs one\.\nUsage:\n```\n\/pod why POD \| NAMESPACE\/POD \| KIND\/NAME \| PREFIX \[-n NAMESPACE\] \[--cluster CLUSTER\]\n```$/],
    [{ code: 'internal' }, /^⚠️ Something went wrong while answering\. It has been logged; try again\.$/],
  ])('explains %j', (error, expected) => {
    const message = renderPodCommandError(error);

    expect(visibleTexts(message).slice(1).join('\n')).toMatch(expected);
    expectSafe(message);
  });

  it('shows every syntax for a usage error without a subcommand', () => {
    const text = allText(renderPodCommandError({ code: 'usage', problem: 'Unknown subcommand.' }));

    for (const syntax of Object.values(POD_COMMAND_SYNTAX)) expect(text).toContain(syntax.replace(/</g, '&lt;'));
  });

  it('escapes hostile names and server messages', () => {
    const message = renderPodCommandError({ code: 'pod-not-found', namespace: HOSTILE, name: FIFTY_KB, suggestions: [HOSTILE, HOSTILE] }, REQUEST);

    expectSafe(message);
    expect(allText(message)).toContain('Asked by <@U0REQUESTER>');
  });
});

describe('renderIncidentList', () => {
  it('lists open incidents with links to their threads: a permalink when given, the archive link otherwise', () => {
    const web = makeIncident();
    const api = makeIncident({ id: 'prod/shop/Deployment/api/oom.container-limit', subject: { kind: 'Deployment', name: 'api' }, cause: 'oom.container-limit' });
    const gone = makeIncident({ id: 'prod/shop/Deployment/old/oom.container-limit', status: 'resolved' });

    const message = renderIncidentList([{ incident: web }, { incident: api, link: 'https://example.slack.com/archives/C0ALERTS/p1795176000000200?thread_ts=1' }, { incident: gone }], REQUEST);

    const text = allText(message);
    expect(text).toContain('*2 open incidents*');
    expect(text).toContain(
      '🔴 `prod` `shop` `Deployment/api` · `oom.container-limit` · 3 of 4 failing · <https://example.slack.com/archives/C0ALERTS/p1795176000000200?thread_ts=1|thread>\n' +
        '🔴 `prod` `shop` `Deployment/web` · `container-exit.immediate` · 3 of 4 failing · <https://slack.com/archives/C0ALERTS/p1795176000000100|thread>',
    );
    expect(text).not.toContain('Deployment/old');
    expectSafe(message);
  });

  it('says when there are none', () => {
    expect(visibleTexts(renderIncidentList([]))).toContain('✅ *No open incidents.*');
  });

  it('shows at most 40 and says how many more', () => {
    const items = Array.from({ length: 100 }, (_, i) => ({ incident: makeIncident({ id: `prod/shop/Deployment/w${i}/oom.container-limit`, subject: { kind: 'Deployment', name: `w${String(i).padStart(3, '0')}` } }) }));

    const message = renderIncidentList(items);

    expect(allText(message).match(/^🔴 /gm)).toHaveLength(40);
    expect(allText(message)).toContain('+60 more; see the App Home');
    expectSafe(message);
  });

  it('does not link a permalink that is not plain https', () => {
    const text = allText(renderIncidentList([{ incident: makeIncident(), link: 'http://evil.example|<!channel>' }]));

    expect(text).toContain('`http://evil.example|&lt;!channel&gt;`');
  });
});

describe('renderPodLogs', () => {
  it('shows the end of 500 log lines, redacted, in a code block with the container and run', () => {
    const lines = Array.from({ length: 500 }, (_, i) => (i === 499 ? TOKEN_LINE : `log ${i} ${HOSTILE}`));

    const message = renderPodLogs({ namespace: 'shop', pod: 'web-1', container: 'app', previous: true, lines }, REQUEST);

    const text = allText(message);
    expect(text).toMatch(/^\*Log\* of container `app` \(previous run\) in Pod `shop\/web-1`\n```\n… \d{3} more lines\n/m);
    expect(text).toContain('connecting with password=[redacted] token=[redacted]');
    expect(text).not.toContain('hunter2');
    expectSafe(message);
  });

  it('says so when the log is empty', () => {
    expect(allText(renderPodLogs({ namespace: 'shop', pod: 'web-1', container: 'app', previous: false, lines: [] }, REQUEST))).toContain('*Log* of container `app` in Pod `shop/web-1`\n_The log is empty._');
  });
});

describe('renderPodHelp', () => {
  it('gives the syntax of every subcommand', () => {
    const message = renderPodHelp();

    for (const syntax of Object.values(POD_COMMAND_SYNTAX)) expect(allText(message)).toContain(`\`${syntax}\``);
    expect(blockKitViolations(message)).toEqual([]);
  });
});
