/**
 * A diagnosis as a Slack message: the thread reply under an incident, and the body of a `/pod why`
 * answer. What is wrong, the evidence it rests on, what to do, and read-only buttons. Pure.
 */
import type { Button } from '@slack/web-api';
import type { Diagnosis, Evidence, Remediation } from '../../contract/diagnosis.ts';
import { redactSecrets } from '../../contract/redact.ts';
import type { ScenarioId } from '../../contract/scenarios.ts';
import { formatDuration } from '../../contract/duration.ts';
import { slackActionId, tryEncodeActionValue, type ActionValueSigner } from '../action-value.ts';
import { ACTION_LABELS, confirmText, REOPEN_PROMISE, type MutatingActionId } from './action.ts';
import { actions, button, context, draft, plain, listSections, section, type DraftBlock, type SlackMessage } from './blocks.ts';
import { codeBlock, inlineCode, mrkdwnLink, mrkdwnProse, plainText, slackDate } from './escape.ts';
import { fitMessage, MAX_FIELD_TEXT, MAX_SECTION_TEXT } from './limits.ts';
import { diagnosisMetadata } from './metadata.ts';

/** What a reader calls each scenario (docs/scenarios.md, "what the user sees"). */
export const SCENARIO_TITLES: Record<ScenarioId, string> = {
  unschedulable: 'Cannot be scheduled',
  'image-pull': 'Image cannot be pulled',
  dependency: 'Volume, ConfigMap or Secret missing',
  'container-create': 'Container cannot be created',
  init: 'Init container fails',
  hook: 'Lifecycle hook fails',
  'readiness-probe': 'Readiness probe fails',
  'liveness-probe': 'Liveness probe restarts the container',
  'container-exit': 'Container keeps exiting',
  oom: 'Out of memory',
  evicted: 'Evicted',
  unknown: 'Node lost, Pod state unknown',
  terminating: 'Stuck terminating',
};

/** Log lines shown per container in a diagnosis (the `/pod logs` answer shows more). */
export const DIAGNOSIS_LOG_LINES = 20;
/** Longest log line shown (escaped, marker included). */
export const LOG_LINE_CHARS = 300;
/** Lines of one remediation command or snippet kept (a snippet keeps its line breaks). */
const COMMAND_LINES = 25;

export interface DiagnosisMessageOptions {
  /** The cluster the diagnosis is from (CLUSTER_NAME). */
  cluster: string;
  /** When the message is rendered (ms since the epoch): carried in the button values. */
  issuedAt: number;
  /** The incident this reply belongs to, carried in the metadata and the button values. */
  incidentId?: string | undefined;
  /** Signs button values (HMAC, src/slack/action-signing.ts); unsigned without it. */
  sign?: ActionValueSigner | undefined;
  /** ACTIONS_ENABLED: also the buttons that change the cluster, where the engine offers them (each with a confirm dialog). */
  mutating?: boolean | undefined;
}

/*
 * Secrets: the engine masks its evidence (src/contract/redact.ts), and the renderer masks again what
 * quotes the cluster (summary, values, Event messages, node details, log lines), so a detector that
 * copies a log line into its summary cannot leak a token into Slack.
 */

/** The thread reply with a diagnosis. */
export function renderDiagnosis(diagnosis: Diagnosis, options: DiagnosisMessageOptions): SlackMessage {
  return fitMessage({
    text: diagnosisFallback(diagnosis),
    blocks: diagnosisBlocks(diagnosis, options),
    metadata: diagnosisMetadata(diagnosis, options.cluster, options.incidentId),
  });
}

/** The notification text of a diagnosis: plain, escaped, bounded. */
export function diagnosisFallback(diagnosis: Diagnosis): string {
  const { subject } = diagnosis;
  return plainText(`${SCENARIO_TITLES[diagnosis.scenario]} (${diagnosis.cause}) in ${subject.kind} ${subject.namespace}/${subject.name}: ${redactSecrets(diagnosis.summary)}`, 1_000);
}

/** A subject as `namespace/name` in code, e.g. for lists. */
export function subjectCode(namespace: string, name: string): string {
  return inlineCode(namespace ? `${namespace}/${name}` : name, 300);
}

