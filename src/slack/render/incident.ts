/**
 * An incident's parent message (posted once, then edited in place as it grows, resolves and re-opens),
 * node incidents' own layout, the storm digest, and the thread reply when an incident is back. Pure:
 * times come in as arguments (the incident's own timestamps).
 */
import type { Diagnosis } from '../../contract/diagnosis.ts';
import { redactSecrets } from '../../contract/redact.ts';
import type { Digest, DigestCommand, Incident, IncidentCommand, PodCounts, PostedMessage } from '../../contract/incident.ts';
import { context, draft, fieldsSection, header, listSections, section, type DraftBlock, type SlackMessage } from './blocks.ts';
import { interventionLine, snoozeLine } from './action.ts';
import { diagnosisBlocks, renderDiagnosis, SCENARIO_TITLES, subjectCode, type DiagnosisMessageOptions } from './diagnosis.ts';
import { formatCount, inlineCode, mrkdwnLink, mrkdwnProse, plainText, slackDate } from './escape.ts';
import { fitMessage, MAX_SECTION_TEXT } from './limits.ts';
import { diagnosisMetadata, digestMetadata, incidentMetadata } from './metadata.ts';

/** Namespaces and Pods listed on a node incident before "+N more". */
const NODE_NAMESPACES_SHOWN = 20;
const NODE_PODS_SHOWN = 25;
/** Digest entries listed before "+N more" (the digest itself keeps at most digestMaxEntries). */
export const DIGEST_ENTRIES_SHOWN = 30;

const OPEN_MARK = '🔴';
const RESOLVED_MARK = '✅';

/** A link to a message's thread without an API call: https://slack.com/archives/<channel>/p<ts without the dot>. */
export function threadUrl(posted: PostedMessage): string | null {
  if (!/^[CGD][A-Z0-9]{2,20}$/.test(posted.channel) || !/^\d{1,12}\.\d{1,8}$/.test(posted.ts)) return null;
  return `https://slack.com/archives/${posted.channel}/p${posted.ts.replace('.', '')}`;
}

/** Failing, healthy and gone Pods of an incident, from its own Pod records. */
export function podCountsOf(incident: Incident): PodCounts {
  const counts: PodCounts = { failing: 0, healthy: 0, gone: 0, total: 0 };
  for (const pod of Object.values(incident.pods)) {
    counts[pod.state] += 1;
    counts.total += 1;
  }
  return counts;
}

/** "3 failing · 1 healthy · 0 gone of 4" */
export function podCountsText(pods: PodCounts): string {
  return `${formatCount(pods.failing)} failing · ${formatCount(pods.healthy)} healthy · ${formatCount(pods.gone)} gone of ${formatCount(pods.total)}`;
}

function statusText(incident: Incident): string {
  if (incident.status === 'resolved') return `${RESOLVED_MARK} Resolved`;
  return incident.occurrence > 1 ? `${OPEN_MARK} Open again (occurrence ${incident.occurrence})` : `${OPEN_MARK} Open`;
}

/**
 * The parent message of an incident, for open, update, reopen and resolve alike: its status is the
 * incident's own. Node incidents (scope 'node') list the Pods affected across namespaces instead of a workload.
 */
export function renderIncidentMessage(incident: Incident, pods: PodCounts): SlackMessage {
  const blocks = incident.scope === 'node' ? nodeIncidentBlocks(incident, pods) : workloadIncidentBlocks(incident, pods);
  return fitMessage({ text: incidentFallback(incident, pods), blocks, metadata: incidentMetadata(incident) });
}

function title(incident: Incident): string {
  const subject = `${incident.subject.kind}/${incident.subject.name}`;
  const what = incident.scope === 'node' ? 'Node lost' : SCENARIO_TITLES[incident.diagnosis.scenario];
  return incident.status === 'resolved' ? `${RESOLVED_MARK} Resolved: ${what}: ${subject}` : `${OPEN_MARK} ${what}: ${subject}`;
}

/** The notification text: status, cause, where, how many Pods, the summary. */
export function incidentFallback(incident: Incident, pods: PodCounts): string {
  const where = [incident.cluster, incident.namespace].filter(Boolean).join('/');
  const state = incident.status === 'resolved' ? 'Resolved' : incident.occurrence > 1 ? `Open again (occurrence ${incident.occurrence})` : 'Open';
  return plainText(
    `${state}: ${incident.cause} in ${where} ${incident.subject.kind}/${incident.subject.name}, ${pods.failing} of ${pods.total} Pods failing. ${redactSecrets(incident.diagnosis.summary)}`,
    1_000,
  );
}

function timeFields(incident: Incident): string[] {
  const fields = [`*First seen*\n${slackDate(incident.firstSeenAt)}`];
  if (incident.status === 'resolved' && incident.resolvedAt !== undefined) fields.push(`*Resolved*\n${slackDate(incident.resolvedAt)}`);
  return fields;
}

