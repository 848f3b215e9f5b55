/**
 * Builds and signs requests exactly as Slack sends them to an app's Request URL, for tests, the demo
 * and security checks against the real Bolt receiver.
 *
 * Signing (https://docs.slack.dev/authentication/verifying-requests-from-slack; checked by Bolt 5.1
 * dist/receivers/verify-request.js): `x-slack-request-timestamp: <unix seconds>` and
 * `x-slack-signature: v0=<hex HMAC-SHA256(signing secret, "v0:<timestamp>:<raw body>")>`.
 *
 * Bodies:
 * - slash command: `application/x-www-form-urlencoded` with token, team_id, team_domain, channel_id,
 *   channel_name, user_id, user_name, command, text, api_app_id, is_enterprise_install, response_url,
 *   trigger_id (https://docs.slack.dev/interactivity/implementing-slash-commands, "app payload");
 * - interactions: one form field `payload=<JSON>`
 *   (https://docs.slack.dev/interactivity/handling-user-interaction#payloads); block_actions fields from
 *   https://docs.slack.dev/reference/interaction-payloads/block_actions-payload (type, user, api_app_id,
 *   token, container, trigger_id, team, enterprise, is_enterprise_install, channel, message, state,
 *   response_url, actions[{action_id, block_id, text, value, type, action_ts}]); view_submission from
 *   …/view-interactions-payload (view with state.values, response_urls, trigger_id).
 *
 * Given the emulator (`slack`), the signer fills what Slack would: names from the workspace, a fresh
 * response_url and trigger_id from the emulator, and the clicked message as stored (blocks, metadata),
 * finding the button's block_id and label by its action_id.
 */
import { createHmac } from 'node:crypto';
import { toSlackMessage, toSlackView } from './web-api-methods.ts';
import type { SlackWorkspace, StoredView } from './workspace.ts';

/** What the signer needs from the emulator (SlackEmulator satisfies it). */
export interface InteractionSource {
  readonly workspace: SlackWorkspace;
  newResponseUrl(channel: string, user: string, options?: { messageTs?: string }): string;
  newTriggerId(user: string): string;
}

/** `v0=` + hex HMAC-SHA256 over `v0:<timestamp>:<raw body>`. */
export function slackSignature(signingSecret: string, timestampSeconds: number, rawBody: string): string {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestampSeconds}:${rawBody}`).digest('hex')}`;
}

export interface SignOptions {
  signingSecret: string;
  /** Added to the current time for x-slack-request-timestamp (e.g. -360: six minutes old; +600: ten minutes ahead). */
  timestampShiftSeconds?: number;
  /** Sent instead of the computed signature (a forged header). */
  signature?: string;
  /** Sign with this secret instead of `signingSecret` (a forger who guessed wrong). */
  signWithSecret?: string;
  /** Epoch ms. Default Date.now. */
  now?: () => number;
}

/** The three headers Slack sends with a signed form body. */
export function signedHeaders(rawBody: string, options: SignOptions): Record<string, string> {
  const nowMs = (options.now ?? Date.now)();
  const timestamp = Math.floor(nowMs / 1000) + (options.timestampShiftSeconds ?? 0);
  return {
    'content-type': 'application/x-www-form-urlencoded',
    'x-slack-request-timestamp': String(timestamp),
    'x-slack-signature': options.signature ?? slackSignature(options.signWithSecret ?? options.signingSecret, timestamp, rawBody),
  };
}

interface TeamFields {
  teamId?: string;
  teamDomain?: string;
  apiAppId?: string;
  /** The deprecated verification token Slack still sends in `token`. */
  verificationToken?: string;
}

export interface SlashCommandInput extends TeamFields {
  /** e.g. "/pod" */
  command: string;
  text?: string;
  userId: string;
  channelId: string;
  userName?: string;
  channelName?: string;
  /** Default: a fresh one from `slack`; required without it. */
  responseUrl?: string;
  triggerId?: string;
}

