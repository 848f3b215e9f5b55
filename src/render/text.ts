/**
 * Plain text for a person: the text output of `podwhy diagnose` and `podwhy why`, the console notifier's
 * messages, and the CLI's warning and error lines. Pure. One escaping rule for everything that quotes the
 * cluster (names, messages, images, log lines): every line a renderer here returns has been through
 * toTextLine, so a cluster string can neither add a line, nor move the cursor, nor reorder what is shown,
 * nor flood the terminal. Block Kit rendering for Slack will sit beside this file.
 */
import { formatDuration } from '../contract/duration.ts';
import type { Diagnosis, Evidence } from '../contract/diagnosis.ts';
import type { Digest, Incident, NotifyCommand, PodCounts, PostedMessage, ReplyCommand } from '../contract/incident.ts';

/**
 * Longest line a text surface prints. Cluster strings are not bounded by the API server (a core/v1
 * Event message, a condition message, container args), and one 50 KB message must not become a
 * 50 KB terminal line; the start of a message carries its meaning, so clipping keeps the start.
 */
export const MAX_TEXT_LINE = 2_000;

/** Line breaks inside a value (kubelet's FailedMount output has them) would break "one line per item". */
const LINE_BREAKS = /\r\n|[\n\r\u2028\u2029]/g;
/**
 * C0/C1 controls (a terminal escape sequence in an Event message could rewrite the user's screen) and
 * the bidirectional overrides and isolates that reorder what a reader sees (CVE-2021-42574, "Trojan Source").
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE_CHARACTERS = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/g;

/** A cluster-supplied string made safe to print as one terminal line of at most `max` characters. */
export function toTextLine(text: string, max: number = MAX_TEXT_LINE): string {
  const line = text.replace(LINE_BREAKS, ' ').replace(/\t/g, ' ').replace(UNSAFE_CHARACTERS, '\uFFFD');
  if (line.length <= max) return line;
  // Do not cut a surrogate pair in half.
  const end = /[\uD800-\uDBFF]/.test(line[max - 2] ?? '') ? max - 2 : max - 1;
  return `${line.slice(0, end)}…`;
}

/** Each line made safe (toTextLine), joined with newlines. */
function safeLines(lines: readonly string[]): string {
  return lines.map((line) => toTextLine(line)).join('\n');
}

/** One line per evidence item; shared by every text surface. */
export function formatEvidence(e: Evidence): string {
  return toTextLine(describeEvidence(e));
}

function describeEvidence(e: Evidence): string {
  switch (e.kind) {
    case 'status':
      return `${e.field} = ${e.value}`;
    case 'spec':
      return `${e.field} = ${e.value}${e.note ? ` (${e.note})` : ''}`;
    case 'event': {
      const age = e.ageSeconds === null ? '' : `, ${formatDuration(e.ageSeconds)} ago`;
      return `event ${e.type} ${e.reason} on ${e.object} (x${e.count}${age}): ${e.message}`;
    }
    case 'exit-code': {
      const ran = e.ranForSeconds === null ? '' : ` after running ${formatDuration(e.ranForSeconds)}`;
      return `container ${e.container} exited ${e.exitCode}${e.reason ? ` (${e.reason})` : ''}${ran}: ${e.meaning}`;
    }
    case 'node':
      return `node ${e.node}: ${e.detail}`;
    case 'quota':
      return `quota ${e.quota}: ${e.resource} used ${e.used} of ${e.hard}${e.requested ? `, this Pod asks ${e.requested}` : ''}`;
    case 'log':
      return `log ${e.container}${e.previous ? ' (previous run)' : ''}: ${e.line}`;
    case 'change':
      return `change: ${e.detail}`;
  }
}

// ---------- diagnoses: `podwhy diagnose` and `podwhy why` ----------

export interface DiagnosesTextContext {
  /** How many Pods and pod-less workloads were examined, for the "nothing found" line. */
  pods: number;
  workloads: number;
}