function workloadIncidentBlocks(incident: Incident, pods: PodCounts): DraftBlock[] {
  return [
    draft(header(plainText(title(incident), 150)), 'essential'),
    draft(section(`${mrkdwnProse(redactSecrets(incident.diagnosis.summary), 2_500)}\n${inlineCode(incident.cause, 80)}`), 'essential'),
    draft(
      fieldsSection([
        `*Workload*\n${inlineCode(`${incident.subject.kind}/${incident.subject.name}`, 400)}`,
        `*Namespace*\n${inlineCode(incident.namespace ?? '', 100)}`,
        `*Cluster*\n${inlineCode(incident.cluster, 100)}`,
        `*Pods*\n${podCountsText(pods)}`,
        `*Status*\n${statusText(incident)}`,
        ...timeFields(incident),
      ]),
      'essential',
    ),
    ...interventionBlocks(incident),
    draft(context([incident.status === 'resolved' ? (incident.intervention?.action === 'mark-resolved' ? 'The diagnosis is in the thread.' : 'All its Pods are healthy or gone. The diagnosis is in the thread.') : 'Diagnosis, evidence and fixes in the thread.']), 'normal'),
  ];
}

/**
 * What a person did from Slack (a one-click fix, "mark resolved"), and a snooze set from Slack while it holds the
 * incident: on the parent, not only in the thread. A resolved parent shows no snooze (the manager drops it when the
 * incident resolves; the status check keeps that true whatever the document says).
 */
function interventionBlocks(incident: Incident): DraftBlock[] {
  const lines = [
    ...(incident.intervention ? [interventionLine(incident.intervention)] : []),
    ...(incident.snooze && incident.status === 'open' ? [snoozeLine(incident.snooze)] : []),
  ];
  return lines.map((line) => draft(context([line]), 'essential'));
}

function nodeIncidentBlocks(incident: Incident, pods: PodCounts): DraftBlock[] {
  const affected = Object.values(incident.pods).sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
  const perNamespace = new Map<string, number>();
  for (const pod of affected) perNamespace.set(pod.namespace, (perNamespace.get(pod.namespace) ?? 0) + 1);
  const namespaces = [...perNamespace].sort(([a], [b]) => a.localeCompare(b));
  const namespaceItems = namespaces.slice(0, NODE_NAMESPACES_SHOWN).map(([ns, count]) => `• ${inlineCode(ns, 100)}: ${formatCount(count)} ${count === 1 ? 'Pod' : 'Pods'}`);
  if (namespaces.length > NODE_NAMESPACES_SHOWN) namespaceItems.push(`+${formatCount(namespaces.length - NODE_NAMESPACES_SHOWN)} more namespaces`);
  const failing = affected.filter((p) => p.state === 'failing');
  const podItems = failing.slice(0, NODE_PODS_SHOWN).map((p) => `• ${subjectCode(p.namespace, p.name)}`);
  if (failing.length > NODE_PODS_SHOWN) podItems.push(`+${formatCount(failing.length - NODE_PODS_SHOWN)} more`);
  return [
    draft(header(plainText(title(incident), 150)), 'essential'),
    draft(section(`${mrkdwnProse(redactSecrets(incident.diagnosis.summary), 2_500)}\n${inlineCode(incident.cause, 80)}`), 'essential'),
    draft(
      fieldsSection([
        `*Node*\n${inlineCode(incident.subject.name, 300)}`,
        `*Cluster*\n${inlineCode(incident.cluster, 100)}`,
        `*Pods affected*\n${podCountsText(pods)}`,
        `*Namespaces*\n${formatCount(namespaces.length)}`,
        `*Status*\n${statusText(incident)}`,
        ...timeFields(incident),
      ]),
      'essential',
    ),
    ...interventionBlocks(incident),
    ...listSections('*Pods affected, by namespace*', namespaceItems, 'normal', MAX_SECTION_TEXT),
    ...listSections('*Failing Pods*', podItems, 'low', MAX_SECTION_TEXT),
  ];
}

/**
 * The thread reply when an incident is back (a 'reopen' command): that it is back, which occurrence,
 * how many Pods, then the latest diagnosis.
 */
export function renderIncidentReopened(incident: Incident, diagnosis: Diagnosis, pods: PodCounts, options: DiagnosisMessageOptions): SlackMessage {
  const withIncident = { ...options, incidentId: incident.id };
  return fitMessage({
    text: plainText(`Back again (occurrence ${incident.occurrence}): ${incident.cause}, ${pods.failing} of ${pods.total} Pods failing. ${redactSecrets(diagnosis.summary)}`, 1_000),
    blocks: [
      draft(section(`🔁 *It is back* (occurrence ${incident.occurrence}): ${podCountsText(pods)}`), 'essential'),
      ...diagnosisBlocks(diagnosis, withIncident),
    ],
    metadata: diagnosisMetadata(diagnosis, options.cluster, incident.id),
  });
}

