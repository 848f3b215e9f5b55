/**
 * Delivers the incident manager's notify commands to Slack: the parent message of an incident with the
 * diagnosis in its thread, edits in place, "it is back" in the same thread, the storm digest. Every call
 * goes through the pacer (channel-pacer.ts): about one post per second per channel, chat.update within
 * Tier 3, a 429 holding up only its own channel.
 *
 * Failure semantics (the caller, a queue, retries a delivery that throws):
 * - open: post the parent, then the diagnosis as a thread reply, then return the PARENT's channel + ts.
 *   If the reply fails after the parent was posted, deliver still returns the parent, so the caller
 *   records it and never posts a second parent; the reply alone is tried again in the background
 *   (`replyRetry`), and on a re-delivery of the same open. Waiting for the reply before returning keeps
 *   the reply from being lost when the process dies between the two posts; the price is a window in which
 *   a death leaves a posted parent unrecorded (`onParentPosted` lets the caller record it at once).
 * - never posted twice: deliveries are remembered for the process lifetime (incident id + occurrence for
 *   opens and re-opens, digest id + start for digests; bounded by `rememberDeliveries`). A re-delivered
 *   open whose parent this process already posted edits that parent to the latest state instead of
 *   posting another, and concurrent deliveries of one command share one attempt. Across restarts the
 *   incident store's `posted` is what prevents a second parent (an open is only re-emitted while it has
 *   none). Listing a channel's history to find a lost post would need the channels:history and
 *   groups:history scopes, which podwhy does not ask for (deploy/slack-app-manifest.yaml), so one case
 *   stays open: a post that Slack accepted but whose answer never arrived (client timeout) is posted
 *   again when the caller retries. The WebClient therefore does not retry by itself (retries: 0 in
 *   createSlackWebClient): every retry is a deliberate, paced one.
 * - not_in_channel, channel_not_found, is_archived, bad tokens or scopes, a refused payload: retrying
 *   cannot help, so they throw PodwhyError 'config-invalid' / 'bad-input' / 'gone' (the queues treat
 *   those as unrecoverable), naming the channel and the fix. Anything else (HTTP 5xx, a timeout, a 429
 *   after the pacer's attempts) is thrown as it came, to be retried.
 * - edits (update, resolve, digest with target, the reopen's parent) always go to `target.channel`, the
 *   channel id Slack returned: chat.postMessage accepts a channel name, chat.update does not.
 */