/** The text output of the CLI: a header, then one block per diagnosis. */
export function renderDiagnosesText(diagnoses: readonly Diagnosis[], context?: DiagnosesTextContext): string {
  if (diagnoses.length === 0) {
    const scope = context ? ` in ${plural(context.pods, 'Pod')}${context.workloads ? ` and ${plural(context.workloads, 'workload')}` : ''}` : '';
    return `No problems found${scope}.\n`;
  }
  const blocks = diagnoses.map((d) => renderDiagnosisText(d));
  const header = context ? `${plural(diagnoses.length, 'problem')} in ${plural(context.pods, 'Pod')}${context.workloads ? ` and ${plural(context.workloads, 'workload')}` : ''}\n\n` : '';
  return `${header}${blocks.join('\n')}`;
}

/** One diagnosis: subject, cause, summary, evidence, what to do, one-click fixes. Ends with a newline. */
export function renderDiagnosisText(d: Diagnosis): string {
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
      lines.push(...snippetLines(r.snippet, '         '));
      if (r.command) lines.push(`       $ ${r.command}`);
      if (r.docsUrl) lines.push(`       ${r.docsUrl}`);
    });
  }
  if (d.actions.length) {
    lines.push(`  One-click fixes: ${d.actions.map((a) => `${a.action} (${a.reason})`).join('; ')}`);
  }
  return `${safeLines(lines)}\n`;
}

/**
 * A remediation snippet (YAML to paste) as indented lines, its line breaks kept: the one engine string allowed to
 * span lines. Each line still goes through toTextLine with the rest, so no other break (\r, U+2028) or control
 * character inside it survives, and the engine quotes the cluster values it puts in one.
 */
