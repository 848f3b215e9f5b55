/**
 * Configuration: one zod schema, validated at start-up, failing with every problem listed.
 * The only module that reads process.env.
 */
import { z } from 'zod';
import { PodwhyError } from './errors.ts';
import { ClusterName } from './queue/jobs.ts';
import { parseChannelRoutes, parseChannelSeverities, type ChannelRoute, type ChannelSeverities } from './notify/channel-routing.ts';

const commaList = z
  .string()
  .default('')
  .transform((value) => value.split(',').map((item) => item.trim()).filter((item) => item.length > 0));

const seconds = (fallback: number) => z.coerce.number().int().min(0).max(86_400).default(fallback);

// Each key's .describe() text is its entry in docs/configuration.md (npm run docs:config writes it from this schema).
export const Config = z.object({
  CLUSTER_NAME: ClusterName.default('default').describe(
    'Names the cluster this agent watches in every job id, incident key and metric label: 1–63 of `a-z`, `0-9`, `.`, `_`, `-`, starting and ending with a letter or digit (no `:`). Give each cluster its own.',
  ),
  KUBECONFIG: z.string().optional().describe('The kubeconfig file. Unset: the standard `KUBECONFIG` / `~/.kube/config`, or the in-cluster service account when podwhy runs in a Pod.'),
  KUBE_CONTEXT: z.string().optional().describe('The kubeconfig context to use. Unset: the current context.'),
  WATCH_NAMESPACES: commaList.describe('Namespaces to watch, comma-separated (`shop,payments`). Empty: the whole cluster (the RBAC must allow it).'),
  REDIS_URL: z
    .url({ protocol: /^rediss?$/ })
    .optional()
    .describe('`redis://` or `rediss://` URL. Unset: one process, with the queue and the incidents in memory. Set: BullMQ queues and incidents on Redis, so `podwhy worker` and `podwhy gateway` can run beside the agent. Redis must run with `maxmemory-policy noeviction`.'),
  REDIS_PREFIX: z.string().regex(/^[A-Za-z0-9_{}-]+$/, 'letters, digits, _ - { }').default('podwhy').describe('Prefix of every Redis key; use a hash tag such as `{podwhy}` on Redis Cluster.'),
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(8).describe('Diagnoses one process runs at once.'),
  SYNC_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(3_600).default(60).describe('How long start-up waits for the first LIST of every resource type before it gives up and says which one is missing.'),
  HTTP_PORT: z.coerce.number().int().min(0).max(65_535).default(9464).describe('Port of `/healthz`, `/readyz` and `/metrics`.'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('Least level of the JSON log lines on stdout.'),
  CHANNEL_ROUTES: commaList
    .transform((entries, ctx): ChannelRoute[] => {
      // Parsed here, not when the agent wires routing after the cluster sync: a bad route stops start-up, with the
      // other problems. One message per bad entry (parseChannelRoutes throws on the first, so ask it entry by entry).
      const routes: ChannelRoute[] = [];
      for (const entry of entries) {
        try {
          routes.push(...parseChannelRoutes(entry));
        } catch (error) {
          ctx.addIssue({ code: 'custom', message: (error as Error).message, input: entry });
        }
      }
      return routes;
    })
    .describe('Namespace → channel routes, comma-separated `namespace=channel` (a namespace or a `*`/`?` glob of one), e.g. `shop=C0SHOP,team-a-*=C0TEAMA`. Unmatched namespaces go to `DEFAULT_CHANNEL`.'),
  DEFAULT_CHANNEL: z.string().default('alerts').describe('The channel (ID such as `C0123ABC`, or name) for namespaces no route matches.'),
  CHANNEL_MIN_SEVERITY: z
    .string()
    .default('')
    .transform((text, ctx): ChannelSeverities => {
      // Parsed at start-up like CHANNEL_ROUTES, so a typo stops podwhy before it syncs a cluster.
      try {
        return parseChannelSeverities(text);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message, input: text });
        return new Map();
      }
    })
    .describe('Least severity a channel takes, comma-separated `channel=severity` (`warning` or `critical`), e.g. `C0OPS=critical`. Unlisted channels take all.'),
  STABILIZE_SECONDS: seconds(60).describe('How long a candidate failure must persist before it is diagnosed and posted (per-scenario windows derive from it).'),
  RESOLVE_AFTER_SECONDS: seconds(120).describe('An incident whose Pods are all healthy or gone this long is resolved.'),
  REOPEN_WINDOW_SECONDS: seconds(3_600).describe('A recurrence within this many seconds of the resolution re-opens the incident in its old thread.'),
  STORM_THRESHOLD_PER_MINUTE: z.coerce.number().int().min(1).max(10_000).default(10).describe('More new incidents than this per minute for one channel are folded into one digest message.'),
  ACTIONS_ENABLED: z.stringbool().default(false).describe('Whether the one-click fixes that change the cluster (`restart-pod`, `force-delete`, `remove-finalizer`) and the incident buttons (snooze, mark resolved) are offered. Needs the actions RBAC (`deploy/kubernetes/overlays/actions`).'),
  ACTION_SIGNING_KEY: z
    .string()
    .min(32, 'an action signing key has at least 32 characters (e.g. openssl rand -base64 32)')
    .optional()
    .describe('The HMAC key of button values (src/slack/action-signing.ts), at least 32 characters (`openssl rand -base64 32`). Unset in one process: a random key per start, so buttons posted before a restart stop working. `podwhy gateway` (scaled out) needs it, the same on every replica.'),
  ACTION_MAX_AGE_SECONDS: seconds(900).describe('A button older than this asks for a re-diagnosis before it acts.'),
  ACTION_POLICY: z
    .string()
    .default('')
    .describe('Who may click the buttons that change the cluster or an incident (src/slack/action-policy.ts): a JSON list of rules `{"users":["U…"],"groups":["S…","@oncall"],"clusters":["prod"],"namespaces":["shop-*"],"actions":["force-delete"]}`; actions: `remove-finalizer`, `force-delete`, `restart-pod`, `snooze`, `mark-resolved`. Parsed at start-up. Empty: nobody may; the read-only buttons work for everyone.'),
  ACTION_AUTHORIZATION: z
    .enum(['policy', 'kubernetes'])
    .default('policy')
    .describe('`policy`: `ACTION_POLICY` decides. `kubernetes`: the clicker\'s own rights, by a SubjectAccessReview for the email of their Slack profile (the agent asks its API server; the RBAC needs `subjectaccessreviews` create, the Slack app `users:read.email`): nobody can do through Slack what they could not do with kubectl.'),
  SLACK_BOT_TOKEN: z
    .string()
    .regex(/^xoxb-[A-Za-z0-9-]+$/, 'a bot token starts with xoxb-')
    .optional()
    .describe('The bot token (`xoxb-…`, OAuth & Permissions). Unset: alerts go to the console. Set: podwhy talks to Slack, and needs `SLACK_APP_TOKEN` or `SLACK_SIGNING_SECRET` too.'),
  SLACK_SIGNING_SECRET: z.string().min(8).optional().describe('HTTP mode: verifies that requests come from Slack (Basic Information → Signing Secret). Slack posts to `http(s)://host:SLACK_PORT/slack/events`.'),
  SLACK_APP_TOKEN: z
    .string()
    .regex(/^xapp-[A-Za-z0-9-]+$/, 'an app-level token starts with xapp-')
    .optional()
    .describe('Socket Mode when set: an app-level token (`xapp-…`) with `connections:write`. No public ingress needed.'),
  SLACK_API_URL: z.url({ protocol: /^https?$/ }).optional().describe('The Web API base URL. Unset: Slack\'s own (`https://slack.com/api/`). Tests and the demo point it at the Slack emulator.'),
  SLACK_PORT: z.coerce.number().int().min(0).max(65_535).default(3000).describe('HTTP mode: the port of Bolt\'s single endpoint `/slack/events`.'),
  GATEWAY_CLUSTERS: commaList
    .pipe(z.array(ClusterName))
    .describe('`podwhy gateway` only: the clusters (their `CLUSTER_NAME`s) whose agents it sends commands to, comma-separated; the first answers `/pod` without `--cluster`. Unset: `CLUSTER_NAME`.'),
});

