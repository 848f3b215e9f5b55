/**
 * The Web API methods the emulator answers, each a function from parsed arguments to Slack's JSON
 * answer. Arguments, answers and error codes follow the method reference pages at
 * https://docs.slack.dev/reference/methods/<method> (Arguments, Example responses, Errors):
 * - chat.postMessage: `channel_not_found`, `not_in_channel`, `is_archived`, `no_text`, `msg_too_long`,
 *   `invalid_blocks`, `invalid_blocks_format`, `invalid_metadata_format`, `invalid_metadata_schema`;
 *   a user id as `channel` posts to the app's DM with that person (App Home "Messages" tab);
 * - chat.update / chat.delete: `message_not_found`, `cant_update_message`, `cant_delete_message`; an
 *   update that leaves out blocks keeps the old ones;
 * - chat.postEphemeral: `user_not_found`, answers `message_ts`;
 * - chat.getPermalink: `message_not_found`;
 * - views.open: `invalid_trigger_id`, `exchanged_trigger_id`, `expired_trigger_id` (trigger ids "expire in
 *   three seconds" and "may only be used once", https://docs.slack.dev/interactivity/handling-user-interaction);
 * - views.publish / views.update: `hash_conflict`, `not_found`; schema problems answer `invalid_arguments`;
 * - usergroups.list (users only with include_users), usergroups.users.list: `no_such_subteam`;
 * - users.info: `user_not_found`; conversations.info/join: `channel_not_found`,
 *   `method_not_supported_for_channel_type`, `is_archived`, warning `already_in_channel`.
 * The emulator's own choice, not Slack's documented behaviour: a `thread_ts` naming no message answers
 * `thread_not_found` (Slack's reference lists no error for it), so a lost parent shows up in tests.
 */
import { randomUUID } from 'node:crypto';
import {
  checkMessagePayload,
  checkViewPayload,
  slackErrorBody,
  type BlockKitLimits,
  type MessagePayload,
  type PayloadVerdict,
} from './block-kit-limits.ts';
import type { MessageContent, MessageMetadata, SlackWorkspace, StoredMessage, StoredView, WorkspaceChannel } from './workspace.ts';

export type ApiArgs = Record<string, unknown>;
export type ApiAnswer = Record<string, unknown>;

export interface MethodContext {
  workspace: SlackWorkspace;
  limits: BlockKitLimits;
  /** views.open trigger lifetime (Slack: 3 s). */
  triggerTtlMs: number;
  /** The emulator's own base URL (`http://127.0.0.1:<port>`). */
  url: string;
}

export type MethodHandler = (args: ApiArgs, context: MethodContext) => ApiAnswer;

function fail(error: string): ApiAnswer {
  return { ok: false, error };
}

function stringArg(args: ApiArgs, key: string): string | undefined {
  const value = args[key];
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (typeof value === 'number') return String(value);
  return undefined;
}

