/**
 * `npm run bench:slack`: an alert storm delivered to Slack. 5,000 crash-looping Pods (50 namespaces × 2
 * Deployments × 50 replicas, real diagnoses) routed to 3 channels, through the IncidentManager and the
 * SlackNotifier to the Slack Web API emulator with Slack's limits (1 post/s per channel with bursts of
 * 3, 300/min per workspace, chat.update Tier 3). What is measured and how: bench/slack-measure.ts.
 *
 *   npm run bench:slack
 *   npm run bench:slack -- --namespaces 50 --deployments 2 --pods 50 --channels 3 --spread-ms 2000
 *   npm run bench:slack -- --json                 (figures as JSON on stdout)
 *
 * Done when (the issue): every Pod accounted for in some message, no channel above its rate, no 429
 * ignored, the first message within 10 s after the stabilization window.
 */
import { parseArgs } from 'node:util';
import { createLogger } from '../src/log.ts';
import { formatSlackReport, measureSlackStorm } from './slack-measure.ts';

const { values } = parseArgs({
  options: {
    namespaces: { type: 'string', default: '50' },
    deployments: { type: 'string', default: '2' },
    pods: { type: 'string', default: '50' },
    channels: { type: 'string', default: '3' },
    'spread-ms': { type: 'string', default: '2000' },
    seed: { type: 'string', default: '7' },
    json: { type: 'boolean', default: false },
  },
});

function positive(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name}: expected a positive integer, got ${text}`);
  return n;
}

const progress = (message: string): void => {
  process.stderr.write(`[bench:slack] ${message}\n`);
};
const log = createLogger({ level: 'warn', destination: process.stderr });

(globalThis as { gc?: () => void }).gc?.();
const figures = await measureSlackStorm({
  namespaces: positive('namespaces', values.namespaces),
  deploymentsPerNamespace: positive('deployments', values.deployments),
  podsPerDeployment: positive('pods', values.pods),
  channels: positive('channels', values.channels),
  spreadMs: positive('spread-ms', values['spread-ms']),
  seed: positive('seed', values.seed),
  log,
  progress,
});

if (values.json) process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
else {
  process.stdout.write(`${formatSlackReport(figures)}\n`);
  const limit = figures.channelLimit;
  const verdicts = [
    [`every Pod accounted for in some message`, figures.accounted.pods === figures.pods],
    [`no channel above its rate (${limit.limit} per ${limit.windowMs} ms)`, figures.perChannel.every((c) => c.max3s <= limit.limit && c.max1s <= 1)],
    ['no 429 ignored', figures.ignoredRetryAfters === 0],
    ['first message within 10 s', figures.firstMessageMs <= 10_000],
  ] as const;
  for (const [what, ok] of verdicts) process.stdout.write(`${ok ? 'PASS' : 'FAIL'}  ${what}\n`);
  if (verdicts.some(([, ok]) => !ok)) process.exitCode = 1;
}
