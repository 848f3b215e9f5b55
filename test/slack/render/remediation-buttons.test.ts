import { describe, expect, it } from 'vitest';
import type { Diagnosis } from '../../../src/contract/diagnosis.ts';
import { diagnose } from '../../../src/diagnosis/engine.ts';
import { actionSigning } from '../../../src/slack/action-signing.ts';
import { decodeActionValue } from '../../../src/slack/action-value.ts';
import { interventionLine, renderActionResult, renderIncidentActionResult } from '../../../src/slack/render/action.ts';
import { renderDiagnosis } from '../../../src/slack/render/diagnosis.ts';
import { listFixtures, loadFixture } from '../../support/fixtures.ts';
import { blockKitViolations } from './block-kit-check.ts';

const signing = actionSigning('render-test-key-0123456789-0123456789');
const OPTIONS = { cluster: 'prod', issuedAt: 1_795_176_000_000, sign: signing.sign };
const MUTATING = ['remove-finalizer', 'force-delete', 'restart-pod'];

function diagnosisOf(path: string): Diagnosis {
  const found = loadFixture(path).map((s) => diagnose(s)).find((d) => d !== null);
  if (!found) throw new Error(`no diagnosis for ${path}`);
  return found;
}

const buttonsOf = (diagnosis: Diagnosis, mutating: boolean) =>
  renderDiagnosis(diagnosis, { ...OPTIONS, mutating }).blocks.flatMap((b) => (b.type === 'actions' ? b.elements : [])).flatMap((e) => (e.type === 'button' ? [e] : []));

const corpus = listFixtures().filter((f) => f.expectedCause !== null);

describe('the buttons that change the cluster', () => {
  it.each(corpus.map((f) => [f.path, f.expectedCause] as const))('%s (%s): offered only where the engine suggests them and only with ACTIONS_ENABLED', (path) => {
    const diagnosis = diagnosisOf(path);
    const offered = diagnosis.subject.kind === 'Pod' ? diagnosis.actions.map((a) => a.action).filter((a) => MUTATING.includes(a)) : [];

    const off = buttonsOf(diagnosis, false);
    const on = buttonsOf(diagnosis, true);

    expect(off.map((b) => b.action_id).filter((id) => MUTATING.some((m) => id === `podwhy.${m}`))).toEqual([]);
    expect(on.map((b) => b.action_id).filter((id) => MUTATING.some((m) => id === `podwhy.${m}`))).toEqual([...new Set(offered)].map((a) => `podwhy.${a}`));
    for (const button of on.filter((b) => MUTATING.some((m) => b.action_id === `podwhy.${m}`))) {
      expect(button.style).toBe('danger');
      expect(button.confirm?.style).toBe('danger');
      expect(button.confirm?.text.text).toContain(`${diagnosis.subject.namespace}/${diagnosis.subject.name}`);
      expect(decodeActionValue(button.value, signing.verify)).toMatchObject({ ok: true, value: { uid: diagnosis.subject.uid } });
    }
    expect(blockKitViolations(renderDiagnosis(diagnosis, { ...OPTIONS, mutating: true }))).toEqual([]);
  });

  it('are offered for the finalizer, node-lost and restartable causes of the corpus', () => {
    const causes = new Set(corpus.filter((f) => buttonsOf(diagnosisOf(f.path), true).some((b) => b.style === 'danger')).map((f) => f.expectedCause));

    expect(causes).toContain('terminating.finalizer');
    expect(causes).toContain('terminating.node-lost');
    expect([...causes].some((c) => c?.startsWith('image-pull.'))).toBe(true);
  });
});

