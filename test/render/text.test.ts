import { describe, expect, it } from 'vitest';
import type { Diagnosis } from '../../src/contract/diagnosis.ts';
import type { NotifyCommand } from '../../src/contract/incident.ts';
import { MAX_TEXT_LINE, renderDiagnosesText, renderDiagnosisText, renderNotifyCommand } from '../../src/render/text.ts';
import { parse as parseYaml } from 'yaml';
import { diagnoseAll } from '../../src/diagnosis/engine.ts';
import { tolerationYaml } from '../../src/diagnosis/scenarios/unschedulable-nodes.ts';
import { loadFixture } from '../support/fixtures.ts';
import { commandsOfEveryKind, type CommandKind } from '../support/notify-commands.ts';

// One escaping rule for every text surface: a cluster string with a line break, a terminal escape sequence
// and a bidi override (CVE-2021-42574) adds no line, moves no cursor and reorders nothing, wherever it shows.
const HOSTILE = 'Back-off\r\nFAKE: all clear \u001b[2J\u001b[31mred\u202Eevil\u2066 and a tab\there';
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/;

const commands = await commandsOfEveryKind();

/** The command with `text` in every cluster string a message shows (subject, summary, evidence, remediation, digest entries). */
function withClusterText(command: NotifyCommand, text: string): NotifyCommand {
  const copy = structuredClone(command);
  const poison = (d: Diagnosis) => {
    d.summary = `${d.summary} ${text}`;
    d.subject.name = `${d.subject.name}${text}`;
    d.remediation.push({ text, command: `kubectl logs ${text}` });
    d.evidence.unshift({ kind: 'event', object: `Pod/${text}`, type: 'Warning', reason: 'BackOff', message: text, count: 3, ageSeconds: 4 });
  };
  if (copy.type === 'digest') {
    for (const entry of copy.digest.entries) entry.summary = text;
  } else if (copy.type === 'reply') {
    if (copy.answer.kind === 'diagnoses') copy.answer.diagnoses.forEach(poison);
  } else {
    poison(copy.diagnosis);
    copy.incident.diagnosis = copy.diagnosis;
    copy.incident.subject.name = `worker${text}`;
  }
  return copy;
}