/** The blocks of a diagnosis, each marked with how much it matters when the message must shrink. */
export function diagnosisBlocks(diagnosis: Diagnosis, options: DiagnosisMessageOptions): DraftBlock[] {
  const { subject } = diagnosis;
  const blocks: DraftBlock[] = [
    draft(section(`*${SCENARIO_TITLES[diagnosis.scenario]}* · ${inlineCode(diagnosis.cause, 80)}\n${mrkdwnProse(redactSecrets(diagnosis.summary), 2_500)}`), 'essential'),
    draft(context([`${inlineCode(subject.kind, 70)} ${subjectCode(subject.namespace, subject.name)} · cluster ${inlineCode(options.cluster, 70)}`]), 'essential'),
    ...evidenceBlocks(diagnosis.evidence),
    ...remediationBlocks(diagnosis.remediation),
    ...logBlocks(diagnosis.evidence),
  ];
  if (diagnosis.otherCauses.length > 0) {
    blocks.push(draft(context([`Also holds: ${diagnosis.otherCauses.map((c) => inlineCode(c, 80)).join(', ')}`]), 'low'));
  }
  const buttons = diagnosisButtons(diagnosis, options);
  if (buttons.length > 0) blocks.push(draft(actions(buttons), 'essential'));
  return blocks;
}

/** Evidence in reading order: what changed, the status fields, exit codes, events, nodes, quotas. */
function evidenceBlocks(evidence: readonly Evidence[]): DraftBlock[] {
  const blocks: DraftBlock[] = [];
  const of = <K extends Evidence['kind']>(kind: K) => evidence.filter((e): e is Extract<Evidence, { kind: K }> => e.kind === kind);

  const changes = of('change').map((e) => mrkdwnProse(redactSecrets(e.detail), 1_000));
  blocks.push(...listSections('*What changed recently*', changes, 'high', MAX_SECTION_TEXT));

  const fields = evidence.flatMap((e) => (e.kind === 'status' || e.kind === 'spec' ? [fieldLine(e)] : []));
  blocks.push(...listSections('*Status and spec*', fields, 'normal', MAX_SECTION_TEXT));

  blocks.push(...listSections('*Exit code*', of('exit-code').map(exitCodeLine), 'high', MAX_SECTION_TEXT));
  blocks.push(...listSections('*Events*', of('event').map(eventLine), 'normal', MAX_SECTION_TEXT));

  const nodes = new Map<string, string[]>();
  for (const e of of('node')) nodes.set(e.node, [...(nodes.get(e.node) ?? []), `• ${mrkdwnProse(redactSecrets(e.detail), 600)}`]);
  for (const [node, details] of nodes) blocks.push(...listSections(`*Node* ${inlineCode(node, 260)}`, details, 'normal', MAX_SECTION_TEXT));

  blocks.push(...listSections('*Quota*', of('quota').map(quotaLine), 'normal', MAX_SECTION_TEXT));
  return blocks;
}

function fieldLine(e: Extract<Evidence, { kind: 'status' | 'spec' }>): string {
  const note = e.kind === 'spec' && e.note ? ` _(${mrkdwnProse(e.note, 300)})_` : '';
  return `• ${inlineCode(e.field, 300)} = ${inlineCode(redactSecrets(e.value), MAX_FIELD_TEXT - 400)}${note}`;
}

function exitCodeLine(e: Extract<Evidence, { kind: 'exit-code' }>): string {
  const facts = [`container ${inlineCode(e.container, 260)}`];
  if (e.ranForSeconds !== null) facts.push(`ran ${formatDuration(e.ranForSeconds)}`);
  const finished = e.finishedAt === null ? Number.NaN : Date.parse(e.finishedAt);
  if (Number.isFinite(finished)) facts.push(`finished ${slackDate(finished)}`);
  const reason = e.reason ? ` ${inlineCode(e.reason, 100)}` : '';
  return `• *${e.exitCode}*${reason}: ${facts.join(', ')}\n   ${mrkdwnProse(e.meaning, 600)}`;
}

function eventLine(e: Extract<Evidence, { kind: 'event' }>): string {
  const age = e.ageSeconds === null ? '' : `, last ${formatDuration(e.ageSeconds)} ago`;
  const type = e.type === 'Warning' ? '*Warning*' : inlineCode(e.type, 40);
  return `• ${type} ${inlineCode(e.reason, 120)} ×${e.count}${age} on ${inlineCode(e.object, 300)}\n   ${inlineCode(redactSecrets(e.message), 2_000)}`;
}

function quotaLine(e: Extract<Evidence, { kind: 'quota' }>): string {
  const asks = e.requested === null ? '' : `, this Pod asks ${inlineCode(e.requested, 60)}`;
  return `• ${inlineCode(e.quota, 260)}: ${inlineCode(e.resource, 120)} used ${inlineCode(e.used, 60)} of ${inlineCode(e.hard, 60)}${asks}`;
}