/** The storm digest: one message per channel and storm, listing the incidents held back, "+N more". */
export function renderDigest(digest: Digest): SlackMessage {
  const shown = digest.entries.slice(0, DIGEST_ENTRIES_SHOWN);
  const items = shown.map((entry) => {
    const where = entry.namespace ? `${inlineCode(entry.namespace, 100)} ` : '';
    const podsText = `${formatCount(entry.failingPods)} ${entry.failingPods === 1 ? 'Pod' : 'Pods'} failing`;
    return `• ${where}${inlineCode(entry.subject, 300)} · ${inlineCode(entry.cause, 80)} · ${podsText}\n   ${mrkdwnProse(redactSecrets(entry.summary), 300)}`;
  });
  const more = digest.total - shown.length;
  const blocks: DraftBlock[] = [
    draft(header(plainText(`⚠️ Alert storm: ${formatCount(digest.total)} new ${digest.total === 1 ? 'incident' : 'incidents'}`, 150)), 'essential'),
    draft(context([`Cluster ${inlineCode(digest.cluster, 100)} · since ${slackDate(digest.startedAt)} · one message per incident is paused until the storm passes`]), 'essential'),
    ...listSections('', items, 'normal', MAX_SECTION_TEXT),
  ];
  if (more > 0) blocks.push(draft(context([`+${formatCount(more)} more`]), 'essential'));
  return fitMessage({
    text: plainText(`Alert storm in ${digest.cluster}: ${digest.total} new incidents; individual messages are paused.`, 1_000),
    blocks,
    metadata: digestMetadata(digest),
  });
}

/** An open incident and where its thread is, for `/pod list` and the App Home. */
export interface IncidentLink {
  incident: Incident;
  /** A permalink to the incident's thread (chat.getPermalink); default: threadUrl(incident.posted). */
  link?: string | undefined;
}

/** Stable order for lists: cluster, namespace (node incidents last), subject, cause. */
export function compareIncidentLinks(a: IncidentLink, b: IncidentLink): number {
  const x = a.incident;
  const y = b.incident;
  return (
    x.cluster.localeCompare(y.cluster) ||
    (x.namespace ?? '\uffff').localeCompare(y.namespace ?? '\uffff') ||
    `${x.subject.kind}/${x.subject.name}`.localeCompare(`${y.subject.kind}/${y.subject.name}`) ||
    x.cause.localeCompare(y.cause)
  );
}

/** One line per incident: subject, cause, Pods failing, a link to its thread when there is one. */
export function incidentListLine(item: IncidentLink, options: { withPlace: boolean }): string {
  const { incident } = item;
  const pods = podCountsOf(incident);
  const place = options.withPlace ? `${inlineCode(incident.cluster, 80)} ${incident.namespace ? inlineCode(incident.namespace, 80) : '_node_'} ` : '';
  const link = item.link ?? (incident.posted ? threadUrl(incident.posted) : null);
  const thread = link ? ` · ${mrkdwnLink(link, 'thread')}` : '';
  return `${incident.status === 'resolved' ? RESOLVED_MARK : OPEN_MARK} ${place}${inlineCode(`${incident.subject.kind}/${incident.subject.name}`, 300)} · ${inlineCode(incident.cause, 80)} · ${formatCount(pods.failing)} of ${formatCount(pods.total)} failing${thread}`;
}

/** What a notify command looks like in Slack: the parent message, and a reply for its thread when there is one. */
export interface RenderedNotification {
  /** Post it ('open', a 'digest' without target) or edit it in place (the command's target). */
  parent: SlackMessage;
  /** Post it in the parent's thread: the diagnosis on 'open', "it is back" on 'reopen'. */
  reply?: SlackMessage;
}

/**
 * The messages for one notify command (src/contract/incident.ts). 'update' and 'resolve' only edit
 * the parent; the thread keeps the diagnosis it was given when the incident opened or re-opened.
 */
export function renderNotifyCommand(command: IncidentCommand | DigestCommand, options: Omit<DiagnosisMessageOptions, 'cluster' | 'incidentId'>): RenderedNotification {
  if (command.type === 'digest') return { parent: renderDigest(command.digest) };
  const { incident, diagnosis, pods } = command;
  const parent = renderIncidentMessage(incident, pods);
  const replyOptions = { ...options, cluster: incident.cluster, incidentId: incident.id };
  switch (command.type) {
    case 'open':
      return { parent, reply: renderDiagnosis(diagnosis, replyOptions) };
    case 'reopen':
      return { parent, reply: renderIncidentReopened(incident, diagnosis, pods, replyOptions) };
    case 'update':
    case 'resolve':
      return { parent };
  }
}