export interface BlockActionInput extends TeamFields {
  userId: string;
  actionId: string;
  /** A click on a message: its conversation and ts. */
  channelId?: string;
  messageTs?: string;
  isEphemeral?: boolean;
  /** A click in a view (App Home, modal): its id. */
  viewId?: string;
  /** Default: the value of the button with `actionId` in the stored message/view. */
  value?: string;
  /** Default: the block holding that button. */
  blockId?: string;
  /** Default "button". */
  actionType?: string;
  /** Replaces the stored message in the payload (e.g. a message the emulator never saw). */
  message?: Record<string, unknown>;
  userName?: string;
  channelName?: string;
  responseUrl?: string;
  triggerId?: string;
  actionTs?: string;
}

export interface ViewSubmissionInput extends TeamFields {
  userId: string;
  /** The submitted modal's id in the emulator (its view is sent back with state.values). */
  viewId?: string;
  /** Or the view itself. */
  view?: Record<string, unknown>;
  /** state.values: block_id → action_id → value object, e.g. `{ type: 'plain_text_input', value: 'x' }`. */
  values?: Record<string, Record<string, unknown>>;
  userName?: string;
  triggerId?: string;
}

function teamOf(input: TeamFields, slack: InteractionSource | undefined): { teamId: string; teamDomain: string; apiAppId: string; token: string } {
  const identity = slack?.workspace.identity;
  return {
    teamId: input.teamId ?? identity?.teamId ?? 'T0PODWHY1',
    teamDomain: input.teamDomain ?? identity?.teamDomain ?? 'podwhy-test',
    apiAppId: input.apiAppId ?? identity?.appId ?? 'A0PODWHY1',
    token: input.verificationToken ?? 'emulator-verification-token',
  };
}

function userNameOf(userId: string, given: string | undefined, slack: InteractionSource | undefined): string {
  return given ?? slack?.workspace.user(userId)?.name ?? userId.toLowerCase();
}

function channelNameOf(channelId: string, given: string | undefined, slack: InteractionSource | undefined): string {
  if (given !== undefined) return given;
  const channel = slack?.workspace.channel(channelId);
  if (channel?.kind === 'im') return 'directmessage';
  return channel?.name ?? channelId.toLowerCase();
}

function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`signer: ${what} is needed (pass it, or pass the emulator as \`slack\`)`);
  return value;
}

function fallbackTriggerId(nowMs: number): string {
  return `${Math.floor(nowMs / 1000)}.0000000000.${Math.random().toString(16).slice(2, 14)}`;
}

