import { describe, expect, it } from 'vitest';
import type { Diagnosis } from '../../../src/contract/diagnosis.ts';
import type { Snapshot } from '../../../src/contract/snapshot.ts';
import { diagnose } from '../../../src/diagnosis/engine.ts';
import { decodeActionValue } from '../../../src/slack/action-value.ts';
import type { SlackMessage } from '../../../src/slack/render/blocks.ts';
import { renderDiagnosis } from '../../../src/slack/render/diagnosis.ts';
import { listFixtures, loadFixture, podSnapshot } from '../../support/fixtures.ts';
import { blockKitViolations, isOwnMarkup, liveMarkup, visibleTexts } from './block-kit-check.ts';
import { BACKTICK_NAME, FIFTY_KB, HOSTILE, hostileDiagnosis, OBSERVED_AT_MS, RAW_MARKUP, TOKEN_LINE } from './hostile.ts';

const OPTIONS = { cluster: 'prod', issuedAt: OBSERVED_AT_MS, incidentId: 'prod/shop/Deployment/web/image-pull.not-found' };

function diagnoseOne(snapshots: readonly Snapshot[]): Diagnosis {
  const diagnoses = snapshots.map((s) => diagnose(s)).filter((d): d is Diagnosis => d !== null);
  if (diagnoses.length !== 1) throw new Error(`expected one diagnosis, got ${diagnoses.length}`);
  return diagnoses[0]!;
}

function allText(message: SlackMessage): string {
  return visibleTexts(message).join('\n');
}

function buttonsOf(message: SlackMessage) {
  return message.blocks.flatMap((b) => (b.type === 'actions' ? b.elements : [])).flatMap((e) => (e.type === 'button' ? [e] : []));
}

const corpus = listFixtures().filter((f) => f.expectedCause !== null);

