/**
 * A local Slack Web API over real HTTP on 127.0.0.1, for the real @slack/web-api WebClient and Bolt:
 * `new WebClient(token, { slackApiUrl: emulator.apiUrl })`, Bolt `clientOptions: { slackApiUrl }`
 * ("certain testing techniques", @slack/web-api docs, Custom API URL).
 *
 * Wire behaviour, as @slack/web-api 8.2 (node_modules/@slack/web-api/dist/WebClient.js) and Slack's docs
 * (https://docs.slack.dev/apis/web-api/) have it:
 * - `POST /api/<method>`; WebClient sends `application/x-www-form-urlencoded` with every non-scalar
 *   argument (blocks, attachments, metadata, view) JSON-encoded in its field (serializeBody); other
 *   clients send `application/json` (token then only in the Authorization header). Both are accepted.
 * - the token comes as `Authorization: Bearer <token>` (WebClient) or a `token` form field; none →
 *   `not_authed`, unknown → `invalid_auth`, a bot token where an app-level one is needed (apps.connections.open)
 *   or the other way round → `not_allowed_token_type`. An unknown method answers `unknown_method` before any
 *   token check, as slack.com does.
 * - answers are HTTP 200 with `{ok:…}` ("Slack's Web API doesn't use meaningful status codes besides
 *   429 and 200", WebClient.js makeRequest); a rate-limited call gets 429 with `Retry-After: <seconds>`
 *   and `{ok:false,error:"ratelimited"}` (rate-limits.ts).
 * - `POST /response/<id>`: response_url (response-urls.ts).
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isRecord } from '../contract/is-record.ts';
import { BLOCK_KIT_LIMITS, type BlockKitLimits } from './block-kit-limits.ts';
import {
  resolveRateLimits,
  SlackRateLimiter,
  type ChannelRateStats,
  type IgnoredRetryAfter,
  type RateLimitOverrides,
  type RateLimitRefusal,
} from './rate-limits.ts';
import { DEFAULT_RESPONSE_URL_OPTIONS, ResponseUrls, type ResponseUrlOptions } from './response-urls.ts';
import { APP_TOKEN_METHODS, UNAUTHENTICATED_METHODS, WEB_API_METHODS, type ApiAnswer, type ApiArgs } from './web-api-methods.ts';
import {
  SlackWorkspace,
  type EphemeralMessage,
  type RecordedCall,
  type RecordedResponse,
  type RecordedViolation,
  type StoredMessage,
  type StoredView,
  type WorkspaceOptions,
} from './workspace.ts';

export const DEFAULT_BOT_TOKEN = 'xoxb-0000000000-emulator-bot-token';
export const DEFAULT_APP_TOKEN = 'xapp-1-A0000000000-0000000000-emulator-app-token';

/** Fields WebClient JSON-encodes inside a form body (serializeBody: anything not a string, number or boolean). */
const JSON_FIELDS = ['blocks', 'attachments', 'metadata', 'view'] as const;

/** Largest request body read (Slack's own limits are far below; this only guards the test process). */
const MAX_BODY_BYTES = 5 * 1024 * 1024;

export interface SlackEmulatorOptions {
  /** Default 0 (a free port). */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Bot token(s) the Web API accepts. Default DEFAULT_BOT_TOKEN. */
  botToken?: string | string[];
  /** App-level token(s) apps.connections.open accepts (Socket Mode). Default DEFAULT_APP_TOKEN. */
  appToken?: string | string[];
  workspace?: Omit<WorkspaceOptions, 'now'>;
  /** Rate limits (false: none). Tests shrink the windows. */
  rateLimits?: RateLimitOverrides | false;
  /** Block Kit limits to enforce (defaults: BLOCK_KIT_LIMITS). */
  limits?: Partial<BlockKitLimits>;
  responseUrls?: Partial<ResponseUrlOptions>;
  /** views.open trigger lifetime. Default 3,000 ms (Slack: "Triggers expire in three seconds"). */
  triggerTtlMs?: number;
  /**
   * Epoch ms clock for ts, records, rate windows and expiries (response_url 30 min, trigger 3 s). Default
   * Date.now. WebClient sleeps Retry-After in real time, so with a frozen clock turn rate limits off.
   */
  now?: () => number;
}

