/**
 * Answers to `/pod`: why (one Pod, several Pods, a healthy Pod), logs, list, help, and every error a
 * person can act on. Pure; the handler decides whether an answer is ephemeral.
 */
import type { Diagnosis } from '../../contract/diagnosis.ts';
import type { ReplyCommand } from '../../contract/incident.ts';
import { redactSecrets } from '../../contract/redact.ts';
import { slackActionId, tryEncodeActionValue, type ActionValueSigner } from '../action-value.ts';
import { renderActionResult, renderIncidentActionResult } from './action.ts';
import { button, context, draft, listSections, section, type DraftBlock, type SlackMessage } from './blocks.ts';
import { diagnosisBlocks, diagnosisFallback, LOG_LINE_CHARS, logTitle, SCENARIO_TITLES, subjectCode } from './diagnosis.ts';
import { codeBlock, formatCount, inlineCode, mrkdwnProse, plainText, userMention } from './escape.ts';
import { compareIncidentLinks, incidentListLine, type IncidentLink } from './incident.ts';
import { fitMessage, MAX_SECTION_TEXT } from './limits.ts';
import { diagnosisMetadata, subjectMetadata } from './metadata.ts';

/** The syntax of each subcommand, as the usage error and `/pod help` show it. */
export const POD_COMMAND_SYNTAX = {
  why: '/pod why POD | NAMESPACE/POD | KIND/NAME | PREFIX [-n NAMESPACE] [--cluster CLUSTER]',
  logs: '/pod logs POD [-n NAMESPACE] [-c CONTAINER] [--previous] [--cluster CLUSTER]',
  list: '/pod list [-n NAMESPACE] [--cluster CLUSTER]',
  help: '/pod help',
} as const;
export type PodSubcommand = keyof typeof POD_COMMAND_SYNTAX;

const HELP_TEXT: Record<PodSubcommand, string> = {
  why: 'Why is this Pod broken? A Pod, `namespace/pod`, a workload (`deploy/web`, `sts/db`, `ds/agent`, `job/migrate`) or a Pod-name prefix.',
  logs: 'The end of a container’s log, secrets masked; `--previous` for the run that crashed.',
  list: 'Open incidents, with links to their threads.',
  help: 'This help.',
};

/** Pods listed in a several-Pod answer before "+N more". */
export const PODS_SHOWN = 15;
/** Incidents listed by `/pod list` before "+N more". */
export const INCIDENTS_SHOWN = 40;
/** Log lines a `/pod logs` answer shows at most (fewer when long lines fill the section). */
export const LOG_LINES_SHOWN = 60;

/** Who asked what: shown under every answer. */
export interface CommandRequest {
  /** The cluster that answered (CLUSTER_NAME). */
  cluster: string;
  /** The Slack user id of who ran the command. */
  requestedBy: string;
  /** What followed `/pod`, as typed, e.g. `why shop/web`. */
  commandText: string;
}

export interface PodWhyRequest extends CommandRequest {
  /** When the answer is rendered (ms since the epoch): carried in the button values. */
  issuedAt: number;
  /** Signs button values (src/slack/action-signing.ts). */
  sign?: ActionValueSigner | undefined;
  /** ACTIONS_ENABLED: the diagnosis also gets the buttons that change the cluster. */
  mutating?: boolean | undefined;
}

/** A Pod with nothing wrong, as `/pod why` reports it. */
export interface HealthyPod {
  namespace: string;
  name: string;
  uid?: string | undefined;
  /** status.phase: `Running`, `Succeeded`, `Pending`. */
  phase: string;
  /** e.g. `2/2` containers ready, when known. */
  ready?: string | undefined;
}

/** One Pod of a several-Pod answer. */
export type PodResult = { kind: 'diagnosis'; diagnosis: Diagnosis } | { kind: 'healthy'; pod: HealthyPod };

/** Errors a `/pod` answer explains. Handlers map PodwhyError codes (src/errors.ts) to these. */
export type PodCommandError =
  /** The command did not parse: what was wrong, and which subcommand's syntax to show. */
  | { code: 'usage'; problem: string; subcommand?: PodSubcommand | undefined }
  | { code: 'pod-not-found'; namespace: string; name: string; suggestions: readonly string[] }
  | { code: 'namespace-not-found'; namespace: string; suggestions?: readonly string[] | undefined }
  | { code: 'cluster-not-found'; cluster: string; clusters: readonly string[] }
  /** RBAC: which verb on which resource podwhy may not use; `detail` is what the API server said. */
  | { code: 'forbidden'; verb: string; resource: string; namespace?: string | undefined; detail?: string | undefined }
  | { code: 'api-unreachable'; server: string; detail?: string | undefined }
  /** Anything else: logged by the handler, answered generically. */
  | { code: 'internal' };

