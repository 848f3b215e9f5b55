/**
 * Answers people's `/pod` commands in Slack: the agent's `reply` notify commands (rendered by
 * src/slack/render/command.ts) and the gateway's own answers (`/pod list`). In the channel where the command was
 * asked (chat.postMessage, so the team sees it and follow-ups land in its thread); errors only to the person who
 * asked (chat.postEphemeral). Where the bot may not post (not_in_channel, channel_not_found: a private channel
 * or a DM it is not in) the answer goes to the command's response_url, kept in this process's memory
 * (src/slack/response-urls.ts). Every Web API call goes through the same pacer as the incident notifier.
 */
import type { WebClient } from '@slack/web-api';
import type { NotifyCommand } from '../contract/incident.ts';
import { PodwhyError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { ActionValueSigner } from '../slack/action-value.ts';
import type { SlackMessage } from '../slack/render/blocks.ts';
import { renderReplyCommand } from '../slack/render/command.ts';
import type { ResponseUrls } from '../slack/response-urls.ts';
import type { SlackPacer } from './channel-pacer.ts';
import type { Notifier } from './notifier.ts';
import { explainSlackError } from './slack-notifier.ts';

/** Where the bot may not post; a response_url still can. */
const UNREACHABLE_CHANNEL_ERRORS = new Set(['not_in_channel', 'channel_not_found', 'is_archived']);
/** response_url posts are small; Slack answers in well under a second. */
const RESPONSE_URL_TIMEOUT_MS = 10_000;

export interface AnswerTarget {
  channel: string;
  threadTs?: string | undefined;
  /** Who asked: the recipient of an ephemeral answer. */
  user?: string | undefined;
  /** The command's request id: finds its response_url. */
  requestId: string;
}

export interface SlackReplierOptions {
  client: WebClient;
  pacer: SlackPacer;
  responseUrls: ResponseUrls;
  log: Logger;
  now?: () => number;
  sign?: ActionValueSigner;
  /** ACTIONS_ENABLED: diagnoses get the buttons that change the cluster. */
  mutating?: boolean;
}

export type AnswerRoute = 'channel' | 'ephemeral' | 'response_url' | 'lost';

export class SlackReplier implements Notifier {
  readonly #client: WebClient;
  readonly #pacer: SlackPacer;
  readonly #responseUrls: ResponseUrls;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #sign: ActionValueSigner | undefined;
  readonly #mutating: boolean;

  constructor(options: SlackReplierOptions) {
    this.#client = options.client;
    this.#pacer = options.pacer;
    this.#responseUrls = options.responseUrls;
    this.#log = options.log.child({ component: 'slack-replier' });
    this.#now = options.now ?? Date.now;
    this.#sign = options.sign;
    this.#mutating = options.mutating ?? false;
  }

  async deliver(command: NotifyCommand): Promise<void> {
    if (command.type !== 'reply') throw new PodwhyError('bad-input', `a ${command.type} command reached the command replier`);
    const message = renderReplyCommand(command, { issuedAt: this.#now(), sign: this.#sign, mutating: this.#mutating });
    const user = command.replyTo.user ?? command.request?.requestedBy;
    // Errors (not found, ambiguous) concern only the asker; a user-only target is ephemeral by definition.
    const ephemeral = command.answer.kind === 'error' || command.replyTo.user !== undefined;
    await this.answer({ channel: command.replyTo.channel, threadTs: command.replyTo.threadTs, user, requestId: command.requestId }, message, { ephemeral });
  }

  /**
   * Posts `message` for the command `target.requestId`. Throws what a retry may fix (5xx, timeouts, 429 after the
   * pacer's attempts); an answer that has no way left (no response_url in this process) is logged, not thrown.
   */
  async answer(target: AnswerTarget, message: SlackMessage, options: { ephemeral: boolean }): Promise<AnswerRoute> {
    try {
      if (options.ephemeral && target.user) {
        const user = target.user;
        await this.#pacer.post(target.channel, () =>
          this.#client.chat.postEphemeral({ channel: target.channel, user, text: message.text, blocks: message.blocks, ...(target.threadTs ? { thread_ts: target.threadTs } : {}) }),
        );
        return 'ephemeral';
      }
      if (!options.ephemeral) {
        await this.#pacer.post(target.channel, () =>
          this.#client.chat.postMessage({
            channel: target.channel,
            text: message.text,
            blocks: message.blocks,
            ...(message.metadata ? { metadata: message.metadata } : {}),
            ...(target.threadTs ? { thread_ts: target.threadTs } : {}),
            unfurl_links: false,
            unfurl_media: false,
          }),
        );
        return 'channel';
      }
    } catch (error) {
      const code = (error as { data?: { error?: unknown } }).data?.error;
      if (typeof code !== 'string' || !UNREACHABLE_CHANNEL_ERRORS.has(code)) throw explainSlackError(error, { method: 'chat.postMessage', channel: target.channel });
      this.#log.info({ channel: target.channel, slackError: code, requestId: target.requestId }, 'Bot may not post there; answering through the response_url');
    }
    return this.#viaResponseUrl(target, message, options.ephemeral);
  }

  async #viaResponseUrl(target: AnswerTarget, message: SlackMessage, ephemeral: boolean): Promise<AnswerRoute> {
    const url = this.#responseUrls.get(target.requestId);
    if (!url) {
      this.#log.warn({ channel: target.channel, requestId: target.requestId }, 'Answer could not be delivered: the bot may not post there and this process holds no response_url for the request');
      return 'lost';
    }
    // Hand-written POST: Bolt builds `respond` only inside a listener, and the answer arrives later, from the
    // notify queue; the response_url protocol is one JSON POST (docs.slack.dev/interactivity/handling-user-interaction).
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ response_type: ephemeral ? 'ephemeral' : 'in_channel', replace_original: false, text: message.text, blocks: message.blocks }),
      signal: AbortSignal.timeout(RESPONSE_URL_TIMEOUT_MS),
    });
    if (!response.ok) throw new Error(`response_url answered HTTP ${response.status}`);
    return 'response_url';
  }
}