describe('the text renderer', () => {
  it.each(Object.keys(commands) as CommandKind[])('keeps a %s command\'s cluster strings on their lines, without controls or bidi overrides', (kind) => {
    const harmless = renderNotifyCommand(withClusterText(commands[kind], 'harmless words')).split('\n');

    const poisoned = renderNotifyCommand(withClusterText(commands[kind], HOSTILE)).split('\n');

    expect(poisoned.some((line) => line.includes('FAKE'))).toBe(true);
    expect(poisoned.filter((line) => UNSAFE.test(line))).toEqual([]);
    expect(poisoned.filter((line) => line.startsWith('FAKE'))).toEqual([]);
    expect(poisoned).toHaveLength(harmless.length);
  });

  it('gives the CLI, the console notifier and a command reply the same line for the same evidence', () => {
    const diagnosis = (commands.open as Extract<NotifyCommand, { type: 'open' }>).diagnosis;
    const [evidence] = diagnosis.evidence;
    const poisoned: Diagnosis = { ...diagnosis, evidence: [{ kind: 'event', object: 'Pod/x', type: 'Warning', reason: 'Failed', message: HOSTILE, count: 1, ageSeconds: null }, ...(evidence ? [evidence] : [])] };
    const open = structuredClone(commands.open) as Extract<NotifyCommand, { type: 'open' }>;
    open.incident.diagnosis = poisoned;
    const reply = structuredClone(commands.reply) as Extract<NotifyCommand, { type: 'reply' }>;
    reply.answer = { kind: 'diagnoses', diagnoses: [poisoned] };
    const evidenceLine = (text: string) => text.split('\n').find((line) => line.includes('Failed on Pod/x'))?.trim();

    const lines = [evidenceLine(renderDiagnosisText(poisoned)), evidenceLine(renderNotifyCommand(open)), evidenceLine(renderNotifyCommand(reply))];

    expect(new Set(lines).size).toBe(1);
    expect(lines[0]).toBe('- event Warning Failed on Pod/x (x1): Back-off FAKE: all clear \uFFFD[2J\uFFFD[31mred\uFFFDevil\uFFFD and a tab here');
  });

  it('clips a line at MAX_TEXT_LINE characters, keeping its start', () => {
    const diagnosis = structuredClone((commands.open as Extract<NotifyCommand, { type: 'open' }>).diagnosis);
    diagnosis.summary = `Event message: ${'x'.repeat(60_000)}`;

    const text = renderDiagnosesText([diagnosis]);
    const summary = text.split('\n')[2] ?? '';

    expect(summary).toHaveLength(MAX_TEXT_LINE);
    expect(summary.startsWith('  Event message: xxx')).toBe(true);
    expect(summary.endsWith('…')).toBe(true);
  });

  it('answers a person\'s command with the CLI\'s text under a line that says where it goes', () => {
    const reply = commands.reply as Extract<NotifyCommand, { type: 'reply' }>;
    const diagnoses = reply.answer.kind === 'diagnoses' ? reply.answer.diagnoses : [];

    const text = renderNotifyCommand(reply);
    const error = renderNotifyCommand({ ...reply, answer: { kind: 'error', code: 'pod-not-found', message: 'no Pod named "web" in namespace "shop". Did you mean: web-1?' } });

    expect(text.split('\n').slice(0, 2)).toEqual([
      '[C0123ABC] REPLY in thread 1732104000.000100 for U0456DEF to request 1732104000.000100.abcdef',
      '  Deployment shop/worker: 1 of 2 Pods has a problem: worker-5d9c7b8f6-r7t2n',
    ]);
    expect(text.split('\n').slice(2)).toEqual(renderDiagnosisText(diagnoses[0] as Diagnosis).trimEnd().split('\n').map((line) => `  ${line}`));
    expect(error).toBe('[C0123ABC] REPLY in thread 1732104000.000100 for U0456DEF to request 1732104000.000100.abcdef\n  pod-not-found: no Pod named "web" in namespace "shop". Did you mean: web-1?');
  });

  // The engine's one multi-line string, a toleration to paste into the Pod template, keeps its lines (it was squashed
  // onto one line with the advice); the cluster's taint key inside it is a quoted YAML scalar and adds none.
  it('prints a remediation snippet as an indented block with its line breaks, in the CLI and the console notifier', () => {
    const [diagnosis] = diagnoseAll(loadFixture('unschedulable/taint/dedicated-gpu-taint-primary.yaml'));
    const fix = diagnosis?.remediation.find((r) => r.snippet);
    if (!diagnosis || !fix?.snippet) throw new Error('the taint fixture suggests no toleration snippet');
    const open = structuredClone(commands.open) as Extract<NotifyCommand, { type: 'open' }>;
    open.incident.diagnosis = diagnosis;

    for (const text of [renderDiagnosisText(diagnosis), renderNotifyCommand(open)]) {
      const lines = text.split('\n');
      const at = lines.findIndex((line) => line.trimStart() === 'tolerations:');
      expect(at, text).toBeGreaterThan(0);
      expect(lines[at - 1]).toContain(fix.text);
      const indent = (lines[at] ?? '').length - 'tolerations:'.length;
      expect(indent).toBeGreaterThan(4);
      expect(lines.slice(at, at + fix.snippet.split('\n').length)).toEqual(fix.snippet.split('\n').map((line) => `${' '.repeat(indent)}${line}`));
    }
  });

  it('keeps a hostile taint inside the snippet: each value one quoted scalar on its line, read back as it was', () => {
    const taint = { key: 'dedicated"\nFAKE: x\r\u2028', value: "gpu'\n- key: evil", effect: 'NoSchedule' };
    const plain = tolerationYaml({ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' });
    const hostile = tolerationYaml(taint);
    const diagnosis = structuredClone((commands.open as Extract<NotifyCommand, { type: 'open' }>).diagnosis);
    const withSnippet = (snippet: string): Diagnosis => ({ ...diagnosis, remediation: [{ text: 'Add a toleration:', snippet }] });

    expect(hostile.split('\n')).toHaveLength(plain.split('\n').length);
    expect(parseYaml(hostile)).toEqual({ tolerations: [{ ...taint, operator: 'Equal' }] });
    const lines = renderDiagnosisText(withSnippet(hostile)).split('\n');
    expect(lines).toHaveLength(renderDiagnosisText(withSnippet(plain)).split('\n').length);
    expect(lines.filter((line) => line.trimStart().startsWith('FAKE') || UNSAFE.test(line))).toEqual([]);
  });
});