/** A slash command's form fields, in Slack's order. */
export function slashCommandFields(input: SlashCommandInput, slack?: InteractionSource, now: () => number = Date.now): Record<string, string> {
  const team = teamOf(input, slack);
  return {
    token: team.token,
    team_id: team.teamId,
    team_domain: team.teamDomain,
    channel_id: input.channelId,
    channel_name: channelNameOf(input.channelId, input.channelName, slack),
    user_id: input.userId,
    user_name: userNameOf(input.userId, input.userName, slack),
    command: input.command,
    text: input.text ?? '',
    api_app_id: team.apiAppId,
    is_enterprise_install: 'false',
    response_url: input.responseUrl ?? required(slack, 'responseUrl').newResponseUrl(input.channelId, input.userId),
    trigger_id: input.triggerId ?? slack?.newTriggerId(input.userId) ?? fallbackTriggerId(now()),
  };
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Finds the interactive element with `actionId` and the block_id of the block that holds it. */
function findAction(blocks: unknown, actionId: string): { blockId?: string; element: Json } | undefined {
  if (!Array.isArray(blocks)) return undefined;
  for (const block of blocks) {
    if (!isObject(block)) continue;
    const blockId = typeof block['block_id'] === 'string' ? block['block_id'] : undefined;
    const candidates = [...(Array.isArray(block['elements']) ? block['elements'] : []), block['accessory'], block['element']];
    for (const element of candidates) {
      if (isObject(element) && element['action_id'] === actionId) return { ...(blockId === undefined ? {} : { blockId }), element };
    }
  }
  return undefined;
}

/** A view as Slack sends it in interactions: as views.* return it, with the submitted state. */
function viewPayload(stored: StoredView, slack: InteractionSource, values: Record<string, Record<string, unknown>>): Json {
  return { ...toSlackView(stored, slack.workspace), state: { values } };
}

/** A block_actions payload for a click on a message (channelId + messageTs) or in a view (viewId). */
export function blockActionPayload(input: BlockActionInput, slack?: InteractionSource, now: () => number = Date.now): Json {
  const team = teamOf(input, slack);
  const nowMs = now();
  const payload: Json = {
    type: 'block_actions',
    user: { id: input.userId, username: userNameOf(input.userId, input.userName, slack), name: userNameOf(input.userId, input.userName, slack), team_id: team.teamId },
    api_app_id: team.apiAppId,
    token: team.token,
    trigger_id: input.triggerId ?? slack?.newTriggerId(input.userId) ?? fallbackTriggerId(nowMs),
    team: { id: team.teamId, domain: team.teamDomain },
    enterprise: null,
    is_enterprise_install: false,
  };
  let blocks: unknown;
  if (input.viewId !== undefined) {
    const source = required(slack, 'the emulator (for a view click)');
    const stored = required(source.workspace.findView({ viewId: input.viewId }), `view ${input.viewId}`);
    payload['container'] = { type: 'view', view_id: stored.id };
    payload['view'] = viewPayload(stored, source, {});
    blocks = stored.view['blocks'];
  } else {
    const channelId = required(input.channelId, 'channelId');
    const messageTs = required(input.messageTs, 'messageTs');
    const stored = slack?.workspace.message(channelId, messageTs);
    const message: Json = input.message ?? (stored && slack ? toSlackMessage(stored, slack.workspace) : { type: 'message', ts: messageTs, text: '' });
    payload['container'] = { type: 'message', message_ts: messageTs, channel_id: channelId, is_ephemeral: input.isEphemeral ?? false };
    payload['channel'] = { id: channelId, name: channelNameOf(channelId, input.channelName, slack) };
    payload['message'] = message;
    payload['state'] = { values: {} };
    payload['response_url'] = input.responseUrl ?? required(slack, 'responseUrl').newResponseUrl(channelId, input.userId, { messageTs });
    blocks = message['blocks'];
  }
  const found = findAction(blocks, input.actionId);
  const action: Json = {
    action_id: input.actionId,
    block_id: input.blockId ?? found?.blockId ?? 'emulator-block',
    type: input.actionType ?? (typeof found?.element['type'] === 'string' ? found.element['type'] : 'button'),
    action_ts: input.actionTs ?? (nowMs / 1000).toFixed(6),
  };
  if (found?.element['text'] !== undefined) action['text'] = found.element['text'];
  const value = input.value ?? (typeof found?.element['value'] === 'string' ? found.element['value'] : undefined);
  if (value !== undefined) action['value'] = value;
  payload['actions'] = [action];
  return payload;
}

/** A view_submission payload for a modal. */
export function viewSubmissionPayload(input: ViewSubmissionInput, slack?: InteractionSource, now: () => number = Date.now): Json {
  const team = teamOf(input, slack);
  const values = input.values ?? {};
  let view: Json;
  if (input.view !== undefined) view = { ...input.view, state: { values } };
  else {
    const source = required(slack, 'the emulator (for viewId)');
    view = viewPayload(required(source.workspace.findView({ viewId: required(input.viewId, 'viewId or view') }), `view ${input.viewId}`), source, values);
  }
  return {
    type: 'view_submission',
    team: { id: team.teamId, domain: team.teamDomain },
    user: { id: input.userId, username: userNameOf(input.userId, input.userName, slack), name: userNameOf(input.userId, input.userName, slack), team_id: team.teamId },
    api_app_id: team.apiAppId,
    token: team.token,
    trigger_id: input.triggerId ?? slack?.newTriggerId(input.userId) ?? fallbackTriggerId(now()),
    view,
    response_urls: [],
    is_enterprise_install: false,
    enterprise: null,
  };
}

/** `payload=<JSON>`, form-encoded, as Slack posts interactions. */
export function interactionBody(payload: Json): string {
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

export interface SendOptions extends SignOptions {
  /** The emulator: fills names, response_url, trigger_id and the clicked message. */
  slack?: InteractionSource;
  /** Extra headers (e.g. x-slack-retry-num). */
  headers?: Record<string, string>;
  /** Abort after this long (default 10 s). */
  timeoutMs?: number;
}

/** What came back, and exactly what was sent (to replay it). */
export interface SlackDelivery {
  status: number;
  body: string;
  headers: Headers;
  sentBody: string;
  sentHeaders: Record<string, string>;
  /** The slash command fields or the interaction payload. */
  payload: Json;
}

/** POSTs a body with the given headers (a replay sends a delivery's sentBody and sentHeaders again). */
export async function deliver(url: string, body: string, headers: Record<string, string>, timeoutMs = 10_000): Promise<{ status: number; body: string; headers: Headers }> {
  const response = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(timeoutMs) });
  return { status: response.status, body: await response.text(), headers: response.headers };
}