/** Which way Slack reaches podwhy: the mode follows from the tokens (checked in loadConfig). */
export type SlackSettings =
  | { mode: 'socket'; botToken: string; appToken: string; apiUrl: string | undefined }
  | { mode: 'http'; botToken: string; signingSecret: string; port: number; apiUrl: string | undefined };

const ConfigWithSlack = Config.superRefine((config, ctx) => {
  if (!config.SLACK_BOT_TOKEN) {
    for (const key of ['SLACK_APP_TOKEN', 'SLACK_SIGNING_SECRET'] as const) {
      if (config[key]) ctx.addIssue({ code: 'custom', path: ['SLACK_BOT_TOKEN'], message: `${key} is set but SLACK_BOT_TOKEN is not: Slack needs the bot token too` });
    }
    return;
  }
  if (!config.SLACK_APP_TOKEN && !config.SLACK_SIGNING_SECRET) {
    ctx.addIssue({ code: 'custom', path: ['SLACK_SIGNING_SECRET'], message: 'SLACK_BOT_TOKEN is set, so Slack needs a mode: SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP mode) is missing' });
  }
});
export type Config = z.infer<typeof Config>;

/** The Slack settings, or null when Slack is off (no SLACK_BOT_TOKEN): the console notifier then. */
export function slackSettingsOf(config: Config): SlackSettings | null {
  const { SLACK_BOT_TOKEN: botToken, SLACK_APP_TOKEN: appToken, SLACK_SIGNING_SECRET: signingSecret, SLACK_API_URL: apiUrl } = config;
  if (!botToken) return null;
  if (appToken) return { mode: 'socket', botToken, appToken, apiUrl };
  if (signingSecret) return { mode: 'http', botToken, signingSecret, port: config.SLACK_PORT, apiUrl };
  throw new PodwhyError('config-invalid', 'SLACK_BOT_TOKEN is set without SLACK_APP_TOKEN or SLACK_SIGNING_SECRET');
}