import { LogLevel, WebClient, type Logger as SlackLogger } from '@slack/web-api';
import type { NotifyCommand, PostedMessage } from '../contract/incident.ts';
import { isPodwhyError, PodwhyError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { ActionValueSigner } from '../slack/action-value.ts';
import type { SlackMessage } from '../slack/render/blocks.ts';
import { renderNotifyCommand } from '../slack/render/incident.ts';
import type { Notifier } from './notifier.ts';
import { SlackPacer, SYSTEM_CLOCK, type PacerClock, type PacerStats, type PacingSettings } from './channel-pacer.ts';

export interface SlackWebClientOptions {
  /** The bot token (xoxb-…). */
  token: string;
  /** Default https://slack.com/api/; the emulator's `apiUrl` in tests. */
  slackApiUrl?: string;
  /** Per request (WebClient aborts the fetch). Default 10 s. */
  timeoutMs?: number;
  /** WebClient's own logger (default: errors only, to the console). */
  logger?: SlackLogger;
}

/**
 * A WebClient fit for SlackNotifier: 429s are handed to the pacer (`rejectRateLimitedCalls`) instead of
 * pausing the whole client; every request has a timeout; no retries of its own (a retried post after a
 * timeout may post twice; the caller's queue retries instead); no absolute URLs (every call goes to
 * `slackApiUrl`).
 */
export function createSlackWebClient(options: SlackWebClientOptions): WebClient {
  return new WebClient(options.token, {
    slackApiUrl: options.slackApiUrl ?? 'https://slack.com/api/',
    rejectRateLimitedCalls: true,
    timeout: options.timeoutMs ?? 10_000,
    retryConfig: { retries: 0 },
    allowAbsoluteUrls: false,
    ...(options.logger ? { logger: options.logger } : { logLevel: LogLevel.ERROR }),
  });
}

export interface SlackNotifierOptions {
  /** Built by createSlackWebClient (or with the same settings: rejectRateLimitedCalls, a timeout, no retries). */
  client: WebClient;
  log: Logger;
  /** Clock for the pacer, the background reply retries and the issued-at of button values. Default: system. */
  clock?: PacerClock;
  /** Pacing limits (defaults: DEFAULT_PACING); ignored when `pacer` is given. */
  pacing?: Partial<PacingSettings>;
  /** A pacer to share with other Slack senders of the same workspace (the /pod answers, the App Home). */
  pacer?: SlackPacer;
  /** Signs button values in the diagnosis replies (unsigned without it). */
  sign?: ActionValueSigner;
  /** ACTIONS_ENABLED: diagnoses get the buttons that change the cluster. */
  mutating?: boolean;
  /**
   * Called as soon as a new parent (open, digest) is posted, before its thread reply: lets the caller
   * record where it landed right away (IncidentManager.markPosted is idempotent). A failure is logged.
   */
  onParentPosted?: (command: NotifyCommand, posted: PostedMessage) => Promise<void>;
  /** A thread reply that failed after its parent was posted: tried again this often, first after delayMs, doubling. Default 5 × 5 s. */
  replyRetry?: { attempts: number; delayMs: number };
  /** How many delivered opens, re-opens and digests are remembered (oldest forgotten first). Default 10,000. */
  rememberDeliveries?: number;
}

/** What this process has delivered for one open, re-open or digest. */
interface Delivered {
  parent: PostedMessage;
  /** The thread reply still to post (an open's diagnosis whose post failed). */
  reply?: SlackMessage;
  /** The reply being posted now (shared by the background retry and a re-delivery). */
  replying?: Promise<boolean>;
}

/** Slack errors that retrying cannot fix, by what the person must do. */
const CHANNEL_ERRORS = new Set(['channel_not_found', 'not_in_channel', 'is_archived']);
const AUTH_ERRORS = new Set(['not_authed', 'invalid_auth', 'account_inactive', 'token_revoked', 'token_expired', 'no_permission', 'missing_scope', 'not_allowed_token_type', 'ekm_access_denied', 'team_access_not_granted', 'restricted_action']);
const MESSAGE_GONE_ERRORS = new Set(['message_not_found', 'cant_update_message', 'thread_not_found']);
const PAYLOAD_ERRORS = new Set(['invalid_blocks', 'invalid_blocks_format', 'msg_too_long', 'msg_blocks_too_long', 'no_text', 'too_many_attachments', 'invalid_metadata_format', 'invalid_metadata_schema', 'metadata_too_large', 'invalid_arguments', 'invalid_arg_name', 'invalid_array_arg', 'invalid_charset', 'invalid_form_data', 'invalid_post_type', 'missing_post_type']);

/** The platform error code (`ok: false, error`) of a WebAPIPlatformError, if that is what it is. */
function platformErrorOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const data = (error as { data?: { error?: unknown } }).data;
  return typeof data?.error === 'string' ? data.error : undefined;
}