/** The container log a `/pod logs` answer shows. */
export interface PodLogs {
  namespace: string;
  pod: string;
  container: string;
  previous: boolean;
  /** The tail as read (the renderer redacts and bounds it). */
  lines: readonly string[];
}

function askedBy(request: Partial<CommandRequest>): DraftBlock[] {
  const parts: string[] = [];
  if (request.requestedBy) parts.push(`Asked by ${userMention(request.requestedBy)}`);
  if (request.commandText !== undefined) parts.push(inlineCode(`/pod ${request.commandText}`, 300));
  if (request.cluster) parts.push(`cluster ${inlineCode(request.cluster, 80)}`);
  return parts.length > 0 ? [draft(context([parts.join(' · ')]), 'essential')] : [];
}

/** `/pod why` for one Pod (or a workload with no Pod): the diagnosis, who asked and what. */
export function renderPodWhy(diagnosis: Diagnosis, request: PodWhyRequest): SlackMessage {
  return fitMessage({
    text: diagnosisFallback(diagnosis),
    blocks: [...askedBy(request), ...diagnosisBlocks(diagnosis, request)],
    metadata: diagnosisMetadata(diagnosis, request.cluster),
  });
}

function healthyLine(pod: HealthyPod): string {
  const ready = pod.ready ? `, ${inlineCode(pod.ready, 20)} ready` : '';
  return `✅ ${subjectCode(pod.namespace, pod.name)}: no problems found, phase ${inlineCode(pod.phase, 40)}${ready}`;
}

/** `/pod why` for a Pod with nothing wrong: "No problems found", with its phase. */
export function renderPodHealthy(pod: HealthyPod, request: CommandRequest): SlackMessage {
  return fitMessage({
    text: plainText(`No problems found: Pod ${pod.namespace}/${pod.name} is ${pod.phase}.`, 1_000),
    blocks: [...askedBy(request), draft(section(healthyLine(pod)), 'essential')],
    metadata: subjectMetadata({ cluster: request.cluster, namespace: pod.namespace, kind: 'Pod', name: pod.name, uid: pod.uid }),
  });
}

/**
 * `/pod why` for a workload or a prefix: one compact section per Pod (failing first), each with a
 * button that posts its full diagnosis; at most PODS_SHOWN, then "+N more". `total` is how many Pods
 * matched when the caller passed only some of them.
 */
export function renderPodWhyMany(results: readonly PodResult[], request: PodWhyRequest & { target: string; total?: number }): SlackMessage {
  const sorted = [...results].sort((a, b) => (a.kind === b.kind ? nameOf(a).localeCompare(nameOf(b)) : a.kind === 'diagnosis' ? -1 : 1));
  const shown = sorted.slice(0, PODS_SHOWN);
  const total = Math.max(request.total ?? 0, results.length);
  const failing = results.filter((r) => r.kind === 'diagnosis').length;
  const blocks: DraftBlock[] = [
    ...askedBy(request),
    draft(section(`*${formatCount(total)} ${total === 1 ? 'Pod matches' : 'Pods match'}* ${inlineCode(request.target, 300)}: ${formatCount(failing)} with a problem`), 'essential'),
    ...shown.map((result) => draft(result.kind === 'healthy' ? section(healthyLine(result.pod)) : compactDiagnosis(result.diagnosis, request), 'normal')),
  ];
  if (total > shown.length) blocks.push(draft(context([`+${formatCount(total - shown.length)} more; name one Pod to see it`]), 'essential'));
  const namespaces = new Set(results.map((r) => (r.kind === 'healthy' ? r.pod.namespace : r.diagnosis.subject.namespace)));
  return fitMessage({
    text: plainText(`${total} Pods match ${request.target}: ${failing} with a problem.`, 1_000),
    blocks,
    metadata: subjectMetadata({ cluster: request.cluster, namespace: namespaces.size === 1 ? [...namespaces][0] : undefined, query: request.target, pods: total }),
  });
}

function nameOf(result: PodResult): string {
  return result.kind === 'healthy' ? `${result.pod.namespace}/${result.pod.name}` : `${result.diagnosis.subject.namespace}/${result.diagnosis.subject.name}`;
}

