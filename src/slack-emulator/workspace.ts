/**
 * The emulated Slack workspace: who is in it, which conversations exist (and whether the app's bot is
 * a member), every message with its thread and edit history, ephemeral messages, App Home and modal
 * views, trigger ids, and the record of every Web API call and response_url use. The HTTP server
 * (server.ts) and the method handlers (web-api-methods.ts) change it; tests read it through the query
 * methods at the bottom.
 *
 * Shapes follow Slack's objects where tests or the app see them:
 * - message `ts` is "<unix seconds>.<6 digits>", unique and increasing per workspace, and is the
 *   message's id (https://docs.slack.dev/messaging/retrieving-messages, "ts" as identifier);
 * - a thread reply carries `thread_ts` = its parent's ts (https://docs.slack.dev/messaging/#threading);
 * - a bot message carries `user` (the bot user), `bot_id` and `app_id`
 *   (https://docs.slack.dev/reference/methods/chat.postMessage, example response);
 * - a view carries `id`, `hash` (for optimistic updates: `hash_conflict`), `root_view_id`
 *   (https://docs.slack.dev/reference/methods/views.update).
 */

export type ChannelKind = 'public' | 'private' | 'im';

export interface WorkspaceUser {
  id: string;
  /** The handle (`name` in users.info). */
  name: string;
  realName: string;
  /** profile.email: the key for mapping a Slack user to a Kubernetes identity later. */
  email: string;
  isBot: boolean;
  isAdmin: boolean;
  deleted: boolean;
  tz: string;
}

export interface WorkspaceChannel {
  id: string;
  name: string;
  kind: ChannelKind;
  /** Whether the app's bot user is a member: posting where it is not answers `not_in_channel`. */
  isBotMember: boolean;
  isArchived: boolean;
  /** For an `im`: the person the bot talks to. */
  user?: string;
}

/** Who the app is in this workspace (auth.test answers with these). */
export interface WorkspaceIdentity {
  teamId: string;
  teamDomain: string;
  teamName: string;
  appId: string;
  botUserId: string;
  botId: string;
  botName: string;
}

export type UserInput = Pick<WorkspaceUser, 'id'> & Partial<WorkspaceUser>;
export type ChannelInput = Pick<WorkspaceChannel, 'id' | 'name'> & Partial<WorkspaceChannel>;

export interface WorkspaceOptions extends Partial<WorkspaceIdentity> {
  /** Replaces the default people (the bot user is always added). */
  users?: UserInput[];
  /** Replaces the default conversations. */
  channels?: ChannelInput[];
  /** Epoch ms; message ts and every record's `at` come from it. */
  now?: () => number;
}

export const DEFAULT_IDENTITY: WorkspaceIdentity = {
  teamId: 'T0PODWHY1',
  teamDomain: 'podwhy-test',
  teamName: 'podwhy test',
  appId: 'A0PODWHY1',
  botUserId: 'U0PODWHYBOT',
  botId: 'B0PODWHY1',
  botName: 'podwhy',
};

/** Two people and four conversations covering every membership case the app must handle. */
export const DEFAULT_USERS: readonly UserInput[] = [
  { id: 'U0ALICE', name: 'alice', realName: 'Alice Admin', email: 'alice@example.com', isAdmin: true },
  { id: 'U0BOB', name: 'bob', realName: 'Bob Builder', email: 'bob@example.com' },
];
export const DEFAULT_CHANNELS: readonly ChannelInput[] = [
  { id: 'C0ALERTS', name: 'alerts', kind: 'public', isBotMember: true },
  { id: 'C0GENERAL', name: 'general', kind: 'public', isBotMember: false },
  { id: 'C0OPS', name: 'ops-private', kind: 'private', isBotMember: true },
  { id: 'C0HIDDEN', name: 'hidden-private', kind: 'private', isBotMember: false },
];

/** Text, blocks and metadata: what an edit replaces. */
export interface MessageContent {
  text: string;
  blocks?: unknown[];
  attachments?: unknown[];
  metadata?: MessageMetadata;
}

/** https://docs.slack.dev/messaging/message-metadata: an event type and a JSON payload. */
export interface MessageMetadata {
  event_type: string;
  event_payload: Record<string, unknown>;
}

