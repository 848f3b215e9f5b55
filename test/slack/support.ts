/**
 * Harness for the gateway tests: the Slack emulator over real HTTP, and the real gateway (Bolt in HTTP mode
 * behind its timestamp check) pointed at it through SLACK_API_URL, listening on a free port.
 */
import { Writable } from 'node:stream';
import { loadConfig, slackSettingsOf, type SlackSettings } from '../../src/config.ts';
import type { Incident } from '../../src/contract/incident.ts';
import { createLogger, type Logger } from '../../src/log.ts';
import type { CommandJob } from '../../src/queue/jobs.ts';
import { startSlackEmulator, type SlackEmulator } from '../../src/slack-emulator/server.ts';
import { createSlackGateway, type SlackGateway } from '../../src/slack/gateway.ts';

export const SIGNING_SECRET = 'gateway-test-signing-secret';

export interface CapturedLog {
  lines: string[];
  log: Logger;
}

/** A pino logger writing JSON lines into memory (debug and up), to grep for secrets. */
export function capturedLog(level = 'debug'): CapturedLog {
  const lines: string[] = [];
  const log = createLogger({
    level,
    destination: new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    }),
  });
  return { lines, log };
}

export function httpSettings(slack: SlackEmulator, extra: Record<string, string> = {}): SlackSettings {
  const settings = slackSettingsOf(loadConfig({ SLACK_BOT_TOKEN: slack.botToken, SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: slack.apiUrl, SLACK_PORT: '0', ...extra }));
  if (!settings) throw new Error('Slack settings expected');
  return settings;
}

export interface TestGateway {
  slack: SlackEmulator;
  gateway: SlackGateway;
  eventsUrl: string;
  jobs: CommandJob[];
  logs: CapturedLog;
  close(): Promise<void>;
}

/** The gateway alone: command jobs are collected (no agent), incidents come from `incidents`. */
export async function startTestGateway(options: { clusters?: string[]; incidents?: Incident[]; slack?: SlackEmulator } = {}): Promise<TestGateway> {
  const slack = options.slack ?? (await startSlackEmulator({ rateLimits: false }));
  const jobs: CommandJob[] = [];
  const logs = capturedLog();
  const gateway = await createSlackGateway({
    settings: httpSettings(slack),
    log: logs.log,
    clusters: options.clusters ?? ['prod'],
    host: '127.0.0.1',
    enqueueCommand: async (job) => void jobs.push(job),
    openIncidents: async (cluster) => (options.incidents ?? []).filter((i) => i.cluster === cluster),
  });
  const { port } = await gateway.start();
  return {
    slack,
    gateway,
    eventsUrl: `http://127.0.0.1:${port}/slack/events`,
    jobs,
    logs,
    async close() {
      await gateway.close();
      if (!options.slack) await slack.close();
    },
  };
}