describe('renderDiagnosis over the fixture corpus', () => {
  it.each(corpus.map((f) => [f.path, f.expectedCause] as const))('%s renders %s within every Block Kit limit', (path, cause) => {
    const diagnosis = diagnoseOne(loadFixture(path));

    const message = renderDiagnosis(diagnosis, OPTIONS);

    expect(blockKitViolations(message)).toEqual([]);
    expect(message.metadata).toEqual({
      event_type: 'podwhy_diagnosis',
      event_payload: expect.objectContaining({ cluster: 'prod', cause, scenario: diagnosis.scenario, name: diagnosis.subject.name, incident_id: OPTIONS.incidentId }),
    });
    expect(message.text).toContain(cause);
    expect(liveMarkup(message).filter((token) => !isOwnMarkup(token))).toEqual([]);
    expect(allText(message)).not.toMatch(/left out to fit/);
  });

  it('shows every event with its count and age, and every exit code with its meaning', () => {
    const diagnosis = diagnoseOne(loadFixture('container-exit/immediate/exit-127-crashloop.yaml'));

    const text = allText(renderDiagnosis(diagnosis, OPTIONS));

    expect(text).toMatch(/\*Warning\* `BackOff` ×25, last \d+[smhd] ago on `Pod\/api-5f6d7c8b9-p2r4t`\n {3}`Back-off restarting failed container api/);
    expect(text).toMatch(/\*Exit code\*\n• \*127\* `Error`: container `api`, ran 0s, finished <!date\^\d+\^/);
    expect(text).toContain('command not found');
  });

  it('shows a remediation snippet (a toleration to paste) as a code block with its line breaks', () => {
    const diagnosis = diagnoseOne(loadFixture('unschedulable/taint/dedicated-gpu-taint-primary.yaml'));
    const snippet = diagnosis.remediation.find((r) => r.snippet)?.snippet ?? '';

    const text = allText(renderDiagnosis(diagnosis, OPTIONS));

    expect(snippet.split('\n').length).toBeGreaterThan(2);
    const fence = '`'.repeat(3);
    expect(text).toContain(`:\n${fence}\n${snippet}\n${fence}\n${fence}\nkubectl`);
  });

  it('shows status fields with their exact values, and quota usage', () => {
    const quota = diagnoseOne(loadFixture(corpus.find((f) => f.expectedCause === 'unschedulable.quota-exceeded')!.path));

    const crash = diagnoseOne(loadFixture('container-exit/immediate/exit-127-crashloop.yaml'));

    const quotaText = allText(renderDiagnosis(quota, OPTIONS));
    const crashText = allText(renderDiagnosis(crash, OPTIONS));

    expect(quotaText).toContain('*Quota*\n• `team-quota`: `limits.memory` used `7Gi` of `8Gi`, this Pod asks `2Gi`');
    expect(crashText).toContain('• `spec.containers[api].command` = `["sh","-c","migrate --up &amp;&amp; exec /app/server"]`');
  });

  it('shows what changed recently before the rest of the evidence', () => {
    const diagnosis = diagnoseOne(loadFixture('dependency/volume/multi-attach-rwo.yaml'));

    const text = allText(renderDiagnosis(diagnosis, OPTIONS));

    expect(text).toMatch(/\*What changed recently\*\nDeployment\/grafana rolled out revision 4 \d+m ago: image grafana: grafana\/grafana:11\.2\.2 → grafana\/grafana:11\.3\.0/);
    expect(text.indexOf('*What changed recently*')).toBeLessThan(text.indexOf('*Events*'));
  });

  it('shows node state grouped by node', () => {
    const nodeLost = diagnoseOne(loadFixture('terminating/node-lost/unreachable-statefulset.yaml'));

    const text = allText(renderDiagnosis(nodeLost, OPTIONS));

    expect(text).toMatch(/\*Node\* `node-k`\n• Ready=Unknown .*\n• taint node\.kubernetes\.io\/unreachable:NoSchedule, added 32m ago\n• taint node\.kubernetes\.io\/unreachable:NoExecute/);
  });

  it('puts each fix in its own section with its command in a code block and a docs link', () => {
    const diagnosis = diagnoseOne(loadFixture('terminating/node-lost/unreachable-statefulset.yaml'));

    const message = renderDiagnosis(diagnosis, OPTIONS);

    const fixes = visibleTexts(message).filter((t) => /^(\*What to do\*\n)?\d+\. /.test(t));
    expect(fixes).toHaveLength(diagnosis.remediation.length);
    expect(fixes[0]).toMatch(/^\*What to do\*\n1\. Bring node node-k back.*\n```\nkubectl describe node node-k\n```$/s);
    expect(fixes[1]).toMatch(/\n<https:\/\/kubernetes\.io\/docs\/[^|>]+\|Documentation>$/);
  });

  it('keeps the line breaks of a multi-line command', () => {
    const diagnosis = hostileDiagnosis({ remediation: [{ text: 'Apply this', command: 'kubectl apply -f - <<EOF\nkind: Pod\nEOF' }], evidence: [] });

    const text = allText(renderDiagnosis(diagnosis, OPTIONS));

    expect(text).toContain('```\nkubectl apply -f - &lt;&lt;EOF\nkind: Pod\nEOF\n```');
  });

  it('shows the log lines the engine quoted, redacted, in a code block under their container and run', () => {
    const snapshot = podSnapshot('container-exit/immediate/exit-127-crashloop.yaml');
    snapshot.logs = [{ container: 'api', previous: true, lines: ['starting api 1.9.0', 'sh: 1: migrate: not found'] }];
    const diagnosis = diagnoseOne([snapshot]);

    const text = allText(renderDiagnosis(diagnosis, OPTIONS));

    expect(text).toContain('*Log* of container `api` (previous run)\n```\nsh: 1: migrate: not found\n```');
  });

  it('lists the other causes that also hold', () => {
    const diagnosis = diagnoseOne(loadFixture(corpus.find((f) => f.expectedCause === 'unschedulable.affinity')!.path));

    const text = allText(renderDiagnosis(diagnosis, OPTIONS));

    expect(diagnosis.otherCauses.length).toBeGreaterThan(0);
    expect(text).toContain(`Also holds: ${diagnosis.otherCauses.map((c) => `\`${c}\``).join(', ')}`);
  });
});

describe('diagnosis buttons', () => {
  it('offers Show logs and Re-diagnose when the engine suggests logs, each with a value that decodes to this Pod', () => {
    const diagnosis = diagnoseOne(loadFixture('container-exit/immediate/exit-127-crashloop.yaml'));

    const buttons = buttonsOf(renderDiagnosis(diagnosis, OPTIONS));

    expect(buttons.map((b) => [b.text.text, b.action_id])).toEqual([
      ['Show logs', 'podwhy.show-logs'],
      ['Re-diagnose', 'podwhy.rediagnose'],
    ]);
    expect(buttons.map((b) => decodeActionValue(b.value))).toEqual(
      ['show-logs', 'rediagnose'].map((action) => ({
        ok: true,
        value: {
          v: 1,
          cluster: 'prod',
          namespace: diagnosis.subject.namespace,
          kind: 'Pod',
          name: diagnosis.subject.name,
          uid: diagnosis.subject.uid,
          action,
          issuedAt: OBSERVED_AT_MS,
          incidentId: OPTIONS.incidentId,
        },
      })),
    );
  });

  it('offers only Re-diagnose for a workload with no Pod, and no logs button where there are no logs', () => {
    const rbac = diagnoseOne(loadFixture(corpus.find((f) => f.expectedCause === 'container-create.rbac')!.path));

    const buttons = buttonsOf(renderDiagnosis(rbac, OPTIONS));

    expect(buttons.map((b) => b.action_id)).toEqual(['podwhy.rediagnose']);
    expect(decodeActionValue(buttons[0]?.value)).toMatchObject({ ok: true, value: { kind: rbac.subject.kind, name: rbac.subject.name } });
  });

  it('passes the canonical value to the signing seam and carries its signature', () => {
    const diagnosis = diagnoseOne(loadFixture('container-exit/immediate/exit-127-crashloop.yaml'));
    const signed: string[] = [];

    const buttons = buttonsOf(renderDiagnosis(diagnosis, { ...OPTIONS, sign: (canonical) => (signed.push(canonical), 'sig-1') }));

    expect(signed).toHaveLength(2);
    expect(buttons.map((b) => JSON.parse(b.value ?? '{}').sig)).toEqual(['sig-1', 'sig-1']);
  });
});

describe('renderDiagnosis on hostile input', () => {
  const message = renderDiagnosis(hostileDiagnosis(), OPTIONS);
  const text = allText(message);

  it('stays within every Block Kit limit', () => {
    expect(blockKitViolations(message)).toEqual([]);
  });

  it('lets no mention or link through: every <, > and & from the cluster is escaped', () => {
    for (const raw of RAW_MARKUP) expect(text).not.toContain(raw);
    expect(text).toContain('&lt;!channel&gt;');
    expect(text).toContain('&lt;http://evil.example|click here&gt;');
    expect(liveMarkup(message).filter((token) => !isOwnMarkup(token))).toEqual([]);
  });

  it('links no docs URL that is not plain https', () => {
    expect(text).not.toContain('<javascript:');
    expect(text).toContain('`javascript:alert(1)`');
  });

  it('removes zero-width and control characters', () => {
    // eslint-disable-next-line no-control-regex -- looking for control characters is the point
    expect(text).not.toMatch(/[\u200B-\u200F\u2060\uFEFF\u202A-\u202E\u2066-\u2069\u0000-\u0008\u001B\u007F-\u009F]/);
  });

  it('shows the Pod name with backticks inside a code span it cannot close', () => {
    expect(text).toContain('`Pod/webˋ&lt;!channel&gt;ˋ-1`');
    expect(text).not.toContain(BACKTICK_NAME);
  });

  it('clips the 50 KB event message and the 500 log lines visibly', () => {
    expect(FIFTY_KB.length).toBeGreaterThan(50_000);
    expect(text).toMatch(/x… \(\d{2},\d{3} more characters\)`/);
    expect(text).toMatch(/```\n… \d{3} more lines\n/);
    expect(text).toContain('line 499 ');
  });

  it('masks secrets in the log tail', () => {
    expect(text).not.toContain('hunter2');
    expect(TOKEN_LINE).toContain('hunter2');
  });

  it('still carries the buttons and the right cause in its metadata', () => {
    expect(buttonsOf(message).map((b) => b.action_id)).toEqual(['podwhy.show-logs', 'podwhy.rediagnose']);
    expect(message.metadata?.event_payload['cause']).toBe('container-exit.immediate');
  });

  it('stays inert and bounded when a real fixture carries hostile Event messages, log lines and a Pod name, through the engine', () => {
    const snapshot = podSnapshot('container-exit/immediate/exit-127-crashloop.yaml');
    const podName = snapshot.pod.metadata.name;
    snapshot.pod.metadata.name = BACKTICK_NAME;
    for (const event of snapshot.events) {
      event.message = `${event.message ?? ''} ${FIFTY_KB}`;
      if (event.involvedObject.name === podName) event.involvedObject.name = BACKTICK_NAME;
    }
    snapshot.logs = [{ container: 'api', previous: true, lines: Array.from({ length: 500 }, (_, i) => (i === 499 ? `sh: 1: migrate: not found ${TOKEN_LINE}` : `${i} ${HOSTILE}`)) }];

    const rendered = renderDiagnosis(diagnoseOne([snapshot]), OPTIONS);

    expect(blockKitViolations(rendered)).toEqual([]);
    const renderedText = allText(rendered);
    for (const raw of RAW_MARKUP) expect(renderedText).not.toContain(raw);
    expect(liveMarkup(rendered).filter((token) => !isOwnMarkup(token))).toEqual([]);
    expect(renderedText).not.toContain('hunter2');
    expect(renderedText).toContain('&lt;!channel&gt;');
    expect(renderedText).toMatch(/\*Warning\* `BackOff` ×25, .*\n {3}`Back-off restarting failed container api in pod [^`]*&lt;!channel&gt;[^`]*… \(\d+ more characters\)`/);
  });

  it('gives no buttons to a subject whose name no Kubernetes object could have, rather than failing', () => {
    const odd = hostileDiagnosis({ subject: { kind: 'Pod', namespace: 'shop', name: BACKTICK_NAME, uid: 'u-1' } });

    const rendered = renderDiagnosis(odd, OPTIONS);

    expect(buttonsOf(rendered)).toEqual([]);
    expect(blockKitViolations(rendered)).toEqual([]);
  });
});
