/**
 * Output of `podwhy diagnose` and `podwhy why`: JSON is the public contract; text is for a person
 * in a terminal (src/render/text.ts, the one text renderer). Both are pure.
 */
import type { Diagnosis } from '../contract/diagnosis.ts';
import { renderDiagnosesText, type DiagnosesTextContext } from '../render/text.ts';

export type OutputFormat = 'text' | 'json';

export type FormatContext = DiagnosesTextContext;

export function formatDiagnoses(diagnoses: readonly Diagnosis[], format: OutputFormat, context?: FormatContext): string {
  return format === 'json' ? formatJson(diagnoses) : renderDiagnosesText(diagnoses, context);
}

/** Exactly {"diagnoses":[{subject,scenario,cause,otherCauses,summary,evidence,remediation,actions}]}, keys in that order. */
export function formatJson(diagnoses: readonly Diagnosis[]): string {
  const ordered = diagnoses.map((d) => ({
    subject: { kind: d.subject.kind, namespace: d.subject.namespace, name: d.subject.name, uid: d.subject.uid },
    scenario: d.scenario,
    cause: d.cause,
    otherCauses: d.otherCauses,
    summary: d.summary,
    evidence: d.evidence,
    remediation: d.remediation,
    actions: d.actions,
  }));
  return `${JSON.stringify({ diagnoses: ordered }, null, 2)}\n`;
}
