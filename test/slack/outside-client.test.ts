import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startSlackEmulator } from '../../src/slack-emulator/server.ts';
import { startSimCluster, waitFor } from '../agent/support.ts';
import { linesOf } from '../support/child-lines.ts';
import { freePort } from '../support/free-port.ts';

// The issue's outside-client check: `podwhy agent` as its own process (bin/podwhy), in HTTP mode with only
// SLACK_API_URL, SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, DEFAULT_CHANNEL and a kubeconfig, answers a /pod why
// that any client signs by hand (HMAC-SHA256 per docs.slack.dev/authentication/verifying-requests-from-slack)
// and POSTs with plain fetch to http://127.0.0.1:$SLACK_PORT/slack/events.

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'podwhy');
const SECRET = 'outside-client-signing-secret';
const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code))));
}

describe('podwhy agent with Slack, from an outside client', () => {
  it('answers a hand-signed /pod why POSTed with fetch, in the channel, and stops cleanly on SIGTERM', async () => {
    const slack = await startSlackEmulator({ rateLimits: false });
    cleanup.push(() => slack.close());
    const cluster = await startSimCluster();
    cleanup.push(() => cluster.close());
    cluster.sim.breakWorkload('image-pull.not-found', { namespace: 'shop', name: 'web', replicas: 1 });
    const port = await freePort();
    const child = spawn(BIN, ['agent'], {
      env: {
        PATH: process.env['PATH'] ?? '',
        SLACK_API_URL: slack.apiUrl, SLACK_BOT_TOKEN: slack.botToken, SLACK_SIGNING_SECRET: SECRET, DEFAULT_CHANNEL: 'C0ALERTS',
        KUBECONFIG: cluster.kubeconfigPath, SLACK_PORT: String(port), HTTP_PORT: '0', LOG_LEVEL: 'info', CLUSTER_NAME: 'outside',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    cleanup.push(async () => {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited(child);
    });
    const lines = linesOf(child);
    await waitFor(() => lines.some((line) => line.includes('podwhy started')), 'the agent to start', 30_000);

    const body = new URLSearchParams({
      token: 'x', team_id: 'T0PODWHY1', team_domain: 'podwhy-test', channel_id: 'C0OPS', channel_name: 'ops', user_id: 'U0ALICE', user_name: 'alice',
      command: '/pod', text: 'why deploy/web -n shop', api_app_id: 'A0PODWHY1', is_enterprise_install: 'false',
      response_url: slack.newResponseUrl('C0OPS', 'U0ALICE'), trigger_id: '1234567890.1234.abcdef',
    }).toString();
    const timestamp = Math.floor(Date.now() / 1000);
    const signature = `v0=${createHmac('sha256', SECRET).update(`v0:${timestamp}:${body}`).digest('hex')}`;
    const response = await fetch(`http://127.0.0.1:${port}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': signature },
      body,
    });
    const answer = await waitFor(() => slack.messages('C0OPS')[0], 'the answer in #ops', 15_000);
    child.kill('SIGTERM');
    const code = await exited(child);

    expect(response.status).toBe(200);
    expect(answer.metadata).toMatchObject({ event_type: 'podwhy_diagnosis', event_payload: { cluster: 'outside', namespace: 'shop', cause: 'image-pull.not-found' } });
    expect(code).toBe(0);
    expect(lines.join('\n')).not.toContain(slack.botToken);
  });
});
