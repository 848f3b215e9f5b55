import { formatEvidence } from '../render/evidence-text.ts';
import type { Digest, Incident, NotifyCommand, PodCounts, PostedMessage } from '../contract/incident.ts';
import { channelOf, isNewTrackedMessage } from './deliver.ts';
import type { Notifier } from './notifier.ts';

export interface ConsoleNotifierOptions {
  /** Where to print, e.g. process.stdout. */
  out: { write(text: string): unknown };
  /** Clock for the fake message ts. */
  now?: () => number;
  /** Evidence lines shown per message. */
  maxEvidence?: number;
}

/**
 * Prints incidents as readable text: for the demo and for users without Slack. Returns a Slack-like fake
 * ts for new messages, so edits and re-opens refer to "the same message" as they would in Slack.
 */
export class ConsoleNotifier implements Notifier {
  readonly #out: ConsoleNotifierOptions['out'];
  readonly #now: () => number;
  readonly #maxEvidence: number;
  #sequence = 0;

  constructor(options: ConsoleNotifierOptions) {
    this.#out = options.out;
    this.#now = options.now ?? Date.now;
    this.#maxEvidence = options.maxEvidence ?? 3;
  }

  async deliver(command: NotifyCommand): Promise<PostedMessage | void> {
    const posted = isNewTrackedMessage(command) ? { channel: channelOf(command), ts: this.#nextTs() } : undefined;
    this.#out.write(`${renderCommand(command, { maxEvidence: this.#maxEvidence, ts: posted?.ts })}\n`);
    return posted;
  }

  #nextTs(): string {
    this.#sequence += 1;
    return `${Math.floor(this.#now() / 1000)}.${String(this.#sequence).padStart(6, '0')}`;
  }
}

/** The text of one command. Pure. */
export function renderCommand(command: NotifyCommand, options: { maxEvidence?: number; ts?: string | undefined } = {}): string {
  const maxEvidence = options.maxEvidence ?? 3;
  switch (command.type) {
    case 'open': {
      const lines = [`[${command.incident.channel}] OPEN ${title(command.incident)}${options.ts ? ` (ts ${options.ts})` : ''}`];
      lines.push(`  ${podLine(command.incident, command.pods)}`);
      lines.push(...details(command.incident, maxEvidence));
      return lines.join('\n');
    }
    case 'update':
      return [
        `[${command.target.channel}] UPDATED ts ${command.target.ts}: ${title(command.incident)}`,
        `  ${podLine(command.incident, command.pods)}`,
        `  ${command.diagnosis.summary}`,
      ].join('\n');
    case 'reopen':
      return [
        `[${command.target.channel}] REOPENED in thread ${command.target.ts}: ${title(command.incident)} (occurrence ${command.incident.occurrence})`,
        `  ${podLine(command.incident, command.pods)}`,
        `  ${command.diagnosis.summary}`,
      ].join('\n');
    case 'resolve':
      return `[${command.target.channel}] RESOLVED ts ${command.target.ts}: ${title(command.incident)}: all ${command.pods.total} pod(s) healthy or gone`;
    case 'digest':
      return renderDigest(command.digest, command.target, options.ts);
    case 'reply': {
      const where = command.replyTo.threadTs ? ` in thread ${command.replyTo.threadTs}` : '';
      const lines = [`[${command.replyTo.channel}] REPLY${where} to request ${command.requestId}`];
      if (command.answer.kind === 'error') lines.push(`  ${command.answer.code}: ${command.answer.message}`);
      else for (const d of command.answer.diagnoses) lines.push(`  ${d.subject.kind} ${d.subject.namespace}/${d.subject.name}: ${d.cause}: ${d.summary}`);
      return lines.join('\n');
    }
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

function details(incident: Incident, maxEvidence: number): string[] {
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
      if (r.command) lines.push(`      $ ${r.command}`);
    }
  }
  if (diagnosis.otherCauses.length > 0) lines.push(`  Also: ${diagnosis.otherCauses.join(', ')}`);
  return lines;
}

function renderDigest(digest: Digest, target: PostedMessage | undefined, ts: string | undefined): string {
  const head = target
    ? `[${target.channel}] DIGEST UPDATED ts ${target.ts}: ${digest.total} new incident(s) since the storm began`
    : `[${digest.channel}] DIGEST${ts ? ` (ts ${ts})` : ''}: ${digest.total} new incident(s) in a storm; individual messages paused`;
  const lines = [head];
  for (const entry of digest.entries) {
    const where = entry.namespace ? `${entry.namespace} ` : '';
    lines.push(`  - ${where}${entry.subject} ${entry.cause} (${entry.failingPods} pod(s)): ${entry.summary}`);
  }
  if (digest.total > digest.entries.length) lines.push(`  … and ${digest.total - digest.entries.length} more`);
  return lines.join('\n');
}