/** Turns Slack's answers that retrying cannot fix into a PodwhyError that says what to do; the rest unchanged. */
export function explainSlackError(error: unknown, context: { method: string; channel: string }): unknown {
  const code = platformErrorOf(error);
  if (code === undefined) return error;
  const details = { channel: context.channel, method: context.method, slackError: code };
  if (CHANNEL_ERRORS.has(code)) {
    const fix =
      code === 'is_archived'
        ? 'unarchive it or route these alerts to another channel'
        : `invite the app there (/invite @podwhy in ${context.channel}), or route these alerts to another channel; a private channel the app is not in looks like channel_not_found`;
    return new PodwhyError('config-invalid', `Slack refused to post in channel ${context.channel} (${code}): ${fix}`, details, { cause: error });
  }
  if (AUTH_ERRORS.has(code)) {
    return new PodwhyError('config-invalid', `Slack refused the bot token for ${context.method} (${code}): check SLACK_BOT_TOKEN and the app's scopes (chat:write)`, details, { cause: error });
  }
  if (MESSAGE_GONE_ERRORS.has(code)) {
    return new PodwhyError('gone', `The Slack message to edit or reply to in ${context.channel} is gone or cannot be edited by the app (${code}); someone may have deleted it`, details, { cause: error });
  }
  if (PAYLOAD_ERRORS.has(code)) {
    return new PodwhyError('bad-input', `Slack refused the message for ${context.method} in ${context.channel} (${code})`, details, { cause: error });
  }
  return error;
}

/**
 * Socket Mode's start (apps.connections.open with the app-level token) refused: @slack/socket-mode gives up on the
 * auth errors (its UnrecoverableSocketModeStartError) with web-api's "An API error occurred: invalid_auth", which names
 * no setting. Anything else comes back unchanged.
 */
export function explainAppTokenError(error: unknown): unknown {
  const code = platformErrorOf(error);
  if (code === undefined || !(AUTH_ERRORS.has(code) || code === 'user_removed_from_team' || code === 'team_disabled')) return error;
  return new PodwhyError(
    'config-invalid',
    `Slack refused the app-level token for apps.connections.open (${code}): check SLACK_APP_TOKEN (an xapp- token with connections:write, from Basic Information → App-Level Tokens) and that Socket Mode is on in the app's settings`,
    { method: 'apps.connections.open', slackError: code },
    { cause: error },
  );
}

function isRetryable(error: unknown): boolean {
  return !(error instanceof PodwhyError);
}

export class SlackNotifier implements Notifier {
  readonly #client: WebClient;
  readonly #log: Logger;
  readonly #clock: PacerClock;
  readonly #pacer: SlackPacer;
  readonly #sign: ActionValueSigner | undefined;
  readonly #mutating: boolean;
  readonly #onParentPosted: SlackNotifierOptions['onParentPosted'];
  readonly #replyRetry: { attempts: number; delayMs: number };
  readonly #rememberLimit: number;
  /** Configured channel (a name or an id) → the id Slack answered with. */
  readonly #channelIds = new Map<string, string>();
  /**
   * Channel id → the pacer lane it was first posted in under its configured name: a channel configured
   * by name is one lane whether a call names it (a parent) or gives its id (a reply, an edit's target).
   */
  readonly #laneOf = new Map<string, string>();
  readonly #delivered = new Map<string, Delivered>();
  readonly #inFlight = new Map<string, Promise<PostedMessage>>();
  readonly #background = new Set<Promise<void>>();
  #closed = false;
  #posts = 0;
  #updates = 0;

  constructor(options: SlackNotifierOptions) {
    this.#client = options.client;
    this.#log = options.log.child({ component: 'slack-notifier' });
    this.#clock = options.clock ?? SYSTEM_CLOCK;
    this.#pacer = options.pacer ?? new SlackPacer({ clock: this.#clock, ...(options.pacing ? { settings: options.pacing } : {}) });
    this.#sign = options.sign;
    this.#mutating = options.mutating ?? false;
    this.#onParentPosted = options.onParentPosted;
    this.#replyRetry = options.replyRetry ?? { attempts: 5, delayMs: 5_000 };
    this.#rememberLimit = options.rememberDeliveries ?? 10_000;
  }

