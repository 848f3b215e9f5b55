import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { SCENARIO_IDS } from '../../src/contract/scenarios.ts';
import { DEMO_CHANNEL, startDemoWorkspace, type DemoWorkspace } from '../../src/demo/workspace.ts';
import { chromiumMissing, launchChromium } from '../support/chromium.ts';

// The demo's workspace page in a real browser (headless Chromium from Debian's package): the wiring `npm run
// demo` uses (startDemoWorkspace), the page as a person uses it. Typing and clicking go through the page server,
// signed, to the real Bolt app; the Pod is removed from the simulated cluster by the real agent.

const missing = chromiumMissing();
if (missing) console.warn(`browser test skipped: ${missing}`);

let workspace: DemoWorkspace;
let browser: Browser;
let page: Page;

function stuckPod(): string {
  const pod = workspace.store.list('pods', { namespace: 'batch' }).items.find((o) => o.metadata.deletionTimestamp !== undefined && (o.metadata.finalizers ?? []).length > 0);
  if (!pod?.metadata.name) throw new Error('the demo has no Pod stuck on a finalizer');
  return pod.metadata.name;
}

/** chat.postMessage through the emulator's Web API, as any app could post (not through podwhy's renderers). */
async function postAsBot(body: Record<string, unknown>): Promise<void> {
  const response = await fetch(`${workspace.slack.apiUrl}chat.postMessage`, {
    method: 'POST',
    headers: { authorization: `Bearer ${workspace.slack.botToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(((await response.json()) as { ok: boolean }).ok).toBe(true);
}

describe.skipIf(missing !== undefined)('the workspace page in Chromium', () => {
  beforeAll(async () => {
    workspace = await startDemoWorkspace({ page: true, pace: 0.2 });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const url = workspace.page?.url;
    if (!url) throw new Error('the page did not start');
    await page.goto(url);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await workspace?.close();
  });

  it('shows an incident for every scenario in #alerts, each a parent with its thread', async () => {
    await expect.poll(async () => {
      const text = await page.locator('#messages').innerText();
      return SCENARIO_IDS.filter((scenario) => !text.includes(`${scenario}.`));
    }, { timeout: 60_000, interval: 500 }).toEqual([]);

    expect(await page.locator('#channel-title').innerText()).toBe('# alerts');
    // Every parent of the channel has its diagnosis in a thread: "1 reply" (or more) under each.
    await expect.poll(async () => (await page.locator('#messages .message .replies').count()) - workspace.slack.workspace.messages(DEMO_CHANNEL).length, { timeout: 10_000 }).toBe(0);
  }, 90_000);

  it('shows the ack of /pod help to the person who typed it, as an ephemeral', async () => {
    await page.locator('#composer-input').fill('/pod help');
    await page.locator('#composer-input').press('Enter');

    const ephemeral = page.locator('#messages > .message.ephemeral');
    await ephemeral.first().waitFor({ timeout: 20_000 });
    expect(await ephemeral.first().innerText()).toContain('Only visible to you');
    expect(await ephemeral.first().innerText()).toContain('/pod why');
  }, 30_000);

  it('answers /pod why typed in the composer, and removes a stuck finalizer through the confirm dialog: the Pod is gone, the audit line in the thread', async () => {
    const pod = stuckPod();
    await page.locator('#composer-input').fill(`/pod why ${pod} -n batch`);
    await page.locator('#composer-input').press('Enter');

    const answer = page.locator('#messages > .message').filter({ has: page.locator('[data-action-id="podwhy.remove-finalizer"]') });
    await expect.poll(() => answer.count(), { timeout: 20_000 }).toBe(1);
    expect(await answer.innerText()).toContain(pod);
    expect(await answer.innerText()).toContain('Stuck terminating');

    await answer.locator('[data-action-id="podwhy.remove-finalizer"]').click();
    await page.locator('#overlay').waitFor({ state: 'visible' });
    expect(await page.locator('#dialog-body').innerText()).toContain(`batch/${pod}`);
    await page.locator('#dialog-confirm').click();
    await page.locator('#overlay').waitFor({ state: 'hidden' });

    await expect.poll(() => workspace.store.get('pods', 'batch', pod) === undefined, { timeout: 20_000 }).toBe(true);
    await answer.locator('.replies').click();
    // The audit line names the clicker as a mention (<@U0ALICE>), which the page shows as Slack does: @alice.
    await expect.poll(() => page.locator('#thread-messages').innerText(), { timeout: 20_000 }).toContain(`@alice removed the finalizers of pod batch/${pod}`);
  }, 60_000);

  it('renders Block Kit and mrkdwn as Slack lays them out: header, bold, italic, code, links, code blocks, fields, context, divider, button styles', async () => {
    await postAsBot({
      channel: DEMO_CHANNEL,
      text: 'layout check',
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: 'Layout check' } },
        { type: 'section', text: { type: 'mrkdwn', text: '*bold* and _italic_ with `code`, snake_case_name, <https://example.com/docs|the docs>, <@U0BOB>\n&gt; quoted\n```\nline 1\nline 2\n```' } },
        { type: 'section', fields: [{ type: 'mrkdwn', text: '*Left*\none' }, { type: 'mrkdwn', text: '*Right*\ntwo' }] },
        { type: 'divider' },
        { type: 'context', elements: [{ type: 'mrkdwn', text: 'small print' }] },
        { type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'Go' }, action_id: 'a', style: 'primary' }, { type: 'button', text: { type: 'plain_text', text: 'Stop' }, action_id: 'b', style: 'danger' }] },
      ],
    });
    const message = page.locator('#messages > .message').filter({ hasText: 'Layout check' });
    await message.waitFor();

    expect(await message.locator('.bk-header').innerText()).toBe('Layout check');
    expect(await message.locator('b').first().innerText()).toBe('bold');
    expect(await message.locator('i').innerText()).toBe('italic');
    expect(await message.locator('.bk-section code').first().innerText()).toBe('code');
    expect(await message.innerText()).toContain('snake_case_name');
    expect(await message.locator('a').getAttribute('href')).toBe('https://example.com/docs');
    expect(await message.locator('a').innerText()).toBe('the docs');
    expect(await message.locator('.mention').innerText()).toBe('@bob');
    expect(await message.locator('blockquote').innerText()).toBe('quoted');
    expect(await message.locator('pre.code-block').innerText()).toBe('line 1\nline 2');
    expect(await message.locator('.bk-fields > *').count()).toBe(2);
    expect(await message.locator('hr.bk-divider').count()).toBe(1);
    expect(await message.locator('.bk-context').innerText()).toBe('small print');
    expect(await message.locator('button.bk-primary').innerText()).toBe('Go');
    expect(await message.locator('button.bk-danger').innerText()).toBe('Stop');
  }, 30_000);

  it('keeps hostile message text inert: no script runs, no element or javascript: link is made from it', async () => {
    const hostile = '<script>window.pwned = 1</script> <img src=x onerror="window.pwned = 2"> <javascript:window.pwned=3|click me> &lt;b onmouseover=alert(1)&gt;';
    await postAsBot({
        channel: DEMO_CHANNEL,
        text: hostile,
        blocks: [
          { type: 'header', text: { type: 'plain_text', text: '<img src=x onerror="window.pwned = 4">' } },
          { type: 'section', text: { type: 'mrkdwn', text: `pod \`${hostile}\` said ${hostile}` }, fields: [{ type: 'mrkdwn', text: hostile }] },
          { type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: '<b>Open</b>' }, action_id: 'x', url: 'javascript:window.pwned=5' }] },
        ],
    });

    const message = page.locator('#messages > .message').filter({ hasText: 'window.pwned = 4' });
    await message.waitFor();
    await message.getByText('click me', { exact: false }).first().click().catch(() => undefined);
    await message.locator('button.bk-button').click();

    expect(await message.locator('script, img, iframe, [onerror], [onmouseover]').count()).toBe(0);
    expect(await message.locator('a[href^="javascript:"]').count()).toBe(0);
    expect(await message.innerText()).toContain('<script>window.pwned = 1</script>');
    expect(await message.innerText()).toContain('<b onmouseover=alert(1)>');
    expect(await page.evaluate(() => (globalThis as { pwned?: unknown }).pwned)).toBeUndefined();
  }, 30_000);
});
