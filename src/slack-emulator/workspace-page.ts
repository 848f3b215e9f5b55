/**
 * The local Slack workspace in a browser: a small web server on 127.0.0.1 beside the emulator (server.ts) that
 * serves one page (workspace-page/page.html, .css, .js: no framework, no build step) showing the emulated
 * workspace as a Slack user sees it (channels, messages edited in place, threads, ephemerals, Block Kit), and
 * turns what that user does on the page into the requests Slack itself would send to the app:
 * - `GET /events?user=U…`: Server-Sent Events, one `state` event with the whole visible workspace at connect and
 *   after every change (debounced), so edits and thread replies appear live;
 * - `POST /command {channel, text, user}`: a slash command, signed with the app's signing secret and POSTed to its
 *   Request URL with a fresh response_url and trigger_id (signer.ts sendSlashCommand). A non-empty ack body is
 *   what Slack shows the user as an ephemeral; a failed delivery is Slack's own "/pod failed with the error …";
 * - `POST /action {channel, ts, actionId, user}`: a button click as a signed `block_actions` payload with the
 *   clicked message as stored (signer.ts sendBlockAction: response_url, trigger_id, container, user, team,
 *   api_app_id). The confirm dialog is the page's; only a confirmed click is sent, as in Slack.
 * - `POST /submit {viewId, values, user}`: a modal's submit as a signed `view_submission`.
 *
 * The app cannot tell these from Slack's own requests. Everything the page shows is cluster text (hostile input):
 * the page builds its DOM with textContent and createElement only, never HTML strings, and is served with a
 * Content-Security-Policy that allows no inline script. The POST endpoints take only JSON (a cross-site form
 * cannot send it without a CORS preflight, which this server never answers) and check Host and Origin, so
 * another web page open in the same browser cannot type commands or click buttons here.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isRecord } from '../contract/is-record.ts';
import { readBody, type SlackEmulator } from './server.ts';
import { sendBlockAction, sendSlashCommand, sendViewSubmission, type SlackDelivery } from './signer.ts';
import type { EphemeralMessage, StoredMessage } from './workspace.ts';

/** The page's three files, read once at start (plain assets beside this module). */
const ASSETS: Record<string, { file: string; type: string }> = {
  '/': { file: 'page.html', type: 'text/html; charset=utf-8' },
  '/page.css': { file: 'page.css', type: 'text/css; charset=utf-8' },
  '/page.js': { file: 'page.js', type: 'text/javascript; charset=utf-8' },
};

/** No inline script or style, nothing from elsewhere: cluster text cannot run even if a renderer let it through. */
const CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** Largest JSON body a page request may have. */
const MAX_BODY_BYTES = 64 * 1024;

/** How long changes are gathered before the state is streamed again (a burst of posts is one update). */
const STREAM_DEBOUNCE_MS = 100;

export interface WorkspacePageOptions {
  /** The emulated workspace: its Web API is what the app posts to, its state what the page shows. */
  slack: SlackEmulator;
  /** Where Slack would send the app's requests: the Bolt app's Request URL (…/slack/events) and signing secret. */
  app: { eventsUrl: string; signingSecret: string };
  /** Who the person at the page is, unless the page asks for another (`?user=`). Default: the first person. */
  defaultUser?: string;
  /** The conversation the page opens on. Default: the first the bot is a member of. */
  defaultChannel?: string;
  /** Default 0 (a free port). */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
}

