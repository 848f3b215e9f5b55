/**
 * Renders README's picture of a real alert thread from the workspace page, so the picture is always what the code
 * renders: the demo's wiring (src/demo/workspace.ts) with one broken workload of the simulated cluster, the real
 * agent and gateway posting to the emulated #alerts, the page in headless Chromium with the incident's thread
 * open, screenshotted to docs/alert-thread.png. Not a benchmark: it sits in bench/ with the other scripts.
 *
 *   npm run picture [-- --cause oom.container-limit] [-- --out docs/alert-thread.png]
 *
 * Needs Debian's chromium; the status marks (🔴, ✅) need a colour emoji font (Debian's fonts-noto-color-emoji),
 * else Chromium draws empty boxes for them.
 */
import { parseArgs } from 'node:util';
import { isCauseId } from '../src/contract/scenarios.ts';
import { DEMO_CHANNEL, startDemoWorkspace } from '../src/demo/workspace.ts';
import { chromiumMissing, launchChromium } from '../test/support/chromium.ts';

const { values } = parseArgs({ options: { cause: { type: 'string', default: 'oom.container-limit' }, out: { type: 'string', default: 'docs/alert-thread.png' } } });
const cause = values.cause;
if (!isCauseId(cause)) throw new Error(`unknown cause ${cause}`);
const missing = chromiumMissing();
if (missing) {
  console.error(`picture: ${missing}`);
  process.exit(1);
}

const workspace = await startDemoWorkspace({
  page: true,
  seed: (sim) => {
    for (let n = sim.nodes().length; n < 3; n++) sim.addNode({});
    sim.deployHealthy({ namespace: 'payments', name: 'payments-api', replicas: 2 });
    return [sim.breakWorkload(cause, { namespace: 'payments', name: 'billing-api', replicas: 1 })];
  },
});
const browser = await launchChromium();
try {
  const deadline = Date.now() + 60_000;
  while (!workspace.slack.workspace.messages(DEMO_CHANNEL).some((m) => workspace.slack.workspace.thread(DEMO_CHANNEL, m.ts).length > 0)) {
    if (Date.now() > deadline) throw new Error('no incident was posted within 60 s');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const page = await browser.newPage({ viewport: { width: 1440, height: 1500 }, deviceScaleFactor: 1 });
  await page.goto(workspace.page?.url ?? '');
  await page.locator('#messages .replies').first().click();
  await page.locator('#thread-messages .reply-count').waitFor();
  // Fonts and layout settle; the thread is scrolled to its start so the diagnosis reads from the top.
  await page.evaluate('document.fonts.ready');
  await page.evaluate("document.getElementById('thread-messages').scrollTop = 0");
  await page.mouse.move(0, 0);
  await page.screenshot({ path: values.out });
  console.log(`picture: ${values.out} (${cause})`);
} finally {
  await browser.close();
  await workspace.close();
}