describe('the audit line', () => {
  it.each([
    ['done', 'done'],
    ['replaced', 'the pod was replaced — nothing done'],
    ['forbidden', 'forbidden by RBAC'],
  ] as const)('says %s as "%s", with who, what, the Pod and its uid', (outcome, words) => {
    const message = renderActionResult({ kind: 'action', action: 'force-delete', namespace: 'shop', pod: 'db-0', uid: 'u-1', by: 'U0ALICE', outcome });

    expect(message.text).toBe(`U0ALICE force-deleted pod shop/db-0 (uid u-1): ${words}`);
    expect(JSON.stringify(message.blocks)).toContain('<@U0ALICE> force-deleted pod `shop/db-0`');
  });
});

describe('the incident buttons and lines', () => {
  const diagnosis = diagnosisOf('terminating/unresponsive/prestop-hook-failed.yaml');
  const idsOf = (options: { mutating: boolean; incidentId?: string }) =>
    renderDiagnosis(diagnosis, { ...OPTIONS, ...options }).blocks.flatMap((b) => (b.type === 'actions' ? b.elements : [])).flatMap((e) => (e.type === 'button' ? [e] : []));

  it('offers "Snooze…" and "Mark resolved" (with a confirm saying it may re-open) on an incident\'s diagnosis with ACTIONS_ENABLED only', () => {
    const incidentId = 'prod/search/StatefulSet/es-data/terminating.unresponsive';
    const on = idsOf({ mutating: true, incidentId });

    expect(on.map((b) => b.action_id)).toEqual(['podwhy.show-logs', 'podwhy.rediagnose', 'podwhy.force-delete', 'podwhy.snooze', 'podwhy.mark-resolved']);
    expect(on.at(-1)?.confirm?.text.text).toContain('the next diagnosis (podwhy re-checks failing Pods every 60 s) re-opens it');
    expect(decodeActionValue(on.at(-2)?.value, signing.verify)).toMatchObject({ ok: true, value: { action: 'snooze', incidentId } });
    expect(idsOf({ mutating: false, incidentId }).map((b) => b.action_id)).toEqual(['podwhy.show-logs', 'podwhy.rediagnose']);
    expect(idsOf({ mutating: true }).map((b) => b.action_id)).not.toContain('podwhy.snooze');
  });

  it('writes the snooze line with its end in UTC (the date too when it ends another day) and the resolve line with what re-opens it', () => {
    const until = Date.parse('2026-12-07T23:30:00Z');
    const hour = renderIncidentActionResult({ kind: 'incident-action', action: 'snooze', by: 'U0ALICE', target: 'Deployment/web', outcome: 'done', forSeconds: 3_600, untilMs: until });
    const day = renderIncidentActionResult({ kind: 'incident-action', action: 'snooze', by: 'U0ALICE', target: 'namespace shop', outcome: 'done', forSeconds: 86_400, untilMs: until });
    const resolved = renderIncidentActionResult({ kind: 'incident-action', action: 'mark-resolved', by: 'U0BOB', target: 'Deployment/web', outcome: 'done', stillFailing: 1 });

    expect(hour.text).toMatch(/^U0ALICE snoozed alerts for Deployment\/web for 1 hour \(until 23:30 UTC\)\./);
    expect(day.text).toContain('for 1 day (until 2026-12-07 23:30 UTC)');
    expect(JSON.stringify(resolved.blocks)).toContain('`Deployment/web` marked resolved by <@U0BOB>. 1 of its Pods is still failing: the next diagnosis (podwhy re-checks failing Pods every 60 s) re-opens it in this thread as a new occurrence.');
    expect(blockKitViolations(hour)).toEqual([]);
  });

  it('puts what a person did on the parent: a fix, or "marked resolved"', () => {
    expect(interventionLine({ action: 'force-delete', by: 'U0ALICE', at: Date.parse('2026-12-07T21:00:00Z'), pod: 'es-data-1' })).toMatch(/^:wrench: Remediation: Pod `es-data-1` force-deleted by <@U0ALICE> at <!date\^\d+\^/);
    expect(interventionLine({ action: 'mark-resolved', by: 'U0BOB', at: 0 })).toMatch(/^:white_check_mark: Marked resolved by <@U0BOB>/);
  });
});