/** Each fix in its own section: the advice, its command in a code block, a docs link. The first fix always stays. */
function remediationBlocks(remediation: readonly Remediation[]): DraftBlock[] {
  return remediation.map((r, i) => {
    const parts = [`${i === 0 ? '*What to do*\n' : ''}${i + 1}. ${mrkdwnProse(r.text, 1_200)}`];
    if (r.snippet) parts.push(codeBlock(r.snippet.split('\n'), { maxLines: COMMAND_LINES, maxLineChars: 500, maxChars: 1_500, keep: 'head' }));
    if (r.command) parts.push(codeBlock(r.command.split('\n'), { maxLines: COMMAND_LINES, maxLineChars: 500, maxChars: 1_500, keep: 'head' }));
    if (r.docsUrl) parts.push(mrkdwnLink(r.docsUrl, 'Documentation'));
    return draft(section(parts.join('\n')), i === 0 ? 'essential' : 'high');
  });
}

/** The log lines in the evidence, per container and run, redacted, in a code block (the tail is what matters). */
function logBlocks(evidence: readonly Evidence[]): DraftBlock[] {
  const tails = new Map<string, { container: string; previous: boolean; lines: string[] }>();
  for (const e of evidence) {
    if (e.kind !== 'log') continue;
    const key = JSON.stringify([e.container, e.previous]);
    const tail = tails.get(key) ?? { container: e.container, previous: e.previous, lines: [] };
    tail.lines.push(redactSecrets(e.line));
    tails.set(key, tail);
  }
  return [...tails.values()].map((tail) =>
    draft(section(`${logTitle(tail.container, tail.previous)}\n${codeBlock(tail.lines, { maxLines: DIAGNOSIS_LOG_LINES, maxLineChars: LOG_LINE_CHARS, maxChars: 2_600, keep: 'tail' })}`), 'low'),
  );
}

/** "*Log* of container `api` (previous run)" */
export function logTitle(container: string, previous: boolean): string {
  return `*Log* of container ${inlineCode(container, 260)}${previous ? ' (previous run)' : ''}`;
}

/**
 * The read-only buttons: "Show logs" when the engine suggests it and the subject is a Pod, "Re-diagnose"
 * always. A subject whose names make no valid action value (see action-value.ts) gets no buttons.
 */
export function diagnosisButtons(diagnosis: Diagnosis, options: DiagnosisMessageOptions): Button[] {
  const { subject } = diagnosis;
  const wanted: ('show-logs' | 'rediagnose' | MutatingActionId | 'snooze' | 'mark-resolved')[] = [];
  if (subject.kind === 'Pod' && diagnosis.actions.some((a) => a.action === 'show-logs')) wanted.push('show-logs');
  wanted.push('rediagnose');
  // Only where the engine says the fix fits this cause (terminating.finalizer → remove finalizers, …), only for a Pod.
  if (options.mutating && subject.kind === 'Pod') {
    for (const { action } of diagnosis.actions) if (isMutating(action) && !wanted.includes(action)) wanted.push(action);
  }
  // On an incident's diagnosis: snooze it (a modal asks how long and what) or mark it resolved.
  if (options.mutating && options.incidentId) wanted.push('snooze', 'mark-resolved');
  return wanted.flatMap((action) => {
    const value = tryEncodeActionValue(
      {
        cluster: options.cluster,
        namespace: subject.namespace,
        kind: subject.kind,
        name: subject.name,
        uid: subject.uid,
        action,
        issuedAt: options.issuedAt,
        ...(options.incidentId ? { incidentId: options.incidentId } : {}),
      },
      options.sign,
    );
    if (value === null) return [];
    if (action === 'show-logs' || action === 'rediagnose') return [button(action === 'show-logs' ? 'Show logs' : 'Re-diagnose', slackActionId(action), value)];
    if (action === 'snooze') return [button('Snooze…', slackActionId(action), value)];
    if (action === 'mark-resolved') {
      return [{
        ...button('Mark resolved', slackActionId(action), value),
        confirm: { title: plain('Mark resolved'), text: plain(`Mark this incident resolved now? If its Pods are still failing, ${REOPEN_PROMISE} in this thread as a new occurrence.`), confirm: plain('Mark resolved'), deny: plain('Cancel') },
      }];
    }
    return [dangerButton(ACTION_LABELS[action], slackActionId(action), value, confirmText(action, subject.namespace, subject.name))];
  });
}

function isMutating(action: string): action is MutatingActionId {
  return action === 'remove-finalizer' || action === 'force-delete' || action === 'restart-pod';
}

/** A destructive button: red, and Slack asks "are you sure" (naming the Pod and what happens) before the click is sent. */
function dangerButton(text: string, actionId: string, value: string, question: string): Button {
  return {
    ...button(text, actionId, value),
    style: 'danger',
    confirm: { title: plain(text), text: plain(question.length > 300 ? `${question.slice(0, 299)}…` : question), confirm: plain('Yes, do it'), deny: plain('Cancel'), style: 'danger' },
  };
}
