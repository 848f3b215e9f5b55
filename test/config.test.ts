import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CONFIG_KEYS, loadConfig, slackSettingsOf } from '../src/config.ts';
import { isPodwhyError } from '../src/errors.ts';
import { createLogger } from '../src/log.ts';
import { queueNameFor } from '../src/queue/jobs.ts';

describe('loadConfig', () => {
  it('gives a single process against the kubeconfig when nothing is set', () => {
    const config = loadConfig({});

    expect(config).toMatchObject({ CLUSTER_NAME: 'default', WATCH_NAMESPACES: [], ACTIONS_ENABLED: false, HTTP_PORT: 9464 });
    expect(config.REDIS_URL).toBeUndefined();
  });

  it('accepts .env.example as it is: empty values mean unset', () => {
    const text = readFileSync(join(import.meta.dirname, '..', '.env.example'), 'utf8');
    const env = Object.fromEntries(text.split('\n').filter((l) => /^[A-Z_]+=/.test(l)).map((l) => [l.split('=')[0], l.slice(l.indexOf('=') + 1)]));

    const config = loadConfig(env);

    expect(config.REDIS_URL).toBeUndefined();
    expect(config.KUBECONFIG).toBeUndefined();
  });

  it('reads "false" as false, never as a truthy string', () => {
    expect(loadConfig({ ACTIONS_ENABLED: 'false' }).ACTIONS_ENABLED).toBe(false);
    expect(loadConfig({ ACTIONS_ENABLED: 'true' }).ACTIONS_ENABLED).toBe(true);
  });

  it('splits comma lists and trims them', () => {
    expect(loadConfig({ WATCH_NAMESPACES: ' shop, payments ,,' }).WATCH_NAMESPACES).toEqual(['shop', 'payments']);
  });

  it('lists every problem at once', () => {
    let caught: unknown;

    try {
      loadConfig({ CLUSTER_NAME: 'Prod:EU', REDIS_URL: 'http://x', HTTP_PORT: '70000', ACTIONS_ENABLED: 'maybe' });
    } catch (error) {
      caught = error;
    }

    expect(isPodwhyError(caught, 'config-invalid')).toBe(true);
    const message = (caught as Error).message;
    for (const key of ['CLUSTER_NAME', 'REDIS_URL', 'HTTP_PORT', 'ACTIONS_ENABLED']) expect(message).toContain(key);
  });

  it.each([
    ['prod', true],
    ['prod-eu.west_1', true],
    ['Prod', false],
    ['prod:eu', false],
    ['-prod', false],
    ['prod-', false],
    ['p'.repeat(64), false],
  ])('accepts the cluster name %s exactly when a diagnosis job does (one schema for both)', (name, valid) => {
    const accepts = (read: () => string) => {
      try {
        return read() !== '';
      } catch {
        return false;
      }
    };

    const configured = accepts(() => loadConfig({ CLUSTER_NAME: name }).CLUSTER_NAME);
    const queued = accepts(() => queueNameFor(name));

    expect([configured, queued]).toEqual([valid, valid]);
  });

  it('.env.example lists exactly the schema keys', () => {
    const text = readFileSync(join(import.meta.dirname, '..', '.env.example'), 'utf8');

    const keys = text.split('\n').filter((line) => /^[A-Z_]+=/.test(line)).map((line) => line.split('=')[0]);

    expect([...keys].sort()).toEqual([...CONFIG_KEYS].sort());
  });

  it('parses CHANNEL_ROUTES at start-up and lists every bad route with the other problems, one line each, in words', () => {
    let caught: unknown;

    try {
      loadConfig({ CHANNEL_ROUTES: 'shop,team-a-*=C0TEAMA,Bad=C0X', HTTP_PORT: 'ninety' });
    } catch (error) {
      caught = error;
    }

    expect(isPodwhyError(caught, 'config-invalid')).toBe(true);
    const problems = (caught as Error).message.split('\n').filter((line) => line.startsWith('  - '));
    expect(problems).toEqual([
      '  - HTTP_PORT (got "ninety"): must be a whole number',
      expect.stringMatching(/^ {2}- CHANNEL_ROUTES: Channel route "shop" is not namespace=channel/),
      expect.stringMatching(/^ {2}- CHANNEL_ROUTES: Channel route "Bad=C0X" is not namespace=channel/),
    ]);
    expect((caught as Error).message).not.toMatch(/expected number|received NaN/);
  });

  it('parses CHANNEL_MIN_SEVERITY at start-up: a bad entry is listed with the other problems', () => {
    let caught: unknown;

    try {
      loadConfig({ CHANNEL_MIN_SEVERITY: 'C0OPS=urgent', HTTP_PORT: 'ninety' });
    } catch (error) {
      caught = error;
    }

    expect(isPodwhyError(caught, 'config-invalid')).toBe(true);
    const problems = (caught as Error).message.split('\n').filter((line) => line.startsWith('  - '));
    expect(problems).toEqual([
      '  - HTTP_PORT (got "ninety"): must be a whole number',
      expect.stringMatching(/^ {2}- CHANNEL_MIN_SEVERITY.*"C0OPS=urgent" is not channel=severity/),
    ]);
    expect(loadConfig({ CHANNEL_MIN_SEVERITY: 'C0OPS=critical' }).CHANNEL_MIN_SEVERITY).toEqual(new Map([['C0OPS', 'critical']]));
  });

  it('hands the agent parsed routes', () => {
    expect(loadConfig({ CHANNEL_ROUTES: 'shop=C0SHOP, team-a-*=C0TEAMA' }).CHANNEL_ROUTES).toEqual([
      { namespace: 'shop', channel: 'C0SHOP' },
      { namespace: 'team-a-*', channel: 'C0TEAMA' },
    ]);
  });
});

