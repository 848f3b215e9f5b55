/**
 * The gateway's side of `/pod` (docs/architecture.md, "/pod why"): what to acknowledge within Slack's 3 s, and
 * what to do after the ack. `why` and `logs` become a command job on the named cluster's diagnosis queue (the
 * agent holding that cluster's credentials answers through the notify queue); `list` reads open incidents from
 * the incident store; `help` and usage errors are answered in the ack itself, ephemerally.
 *
 * The request id is the command's trigger_id: a replayed or retried request is answered once (SeenRequests in
 * this process; the job's deduplication id across gateway replicas while the job is pending).
 */
import type { Incident } from '../contract/incident.ts';
import type { Logger } from '../log.ts';
import type { SlackReplier } from '../notify/slack-replier.ts';
import { CommandJob, RequestId } from '../queue/jobs.ts';
import type { SlackMessage } from './render/blocks.ts';
import { renderIncidentList, renderPodCommandError, renderPodHelp, type PodSubcommand } from './render/command.ts';
import { parsePodCommand, type PodCommand } from './pod-command.ts';
import type { ResponseUrls, SeenRequests } from './response-urls.ts';

/** The fields of a slash command payload the gateway reads (Bolt's SlashCommand has them all). */
export interface SlashCommandRequest {
  text: string;
  user_id: string;
  channel_id: string;
  trigger_id: string;
  response_url: string;
}

/** An ack body: Slack shows it only to the person who typed the command. */
export type AckMessage = SlackMessage & { response_type: 'ephemeral' };

export interface CommandReceipt {
  /** What to acknowledge with (undefined: an empty ack; the answer follows in the channel). */
  ack: AckMessage | undefined;
  /** The work after the ack. Never throws: failures are logged and answered generically. */
  followUp(): Promise<void>;
}

export interface PodCommandsDeps {
  /** The clusters this gateway serves; the first answers commands without --cluster. */
  clusters: readonly string[];
  /** Puts a command job on its cluster's diagnosis queue. */
  enqueue(job: CommandJob): Promise<unknown>;
  /** Open incidents of one cluster (the incident store). */
  openIncidents(cluster: string): Promise<Incident[]>;
  replier: SlackReplier;
  responseUrls: ResponseUrls;
  seen: SeenRequests;
  log: Logger;
  now?: () => number;
}

const NOTHING_TO_DO: CommandReceipt = { ack: undefined, followUp: async () => undefined };

export class PodCommands {
  readonly #deps: PodCommandsDeps;
  readonly #now: () => number;
  readonly #log: Logger;

  constructor(deps: PodCommandsDeps) {
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
    this.#log = deps.log.child({ component: 'pod-command' });
  }

  /** Synchronous up to the ack: parsing and a few map lookups, no I/O, so the ack is never late. */
  receive(command: SlashCommandRequest): CommandReceipt {
    const requestId = requestIdOf(command.trigger_id);
    if (!this.#deps.seen.firstTime(requestId)) {
      this.#log.info({ requestId }, 'Replayed /pod request ignored');
      return NOTHING_TO_DO;
    }
    const parsed = parsePodCommand(command.text);
    if (!parsed.ok) return ephemeral(renderPodCommandError({ code: 'usage', problem: parsed.error, subcommand: subcommandOf(command.text) }, { requestedBy: command.user_id, commandText: command.text }));
    const request = parsed.command;
    if (request.verb === 'help') return ephemeral(renderPodHelp());
    const clusters = this.#deps.clusters;
    if (request.cluster !== undefined && !clusters.includes(request.cluster)) {
      return ephemeral(renderPodCommandError({ code: 'cluster-not-found', cluster: request.cluster, clusters }, { requestedBy: command.user_id, commandText: command.text }));
    }
    this.#deps.responseUrls.remember(requestId, command.response_url);
    const target = { channel: command.channel_id, user: command.user_id, requestId };
    const followUp = async (): Promise<void> => {
      try {
        if (request.verb === 'list') await this.#list(request, target, command.text);
        else await this.#deps.enqueue(this.#jobOf(request, command, requestId));
      } catch (error) {
        this.#log.error({ err: error, requestId }, 'Answering a /pod command failed');
        await this.#deps.replier
          .answer(target, renderPodCommandError({ code: 'internal' }), { ephemeral: true })
          .catch((err: unknown) => this.#log.warn({ err, requestId }, 'Could not say that a /pod command failed'));
      }
    };
    return { ack: undefined, followUp };
  }

  #jobOf(request: Extract<PodCommand, { verb: 'why' | 'logs' }>, command: SlashCommandRequest, requestId: string): CommandJob {
    return CommandJob.parse({
      trigger: 'command',
      cluster: request.cluster ?? this.#deps.clusters[0],
      verb: request.verb,
      ...(request.namespace !== undefined && { namespace: request.namespace }),
      subject: { kind: 'Query', query: request.target },
      ...(request.verb === 'logs' && { previous: request.previous, ...(request.container !== undefined && { container: request.container }) }),
      requestId,
      requestedBy: command.user_id,
      commandText: command.text.slice(0, 600),
      replyTo: { channel: command.channel_id },
      enqueuedAt: new Date(this.#now()).toISOString(),
    });
  }

  async #list(request: Extract<PodCommand, { verb: 'list' }>, target: { channel: string; user: string; requestId: string }, text: string): Promise<void> {
    const clusters = request.cluster !== undefined ? [request.cluster] : this.#deps.clusters;
    const incidents: Incident[] = [];
    for (const cluster of clusters) incidents.push(...(await this.#deps.openIncidents(cluster)));
    const shown = request.namespace === undefined ? incidents : incidents.filter((i) => i.namespace === request.namespace);
    const message = renderIncidentList(shown.map((incident) => ({ incident })), { requestedBy: target.user, commandText: text, ...(clusters.length === 1 && { cluster: clusters[0] }) });
    await this.#deps.replier.answer(target, message, { ephemeral: false });
  }
}

function ephemeral(message: SlackMessage): CommandReceipt {
  // Message metadata is for posted messages; an ack carries text and blocks.
  return { ack: { response_type: 'ephemeral', text: message.text, blocks: message.blocks }, followUp: NOTHING_TO_DO.followUp };
}

/** Slack's trigger_id (`13345224609.738474920.8088…`) fits RequestId; anything else is hashed into it. */
function requestIdOf(triggerId: string): string {
  if (RequestId.safeParse(triggerId).success) return triggerId;
  return `t-${Buffer.from(triggerId).toString('base64url').slice(0, 120)}`;
}

function subcommandOf(text: string): PodSubcommand | undefined {
  const first = text.trim().split(/\s+/)[0]?.toLowerCase();
  return first === 'why' || first === 'logs' || first === 'list' || first === 'help' ? first : undefined;
}