/** A scripted failure for the next call(s) of one method (Slack degraded: 5xx, hangs, long Retry-After). */
export interface ApiFault {
  /** How many calls it applies to (default 1). */
  times?: number;
  /** Hold the answer this long first (a hanging Slack; combine with a client timeout). */
  delayMs?: number;
  /** Answer with this HTTP status and no JSON body (e.g. 500, 503). */
  status?: number;
  /** Answer HTTP 200 `{ok:false,error}` (e.g. "internal_error", "fatal_error"). */
  error?: string;
  /** Answer 429 with this Retry-After. */
  retryAfterSeconds?: number;
}

export interface SlackEmulator {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  /** `${url}/api/`: pass as WebClient `slackApiUrl` / Bolt `clientOptions.slackApiUrl`. */
  readonly apiUrl: string;
  readonly port: number;
  /** The first accepted bot token. */
  readonly botToken: string;
  /** The first accepted app-level token. */
  readonly appToken: string;
  readonly workspace: SlackWorkspace;
  readonly rateLimiter: SlackRateLimiter;
  readonly responseUrls: ResponseUrls;
  /** A response_url for an interaction of `user` in `channel` (on message `messageTs`, for replace/delete_original). */
  newResponseUrl(channel: string, user: string, options?: { messageTs?: string }): string;
  /** A trigger_id for views.open (expires after triggerTtlMs, usable once). */
  newTriggerId(user: string): string;
  /** Makes the next call(s) of `method` fail as described. */
  failNext(method: string, fault: ApiFault): void;

  // Query API (delegates to workspace and rateLimiter).
  calls(method?: string): RecordedCall[];
  messages(channel: string, options?: { includeDeleted?: boolean }): StoredMessage[];
  thread(channel: string, ts: string): StoredMessage[];
  message(channel: string, ts: string): StoredMessage | undefined;
  ephemerals(filter?: { channel?: string; user?: string }): EphemeralMessage[];
  homeView(user: string): StoredView | undefined;
  responses(filter?: { url?: string; channel?: string }): RecordedResponse[];
  violations(kind?: string): RecordedViolation[];
  rateLimited(method?: string): RateLimitRefusal[];
  ignoredRetryAfters(): IgnoredRetryAfter[];
  channelRates(method?: string): ChannelRateStats[];

  close(): Promise<void>;
}

interface PendingFault extends ApiFault {
  remaining: number;
}

/** A request's body as text; undefined once it passes `maxBytes` (the workspace page reads its own with this too). */
export async function readBody(request: IncomingMessage, maxBytes = MAX_BODY_BYTES): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > maxBytes) return undefined;
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

type ParsedArgs = { ok: true; args: ApiArgs } | { ok: false; error: string };

/** Form or JSON body (plus query string) → arguments, with WebClient's JSON-encoded fields decoded. */
function parseArgs(contentType: string, rawBody: string, query: URLSearchParams): ParsedArgs {
  const args: ApiArgs = Object.fromEntries(query);
  const type = (contentType.split(';')[0] ?? '').trim().toLowerCase();
  if (rawBody.length > 0) {
    if (type === 'application/x-www-form-urlencoded') Object.assign(args, Object.fromEntries(new URLSearchParams(rawBody)));
    else if (type === 'application/json') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(rawBody);
      } catch {
        return { ok: false, error: 'invalid_json' };
      }
      if (!isRecord(parsed)) return { ok: false, error: 'invalid_json' };
      Object.assign(args, parsed);
    } else if (type === '') return { ok: false, error: 'missing_post_type' };
    else return { ok: false, error: 'invalid_post_type' };
  }
  for (const field of JSON_FIELDS) {
    const value = args[field];
    if (typeof value !== 'string') continue;
    try {
      args[field] = JSON.parse(value) as unknown;
    } catch {
      // Left as the string: the method answers invalid_blocks_format / invalid_metadata_format / invalid_arguments.
    }
  }
  return { ok: true, args };
}

function bearerToken(request: IncomingMessage): string | undefined {
  const header = request.headers.authorization;
  if (header === undefined) return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match?.[1];
}

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  response.end(text);
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

