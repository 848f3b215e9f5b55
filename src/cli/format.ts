/**
 * Output of `podwhy diagnose` and `podwhy why`: JSON is the public contract; text is for a person
 * in a terminal (src/render/text.ts, the one text renderer). Both are pure.
 */
import { stringify } from 'yaml';
import type { Diagnosis } from '../contract/diagnosis.ts';
import { renderDiagnosesText, type DiagnosesTextContext } from '../render/text.ts';

export type OutputFormat = 'text' | 'json' | 'yaml';

export const OUTPUT_FORMATS: readonly OutputFormat[] = ['text', 'json', 'yaml'];

export function isOutputFormat(value: string | undefined): value is OutputFormat {
  return (OUTPUT_FORMATS as readonly (string | undefined)[]).includes(value);
}

/** JSON and YAML are for programs: notes for a person go to stderr beside them. */
export function isMachineFormat(format: OutputFormat): boolean {
  return format !== 'text';
}

export type FormatContext = DiagnosesTextContext;

export function formatDiagnoses(diagnoses: readonly Diagnosis[], format: OutputFormat, context?: FormatContext): string {
  if (format === 'json') return formatJson(diagnoses);
  if (format === 'yaml') return formatYaml(diagnoses);
  return renderDiagnosesText(diagnoses, context);
}

/** Exactly {"diagnoses":[{subject,scenario,cause,otherCauses,summary,evidence,remediation,actions}]}, keys in that order. */
export function formatJson(diagnoses: readonly Diagnosis[]): string {
  return `${JSON.stringify({ diagnoses: ordered(diagnoses) }, null, 2)}\n`;
}

/** The JSON contract as YAML (same keys, same order). */
export function formatYaml(diagnoses: readonly Diagnosis[]): string {
  return stringify({ diagnoses: ordered(diagnoses) }, { lineWidth: 0 });
}

function ordered(diagnoses: readonly Diagnosis[]) {
  return diagnoses.map((d) => ({
    subject: { kind: d.subject.kind, namespace: d.subject.namespace, name: d.subject.name, uid: d.subject.uid },
    scenario: d.scenario,
    cause: d.cause,
    otherCauses: d.otherCauses,
    summary: d.summary,
    evidence: d.evidence,
    remediation: d.remediation,
    actions: d.actions,
  }));
}
