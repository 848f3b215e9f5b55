/**
 * Output of `podwhy diagnose` and `podwhy why`: JSON is the public contract; text is for a person
 * in a terminal. Both are pure.
 */
import type { Diagnosis } from '../contract/diagnosis.ts';
import { formatEvidence, toTextLine } from '../render/evidence-text.ts';

export type OutputFormat = 'text' | 'json';

export interface FormatContext {
  /** How many Pods and pod-less workloads were examined, for the "nothing found" line. */
  pods: number;
  workloads: number;
}

export function formatDiagnoses(diagnoses: readonly Diagnosis[], format: OutputFormat, context?: FormatContext): string {
  return format === 'json' ? formatJson(diagnoses) : formatText(diagnoses, context);
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

export function formatText(diagnoses: readonly Diagnosis[], context?: FormatContext): string {
  if (diagnoses.length === 0) {
    const scope = context ? ` in ${plural(context.pods, 'Pod')}${context.workloads ? ` and ${plural(context.workloads, 'workload')}` : ''}` : '';
    return `No problems found${scope}.\n`;
  }
  const blocks = diagnoses.map(formatOne);
  const header = context ? `${plural(diagnoses.length, 'problem')} in ${plural(context.pods, 'Pod')}${context.workloads ? ` and ${plural(context.workloads, 'workload')}` : ''}\n\n` : '';
  return `${header}${blocks.join('\n')}`;
}

function formatOne(d: Diagnosis): string {
  const lines: string[] = [];
  const where = d.subject.namespace ? `${d.subject.namespace}/${d.subject.name}` : d.subject.name;
  lines.push(`${d.subject.kind} ${where}`);
  lines.push(`  ${d.cause}${d.otherCauses.length ? `   (also: ${d.otherCauses.join(', ')})` : ''}`);
  lines.push(`  ${d.summary}`);
  if (d.evidence.length) {
    lines.push('  Evidence:');
    for (const e of d.evidence) lines.push(`    - ${formatEvidence(e)}`);
  }
  if (d.remediation.length) {
    lines.push('  What to do:');
    d.remediation.forEach((r, i) => {
      lines.push(`    ${i + 1}. ${r.text}`);
      if (r.command) lines.push(`       $ ${r.command}`);
      if (r.docsUrl) lines.push(`       ${r.docsUrl}`);
    });
  }
  if (d.actions.length) {
    lines.push(`  One-click fixes: ${d.actions.map((a) => `${a.action} (${a.reason})`).join('; ')}`);
  }
  // Every line carries cluster-supplied text (names, messages, images): one line each, bounded.
  return `${lines.map((line) => toTextLine(line)).join('\n')}\n`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