function compactDiagnosis(diagnosis: Diagnosis, request: PodWhyRequest) {
  const { subject } = diagnosis;
  const text = `🔴 ${subjectCode(subject.namespace, subject.name)} · *${SCENARIO_TITLES[diagnosis.scenario]}* ${inlineCode(diagnosis.cause, 80)}\n${mrkdwnProse(redactSecrets(diagnosis.summary), 400)}`;
  const value = tryEncodeActionValue(
    { cluster: request.cluster, namespace: subject.namespace, kind: subject.kind, name: subject.name, uid: subject.uid, action: 'rediagnose', issuedAt: request.issuedAt },
    request.sign,
  );
  return value === null ? section(text) : section(text, button('Details', slackActionId('rediagnose'), value));
}

/** An error answer: what went wrong in words a person can act on, with the closest names or the right syntax. */
export function renderPodCommandError(error: PodCommandError, request: Partial<CommandRequest> = {}): SlackMessage {
  const { text, lines } = describeError(error);
  return fitMessage({
    text: plainText(text, 1_000),
    blocks: [draft(section(`⚠️ ${mrkdwnProse(text, 1_500)}`), 'essential'), ...listSections('', lines, 'high', MAX_SECTION_TEXT), ...askedBy(request)],
  });
}

function describeError(error: PodCommandError): { text: string; lines: string[] } {
  const closest = (names: readonly string[] | undefined) => (names && names.length > 0 ? [`Closest names: ${names.slice(0, 5).map((n) => inlineCode(n, 260)).join(', ')}`] : []);
  switch (error.code) {
    case 'usage': {
      const syntax = error.subcommand ? [POD_COMMAND_SYNTAX[error.subcommand]] : Object.values(POD_COMMAND_SYNTAX);
      return { text: error.problem, lines: [`Usage:\n${codeBlock(syntax, { maxLines: 10, maxLineChars: 200, maxChars: 1_200, keep: 'head' })}`] };
    }
    case 'pod-not-found':
      return { text: `No Pod ${error.name} in namespace ${error.namespace}.`, lines: closest(error.suggestions) };
    case 'namespace-not-found':
      return { text: `Namespace ${error.namespace} does not exist.`, lines: closest(error.suggestions) };
    case 'cluster-not-found':
      return { text: `No cluster named ${error.cluster} is connected to podwhy.`, lines: error.clusters.length > 0 ? [`Clusters: ${error.clusters.map((c) => inlineCode(c, 80)).join(', ')}`] : [] };
    case 'forbidden': {
      const scope = error.namespace ? ` in namespace ${error.namespace}` : ' cluster-wide';
      return {
        text: `podwhy is not allowed to ${error.verb} ${error.resource}${scope} (RBAC). A cluster admin can grant its ServiceAccount the "${error.verb}" verb on "${error.resource}".`,
        lines: error.detail ? [`The API server said: ${inlineCode(error.detail, 1_000)}`] : [],
      };
    }
    case 'api-unreachable':
      return { text: `Cannot reach the Kubernetes API server at ${error.server}. Try again in a minute; if it persists, check the cluster.`, lines: error.detail ? [inlineCode(error.detail, 1_000)] : [] };
    case 'internal':
      return { text: 'Something went wrong while answering. It has been logged; try again.', lines: [] };
  }
}

/** `/pod list`: the open incidents, with links to their threads, at most INCIDENTS_SHOWN. */
export function renderIncidentList(items: readonly IncidentLink[], request: Partial<CommandRequest> = {}): SlackMessage {
  const open = items.filter((i) => i.incident.status === 'open').sort(compareIncidentLinks);
  const shown = open.slice(0, INCIDENTS_SHOWN);
  const blocks: DraftBlock[] = [
    draft(section(open.length === 0 ? '✅ *No open incidents.*' : `*${formatCount(open.length)} open ${open.length === 1 ? 'incident' : 'incidents'}*`), 'essential'),
    ...listSections('', shown.map((item) => incidentListLine(item, { withPlace: true })), 'normal', MAX_SECTION_TEXT),
  ];
  if (open.length > shown.length) blocks.push(draft(context([`+${formatCount(open.length - shown.length)} more; see the App Home`]), 'essential'));
  blocks.push(...askedBy(request));
  return fitMessage({ text: plainText(`${open.length} open incidents`, 200), blocks });
}