/** What changed, for onChange listeners (the workspace page streams these). */
export type WorkspaceChange = { kind: 'message' | 'ephemeral'; channel: string; ts: string } | { kind: 'view'; viewId: string };

export type MessageSource = 'chat.postMessage' | 'chat.update' | 'response_url';

export interface MessageVersion extends MessageContent {
  at: number;
  via: MessageSource;
}

export interface StoredMessage extends MessageContent {
  channel: string;
  ts: string;
  /** Set on replies (the parent's ts); undefined on top-level messages. */
  threadTs?: string;
  /** Author: the bot user for everything the app posts. */
  user: string;
  botId?: string;
  appId?: string;
  replyBroadcast: boolean;
  deleted: boolean;
  deletedAt?: number;
  postedAt: number;
  via: MessageSource;
  /** Every version, oldest first; the last one is the current content. */
  versions: MessageVersion[];
}

export interface EphemeralMessage extends MessageContent {
  channel: string;
  user: string;
  ts: string;
  threadTs?: string;
  at: number;
  /** `command_ack`: a slash command's ack body, which Slack shows to the person who typed it. */
  via: 'chat.postEphemeral' | 'response_url' | 'command_ack';
}

export interface StoredView {
  id: string;
  type: 'home' | 'modal';
  user: string;
  /** The view as the app sent it (blocks, title, callback_id, private_metadata, …). */
  view: Record<string, unknown>;
  hash: string;
  externalId?: string;
  rootViewId: string;
  at: number;
  /** Earlier versions of this view (views.update / re-publish), oldest first. */
  history: Record<string, unknown>[];
}

/** One Web API call as the emulator saw and answered it. */
export interface RecordedCall {
  method: string;
  /** Arguments with JSON-encoded fields (blocks, attachments, metadata, view) decoded; the token removed. */
  args: Record<string, unknown>;
  /** The JSON body sent back. */
  response: Record<string, unknown>;
  status: number;
  at: number;
}

/** One POST to a response_url. */
export interface RecordedResponse {
  url: string;
  id: string;
  channel: string;
  user: string;
  body: Record<string, unknown>;
  status: number;
  response: Record<string, unknown>;
  /** What it did: a new message, an ephemeral, an edit, a deletion, or nothing (refused). */
  effect: 'ephemeral' | 'in_channel' | 'replace_original' | 'delete_original' | 'refused';
  at: number;
}

/** A payload Slack would accept but podwhy must never send (see block-kit-limits.ts ViolationKind). */
export interface RecordedViolation {
  source: string;
  channel?: string;
  kind: string;
  detail: string;
  pointer: string;
  at: number;
}

/** A user group (https://docs.slack.dev/reference/objects/usergroup-object): `@handle` mentions notify its users. */
export interface WorkspaceUserGroup {
  /** `S…` */
  id: string;
  /** Without the `@`. */
  handle: string;
  name: string;
  /** User ids. */
  users: string[];
  /** Disabled groups are left out of usergroups.list unless include_disabled. */
  disabled: boolean;
}

export interface TriggerRecord {
  id: string;
  user: string;
  issuedAt: number;
  exchanged: boolean;
}

export class SlackWorkspace {
  readonly identity: WorkspaceIdentity;
  readonly now: () => number;
  private readonly userMap = new Map<string, WorkspaceUser>();
  private readonly channelMap = new Map<string, WorkspaceChannel>();
  private readonly userGroupMap = new Map<string, WorkspaceUserGroup>();
  private readonly messagesByChannel = new Map<string, StoredMessage[]>();
  private readonly ephemeralLog: EphemeralMessage[] = [];
  private readonly viewsById = new Map<string, StoredView>();
  private readonly homeByUser = new Map<string, string>();
  private readonly triggers = new Map<string, TriggerRecord>();
  private readonly callLog: RecordedCall[] = [];
  private readonly responseLog: RecordedResponse[] = [];
  private readonly violationLog: RecordedViolation[] = [];
  private readonly changeListeners = new Set<(change: WorkspaceChange) => void>();
  private lastTsMicros = 0;
  private idCounter = 0;