/** Parses the environment; throws PodwhyError('config-invalid') listing every problem at once. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // `KEY=` lines (as in a copied .env.example) mean "unset", not "the empty string".
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const result = ConfigWithSlack.safeParse(present);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `  - ${describeIssue(issue, present)}`);
    throw new PodwhyError('config-invalid', `invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems.join('\n')}`);
  }
  return result.data;
}

/**
 * One line per problem, naming the key and what it got, in words rather than zod's ("Invalid input: expected
 * number, received NaN" says nothing to someone who typed HTTP_PORT=ninety).
 */
function describeIssue(issue: z.core.$ZodIssue, env: NodeJS.ProcessEnv): string {
  const key = String(issue.path[0] ?? '');
  const value = env[key];
  // A custom issue (a channel route) quotes the entry it is about; the whole value would only repeat it.
  const got = value === undefined || issue.code === 'custom' ? '' : ` (got "${value.length > 60 ? `${value.slice(0, 60)}…` : value}")`;
  return `${key}${got}: ${issueWords(issue)}`;
}

function issueWords(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.expected === 'number' ? 'must be a whole number' : `must be a ${issue.expected}`;
    case 'too_big':
      return `must be at most ${String(issue.maximum)}`;
    case 'too_small':
      return `must be at least ${String(issue.minimum)}`;
    case 'not_multiple_of':
      return 'must be a whole number';
    case 'invalid_value':
      return `must be one of ${issue.values.map(String).join(', ')}`;
    case 'invalid_format':
      return issue.format === 'url' ? 'must be a redis:// or rediss:// URL' : issue.message;
    default:
      return issue.message;
  }
}

/** The keys of the schema, for .env.example and its test. */
export const CONFIG_KEYS = Object.keys(Config.shape);

/** The process environment, for callers that layer flags over it (the CLI). Still read only here. */
export function processEnvironment(): NodeJS.ProcessEnv {
  return process.env;
}