export interface WorkspacePage {
  /** http://127.0.0.1:<port>/ */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** A message as the page renders it. */
interface PageMessage {
  ts: string;
  threadTs?: string;
  user: string;
  text: string;
  blocks?: unknown[];
  edited: boolean;
  ephemeral: boolean;
}

interface PageState {
  team: { name: string; domain: string };
  me: { id: string; name: string; realName: string };
  people: { id: string; name: string; realName: string; isBot: boolean }[];
  channels: { id: string; name: string; kind: string; isBotMember: boolean }[];
  defaultChannel: string;
  /** Per conversation, every message (replies included) and this person's ephemerals, in ts order. */
  messages: Record<string, PageMessage[]>;
  /** The modal this person has open, if any (the last one opened since their last submit). */
  modal?: { id: string; view: Record<string, unknown> };
}

function pageMessage(message: StoredMessage): PageMessage {
  return {
    ts: message.ts,
    ...(message.threadTs !== undefined && { threadTs: message.threadTs }),
    user: message.user,
    text: message.text,
    ...(message.blocks !== undefined && { blocks: message.blocks }),
    edited: message.versions.length > 1,
    ephemeral: false,
  };
}

function pageEphemeral(message: EphemeralMessage, botUserId: string): PageMessage {
  return {
    ts: message.ts,
    ...(message.threadTs !== undefined && { threadTs: message.threadTs }),
    user: botUserId,
    text: message.text,
    ...(message.blocks !== undefined && { blocks: message.blocks }),
    edited: false,
    ephemeral: true,
  };
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  response.end(text);
}

async function readJson(request: IncomingMessage): Promise<Record<string, unknown> | undefined> {
  const text = await readBody(request, MAX_BODY_BYTES);
  if (text === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    return isRecord(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function stringField(body: Record<string, unknown>, key: string): string | undefined {
  const value = body[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

class WorkspacePageServer implements WorkspacePage {
  private readonly options: WorkspacePageOptions;
  private readonly assets = new Map<string, { body: Buffer; type: string }>();
  private readonly server: Server;
  private readonly streams = new Set<{ response: ServerResponse; user: string }>();
  private readonly unsubscribe: () => void;
  /** Modals submitted or closed on the page (so the page stops showing them). */
  private readonly closedViews = new Set<string>();
  private debounce: NodeJS.Timeout | undefined;
  private readonly heartbeat: NodeJS.Timeout;
  port = 0;

  constructor(options: WorkspacePageOptions) {
    this.options = options;
    for (const [path, asset] of Object.entries(ASSETS)) {
      this.assets.set(path, { body: readFileSync(new URL(`./workspace-page/${asset.file}`, import.meta.url)), type: asset.type });
    }
    this.server = createServer((request, response) => {
      this.route(request, response).catch(() => {
        if (!response.headersSent) sendJson(response, 500, { ok: false, error: 'internal_error' });
        else response.destroy();
      });
    });
    this.unsubscribe = options.slack.workspace.onChange(() => this.scheduleStream());
    // A comment line now and then keeps idle streams open through anything that times them out.
    this.heartbeat = setInterval(() => {
      for (const stream of this.streams) stream.response.write(': keep-alive\n\n');
    }, 15_000);
    this.heartbeat.unref();
  }

  get url(): string {
    return `http://${this.options.host ?? '127.0.0.1'}:${this.port}/`;
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port ?? 0, this.options.host ?? '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.port = (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    this.unsubscribe();
    clearInterval(this.heartbeat);
    clearTimeout(this.debounce);
    for (const stream of this.streams) stream.response.end();
    this.streams.clear();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private get workspace() {
    return this.options.slack.workspace;
  }

  private defaultUser(): string {
    return this.options.defaultUser ?? this.workspace.users().find((u) => !u.isBot && !u.deleted)?.id ?? this.workspace.identity.botUserId;
  }

  /** `?user=` when it names a person of the workspace, else the default person. */
  private userOf(value: string | null | undefined): string {
    const user = value ? this.workspace.user(value) : undefined;
    return user && !user.isBot && !user.deleted ? user.id : this.defaultUser();
  }

  private state(userId: string): PageState {
    const { workspace } = this;
    const me = workspace.user(userId);
    const channels = workspace.channels().filter((c) => c.kind !== 'im' || c.user === userId);
    const messages: Record<string, PageMessage[]> = {};
    for (const channel of channels) {
      const stored = workspace.allMessages(channel.id).map(pageMessage);
      const ephemerals = workspace.ephemerals({ channel: channel.id, user: userId }).map((e) => pageEphemeral(e, workspace.identity.botUserId));
      messages[channel.id] = [...stored, ...ephemerals].sort((a, b) => Number(a.ts) - Number(b.ts));
    }
    const modal = workspace.modals(userId).filter((v) => !this.closedViews.has(v.id)).at(-1);
    return {
      team: { name: workspace.identity.teamName, domain: workspace.identity.teamDomain },
      me: { id: userId, name: me?.name ?? userId, realName: me?.realName ?? userId },
      people: workspace.users().map((u) => ({ id: u.id, name: u.name, realName: u.realName, isBot: u.isBot })),
      channels: channels.map((c) => ({ id: c.id, name: c.name, kind: c.kind, isBotMember: c.isBotMember })),
      defaultChannel: this.options.defaultChannel ?? channels.find((c) => c.isBotMember && c.kind !== 'im')?.id ?? channels[0]?.id ?? '',
      messages,
      ...(modal && { modal: { id: modal.id, view: modal.view } }),
    };
  }

  private scheduleStream(): void {
    if (this.debounce !== undefined) return;
    this.debounce = setTimeout(() => {
      this.debounce = undefined;
      for (const stream of this.streams) this.push(stream);
    }, STREAM_DEBOUNCE_MS);
  }

  private push(stream: { response: ServerResponse; user: string }): void {
    stream.response.write(`event: state\ndata: ${JSON.stringify(this.state(stream.user))}\n\n`);
  }

  /** The page's own origin, by every name it may be reached under (127.0.0.1 or localhost). */
  private isOwnHost(host: string | undefined): boolean {
    if (host === undefined) return false;
    return host === `127.0.0.1:${this.port}` || host === `localhost:${this.port}` || host === `${this.options.host ?? '127.0.0.1'}:${this.port}`;
  }

  private async route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', this.url);
    // DNS rebinding: a page served under another name that resolves here is not this page.
    if (!this.isOwnHost(request.headers.host)) return sendJson(response, 421, { ok: false, error: 'wrong_host' });
    if (request.method === 'GET') {
      const asset = this.assets.get(url.pathname);
      if (asset) {
        response.writeHead(200, { 'content-type': asset.type, 'content-length': asset.body.length, 'content-security-policy': CONTENT_SECURITY_POLICY, 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' });
        response.end(asset.body);
        return;
      }
      if (url.pathname === '/events') return this.openStream(response, this.userOf(url.searchParams.get('user')));
      if (url.pathname === '/state') return sendJson(response, 200, this.state(this.userOf(url.searchParams.get('user'))));
      return sendJson(response, 404, { ok: false, error: 'not_found' });
    }
    if (request.method !== 'POST') return sendJson(response, 405, { ok: false, error: 'method_not_allowed' });
    const origin = request.headers.origin;
    if (origin !== undefined && !this.isOwnHost(origin.replace(/^http:\/\//, ''))) return sendJson(response, 403, { ok: false, error: 'cross_origin' });
    if (!(request.headers['content-type'] ?? '').toLowerCase().startsWith('application/json')) return sendJson(response, 415, { ok: false, error: 'json_only' });
    const body = await readJson(request);
    if (!body) return sendJson(response, 400, { ok: false, error: 'invalid_json' });
    const user = this.userOf(stringField(body, 'user'));
    if (url.pathname === '/command') return sendJson(response, 200, await this.command(user, body));
    if (url.pathname === '/action') return sendJson(response, 200, await this.action(user, body));
    if (url.pathname === '/submit') return sendJson(response, 200, await this.submit(user, body));
    if (url.pathname === '/close-view') {
      const viewId = stringField(body, 'viewId');
      if (viewId !== undefined) this.closedViews.add(viewId);
      this.scheduleStream();
      return sendJson(response, 200, { ok: true });
    }
    return sendJson(response, 404, { ok: false, error: 'not_found' });
  }

  private openStream(response: ServerResponse, user: string): void {
    response.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive' });
    const stream = { response, user };
    this.streams.add(stream);
    response.on('close', () => this.streams.delete(stream));
    this.push(stream);
  }

  /** `/pod why x` typed in a conversation: the signed slash command, and what Slack would show of the ack. */
  private async command(user: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const channel = stringField(body, 'channel');
    const typed = (stringField(body, 'text') ?? '').trim();
    const match = /^(\/\S+)\s*([\s\S]*)$/.exec(typed);
    if (channel === undefined || !this.workspace.channel(channel)) return { ok: false, error: 'channel_not_found' };
    if (!match?.[1]) return { ok: false, error: 'not_a_command' };
    const command = match[1];
    let delivery: SlackDelivery;
    try {
      delivery = await sendSlashCommand(this.options.app.eventsUrl, { signingSecret: this.options.app.signingSecret, slack: this.options.slack, command, text: match[2] ?? '', userId: user, channelId: channel });
    } catch {
      return this.failed(channel, user, command, 'dispatch_failed');
    }
    if (delivery.status !== 200) return this.failed(channel, user, command, delivery.status === 404 ? 'dispatch_failed' : 'http_service_error');
    this.showAck(channel, user, delivery.body);
    return { ok: true };
  }

  /** Slack's words when an app does not answer a command: "/pod failed with the error "dispatch_failed"". */
  private failed(channel: string, user: string, command: string, error: string): Record<string, unknown> {
    this.workspace.postEphemeral(channel, user, { text: `${command} failed with the error "${error}"` }, { via: 'command_ack' });
    return { ok: false, error };
  }

  /**
   * A slash command's ack body is shown to the person who typed it, as an ephemeral (JSON with text/blocks, or
   * plain text); an empty ack shows nothing (https://docs.slack.dev/interactivity/implementing-slash-commands).
   */
  private showAck(channel: string, user: string, body: string): void {
    if (body.trim() === '') return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      parsed = { text: body };
    }
    if (!isRecord(parsed)) return;
    const text = typeof parsed['text'] === 'string' ? parsed['text'] : '';
    const blocks = Array.isArray(parsed['blocks']) ? parsed['blocks'] : undefined;
    if (text === '' && !blocks) return;
    this.workspace.postEphemeral(channel, user, { text, ...(blocks && { blocks }) }, { via: 'command_ack' });
  }

  /** A confirmed button click on a message (or on one of this person's ephemerals). */
  private async action(user: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const channel = stringField(body, 'channel');
    const ts = stringField(body, 'ts');
    const actionId = stringField(body, 'actionId');
    if (channel === undefined || ts === undefined || actionId === undefined) return { ok: false, error: 'invalid_arguments' };
    const ephemeral = this.workspace.ephemerals({ channel, user }).find((e) => e.ts === ts);
    if (!ephemeral && !this.workspace.message(channel, ts)) return { ok: false, error: 'message_not_found' };
    const delivery = await sendBlockAction(this.options.app.eventsUrl, {
      signingSecret: this.options.app.signingSecret,
      slack: this.options.slack,
      userId: user,
      channelId: channel,
      messageTs: ts,
      actionId,
      ...(ephemeral && { isEphemeral: true, message: { type: 'message', ts, text: ephemeral.text, ...(ephemeral.blocks && { blocks: ephemeral.blocks }) } }),
    });
    return { ok: delivery.status === 200, status: delivery.status };
  }

  /** A modal's submit, with what the person typed as state.values (block_id → action_id → value). */
  private async submit(user: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const viewId = stringField(body, 'viewId');
    const stored = viewId === undefined ? undefined : this.workspace.findView({ viewId });
    if (!stored || stored.type !== 'modal' || stored.user !== user) return { ok: false, error: 'not_found' };
    const values: Record<string, Record<string, unknown>> = {};
    if (isRecord(body['values'])) {
      for (const [blockId, actions] of Object.entries(body['values'])) {
        if (!isRecord(actions)) continue;
        values[blockId] = Object.fromEntries(Object.entries(actions).filter(([, v]) => typeof v === 'string').map(([actionId, value]) => [actionId, { type: 'plain_text_input', value }]));
      }
    }
    const delivery = await sendViewSubmission(this.options.app.eventsUrl, { signingSecret: this.options.app.signingSecret, slack: this.options.slack, userId: user, viewId: stored.id, values });
    // An empty ack (or response_action: clear) closes the modal; response_action: errors keeps it open with the errors.
    let errors: unknown;
    try {
      const ack: unknown = delivery.body.trim() === '' ? {} : JSON.parse(delivery.body);
      if (isRecord(ack) && ack['response_action'] === 'errors') errors = ack['errors'];
    } catch {
      errors = undefined;
    }
    if (errors === undefined && delivery.status === 200) this.closedViews.add(stored.id);
    this.scheduleStream();
    return { ok: delivery.status === 200, ...(errors !== undefined && { errors }) };
  }
}

/** Starts the workspace page on 127.0.0.1 (port 0 by default). Close it with `close()` before the emulator. */
export async function startWorkspacePage(options: WorkspacePageOptions): Promise<WorkspacePage> {
  const page = new WorkspacePageServer(options);
  await page.listen();
  return page;
}
