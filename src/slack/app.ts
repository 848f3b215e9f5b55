/**
 * The Bolt app of the Slack gateway (docs/architecture.md, "Processes"): Socket Mode when an app-level token is
 * configured (no public ingress), else HTTP on SLACK_PORT with Bolt's single endpoint /slack/events.
 *
 * Request checks, in order:
 * 1. HTTP mode: the request timestamp must be within 5 minutes of now, EITHER way. Bolt 5.1's
 *    verify-request.js only refuses timestamps older than 5 minutes, so a request carrying a future
 *    timestamp would stay replayable for as long as its timestamp is ahead (test/slack-emulator/bolt.test.ts
 *    shows Bolt accepting one 10 minutes ahead). Our own http.Server checks
 *    `x-slack-request-timestamp` first and only then hands the request to the HTTPReceiver's `requestListener`
 *    (its documented public property, the same listener HTTPReceiver.start would install).
 * 2. Bolt verifies the signature (HMAC of the raw body): 401 and no listener run when it is wrong.
 * 3. A global middleware refuses payloads of another workspace or app than this installation's (team from
 *    auth.test, app from bots.info): a signing secret shared by mistake across apps must not let another
 *    workspace's users drive this one's bot.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, HTTPReceiver, LogLevel, SocketModeReceiver, type Logger as BoltLogger } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { SlackSettings } from '../config.ts';
import type { Logger } from '../log.ts';
import { explainAppTokenError, explainSlackError } from '../notify/slack-notifier.ts';

/** Slack's own bound (docs.slack.dev/authentication/verifying-requests-from-slack): 5 minutes. */
export const MAX_CLOCK_SKEW_SECONDS = 300;
/** Per Web API call: a slow Slack must not hold a command's answer (or the queue) for long. */
export const SLACK_CALL_TIMEOUT_MS = 10_000;
export const EVENTS_PATH = '/slack/events';

/** Who this installation is (auth.test; bots.info for the app id). */
export interface Installation {
  teamId: string;
  botUserId: string;
  botId: string;
  /** null when bots.info could not say (then api_app_id is not checked; logged at start). */
  appId: string | null;
}

export interface SlackAppOptions {
  settings: SlackSettings;
  log: Logger;
  /** HTTP mode: where to listen (default all interfaces). */
  host?: string;
  now?: () => number;
}

export interface SlackApp {
  app: App;
  client: WebClient;
  installation: Installation;
  /** HTTP mode: starts listening; returns the port. Socket Mode: connects. */
  start(): Promise<{ port?: number }>;
  /** Stops taking requests (closes the server or the socket). */
  stop(): Promise<void>;
}