describe('createLogger', () => {
  it('never writes tokens, the signing secret, authorization headers or response_urls', () => {
    let written = '';
    const destination = new Writable({ write(chunk, _enc, done) { written += String(chunk); done(); } });
    const log = createLogger({ destination });

    log.info({ token: 'xoxb-secret-1', headers: { authorization: 'Bearer abc-secret-2' }, payload: { response_url: 'https://hooks.slack.com/secret-3' }, config: { SLACK_SIGNING_SECRET: 'secret-4', REDIS_URL: 'redis://:pw-secret-5@r:6379' } }, 'request');

    expect(written).toContain('[redacted]');
    for (const secret of ['secret-1', 'secret-2', 'secret-3', 'secret-4', 'secret-5']) expect(written).not.toContain(secret);
  });
});

describe('Slack settings', () => {
  it('leaves Slack off without a bot token', () => {
    expect(slackSettingsOf(loadConfig({}))).toBeNull();
  });

  it('picks Socket Mode when an app token is set, HTTP mode with a signing secret', () => {
    expect(slackSettingsOf(loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1-a', SLACK_APP_TOKEN: 'xapp-1-b' }))).toMatchObject({ mode: 'socket', appToken: 'xapp-1-b' });
    expect(slackSettingsOf(loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1-a', SLACK_SIGNING_SECRET: 'secret-123', SLACK_PORT: '3100', SLACK_API_URL: 'http://127.0.0.1:9/api/' }))).toEqual({
      mode: 'http', botToken: 'xoxb-1-a', signingSecret: 'secret-123', port: 3100, apiUrl: 'http://127.0.0.1:9/api/',
    });
  });

  it('says which setting is missing when the bot token has no mode, and refuses a wrong token kind', () => {
    const problem = (env: Record<string, string>) => {
      try {
        loadConfig(env);
        return '';
      } catch (error) {
        return (error as Error).message;
      }
    };

    expect(problem({ SLACK_BOT_TOKEN: 'xoxb-1-a' })).toMatch(/SLACK_APP_TOKEN \(Socket Mode\) or SLACK_SIGNING_SECRET \(HTTP mode\) is missing/);
    expect(problem({ SLACK_SIGNING_SECRET: 'secret-123' })).toContain('SLACK_BOT_TOKEN is not');
    const wrongKinds = problem({ SLACK_BOT_TOKEN: 'xoxp-user-token', SLACK_APP_TOKEN: 'xoxb-wrong' });
    for (const part of ['SLACK_BOT_TOKEN', 'a bot token starts with xoxb-', 'SLACK_APP_TOKEN', 'an app-level token starts with xapp-']) expect(wrongKinds).toContain(part);
  });

  it('redacts every Slack secret and a response_url from log lines', () => {
    const lines: string[] = [];
    const log = createLogger({ destination: new Writable({ write: (chunk: Buffer, _e, done) => void (lines.push(chunk.toString()), done()) }) });

    log.info({ config: { SLACK_BOT_TOKEN: 'xoxb-1-secret', SLACK_APP_TOKEN: 'xapp-1-secret', SLACK_SIGNING_SECRET: 'sign-secret' }, responseUrl: 'https://hooks.slack.com/commands/T/1/x', command: { response_url: 'https://hooks.slack.com/commands/T/2/y' } }, 'start');

    const text = lines.join('');
    for (const secret of ['xoxb-1-secret', 'xapp-1-secret', 'sign-secret', 'hooks.slack.com']) expect(text).not.toContain(secret);
    expect(text).toContain('[redacted]');
  });
});