class EmulatorServer implements SlackEmulator {
  readonly workspace: SlackWorkspace;
  readonly rateLimiter: SlackRateLimiter;
  readonly responseUrls: ResponseUrls;
  readonly botToken: string;
  readonly appToken: string;
  private readonly tokens: ReadonlySet<string>;
  private readonly appTokens: ReadonlySet<string>;
  private readonly limits: BlockKitLimits;
  private readonly triggerTtlMs: number;
  private readonly faults = new Map<string, PendingFault[]>();
  private readonly server: Server;
  private readonly host: string;
  port = 0;

  constructor(options: SlackEmulatorOptions) {
    const now = options.now ?? Date.now;
    const tokens = options.botToken === undefined ? [DEFAULT_BOT_TOKEN] : [options.botToken].flat();
    if (tokens.length === 0 || tokens[0] === undefined) throw new Error('startSlackEmulator needs at least one bot token');
    this.botToken = tokens[0];
    this.tokens = new Set(tokens);
    const appTokens = options.appToken === undefined ? [DEFAULT_APP_TOKEN] : [options.appToken].flat();
    this.appToken = appTokens[0] ?? DEFAULT_APP_TOKEN;
    this.appTokens = new Set(appTokens);
    this.host = options.host ?? '127.0.0.1';
    this.limits = { ...BLOCK_KIT_LIMITS, ...options.limits };
    this.triggerTtlMs = options.triggerTtlMs ?? 3_000;
    this.workspace = new SlackWorkspace({ ...options.workspace, now });
    this.rateLimiter = new SlackRateLimiter(resolveRateLimits(options.rateLimits), now);
    this.responseUrls = new ResponseUrls(this.workspace, () => this.url, { ...DEFAULT_RESPONSE_URL_OPTIONS, ...options.responseUrls }, this.limits);
    this.server = createServer((request, response) => {
      this.route(request, response).catch(() => {
        if (!response.headersSent) sendJson(response, 500, { ok: false, error: 'internal_error' });
        else response.destroy();
      });
    });
  }

  get url(): string {
    return `http://${this.host}:${this.port}`;
  }

  get apiUrl(): string {
    return `${this.url}/api/`;
  }

