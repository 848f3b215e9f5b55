/**
 * The read-only buttons of podwhy's messages ("Show logs", "Re-diagnose"/"Details"): a click is untrusted input,
 * so its value is decoded with the one schema (action-value.ts) and anything malformed is refused ephemerally.
 * A valid click becomes a command job for that Pod (by uid: never a later Pod with the same name), answered in
 * the clicked message's thread. Buttons that change the cluster are the remediation issue's.
 */
import type { Logger } from '../log.ts';
import { CommandJob, RequestId } from '../queue/jobs.ts';
import { decodeActionValue, type ActionValueVerifier } from './action-value.ts';
import type { SlackMessage } from './render/blocks.ts';
import { renderPodCommandError } from './render/command.ts';
import type { ResponseUrls, SeenRequests } from './response-urls.ts';

/** The fields of a block_actions payload read here (Bolt's BlockAction has them). */
export interface ButtonClick {
  trigger_id: string;
  user: { id: string };
  channel?: { id: string } | undefined;
  message?: { ts?: string; thread_ts?: string } | undefined;
  response_url?: string | undefined;
}

export interface ButtonRequestsDeps {
  clusters: readonly string[];
  enqueue(job: CommandJob): Promise<unknown>;
  responseUrls: ResponseUrls;
  seen: SeenRequests;
  log: Logger;
  verify?: ActionValueVerifier;
  now?: () => number;
}

export class ButtonRequests {
  readonly #deps: ButtonRequestsDeps;
  readonly #log: Logger;

  constructor(deps: ButtonRequestsDeps) {
    this.#deps = deps;
    this.#log = deps.log.child({ component: 'buttons' });
  }

  /** null when the click was taken; otherwise the ephemeral refusal to show the clicker. */
  async clicked(action: 'show-logs' | 'rediagnose', rawValue: string | undefined, click: ButtonClick): Promise<SlackMessage | null> {
    const decoded = decodeActionValue(rawValue, this.#deps.verify);
    if (!decoded.ok || decoded.value.action !== action || decoded.value.kind !== 'Pod') {
      this.#log.warn({ action, error: decoded.ok ? 'action or kind mismatch' : decoded.error }, 'Refused a malformed button value');
      return renderPodCommandError({ code: 'usage', problem: 'This button is not one podwhy can read (malformed or outdated).' });
    }
    const value = decoded.value;
    if (!this.#deps.clusters.includes(value.cluster)) return renderPodCommandError({ code: 'cluster-not-found', cluster: value.cluster, clusters: this.#deps.clusters });
    const channel = click.channel?.id;
    if (!channel) return renderPodCommandError({ code: 'usage', problem: 'This button works on a message in a channel.' });
    const requestId = RequestId.safeParse(click.trigger_id).success ? click.trigger_id : `b-${Buffer.from(click.trigger_id).toString('base64url').slice(0, 120)}`;
    if (!this.#deps.seen.firstTime(requestId)) return null;
    if (click.response_url) this.#deps.responseUrls.remember(requestId, click.response_url);
    const threadTs = click.message?.thread_ts ?? click.message?.ts;
    await this.#deps.enqueue(
      CommandJob.parse({
        trigger: 'command',
        cluster: value.cluster,
        verb: action === 'show-logs' ? 'logs' : 'why',
        namespace: value.namespace,
        subject: { kind: 'Pod', name: value.name, uid: value.uid },
        requestId,
        requestedBy: click.user.id,
        commandText: `${action === 'show-logs' ? 'logs' : 'why'} ${value.namespace}/${value.name}`,
        replyTo: { channel, ...(threadTs !== undefined && { threadTs }) },
        enqueuedAt: new Date((this.#deps.now ?? Date.now)()).toISOString(),
      }),
    );
    return null;
  }
}
