import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorkspacePage, type WorkspacePage } from '../../src/slack-emulator/workspace-page.ts';
import { SIGNING_SECRET, startTestGateway, type TestGateway } from '../slack/support.ts';

// The page server turns what a person does on the page into requests Slack would send: here against the real
// Bolt app of the gateway (command jobs collected), without a browser (test/browser drives the page itself).

let g: TestGateway;
let page: WorkspacePage;

beforeAll(async () => {
  g = await startTestGateway();
  page = await startWorkspacePage({ slack: g.slack, app: { eventsUrl: g.eventsUrl, signingSecret: SIGNING_SECRET }, defaultUser: 'U0ALICE' });
});
afterAll(async () => {
  await page.close();
  await g.close();
});

/** A raw request, so Host and Origin can be what a browser on another site would send. */
function send(path: string, options: { method?: string; body?: string; headers?: Record<string, string> } = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${page.url.replace(/\/$/, '')}${path}`, { method: options.method ?? 'POST', headers: { 'content-type': 'application/json', ...options.headers } }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

const command = (text: string, extra: Record<string, string> = {}) => send('/command', { body: JSON.stringify({ channel: 'C0ALERTS', text, ...extra }) });

describe('workspace page server', () => {
  it('sends a typed /pod why to Bolt as a signed slash command from the person at the page', async () => {
    const answer = await command('/pod why web-1 -n shop');

    expect(answer).toEqual({ status: 200, body: JSON.stringify({ ok: true }) });
    const job = g.jobs.at(-1);
    expect(job?.requestedBy).toBe('U0ALICE');
    expect(job?.commandText).toBe('why web-1 -n shop');
    expect(job?.namespace).toBe('shop');
    expect(job?.replyTo).toMatchObject({ channel: 'C0ALERTS' });
  });

  it('acts as another person of the workspace when the page asks (?user=), never as the bot', async () => {
    await command('/pod why web-2 -n shop', { user: 'U0BOB' });
    expect(g.jobs.at(-1)?.requestedBy).toBe('U0BOB');
    await command('/pod why web-3 -n shop', { user: 'U0PODWHYBOT' });
    expect(g.jobs.at(-1)?.requestedBy).toBe('U0ALICE');
  });

  it('shows a non-empty ack (the help) as an ephemeral to the person who typed it, as Slack does', async () => {
    await command('/pod help');
    const help = g.slack.ephemerals({ channel: 'C0ALERTS', user: 'U0ALICE' }).filter((e) => e.via === 'command_ack');
    expect(help).toHaveLength(1);
    expect(help[0]?.text).toContain('/pod why');
  });

  it('refuses what another web page could send: a foreign Host (DNS rebinding), a foreign Origin, a form post', async () => {
    const before = g.jobs.length;
    const rebound = await send('/command', { body: JSON.stringify({ channel: 'C0ALERTS', text: '/pod why x -n shop' }), headers: { host: `evil.example:${page.port}` } });
    const crossSite = await send('/command', { body: JSON.stringify({ channel: 'C0ALERTS', text: '/pod why x -n shop' }), headers: { origin: 'http://evil.example' } });
    const form = await send('/command', { body: 'channel=C0ALERTS&text=/pod+why+x', headers: { 'content-type': 'application/x-www-form-urlencoded' } });

    expect([rebound.status, crossSite.status, form.status]).toEqual([421, 403, 415]);
    expect(g.jobs.length).toBe(before);
  });

  it('serves the page with a CSP that allows no inline script, and streams the workspace state', async () => {
    const response = await fetch(page.url);
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(response.headers.get('content-security-policy')).not.toContain('unsafe-inline');
    expect(await response.text()).toContain('<script src="/page.js" defer></script>');

    const abort = new AbortController();
    const events = await fetch(`${page.url}events`, { signal: abort.signal });
    const reader = events.body?.getReader();
    let text = '';
    while (reader && !text.includes('\n\n')) text += new TextDecoder().decode((await reader.read()).value);
    abort.abort();
    const state = JSON.parse(/^event: state\ndata: (.*)$/m.exec(text)?.[1] ?? 'null') as { me: { id: string }; channels: { id: string }[]; messages: Record<string, { text: string; ephemeral: boolean }[]> };
    expect(state.me.id).toBe('U0ALICE');
    expect(state.channels.map((c) => c.id)).toContain('C0ALERTS');
    expect(state.messages['C0ALERTS']?.some((m) => m.ephemeral && m.text.includes('/pod why'))).toBe(true);
  });

  it("answers a command the app does not take with Slack's own failure words", async () => {
    const answer = JSON.parse((await send('/command', { body: JSON.stringify({ channel: 'C0ALERTS', text: '/pod why x' }) })).body) as { ok: boolean };
    expect(answer.ok).toBe(true);
    const broken = await startWorkspacePage({ slack: g.slack, app: { eventsUrl: 'http://127.0.0.1:9/slack/events', signingSecret: SIGNING_SECRET } });
    try {
      const failed = await fetch(`${broken.url}command`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ channel: 'C0ALERTS', text: '/pod list' }) });
      expect(await failed.json()).toEqual({ ok: false, error: 'dispatch_failed' });
      expect(g.slack.ephemerals({ channel: 'C0ALERTS' }).at(-1)?.text).toBe('/pod failed with the error "dispatch_failed"');
    } finally {
      await broken.close();
    }
  });
});