  async listen(port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, this.host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.port = (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  newResponseUrl(channel: string, user: string, options: { messageTs?: string } = {}): string {
    return this.responseUrls.issue(channel, user, options);
  }

  newTriggerId(user: string): string {
    return this.workspace.issueTrigger(user);
  }

  failNext(method: string, fault: ApiFault): void {
    const list = this.faults.get(method) ?? [];
    list.push({ ...fault, remaining: fault.times ?? 1 });
    this.faults.set(method, list);
  }

  calls(method?: string): RecordedCall[] {
    return this.workspace.calls(method);
  }
  messages(channel: string, options?: { includeDeleted?: boolean }): StoredMessage[] {
    return this.workspace.messages(channel, options);
  }
  thread(channel: string, ts: string): StoredMessage[] {
    return this.workspace.thread(channel, ts);
  }
  message(channel: string, ts: string): StoredMessage | undefined {
    return this.workspace.message(channel, ts);
  }
  ephemerals(filter?: { channel?: string; user?: string }): EphemeralMessage[] {
    return this.workspace.ephemerals(filter);
  }
  homeView(user: string): StoredView | undefined {
    return this.workspace.homeView(user);
  }
  responses(filter?: { url?: string; channel?: string }): RecordedResponse[] {
    return this.workspace.responses(filter);
  }
  violations(kind?: string): RecordedViolation[] {
    return this.workspace.violations(kind);
  }
  rateLimited(method?: string): RateLimitRefusal[] {
    return this.rateLimiter.refusals(method);
  }
  ignoredRetryAfters(): IgnoredRetryAfter[] {
    return this.rateLimiter.ignoredRetryAfters();
  }
  channelRates(method?: string): ChannelRateStats[] {
    return this.rateLimiter.channelStats(method);
  }

  private async route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', this.url);
    if (request.method !== 'POST' && request.method !== 'GET') {
      sendJson(response, 405, { ok: false, error: 'method_not_allowed' });
      return;
    }
    const rawBody = await readBody(request);
    if (rawBody === undefined) {
      sendJson(response, 413, { ok: false, error: 'request_too_large' });
      return;
    }
    if (url.pathname.startsWith('/api/')) {
      await this.webApi(decodeURIComponent(url.pathname.slice('/api/'.length)), request, rawBody, url.searchParams, response);
      return;
    }
    if (url.pathname.startsWith('/response/') && request.method === 'POST') {
      const answer = this.responseUrls.handle(decodeURIComponent(url.pathname.slice('/response/'.length)), rawBody);
      sendJson(response, answer.status, answer.body);
      return;
    }
    sendJson(response, 404, { ok: false, error: 'not_found' });
  }

  private async webApi(method: string, request: IncomingMessage, rawBody: string, query: URLSearchParams, response: ServerResponse): Promise<void> {
    const at = this.workspace.now();
    const parsed = parseArgs(request.headers['content-type'] ?? '', rawBody, query);
    const args = parsed.ok ? parsed.args : {};
    const recordedArgs = Object.fromEntries(Object.entries(args).filter(([key]) => key !== 'token'));
    const answer = (status: number, body: ApiAnswer, headers: Record<string, string> = {}): void => {
      this.workspace.recordCall({ method, args: recordedArgs, response: body, status, at });
      sendJson(response, status, body, headers);
    };

    const handler = WEB_API_METHODS[method];
    if (handler === undefined) return answer(200, { ok: false, error: 'unknown_method' });
    if (!parsed.ok) return answer(200, { ok: false, error: parsed.error });

    const isJson = (request.headers['content-type'] ?? '').toLowerCase().startsWith('application/json');
    const formToken = !isJson && typeof args['token'] === 'string' ? args['token'] : undefined;
    const token = bearerToken(request) ?? formToken;
    if (!UNAUTHENTICATED_METHODS.has(method)) {
      if (token === undefined) return answer(200, { ok: false, error: 'not_authed' });
      const [accepted, otherType] = APP_TOKEN_METHODS.has(method) ? [this.appTokens, this.tokens] : [this.tokens, this.appTokens];
      if (otherType.has(token)) return answer(200, { ok: false, error: 'not_allowed_token_type' });
      if (!accepted.has(token)) return answer(200, { ok: false, error: 'invalid_auth' });
    }

    const fault = this.takeFault(method);
    if (fault) {
      if (fault.delayMs !== undefined) await sleep(fault.delayMs);
      if (fault.retryAfterSeconds !== undefined) return answer(429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(fault.retryAfterSeconds) });
      if (fault.status !== undefined) {
        this.workspace.recordCall({ method, args: recordedArgs, response: {}, status: fault.status, at });
        response.writeHead(fault.status, { 'content-type': 'text/plain' });
        response.end('');
        return;
      }
      if (fault.error !== undefined) return answer(200, { ok: false, error: fault.error });
    }

    const decision = this.rateLimiter.admit({
      method,
      ...this.rateChannelOf(method, args),
      fingerprint: createHash('sha256').update(`${method}\n${token ?? ''}\n${rawBody}`).digest('base64url'),
    });
    if (!decision.allowed) return answer(429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(decision.retryAfterSeconds) });

    answer(200, handler(args, { workspace: this.workspace, limits: this.limits, triggerTtlMs: this.triggerTtlMs, url: this.url }));
  }

  /** The conversation a call is counted against (a user id as chat.postMessage channel means that user's DM). */
  private rateChannelOf(method: string, args: ApiArgs): { channel?: string } {
    const channel = args['channel'];
    if (typeof channel !== 'string' || channel === '') return {};
    const user = method === 'chat.postMessage' && /^[UW]/.test(channel) ? this.workspace.user(channel) : undefined;
    if (user && !user.isBot && !user.deleted) return { channel: this.workspace.imWith(user.id).id };
    return { channel };
  }

  private takeFault(method: string): PendingFault | undefined {
    const list = this.faults.get(method);
    const fault = list?.[0];
    if (!list || !fault) return undefined;
    fault.remaining -= 1;
    if (fault.remaining <= 0) list.shift();
    return fault;
  }
}

/** Starts the emulator on 127.0.0.1 (port 0 by default). Close it with `close()`. */
export async function startSlackEmulator(options: SlackEmulatorOptions = {}): Promise<SlackEmulator> {
  const emulator = new EmulatorServer(options);
  await emulator.listen(options.port ?? 0);
  return emulator;
}