  constructor(options: WorkspaceOptions = {}) {
    this.now = options.now ?? Date.now;
    this.identity = {
      teamId: options.teamId ?? DEFAULT_IDENTITY.teamId,
      teamDomain: options.teamDomain ?? DEFAULT_IDENTITY.teamDomain,
      teamName: options.teamName ?? DEFAULT_IDENTITY.teamName,
      appId: options.appId ?? DEFAULT_IDENTITY.appId,
      botUserId: options.botUserId ?? DEFAULT_IDENTITY.botUserId,
      botId: options.botId ?? DEFAULT_IDENTITY.botId,
      botName: options.botName ?? DEFAULT_IDENTITY.botName,
    };
    this.addUser({ id: this.identity.botUserId, name: this.identity.botName, realName: this.identity.botName, email: '', isBot: true });
    for (const user of options.users ?? DEFAULT_USERS) this.addUser(user);
    for (const channel of options.channels ?? DEFAULT_CHANNELS) this.addChannel(channel);
  }

  /** Calls `listener` after every change a person would see (messages, edits, ephemerals, views); returns the unsubscribe. */
  onChange(listener: (change: WorkspaceChange) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  private changed(change: WorkspaceChange): void {
    for (const listener of this.changeListeners) listener(change);
  }

  // ── People and conversations ───────────────────────────────────────────────────────────────

  addUser(input: UserInput): WorkspaceUser {
    const user: WorkspaceUser = {
      id: input.id,
      name: input.name ?? input.id.toLowerCase(),
      realName: input.realName ?? input.name ?? input.id,
      email: input.email ?? `${(input.name ?? input.id).toLowerCase()}@example.com`,
      isBot: input.isBot ?? false,
      isAdmin: input.isAdmin ?? false,
      deleted: input.deleted ?? false,
      tz: input.tz ?? 'Europe/Amsterdam',
    };
    this.userMap.set(user.id, user);
    return user;
  }

  addChannel(input: ChannelInput): WorkspaceChannel {
    const channel: WorkspaceChannel = {
      id: input.id,
      name: input.name,
      kind: input.kind ?? 'public',
      isBotMember: input.isBotMember ?? true,
      isArchived: input.isArchived ?? false,
    };
    if (input.user !== undefined) channel.user = input.user;
    this.channelMap.set(channel.id, channel);
    return channel;
  }

  /** Invites or removes the bot (conversations.join does the former for public channels). */
  setBotMember(channelId: string, isMember: boolean): void {
    const channel = this.channelMap.get(channelId);
    if (channel) channel.isBotMember = isMember;
  }

  user(id: string): WorkspaceUser | undefined {
    return this.userMap.get(id);
  }

  users(): WorkspaceUser[] {
    return [...this.userMap.values()];
  }

  /** Adds or replaces a user group (tests change its members to see the gateway's cache expire). */
  addUserGroup(input: Pick<WorkspaceUserGroup, 'id' | 'handle'> & Partial<WorkspaceUserGroup>): WorkspaceUserGroup {
    const group: WorkspaceUserGroup = { id: input.id, handle: input.handle, name: input.name ?? input.handle, users: [...(input.users ?? [])], disabled: input.disabled ?? false };
    this.userGroupMap.set(group.id, group);
    return group;
  }

  userGroup(id: string): WorkspaceUserGroup | undefined {
    return this.userGroupMap.get(id);
  }

  userGroups(): WorkspaceUserGroup[] {
    return [...this.userGroupMap.values()];
  }

  channel(id: string): WorkspaceChannel | undefined {
    return this.channelMap.get(id);
  }

  channels(): WorkspaceChannel[] {
    return [...this.channelMap.values()];
  }

  /** The bot's DM with a person (App Home "Messages" tab), opened on first use as Slack does for chat.postMessage to a user id. */
  imWith(userId: string): WorkspaceChannel {
    const existing = [...this.channelMap.values()].find((c) => c.kind === 'im' && c.user === userId);
    if (existing) return existing;
    return this.addChannel({ id: `D${userId.slice(1)}`, name: userId, kind: 'im', isBotMember: true, user: userId });
  }

  // ── Ids and clock ──────────────────────────────────────────────────────────────────────────

  /** A fresh message ts: microseconds since the epoch, strictly increasing even within one millisecond. */
  nextTs(): string {
    const micros = Math.max(this.now() * 1000, this.lastTsMicros + 1);
    this.lastTsMicros = micros;
    const seconds = Math.floor(micros / 1_000_000);
    return `${seconds}.${String(micros % 1_000_000).padStart(6, '0')}`;
  }

  /** A Slack-looking id: prefix + 10 upper-case base-36 characters. */
  nextId(prefix: string): string {
    this.idCounter += 1;
    return `${prefix}${this.idCounter.toString(36).toUpperCase().padStart(10, '0')}`;
  }

  // ── Messages ───────────────────────────────────────────────────────────────────────────────

  postMessage(channel: string, content: MessageContent, options: { threadTs?: string; replyBroadcast?: boolean; via: MessageSource }): StoredMessage {
    const at = this.now();
    const message: StoredMessage = {
      ...content,
      channel,
      ts: this.nextTs(),
      user: this.identity.botUserId,
      botId: this.identity.botId,
      appId: this.identity.appId,
      replyBroadcast: options.replyBroadcast ?? false,
      deleted: false,
      postedAt: at,
      via: options.via,
      versions: [{ ...content, at, via: options.via }],
    };
    if (options.threadTs !== undefined) message.threadTs = options.threadTs;
    const list = this.messagesByChannel.get(channel) ?? [];
    list.push(message);
    this.messagesByChannel.set(channel, list);
    this.changed({ kind: 'message', channel, ts: message.ts });
    return message;
  }

  /** Replaces the content fields given; Slack keeps blocks and metadata an edit leaves out (chat.update reference). */
  updateMessage(message: StoredMessage, change: Partial<MessageContent>, via: MessageSource): StoredMessage {
    if (change.text !== undefined) message.text = change.text;
    if (change.blocks !== undefined) message.blocks = change.blocks;
    if (change.attachments !== undefined) message.attachments = change.attachments;
    if (change.metadata !== undefined) message.metadata = change.metadata;
    const version: MessageVersion = { text: message.text, at: this.now(), via };
    if (message.blocks !== undefined) version.blocks = message.blocks;
    if (message.attachments !== undefined) version.attachments = message.attachments;
    if (message.metadata !== undefined) version.metadata = message.metadata;
    message.versions.push(version);
    this.changed({ kind: 'message', channel: message.channel, ts: message.ts });
    return message;
  }

  deleteMessage(message: StoredMessage): void {
    message.deleted = true;
    message.deletedAt = this.now();
    this.changed({ kind: 'message', channel: message.channel, ts: message.ts });
  }

  postEphemeral(channel: string, user: string, content: MessageContent, options: { threadTs?: string; via: EphemeralMessage['via'] }): EphemeralMessage {
    const ephemeral: EphemeralMessage = { ...content, channel, user, ts: this.nextTs(), at: this.now(), via: options.via };
    if (options.threadTs !== undefined) ephemeral.threadTs = options.threadTs;
    this.ephemeralLog.push(ephemeral);
    this.changed({ kind: 'ephemeral', channel, ts: ephemeral.ts });
    return ephemeral;
  }

  /** https://docs.slack.dev/reference/methods/chat.getPermalink: …/archives/<channel>/p<ts without the dot>[?thread_ts=…&cid=…]. */
  permalink(message: StoredMessage): string {
    const base = `https://${this.identity.teamDomain}.slack.com/archives/${message.channel}/p${message.ts.replace('.', '')}`;
    return message.threadTs !== undefined && message.threadTs !== message.ts ? `${base}?thread_ts=${message.threadTs}&cid=${message.channel}` : base;
  }

  // ── Views ──────────────────────────────────────────────────────────────────────────────────

  private newHash(): string {
    return `${Math.floor(this.now() / 1000)}.${this.nextId('h').slice(1).toLowerCase()}`;
  }

  publishHome(user: string, view: Record<string, unknown>): StoredView {
    const existingId = this.homeByUser.get(user);
    const existing = existingId === undefined ? undefined : this.viewsById.get(existingId);
    if (existing) return this.replaceView(existing, view);
    const id = this.nextId('V');
    const stored: StoredView = { id, type: 'home', user, view, hash: this.newHash(), rootViewId: id, at: this.now(), history: [] };
    if (typeof view['external_id'] === 'string') stored.externalId = view['external_id'];
    this.viewsById.set(id, stored);
    this.homeByUser.set(user, id);
    this.changed({ kind: 'view', viewId: id });
    return stored;
  }

  openModal(user: string, view: Record<string, unknown>): StoredView {
    const id = this.nextId('V');
    const stored: StoredView = { id, type: 'modal', user, view, hash: this.newHash(), rootViewId: id, at: this.now(), history: [] };
    if (typeof view['external_id'] === 'string') stored.externalId = view['external_id'];
    this.viewsById.set(id, stored);
    this.changed({ kind: 'view', viewId: id });
    return stored;
  }

  replaceView(stored: StoredView, view: Record<string, unknown>): StoredView {
    stored.history.push(stored.view);
    stored.view = view;
    stored.hash = this.newHash();
    stored.at = this.now();
    this.changed({ kind: 'view', viewId: stored.id });
    return stored;
  }

  findView(ref: { viewId?: string; externalId?: string }): StoredView | undefined {
    if (ref.viewId !== undefined) return this.viewsById.get(ref.viewId);
    if (ref.externalId !== undefined) return [...this.viewsById.values()].find((v) => v.externalId === ref.externalId);
    return undefined;
  }

  // ── Triggers (views.open): https://docs.slack.dev/interactivity/handling-user-interaction ───

  issueTrigger(user: string): string {
    const id = `${Math.floor(this.now() / 1000)}.${this.identity.teamId}.${this.nextId('').toLowerCase()}`;
    this.triggers.set(id, { id, user, issuedAt: this.now(), exchanged: false });
    return id;
  }

  trigger(id: string): TriggerRecord | undefined {
    return this.triggers.get(id);
  }

  // ── Records ────────────────────────────────────────────────────────────────────────────────

  recordCall(call: RecordedCall): void {
    this.callLog.push(call);
  }

  recordResponse(response: RecordedResponse): void {
    this.responseLog.push(response);
  }

  recordViolation(violation: RecordedViolation): void {
    this.violationLog.push(violation);
  }

  // ── Query API for tests ────────────────────────────────────────────────────────────────────

  /** Every Web API call (optionally of one method), oldest first, including refused ones (status 429, ok:false). */
  calls(method?: string): RecordedCall[] {
    return this.callLog.filter((c) => method === undefined || c.method === method);
  }

  /** Top-level messages of a conversation in ts order (replies excluded; deleted ones only when asked). */
  messages(channel: string, options: { includeDeleted?: boolean } = {}): StoredMessage[] {
    return (this.messagesByChannel.get(channel) ?? []).filter((m) => m.threadTs === undefined && (options.includeDeleted === true || !m.deleted));
  }

  /** Every message of a conversation, replies included, in ts order. */
  allMessages(channel: string, options: { includeDeleted?: boolean } = {}): StoredMessage[] {
    return (this.messagesByChannel.get(channel) ?? []).filter((m) => options.includeDeleted === true || !m.deleted);
  }

  /** The replies to the message `ts` (not the parent), in ts order. */
  thread(channel: string, ts: string, options: { includeDeleted?: boolean } = {}): StoredMessage[] {
    return this.allMessages(channel, options).filter((m) => m.threadTs === ts && m.ts !== ts);
  }

  /** One message by conversation and ts, deleted or not. */
  message(channel: string, ts: string): StoredMessage | undefined {
    return (this.messagesByChannel.get(channel) ?? []).find((m) => m.ts === ts);
  }

  ephemerals(filter: { channel?: string; user?: string } = {}): EphemeralMessage[] {
    return this.ephemeralLog.filter((e) => (filter.channel === undefined || e.channel === filter.channel) && (filter.user === undefined || e.user === filter.user));
  }

  /** The App Home view currently published for a person. */
  homeView(user: string): StoredView | undefined {
    const id = this.homeByUser.get(user);
    return id === undefined ? undefined : this.viewsById.get(id);
  }

  modals(user?: string): StoredView[] {
    return [...this.viewsById.values()].filter((v) => v.type === 'modal' && (user === undefined || v.user === user));
  }

  /** Every response_url use, oldest first (optionally of one URL or one conversation). */
  responses(filter: { url?: string; channel?: string } = {}): RecordedResponse[] {
    return this.responseLog.filter((r) => (filter.url === undefined || r.url === filter.url) && (filter.channel === undefined || r.channel === filter.channel));
  }

  /** Payloads Slack accepted but podwhy must not send (link_names, live mentions, …). */
  violations(kind?: string): RecordedViolation[] {
    return this.violationLog.filter((v) => kind === undefined || v.kind === kind);
  }
}