  async deliver(command: NotifyCommand): Promise<PostedMessage | void> {
    // Answers to commands are rendered and posted by the command replier, not as incident messages.
    if (command.type === 'reply') throw new PodwhyError('bad-input', 'a reply command reached the incident notifier');
    const rendered = renderNotifyCommand(command, { issuedAt: this.#clock.now(), mutating: this.#mutating, ...(this.#sign ? { sign: this.#sign } : {}) });
    switch (command.type) {
      case 'open': {
        const { incident } = command;
        return this.#postParent(`open ${incident.id} ${incident.occurrence}`, command, incident.channel, rendered.parent, rendered.reply);
      }
      case 'digest': {
        const { digest } = command;
        if (command.target) return this.#update(command.target, rendered.parent);
        return this.#postParent(`digest ${digest.id} ${digest.startedAt}`, command, digest.channel, rendered.parent, undefined);
      }
      case 'update':
      case 'resolve':
        return this.#update(command.target, rendered.parent);
      case 'reopen':
        await this.#replyOnce(`reopen ${command.incident.id} ${command.incident.occurrence}`, command.target, rendered.reply);
        return this.#update(command.target, rendered.parent);
    }
  }

  /** Pacing and delivery counts, for logs and the benchmark. */
  stats(): PacerStats & { posts: number; updates: number; repliesOwed: number } {
    let repliesOwed = 0;
    for (const delivered of this.#delivered.values()) if (delivered.reply) repliesOwed += 1;
    return { ...this.#pacer.stats(), posts: this.#posts, updates: this.#updates, repliesOwed };
  }

  /** Waits for the background reply retries (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.#background.size > 0) await Promise.allSettled([...this.#background]);
  }

  /** Stops background retries and refuses new calls; calls already waiting in the pacer are rejected. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#pacer.close();
    await this.settled();
  }

  /** Posts a new parent message once per key (see the file comment), then its thread reply. */
  #postParent(key: string, command: NotifyCommand, channel: string, parent: SlackMessage, reply: SlackMessage | undefined): Promise<PostedMessage> {
    const known = this.#delivered.get(key);
    if (known) return this.#redeliver(key, known, parent).then((posted) => posted ?? this.#postParent(key, command, channel, parent, reply));
    const running = this.#inFlight.get(key);
    if (running) return running;
    const attempt = (async () => {
      const posted = await this.#post(channel, parent);
      this.#remember(key, reply ? { parent: posted, reply } : { parent: posted });
      if (this.#onParentPosted) {
        await this.#onParentPosted(command, posted).catch((err: unknown) => this.#log.warn({ err, key }, 'Recording a posted Slack message failed'));
      }
      if (reply && !(await this.#postOwedReply(key))) this.#retryReplyLater(key);
      return posted;
    })();
    this.#inFlight.set(key, attempt);
    const forget = (): void => {
      this.#inFlight.delete(key);
    };
    attempt.then(forget, forget);
    return attempt;
  }

  /**
   * The parent exists already: bring it up to date, post a reply still owed, and return it. Null when
   * someone has deleted it since: then it is forgotten and a new one is posted.
   */
  async #redeliver(key: string, known: Delivered, parent: SlackMessage): Promise<PostedMessage | null> {
    this.#log.info({ key, channel: known.parent.channel, ts: known.parent.ts }, 'Slack message already posted by this process; editing it instead');
    try {
      await this.#update(known.parent, parent);
    } catch (error) {
      if (!isPodwhyError(error, 'gone')) throw error;
      this.#log.warn({ key, channel: known.parent.channel, ts: known.parent.ts }, 'Slack message posted earlier is gone; posting it again');
      this.#delivered.delete(key);
      return null;
    }
    if (known.reply && !(await this.#postOwedReply(key))) this.#retryReplyLater(key);
    return known.parent;
  }

  /** Posts the reply still owed under a remembered parent. True when nothing is owed any more. */
  #postOwedReply(key: string): Promise<boolean> {
    const delivered = this.#delivered.get(key);
    if (!delivered?.reply) return Promise.resolve(true);
    if (delivered.replying) return delivered.replying;
    const reply = delivered.reply;
    const attempt = this.#post(delivered.parent.channel, reply, delivered.parent.ts).then(
      () => {
        delete delivered.reply;
        return true;
      },
      (err: unknown) => {
        if (isRetryable(err)) {
          this.#log.warn({ err, key }, 'Thread reply failed after its parent was posted; will try again');
          return false;
        }
        this.#log.error({ err, key }, 'Thread reply refused by Slack; giving up on it');
        delete delivered.reply;
        return true;
      },
    );
    delivered.replying = attempt;
    const done = (): void => {
      delete delivered.replying;
    };
    attempt.then(done, done);
    return attempt;
  }

  #retryReplyLater(key: string): void {
    const loop = (async () => {
      let delay = this.#replyRetry.delayMs;
      for (let attempt = 1; attempt <= this.#replyRetry.attempts && !this.#closed; attempt += 1) {
        await this.#clock.sleep(delay);
        if (this.#closed || (await this.#postOwedReply(key))) return;
        delay *= 2;
      }
      if (this.#delivered.get(key)?.reply) this.#log.error({ key }, 'Thread reply still not posted; a re-delivery of the command will try again');
    })();
    this.#background.add(loop);
    void loop.finally(() => this.#background.delete(loop));
  }

  /** A reply under `target` once per key (reopen): a re-delivery after the edit failed does not repeat it. */
  async #replyOnce(key: string, target: PostedMessage, reply: SlackMessage | undefined): Promise<void> {
    if (!reply || this.#delivered.has(key)) return;
    const running = this.#inFlight.get(key);
    if (running) {
      await running;
      return;
    }
    const attempt = this.#post(target.channel, reply, target.ts).then(() => {
      this.#remember(key, { parent: target });
      return target;
    });
    this.#inFlight.set(key, attempt);
    const forget = (): void => {
      this.#inFlight.delete(key);
    };
    attempt.then(forget, forget);
    await attempt;
  }

  /** chat.postMessage, paced in the channel's lane. Never `link_names`; no unfurling of the docs links. */
  async #post(channel: string, message: SlackMessage, threadTs?: string): Promise<PostedMessage> {
    const channelId = this.#channelIds.get(channel) ?? channel;
    const lane = this.#laneOf.get(channelId) ?? channelId;
    const result = await this.#pacer
      .post(lane, () =>
        this.#client.chat.postMessage({
          channel: channelId,
          text: message.text,
          blocks: message.blocks,
          ...(message.metadata ? { metadata: message.metadata } : {}),
          ...(threadTs ? { thread_ts: threadTs } : {}),
          unfurl_links: false,
          unfurl_media: false,
        }),
      )
      .catch((error: unknown) => {
        throw explainSlackError(error, { method: 'chat.postMessage', channel });
      });
    this.#posts += 1;
    if (!result.ts || !result.channel) throw new Error(`chat.postMessage in ${channel} answered without channel or ts`);
    if (result.channel !== channelId) {
      this.#channelIds.set(channel, result.channel);
      if (!this.#laneOf.has(result.channel)) this.#laneOf.set(result.channel, lane);
    }
    return { channel: result.channel, ts: result.ts };
  }

  /** chat.update of the message Slack gave us (its channel id), paced in the chat.update lane. */
  async #update(target: PostedMessage, message: SlackMessage): Promise<void> {
    await this.#pacer
      .call('chat.update', () =>
        this.#client.chat.update({
          channel: target.channel,
          ts: target.ts,
          text: message.text,
          blocks: message.blocks,
          ...(message.metadata ? { metadata: message.metadata } : {}),
        }),
      )
      .catch((error: unknown) => {
        throw explainSlackError(error, { method: 'chat.update', channel: target.channel });
      });
    this.#updates += 1;
  }

  #remember(key: string, delivered: Delivered): void {
    this.#delivered.set(key, delivered);
    while (this.#delivered.size > this.#rememberLimit) {
      const oldest = this.#delivered.keys().next().value;
      if (oldest === undefined) break;
      this.#delivered.delete(oldest);
    }
  }
}