function snippetLines(snippet: string | undefined, indent: string): string[] {
  if (!snippet) return [];
  return snippet.split('\n').map((line) => `${indent}${line}`);
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

// ---------- notify commands: the console notifier ----------

export interface NotifyTextOptions {
  /** Evidence lines shown per incident message (default 3). */
  maxEvidence?: number;
  /** The ts of the message a new post created, shown so edits can be matched to it. */
  ts?: string | undefined;
}

/** The text of one notify command, as the console notifier prints it (no trailing newline). */
export function renderNotifyCommand(command: NotifyCommand, options: NotifyTextOptions = {}): string {
  const maxEvidence = options.maxEvidence ?? 3;
  switch (command.type) {
    case 'open':
      return safeLines([
        `[${command.incident.channel}] OPEN ${title(command.incident)}${options.ts ? ` (ts ${options.ts})` : ''}`,
        `  ${podLine(command.incident, command.pods)}`,
        ...incidentDetails(command.incident, maxEvidence),
      ]);
    case 'update':
      return safeLines([
        `[${command.target.channel}] UPDATED ts ${command.target.ts}: ${title(command.incident)}`,
        `  ${podLine(command.incident, command.pods)}`,
        `  ${command.diagnosis.summary}`,
      ]);
    case 'reopen':
      return safeLines([
        `[${command.target.channel}] REOPENED in thread ${command.target.ts}: ${title(command.incident)} (occurrence ${command.incident.occurrence})`,
        `  ${podLine(command.incident, command.pods)}`,
        `  ${command.diagnosis.summary}`,
      ]);
    case 'resolve':
      return safeLines([`[${command.target.channel}] RESOLVED ts ${command.target.ts}: ${title(command.incident)}: all ${command.pods.total} pod(s) healthy or gone`]);
    case 'digest':
      return safeLines(digestLines(command.digest, command.target, options.ts));
    case 'reply':
      return replyText(command);
  }
}

function title(incident: Incident): string {
  const where = incident.namespace ? `${incident.cluster}/${incident.namespace}` : incident.cluster;
  return `${where} ${incident.subject.kind}/${incident.subject.name}: ${incident.scope === 'node' ? 'node lost' : incident.cause}`;
}

function podLine(incident: Incident, pods: PodCounts): string {
  if (incident.scope === 'node') return `${pods.failing} of ${pods.total} pod(s) on the node failing`;
  if (pods.total <= 1 && pods.failing === 1) return '1 pod failing';
  return `${pods.failing} of ${pods.total} pod(s) failing${pods.gone ? `, ${pods.gone} gone` : ''}`;
}

function incidentDetails(incident: Incident, maxEvidence: number): string[] {
  const { diagnosis } = incident;
  const lines = [`  ${diagnosis.summary}`];
  const evidence = diagnosis.evidence.slice(0, maxEvidence);
  if (evidence.length > 0) {
    lines.push('  Evidence:');
    for (const e of evidence) lines.push(`    - ${formatEvidence(e)}`);
    if (diagnosis.evidence.length > evidence.length) lines.push(`    … ${diagnosis.evidence.length - evidence.length} more`);
  }
  if (diagnosis.remediation.length > 0) {
    lines.push('  Fix:');
    for (const r of diagnosis.remediation) {
      lines.push(`    - ${r.text}`);
      lines.push(...snippetLines(r.snippet, '        '));
      if (r.command) lines.push(`      $ ${r.command}`);
    }
  }
  if (diagnosis.otherCauses.length > 0) lines.push(`  Also: ${diagnosis.otherCauses.join(', ')}`);
  return lines;
}

function digestLines(digest: Digest, target: PostedMessage | undefined, ts: string | undefined): string[] {
  const head = target
    ? `[${target.channel}] DIGEST UPDATED ts ${target.ts}: ${digest.total} new incident(s) since the storm began`
    : `[${digest.channel}] DIGEST${ts ? ` (ts ${ts})` : ''}: ${digest.total} new incident(s) in a storm; individual messages paused`;
  const lines = [head];
  for (const entry of digest.entries) {
    const where = entry.namespace ? `${entry.namespace} ` : '';
    lines.push(`  - ${where}${entry.subject} ${entry.cause} (${entry.failingPods} pod(s)): ${entry.summary}`);
  }
  if (digest.total > digest.entries.length) lines.push(`  … and ${digest.total - digest.entries.length} more`);
  return lines;
}

/** A command's answer: the same text as `podwhy why`, indented under a line that says where it goes. */
function replyText(command: ReplyCommand): string {
  const { replyTo, answer } = command;
  const where = `${replyTo.threadTs ? ` in thread ${replyTo.threadTs}` : ''}${replyTo.user ? ` for ${replyTo.user}` : ''}`;
  const head = `[${replyTo.channel}] REPLY${where} to request ${command.requestId}`;
  if (answer.kind === 'error') return safeLines([head, `  ${answer.code}: ${answer.message}`]);
  if (answer.kind === 'action') return safeLines([head, `  ${answer.by} ${answer.action} pod ${answer.namespace}/${answer.pod} (uid ${answer.uid}): ${answer.outcome}${answer.detail ? ` (${answer.detail})` : ''}`]);
  if (answer.kind === 'incident-action') {
    const until = answer.untilMs !== undefined ? ` until ${new Date(answer.untilMs).toISOString()}` : '';
    const failing = answer.stillFailing ? ` (${answer.stillFailing} pod(s) still failing)` : '';
    return safeLines([head, `  ${answer.by} ${answer.action} ${answer.target}${until}: ${answer.outcome}${failing}`]);
  }
  if (answer.kind === 'logs') return safeLines([head, `  log of ${answer.namespace}/${answer.pod} container ${answer.container}${answer.previous ? ' (previous)' : ''}:`, ...answer.lines.map((line) => `  | ${line}`)]);
  const body = [answer.note ?? '', renderDiagnosesText(answer.diagnoses)].filter((part) => part.length > 0).join('\n');
  return safeLines([head, ...body.trimEnd().split('\n').map((line) => (line ? `  ${line}` : line))]);
}