function flagArg(args: ApiArgs, key: string): boolean {
  const value = args[key];
  return value === true || value === 'true' || value === '1' || value === 1;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function messagePayloadOf(args: ApiArgs): MessagePayload {
  return { text: args['text'], blocks: args['blocks'], attachments: args['attachments'], metadata: args['metadata'], link_names: args['link_names'] };
}

/** Content to store once the payload passed its checks (so blocks/attachments are arrays and metadata is valid). */
function contentOf(args: ApiArgs): Partial<MessageContent> {
  const content: Partial<MessageContent> = {};
  if (typeof args['text'] === 'string') content.text = args['text'];
  if (Array.isArray(args['blocks'])) content.blocks = args['blocks'];
  if (Array.isArray(args['attachments'])) content.attachments = args['attachments'];
  if (isObject(args['metadata'])) content.metadata = args['metadata'] as unknown as MessageMetadata;
  return content;
}

/** Records Slack-accepted-but-forbidden payload traits, then answers the verdict's error if any. */
function judge(verdict: PayloadVerdict, source: string, channel: string | undefined, context: MethodContext): ApiAnswer | undefined {
  for (const violation of verdict.violations) {
    context.workspace.recordViolation({ source, ...(channel === undefined ? {} : { channel }), ...violation, at: context.workspace.now() });
  }
  return verdict.ok ? undefined : slackErrorBody(verdict.failure);
}

/** Where the bot may write: Slack hides private channels the bot is not in (`channel_not_found`). */
function writableConversation(channelArg: string | undefined, context: MethodContext, options: { allowUserId: boolean }): WorkspaceChannel | ApiAnswer {
  if (channelArg === undefined) return fail('channel_not_found');
  const { workspace } = context;
  if (options.allowUserId && /^[UW]/.test(channelArg)) {
    const user = workspace.user(channelArg);
    if (!user || user.deleted || user.isBot) return fail('channel_not_found');
    return workspace.imWith(user.id);
  }
  const channel = workspace.channel(channelArg);
  if (!channel) return fail('channel_not_found');
  if (channel.kind !== 'public' && !channel.isBotMember) return fail('channel_not_found');
  if (channel.isArchived) return fail('is_archived');
  if (!channel.isBotMember) return fail('not_in_channel');
  return channel;
}

/** Lookups answer either what they found or Slack's error answer (which always has `ok`). */
function isAnswer<T extends object>(value: T | ApiAnswer): value is ApiAnswer {
  return 'ok' in value;
}

/** A message as Slack returns it (chat.postMessage `message`, interaction payloads). */
export function toSlackMessage(message: StoredMessage, workspace: SlackWorkspace): ApiAnswer {
  const out: ApiAnswer = {
    type: 'message',
    subtype: 'bot_message',
    text: message.text,
    user: message.user,
    bot_id: message.botId,
    app_id: message.appId,
    ts: message.ts,
    team: workspace.identity.teamId,
  };
  if (message.blocks !== undefined) out['blocks'] = message.blocks;
  if (message.attachments !== undefined) out['attachments'] = message.attachments;
  if (message.metadata !== undefined) out['metadata'] = message.metadata;
  if (message.threadTs !== undefined) {
    out['thread_ts'] = message.threadTs;
    out['parent_user_id'] = workspace.message(message.channel, message.threadTs)?.user;
  }
  const last = message.versions.at(-1);
  if (message.versions.length > 1 && last) out['edited'] = { user: message.user, ts: `${Math.floor(last.at / 1000)}.000000` };
  return out;
}

/** A view as Slack returns it (views.* `view`). */
export function toSlackView(stored: StoredView, workspace: SlackWorkspace): ApiAnswer {
  const { view } = stored;
  return {
    ...view,
    id: stored.id,
    team_id: workspace.identity.teamId,
    type: stored.type,
    blocks: view['blocks'] ?? [],
    private_metadata: typeof view['private_metadata'] === 'string' ? view['private_metadata'] : '',
    callback_id: typeof view['callback_id'] === 'string' ? view['callback_id'] : '',
    external_id: stored.externalId ?? '',
    state: { values: {} },
    hash: stored.hash,
    previous_view_id: null,
    root_view_id: stored.rootViewId,
    app_id: workspace.identity.appId,
    app_installed_team_id: workspace.identity.teamId,
    bot_id: workspace.identity.botId,
  };
}

function conversationInfo(channel: WorkspaceChannel, workspace: SlackWorkspace): ApiAnswer {
  const info: ApiAnswer = {
    id: channel.id,
    name: channel.name,
    is_channel: channel.kind === 'public',
    is_group: false,
    is_im: channel.kind === 'im',
    is_mpim: false,
    is_private: channel.kind !== 'public',
    is_archived: channel.isArchived,
    is_general: channel.name === 'general',
    is_member: channel.isBotMember,
    context_team_id: workspace.identity.teamId,
  };
  if (channel.user !== undefined) info['user'] = channel.user;
  return info;
}

/** An interface, not a type literal, so that it stays apart from ApiAnswer's index signature in isAnswer(). */
interface ThreadTarget {
  threadTs?: string;
}

/** Resolves a reply's target: a reply to a reply goes to the thread's parent, as in Slack; the emulator records it. */
function threadParent(channel: WorkspaceChannel, threadTs: string | undefined, source: string, context: MethodContext): ThreadTarget | ApiAnswer {
  if (threadTs === undefined) return {};
  const parent = context.workspace.message(channel.id, threadTs);
  if (!parent || parent.deleted) return fail('thread_not_found');
  if (parent.threadTs !== undefined) {
    context.workspace.recordViolation({ source, channel: channel.id, kind: 'thread-ts-of-reply', detail: `thread_ts ${threadTs} is a reply; use its parent ${parent.threadTs}`, pointer: '/thread_ts', at: context.workspace.now() });
    return { threadTs: parent.threadTs };
  }
  return { threadTs };
}

const postMessage: MethodHandler = (args, context) => {
  const target = writableConversation(stringArg(args, 'channel'), context, { allowUserId: true });
  if (isAnswer(target)) return target;
  const rejection = judge(checkMessagePayload(messagePayloadOf(args), { limits: context.limits }), 'chat.postMessage', target.id, context);
  if (rejection) return rejection;
  const thread = threadParent(target, stringArg(args, 'thread_ts'), 'chat.postMessage', context);
  if (isAnswer(thread)) return thread;
  const content = { text: '', ...contentOf(args) };
  const message = context.workspace.postMessage(target.id, content, { ...thread, replyBroadcast: flagArg(args, 'reply_broadcast'), via: 'chat.postMessage' });
  return { ok: true, channel: target.id, ts: message.ts, message: toSlackMessage(message, context.workspace) };
};

function ownMessage(args: ApiArgs, context: MethodContext, notOwnError: string): StoredMessage | ApiAnswer {
  const channelId = stringArg(args, 'channel');
  const ts = stringArg(args, 'ts');
  if (channelId === undefined) return fail('channel_not_found');
  const channel = context.workspace.channel(channelId);
  if (!channel || (channel.kind !== 'public' && !channel.isBotMember)) return fail('channel_not_found');
  if (ts === undefined) return fail('message_not_found');
  const message = context.workspace.message(channelId, ts);
  if (!message || message.deleted) return fail('message_not_found');
  if (message.user !== context.workspace.identity.botUserId) return fail(notOwnError);
  return message;
}

const update: MethodHandler = (args, context) => {
  const message = ownMessage(args, context, 'cant_update_message');
  if (isAnswer(message)) return message;
  const rejection = judge(checkMessagePayload(messagePayloadOf(args), { limits: context.limits }), 'chat.update', message.channel, context);
  if (rejection) return rejection;
  context.workspace.updateMessage(message, contentOf(args), 'chat.update');
  return { ok: true, channel: message.channel, ts: message.ts, text: message.text, message: toSlackMessage(message, context.workspace) };
};

const remove: MethodHandler = (args, context) => {
  const message = ownMessage(args, context, 'cant_delete_message');
  if (isAnswer(message)) return message;
  context.workspace.deleteMessage(message);
  return { ok: true, channel: message.channel, ts: message.ts };
};

const postEphemeral: MethodHandler = (args, context) => {
  const target = writableConversation(stringArg(args, 'channel'), context, { allowUserId: false });
  if (isAnswer(target)) return target;
  const userId = stringArg(args, 'user');
  const user = userId === undefined ? undefined : context.workspace.user(userId);
  if (!user || user.deleted) return fail('user_not_found');
  const rejection = judge(checkMessagePayload(messagePayloadOf(args), { limits: context.limits }), 'chat.postEphemeral', target.id, context);
  if (rejection) return rejection;
  const threadTs = stringArg(args, 'thread_ts');
  const ephemeral = context.workspace.postEphemeral(target.id, user.id, { text: '', ...contentOf(args) }, { ...(threadTs === undefined ? {} : { threadTs }), via: 'chat.postEphemeral' });
  return { ok: true, message_ts: ephemeral.ts };
};

const getPermalink: MethodHandler = (args, context) => {
  const channelId = stringArg(args, 'channel');
  const channel = channelId === undefined ? undefined : context.workspace.channel(channelId);
  if (!channel || (channel.kind !== 'public' && !channel.isBotMember)) return fail('channel_not_found');
  const ts = stringArg(args, 'message_ts');
  const message = ts === undefined ? undefined : context.workspace.message(channel.id, ts);
  if (!message || message.deleted) return fail('message_not_found');
  return { ok: true, channel: channel.id, permalink: context.workspace.permalink(message) };
};

function viewArg(args: ApiArgs): unknown {
  return args['view'];
}

const viewsPublish: MethodHandler = (args, context) => {
  const userId = stringArg(args, 'user_id');
  const user = userId === undefined ? undefined : context.workspace.user(userId);
  if (!user || user.deleted) return fail('user_not_found');
  const view = viewArg(args);
  const rejection = judge(checkViewPayload(view, 'home', context.limits), 'views.publish', undefined, context);
  if (rejection) return rejection;
  const hash = stringArg(args, 'hash');
  const current = context.workspace.homeView(user.id);
  if (hash !== undefined && current && current.hash !== hash) return fail('hash_conflict');
  const stored = context.workspace.publishHome(user.id, view as Record<string, unknown>);
  return { ok: true, view: toSlackView(stored, context.workspace) };
};

const viewsOpen: MethodHandler = (args, context) => {
  const triggerId = stringArg(args, 'trigger_id') ?? stringArg(args, 'interactivity_pointer');
  const trigger = triggerId === undefined ? undefined : context.workspace.trigger(triggerId);
  if (!trigger) return fail('invalid_trigger_id');
  if (trigger.exchanged) return fail('exchanged_trigger_id');
  if (context.workspace.now() - trigger.issuedAt > context.triggerTtlMs) return fail('expired_trigger_id');
  const view = viewArg(args);
  const rejection = judge(checkViewPayload(view, 'modal', context.limits), 'views.open', undefined, context);
  if (rejection) return rejection;
  trigger.exchanged = true;
  const stored = context.workspace.openModal(trigger.user, view as Record<string, unknown>);
  return { ok: true, view: toSlackView(stored, context.workspace) };
};

const viewsUpdate: MethodHandler = (args, context) => {
  const viewId = stringArg(args, 'view_id');
  const externalId = stringArg(args, 'external_id');
  const stored = context.workspace.findView({ ...(viewId === undefined ? {} : { viewId }), ...(externalId === undefined ? {} : { externalId }) });
  if (!stored) return fail('not_found');
  const view = viewArg(args);
  const rejection = judge(checkViewPayload(view, stored.type, context.limits), 'views.update', undefined, context);
  if (rejection) return rejection;
  const hash = stringArg(args, 'hash');
  if (hash !== undefined && hash !== stored.hash) return fail('hash_conflict');
  context.workspace.replaceView(stored, view as Record<string, unknown>);
  return { ok: true, view: toSlackView(stored, context.workspace) };
};

const usersInfo: MethodHandler = (args, context) => {
  const userId = stringArg(args, 'user');
  const user = userId === undefined ? undefined : context.workspace.user(userId);
  if (!user) return fail('user_not_found');
  return {
    ok: true,
    user: {
      id: user.id,
      team_id: context.workspace.identity.teamId,
      name: user.name,
      real_name: user.realName,
      deleted: user.deleted,
      is_bot: user.isBot,
      is_admin: user.isAdmin,
      tz: user.tz,
      profile: { email: user.email, real_name: user.realName, display_name: user.name, team: context.workspace.identity.teamId },
    },
  };
};

/** https://docs.slack.dev/reference/methods/bots.info: a bot's app_id (auth.test does not say which app a bot token is). */
const botsInfo: MethodHandler = (args, context) => {
  const { identity } = context.workspace;
  const botId = stringArg(args, 'bot');
  if (botId !== undefined && botId !== identity.botId) return fail('bot_not_found');
  return { ok: true, bot: { id: identity.botId, deleted: false, name: identity.botName, app_id: identity.appId, user_id: identity.botUserId } };
};

/** https://docs.slack.dev/reference/methods/usergroups.list: the workspace's groups; users only with include_users. */
const usergroupsList: MethodHandler = (args, context) => {
  const includeUsers = flagArg(args, 'include_users');
  const includeDisabled = flagArg(args, 'include_disabled');
  const { teamId } = context.workspace.identity;
  const usergroups = context.workspace
    .userGroups()
    .filter((g) => includeDisabled || !g.disabled)
    .map((g) => ({
      id: g.id, team_id: teamId, is_usergroup: true, name: g.name, handle: g.handle, date_delete: g.disabled ? 1 : 0, user_count: g.users.length,
      ...(includeUsers && { users: [...g.users] }),
    }));
  return { ok: true, usergroups };
};

/** https://docs.slack.dev/reference/methods/usergroups.users.list: a group's user ids; `no_such_subteam` for an unknown one. */
const usergroupsUsersList: MethodHandler = (args, context) => {
  const id = stringArg(args, 'usergroup');
  if (id === undefined) return fail('invalid_arguments');
  const group = context.workspace.userGroup(id);
  if (!group || (group.disabled && !flagArg(args, 'include_disabled'))) return fail('no_such_subteam');
  return { ok: true, users: [...group.users] };
};

const conversationsInfo: MethodHandler = (args, context) => {
  const channelId = stringArg(args, 'channel');
  const channel = channelId === undefined ? undefined : context.workspace.channel(channelId);
  if (!channel || (channel.kind !== 'public' && !channel.isBotMember)) return fail('channel_not_found');
  return { ok: true, channel: conversationInfo(channel, context.workspace) };
};

const conversationsJoin: MethodHandler = (args, context) => {
  const channelId = stringArg(args, 'channel');
  const channel = channelId === undefined ? undefined : context.workspace.channel(channelId);
  if (!channel || (channel.kind !== 'public' && !channel.isBotMember)) return fail('channel_not_found');
  if (channel.kind !== 'public') return fail('method_not_supported_for_channel_type');
  if (channel.isArchived) return fail('is_archived');
  if (channel.isBotMember) {
    return { ok: true, channel: conversationInfo(channel, context.workspace), warning: 'already_in_channel', response_metadata: { warnings: ['already_in_channel'] } };
  }
  context.workspace.setBotMember(channel.id, true);
  return { ok: true, channel: conversationInfo(channel, context.workspace) };
};

/** https://docs.slack.dev/reference/methods/auth.test: who the token belongs to (Bolt calls it at start). */
const authTest: MethodHandler = (_args, context) => {
  const { identity } = context.workspace;
  return {
    ok: true,
    url: `https://${identity.teamDomain}.slack.com/`,
    team: identity.teamName,
    user: identity.botName,
    team_id: identity.teamId,
    user_id: identity.botUserId,
    bot_id: identity.botId,
    is_enterprise_install: false,
  };
};

/**
 * https://docs.slack.dev/reference/methods/apps.connections.open: Socket Mode's start, with an app-level token (the
 * server checks the token type). Answers with a WebSocket URL as Slack does, but the emulator serves no WebSocket
 * there: it is for testing how a start-up treats Slack's answer (a refused token), not for Socket Mode traffic.
 */
const appsConnectionsOpen: MethodHandler = (_args, context) => {
  const ws = context.url.replace(/^http/, 'ws');
  return { ok: true, url: `${ws}/link/?ticket=${randomUUID()}&app_id=${context.workspace.identity.appId}` };
};

/** https://docs.slack.dev/reference/methods/api.test: echoes its arguments. */
const apiTest: MethodHandler = (args) => {
  const rest = Object.fromEntries(Object.entries(args).filter(([key]) => key !== 'token'));
  return { ok: true, args: rest };
};

export const WEB_API_METHODS: Readonly<Record<string, MethodHandler>> = {
  'api.test': apiTest,
  'auth.test': authTest,
  'apps.connections.open': appsConnectionsOpen,
  'chat.postMessage': postMessage,
  'chat.update': update,
  'chat.delete': remove,
  'chat.postEphemeral': postEphemeral,
  'chat.getPermalink': getPermalink,
  'views.publish': viewsPublish,
  'views.open': viewsOpen,
  'views.update': viewsUpdate,
  'users.info': usersInfo,
  'bots.info': botsInfo,
  'usergroups.list': usergroupsList,
  'usergroups.users.list': usergroupsUsersList,
  'conversations.info': conversationsInfo,
  'conversations.join': conversationsJoin,
};

/** Methods that take an app-level token (`xapp-…`) and no other; every other method refuses one (not_allowed_token_type). */
export const APP_TOKEN_METHODS: ReadonlySet<string> = new Set(['apps.connections.open']);

/** Methods that need no token (Slack answers api.test without one). */
export const UNAUTHENTICATED_METHODS: ReadonlySet<string> = new Set(['api.test']);
