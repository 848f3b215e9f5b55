/**
 * response_url: the per-interaction webhook Slack hands an app with every slash command and
 * interaction. https://docs.slack.dev/interactivity/handling-user-interaction#message_responses:
 * - the app POSTs JSON: `text`, `blocks`, `response_type` ("ephemeral" — the default — or
 *   "in_channel"), `replace_original`, `delete_original`, `thread_ts`;
 * - a response_url is usable "up to 5 times within 30 minutes of receiving the payload".
 * Bolt's `respond()` POSTs exactly that JSON with fetch and throws a RespondError on any non-2xx
 * status (@slack/bolt 5.1 dist/context/create-respond.js), so the emulator answers refusals with 4xx.
 *
 * Slack does not document its refusal answers; the emulator's are: 404 `{ok:false,error:"expired_url"}`
 * for an unknown or expired URL, 404 `used_url` past the 5th use, 400 with the Block Kit error for a
 * payload Slack would refuse (400 rather than Slack's usual 200 so that Bolt's respond() throws and the
 * test sees it), 404 `message_not_found` for replace/delete without an original message.
 */
import { checkMessagePayload, slackErrorBody, type BlockKitLimits } from './block-kit-limits.ts';
import type { MessageContent, SlackWorkspace } from './workspace.ts';

export interface ResponseUrlOptions {
  /** Slack: 5. */
  maxUses: number;
  /** Slack: 30 minutes. */
  ttlMs: number;
}

export const DEFAULT_RESPONSE_URL_OPTIONS: ResponseUrlOptions = { maxUses: 5, ttlMs: 30 * 60 * 1000 };

export interface ResponseUrlGrant {
  id: string;
  url: string;
  channel: string;
  user: string;
  /** The message the interaction came from (block_actions): what replace_original/delete_original act on. */
  messageTs?: string;
  issuedAt: number;
  uses: number;
}

export interface ResponseUrlAnswer {
  status: number;
  body: Record<string, unknown>;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export class ResponseUrls {
  private readonly grants = new Map<string, ResponseUrlGrant>();
  private readonly workspace: SlackWorkspace;
  private readonly options: ResponseUrlOptions;
  private readonly limits: BlockKitLimits;
  private readonly baseUrl: () => string;

  constructor(workspace: SlackWorkspace, baseUrl: () => string, options: ResponseUrlOptions, limits: BlockKitLimits) {
    this.workspace = workspace;
    this.baseUrl = baseUrl;
    this.options = options;
    this.limits = limits;
  }

  /** A fresh response_url for an interaction by `user` in `channel` (on the message `messageTs`, if any). */
  issue(channel: string, user: string, options: { messageTs?: string } = {}): string {
    const id = `${this.workspace.identity.teamId}/${this.workspace.nextId('R').slice(1)}/${Math.random().toString(36).slice(2, 14)}`;
    const url = `${this.baseUrl()}/response/${id}`;
    const grant: ResponseUrlGrant = { id, url, channel, user, issuedAt: this.workspace.now(), uses: 0 };
    if (options.messageTs !== undefined) grant.messageTs = options.messageTs;
    this.grants.set(id, grant);
    return url;
  }

  grant(id: string): ResponseUrlGrant | undefined {
    return this.grants.get(id);
  }

  /** Handles one POST to /response/<id>; records it in the workspace. */
  handle(id: string, rawBody: string): ResponseUrlAnswer {
    const grant = this.grants.get(id);
    let body: Record<string, unknown> = {};
    try {
      const parsed: unknown = JSON.parse(rawBody);
      if (isObject(parsed)) body = parsed;
    } catch {
      body = {};
    }
    const answer = (status: number, response: Record<string, unknown>, effect: Parameters<SlackWorkspace['recordResponse']>[0]['effect']): ResponseUrlAnswer => {
      this.workspace.recordResponse({ url: grant?.url ?? `${this.baseUrl()}/response/${id}`, id, channel: grant?.channel ?? '', user: grant?.user ?? '', body, status, response, effect, at: this.workspace.now() });
      return { status, body: response };
    };

    if (!grant || this.workspace.now() - grant.issuedAt > this.options.ttlMs) return answer(404, { ok: false, error: 'expired_url' }, 'refused');
    if (grant.uses >= this.options.maxUses) return answer(404, { ok: false, error: 'used_url' }, 'refused');
    grant.uses += 1;

    if (body['delete_original'] === true) {
      const original = grant.messageTs === undefined ? undefined : this.workspace.message(grant.channel, grant.messageTs);
      if (!original || original.deleted) return answer(404, { ok: false, error: 'message_not_found' }, 'refused');
      this.workspace.deleteMessage(original);
      return answer(200, { ok: true }, 'delete_original');
    }

    const verdict = checkMessagePayload({ text: body['text'], blocks: body['blocks'], attachments: body['attachments'], metadata: body['metadata'], link_names: body['link_names'] }, { limits: this.limits });
    for (const violation of verdict.violations) this.workspace.recordViolation({ source: 'response_url', channel: grant.channel, ...violation, at: this.workspace.now() });
    if (!verdict.ok) return answer(400, slackErrorBody(verdict.failure), 'refused');

    const content: MessageContent = { text: typeof body['text'] === 'string' ? body['text'] : '' };
    if (Array.isArray(body['blocks'])) content.blocks = body['blocks'];
    if (Array.isArray(body['attachments'])) content.attachments = body['attachments'];
    const threadTs = typeof body['thread_ts'] === 'string' ? body['thread_ts'] : undefined;

    if (body['replace_original'] === true) {
      const original = grant.messageTs === undefined ? undefined : this.workspace.message(grant.channel, grant.messageTs);
      if (!original || original.deleted) return answer(404, { ok: false, error: 'message_not_found' }, 'refused');
      this.workspace.updateMessage(original, content, 'response_url');
      return answer(200, { ok: true }, 'replace_original');
    }
    if (body['response_type'] === 'in_channel') {
      this.workspace.postMessage(grant.channel, content, { ...(threadTs === undefined ? {} : { threadTs }), via: 'response_url' });
      return answer(200, { ok: true }, 'in_channel');
    }
    this.workspace.postEphemeral(grant.channel, grant.user, content, { ...(threadTs === undefined ? {} : { threadTs }), via: 'response_url' });
    return answer(200, { ok: true }, 'ephemeral');
  }
}