/** Bolt's 6-method logger over pino. */
export function boltLogger(log: Logger): BoltLogger {
  let level = LogLevel.INFO;
  const line = (method: 'debug' | 'info' | 'warn' | 'error') => (...messages: unknown[]) => log[method]({ bolt: messages.map(String).join(' ') }, 'Bolt');
  return {
    debug: line('debug'),
    info: line('info'),
    warn: line('warn'),
    error: line('error'),
    setLevel: (next) => {
      level = next;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}

export async function createSlackApp(options: SlackAppOptions): Promise<SlackApp> {
  const { settings } = options;
  const log = options.log.child({ component: 'slack-app' });
  const now = options.now ?? Date.now;
  const logger = boltLogger(log);
  const receiver =
    settings.mode === 'socket'
      ? // Its own WebClient (apps.connections.open) goes where the bot's does: SLACK_API_URL holds for both.
        new SocketModeReceiver({ appToken: settings.appToken, logger, ...(settings.apiUrl !== undefined && { installerOptions: { clientOptions: { slackApiUrl: settings.apiUrl } } }) })
      : new HTTPReceiver({ signingSecret: settings.signingSecret, endpoints: EVENTS_PATH, logger, processBeforeResponse: false });
  const app = new App({
    token: settings.botToken,
    receiver,
    logger,
    // Bolt's own auth.test runs in init(), awaited, instead of un-awaited in the constructor.
    deferInitialization: true,
    clientOptions: {
      slackApiUrl: settings.apiUrl ?? 'https://slack.com/api/',
      timeout: SLACK_CALL_TIMEOUT_MS,
      // No retries of the client's own: a retried post after a timeout may post twice; queues retry instead.
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      allowAbsoluteUrls: false,
    },
  });
  let installation: Installation;
  try {
    await app.init();
    installation = await installationOf(app.client, log);
  } catch (error) {
    // web-api's own words ("An API error occurred: invalid_auth") name no setting: say which one to check.
    throw explainSlackError(error, { method: 'auth.test', channel: '' });
  }

  app.use(async (args) => {
    const body = args.body as { team_id?: unknown; team?: { id?: unknown } | null; api_app_id?: unknown };
    const teamId = typeof body.team_id === 'string' ? body.team_id : typeof body.team?.id === 'string' ? body.team.id : undefined;
    const appId = typeof body.api_app_id === 'string' ? body.api_app_id : undefined;
    const foreignTeam = teamId !== undefined && teamId !== installation.teamId;
    const foreignApp = installation.appId !== null && appId !== undefined && appId !== installation.appId;
    if (foreignTeam || foreignApp) {
      log.warn({ teamId, appId }, 'Refused a request for another workspace or app');
      // Acknowledge with nothing (Slack shows nothing); no listener runs.
      if ('ack' in args && typeof args.ack === 'function') await (args.ack as () => Promise<void>)();
      return;
    }
    await args.next();
  });
  app.error(async (error) => {
    log.error({ err: error }, 'Slack listener failed');
  });

  let server: Server | undefined;
  return {
    app,
    client: app.client,
    installation,
    async start() {
      if (receiver instanceof SocketModeReceiver) {
        try {
          await receiver.start();
        } catch (error) {
          // As for the bot token at init: say which setting Slack refused, not only its error code.
          throw explainAppTokenError(error);
        }
        return {};
      }
      const listener = receiver.requestListener;
      server = createServer((req, res) => {
        if (!timestampIsFresh(req, now())) {
          refuse(res, 401, 'stale or future request timestamp');
          return;
        }
        listener(req, res);
      });
      const listening = server;
      await new Promise<void>((resolve, reject) => {
        listening.once('error', reject);
        listening.listen(settings.mode === 'http' ? settings.port : 0, options.host, () => resolve());
      });
      return { port: (listening.address() as AddressInfo).port };
    },
    async stop() {
      if (receiver instanceof SocketModeReceiver) {
        await receiver.stop();
        return;
      }
      const closing = server;
      server = undefined;
      if (!closing) return;
      await new Promise<void>((resolve) => {
        closing.close(() => resolve());
        closing.closeIdleConnections();
      });
    },
  };
}

/** Within MAX_CLOCK_SKEW_SECONDS of now, in the past or the future. A missing or malformed header is refused. */
export function timestampIsFresh(req: IncomingMessage, nowMs: number): boolean {
  const header = req.headers['x-slack-request-timestamp'];
  const value = typeof header === 'string' && /^\d{1,12}$/.test(header) ? Number(header) : Number.NaN;
  return Number.isFinite(value) && Math.abs(nowMs / 1000 - value) <= MAX_CLOCK_SKEW_SECONDS;
}

function refuse(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'content-type': 'text/plain' });
  res.end(message);
}

async function installationOf(client: WebClient, log: Logger): Promise<Installation> {
  const auth = await client.auth.test();
  if (!auth.team_id || !auth.user_id || !auth.bot_id) throw new Error('auth.test did not say which team and bot the token belongs to');
  let appId: string | null = null;
  try {
    const bot = await client.bots.info({ bot: auth.bot_id });
    appId = bot.bot?.app_id ?? null;
  } catch (error) {
    log.warn({ err: error }, 'bots.info failed; requests are checked by team only');
  }
  return { teamId: auth.team_id, botUserId: auth.user_id, botId: auth.bot_id, appId };
}
