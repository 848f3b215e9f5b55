import { describe, expect, it } from 'vitest';
import type { Diagnosis } from '../../../src/contract/diagnosis.ts';
import { diagnose } from '../../../src/diagnosis/engine.ts';
import { actionSigning } from '../../../src/slack/action-signing.ts';
import { decodeActionValue } from '../../../src/slack/action-value.ts';
import { renderActionResult } from '../../../src/slack/render/action.ts';
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