async function sendSigned(url: string, body: string, payload: Json, options: SendOptions): Promise<SlackDelivery> {
  const headers = { ...signedHeaders(body, options), ...options.headers };
  const answer = await deliver(url, body, headers, options.timeoutMs);
  return { ...answer, sentBody: body, sentHeaders: headers, payload };
}

/** Signs and POSTs a slash command to an app's Request URL (e.g. Bolt's /slack/events). */
export async function sendSlashCommand(eventsUrl: string, input: SlashCommandInput & SendOptions): Promise<SlackDelivery> {
  const fields = slashCommandFields(input, input.slack, input.now);
  return sendSigned(eventsUrl, new URLSearchParams(fields).toString(), fields, input);
}

/** Signs and POSTs a block_actions interaction (a button click). */
export async function sendBlockAction(eventsUrl: string, input: BlockActionInput & SendOptions): Promise<SlackDelivery> {
  const payload = blockActionPayload(input, input.slack, input.now);
  return sendSigned(eventsUrl, interactionBody(payload), payload, input);
}

/** Signs and POSTs a view_submission interaction. */
export async function sendViewSubmission(eventsUrl: string, input: ViewSubmissionInput & SendOptions): Promise<SlackDelivery> {
  const payload = viewSubmissionPayload(input, input.slack, input.now);
  return sendSigned(eventsUrl, interactionBody(payload), payload, input);
}

export interface EventInput extends TeamFields {
  /** The inner event, e.g. `{ type: 'app_home_opened', user: 'U0ALICE', channel: 'D0ALICE', tab: 'home' }`. */
  event: Json & { type: string };
  /** Default: a fresh `Ev…` id (Slack's retries resend the same one). */
  eventId?: string;
  /** Unix seconds; default now. */
  eventTime?: number;
}

/**
 * An Events API delivery: the `event_callback` envelope around `event`
 * (https://docs.slack.dev/apis/events-api/#callback-field: token, team_id, api_app_id, event, type,
 * event_id, event_time, authorizations…), with an `event_ts` added to the event when it has none.
 */
export function eventCallbackPayload(input: EventInput, slack?: InteractionSource, now: () => number = Date.now): Json {
  const team = teamOf(input, slack);
  const nowMs = now();
  const eventTime = input.eventTime ?? Math.floor(nowMs / 1000);
  return {
    token: team.token,
    team_id: team.teamId,
    api_app_id: team.apiAppId,
    event: { event_ts: (nowMs / 1000).toFixed(6), ...input.event },
    type: 'event_callback',
    event_id: input.eventId ?? `Ev${Math.random().toString(36).slice(2, 12).toUpperCase()}`,
    event_time: eventTime,
    authorizations: [{ enterprise_id: null, team_id: team.teamId, user_id: slack?.workspace.identity.botUserId ?? 'U0PODWHYBOT', is_bot: true, is_enterprise_install: false }],
    is_ext_shared_channel: false,
  };
}

/** Signs and POSTs an Events API event: a JSON body (Events API requests are JSON, not form-encoded), signed like the others. */
export async function sendEvent(eventsUrl: string, input: EventInput & SendOptions): Promise<SlackDelivery> {
  const payload = eventCallbackPayload(input, input.slack, input.now);
  const body = JSON.stringify(payload);
  const headers = { ...signedHeaders(body, input), 'content-type': 'application/json', ...input.headers };
  const answer = await deliver(eventsUrl, body, headers, input.timeoutMs);
  return { ...answer, sentBody: body, sentHeaders: headers, payload };
}
