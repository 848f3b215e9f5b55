/**
 * One pino root logger. Tokens, the signing secret, authorization headers and response_urls are
 * redacted wherever they appear in a logged object; child loggers add { component, podUid, … }.
 */
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

export const REDACTED_PATHS = [
  'token', '*.token', 'botToken', '*.botToken', 'SLACK_BOT_TOKEN', '*.SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', '*.SLACK_SIGNING_SECRET',
  'signingSecret', '*.signingSecret', 'authorization', '*.authorization', 'headers.authorization', '*.headers.authorization',
  'SLACK_APP_TOKEN', '*.SLACK_APP_TOKEN', 'appToken', '*.appToken', 'responseUrl', '*.responseUrl',
  'response_url', '*.response_url', 'REDIS_URL', '*.REDIS_URL', 'password', '*.password',
];

export function createLogger(options: { level?: string; destination?: DestinationStream } = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { app: 'podwhy' },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination,
  );
}