/** `/pod logs`: the end of a container's log, redacted, in a code block, with its container and run. */
export function renderPodLogs(logs: PodLogs, request: CommandRequest): SlackMessage {
  const lines = logs.lines.map(redactSecrets);
  const body = lines.length === 0 ? '_The log is empty._' : codeBlock(lines, { maxLines: LOG_LINES_SHOWN, maxLineChars: LOG_LINE_CHARS, maxChars: 2_700, keep: 'tail' });
  return fitMessage({
    text: plainText(`Log of ${logs.namespace}/${logs.pod} container ${logs.container}${logs.previous ? ' (previous run)' : ''}`, 1_000),
    blocks: [draft(section(`${logTitle(logs.container, logs.previous)} in Pod ${subjectCode(logs.namespace, logs.pod)}\n${body}`), 'essential'), ...askedBy(request)],
  });
}

/** `/pod help`: every subcommand with its syntax. */
export function renderPodHelp(): SlackMessage {
  const items = (Object.keys(POD_COMMAND_SYNTAX) as PodSubcommand[]).map((sub) => `${inlineCode(POD_COMMAND_SYNTAX[sub], 200)}\n${HELP_TEXT[sub]}`);
  return fitMessage({
    text: 'podwhy: /pod why, /pod logs, /pod list, /pod help',
    blocks: [draft(section('*podwhy* tells you why a Pod is broken and what to do about it.'), 'essential'), ...listSections('', items, 'essential', MAX_SECTION_TEXT)],
  });
}

/** Error codes whose answer is the usage text plus what was wrong. */
const USAGE_LIKE_CODES = new Set(['bad-input', 'ambiguous']);

/**
 * A reply notify command (the agent's answer to `/pod why|logs`) as a Slack message: one diagnosis, a healthy
 * Pod, several Pods, a log tail, or an error a person can act on.
 */
export function renderReplyCommand(command: ReplyCommand, options: { issuedAt: number; sign?: ActionValueSigner | undefined; mutating?: boolean | undefined }): SlackMessage {
  const request: PodWhyRequest = {
    cluster: command.cluster,
    requestedBy: command.request?.requestedBy ?? '',
    commandText: command.request?.commandText ?? '',
    issuedAt: options.issuedAt,
    sign: options.sign,
    mutating: options.mutating,
  };
  const { answer } = command;
  switch (answer.kind) {
    case 'logs':
      return renderPodLogs(answer, request);
    case 'action':
      return renderActionResult(answer);
    case 'incident-action':
      return renderIncidentActionResult(answer);
    case 'error':
      return renderPodCommandError(commandErrorOf(answer), request);
    case 'diagnoses': {
      const healthy = answer.healthy ?? [];
      const [diagnosis] = answer.diagnoses;
      const [pod] = healthy;
      // One diagnosis and nothing else (a one-replica workload, a quota failure that leaves no Pod): the full message.
      if (diagnosis && answer.diagnoses.length === 1 && healthy.length === 0) return renderPodWhy(diagnosis, request);
      if (answer.target === undefined && pod && answer.diagnoses.length === 0 && healthy.length === 1) return renderPodHealthy(pod, request);
      const results: PodResult[] = [...answer.diagnoses.map((d) => ({ kind: 'diagnosis' as const, diagnosis: d })), ...healthy.map((p) => ({ kind: 'healthy' as const, pod: p }))];
      return renderPodWhyMany(results, { ...request, target: answer.target ?? command.request?.commandText ?? '', ...(answer.total !== undefined && { total: answer.total }) });
    }
  }
}

function commandErrorOf(answer: Extract<ReplyCommand['answer'], { kind: 'error' }>): PodCommandError {
  switch (answer.code) {
    case 'pod-not-found':
      return { code: 'pod-not-found', namespace: answer.namespace || 'any watched namespace', name: answer.name ?? '', suggestions: answer.suggestions ?? [] };
    case 'namespace-not-found':
      return { code: 'namespace-not-found', namespace: answer.namespace ?? '', suggestions: answer.suggestions };
    case 'api-unreachable':
      return { code: 'api-unreachable', server: 'of this cluster', detail: answer.message };
    default: {
      const names = answer.suggestions && answer.suggestions.length > 0 ? ` Did you mean: ${answer.suggestions.slice(0, 5).join(', ')}?` : '';
      if (USAGE_LIKE_CODES.has(answer.code)) return { code: 'usage', problem: `${answer.message}.${names}`, subcommand: 'why' };
      return { code: 'usage', problem: `${answer.message}${names}` };
    }
  }
}
