import { afterAll, describe, expect, it } from 'vitest';
import { gatewayCommand } from '../../src/cli/gateway.ts';
import { startSlackEmulator } from '../../src/slack-emulator/server.ts';
import { deleteRedisKeys, REDIS_URL, uniquePrefix, waitFor } from '../agent/support.ts';
import { captureIo } from '../support/cli.ts';
import { freePort } from '../support/free-port.ts';
import { SIGNING_SECRET } from '../slack/support.ts';

const PREFIX = uniquePrefix('gateway-cli');
afterAll(async () => {
  await deleteRedisKeys(PREFIX);
});

const status = (url: string) => fetch(url).then((res) => res.status, () => 'refused');

describe('podwhy gateway', () => {
  it('serves /healthz and /readyz on HTTP_PORT for the Kubernetes probes, and closes them on SIGTERM', async () => {
    const slack = await startSlackEmulator({ rateLimits: false });
    try {
      const port = await freePort();
      let stop: (signal: string) => void = () => undefined;
      const io = captureIo();
      const exited = gatewayCommand([], io, {
        env: {
          SLACK_BOT_TOKEN: slack.botToken, SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: slack.apiUrl, SLACK_PORT: '0',
          REDIS_URL, REDIS_PREFIX: PREFIX, HTTP_PORT: String(port), LOG_LEVEL: 'silent',
          // Scaled out, every gateway replica and agent shares one button-signing key: the gateway refuses to start without it.
          ACTION_SIGNING_KEY: 'gateway-cli-test-signing-key-0123456789abcdef',
        },
        stopSignal: new Promise((resolve) => (stop = resolve)),
      });
      const base = `http://127.0.0.1:${port}`;

      await waitFor(async () => (await status(`${base}/readyz`)) === 200, 'the gateway to be ready');
      expect(await status(`${base}/healthz`)).toBe(200);
      stop('SIGTERM');

      expect(await exited).toBe(0);
      expect(await status(`${base}/healthz`)).toBe('refused');
    } finally {
      await slack.close();
    }
  });
});
