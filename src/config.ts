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

export const Config = z.object({
  /** Names this agent's cluster in every job id, incident key and metric label (src/queue/jobs.ts ClusterName: no ':'). */
  CLUSTER_NAME: ClusterName.default('default'),
  /** kubeconfig file; unset: the standard KUBECONFIG / ~/.kube/config, or the in-cluster service account. */
  KUBECONFIG: z.string().optional(),
  KUBE_CONTEXT: z.string().optional(),
  /** Namespaces to watch, comma-separated; empty watches the whole cluster. */
  WATCH_NAMESPACES: commaList,
  /** Unset: one process, in-memory queue and incidents. Set: BullMQ queues and incidents on Redis. */
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
  REDIS_PREFIX: z.string().regex(/^[A-Za-z0-9_{}-]+$/, 'letters, digits, _ - { }').default('podwhy'),
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(8),
  /** How long start-up waits for the first LIST of every resource type before giving up with the reason. */
  SYNC_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(3_600).default(60),
  /** Port for /healthz, /readyz and /metrics. */
  HTTP_PORT: z.coerce.number().int().min(0).max(65_535).default(9464),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Namespace → channel routes, e.g. `shop=C0SHOP,team-a-*=C0TEAMA`; unmatched namespaces go to DEFAULT_CHANNEL. */
  CHANNEL_ROUTES: commaList.transform((entries, ctx): ChannelRoute[] => {
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
  }),
  DEFAULT_CHANNEL: z.string().default('alerts'),
  /** Channel → least severity it takes (warning | critical), e.g. `C0OPS=critical`; unlisted channels take all. */
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
    }),
  /** How long a candidate failure must persist before it is diagnosed (per-scenario windows derive from it). */
  STABILIZE_SECONDS: seconds(60),
  /** An incident whose Pods are all healthy or gone this long is resolved. */
  RESOLVE_AFTER_SECONDS: seconds(120),
  /** A recurrence within this window re-opens the incident in the same thread. */
  REOPEN_WINDOW_SECONDS: seconds(3_600),
  /** More new incidents than this per minute for one channel become a digest. */
  STORM_THRESHOLD_PER_MINUTE: z.coerce.number().int().min(1).max(10_000).default(10),
  /** Whether one-click fixes that mutate the cluster (delete, force-delete, remove finalizer) are offered. */
  ACTIONS_ENABLED: z.stringbool().default(false),
  /**
   * The HMAC key of button values (src/slack/action-signing.ts). Unset in one process: a random key per start (older
   * buttons stop working). `podwhy gateway` (scaled out) needs it, the same on every replica.
   */
  ACTION_SIGNING_KEY: z.string().min(32, 'an action signing key has at least 32 characters (e.g. openssl rand -base64 32)').optional(),
  /** A button older than this asks for a re-diagnosis before it acts (default 15 min). */
  ACTION_MAX_AGE_SECONDS: seconds(900),
  /**
   * Who may click the buttons that change the cluster or an incident (src/slack/action-policy.ts): JSON, a list of
   * rules `{"users":["U…"],"groups":["S…","@oncall"],"clusters":["prod"],"namespaces":["shop-*"],"actions":["force-delete"]}`;
   * actions: remove-finalizer, force-delete, restart-pod, snooze, mark-resolved. Parsed at start-up by parseActionPolicy.
   * Empty (the default): nobody may; the read-only buttons work for everyone.
   */
  ACTION_POLICY: z.string().default(''),
  /**
   * `policy` (default): ACTION_POLICY decides. `kubernetes`: the clicker's own rights, by a SubjectAccessReview for the
   * email of their Slack profile (the agent asks its API server; the RBAC needs subjectaccessreviews create, the
   * Slack app users:read.email): nobody can do through Slack what they could not do with kubectl.
   */
  ACTION_AUTHORIZATION: z.enum(['policy', 'kubernetes']).default('policy'),
  /** The bot token (xoxb-…). Set: podwhy talks to Slack (the gateway runs in this process, or `podwhy gateway`). */
  SLACK_BOT_TOKEN: z.string().regex(/^xoxb-[A-Za-z0-9-]+$/, 'a bot token starts with xoxb-').optional(),
  /** HTTP mode: verifies that requests come from Slack (Basic Information → Signing Secret). */
  SLACK_SIGNING_SECRET: z.string().min(8).optional(),
  /** Socket Mode when set (an app-level token with connections:write, xapp-…): no public ingress needed. */
  SLACK_APP_TOKEN: z.string().regex(/^xapp-[A-Za-z0-9-]+$/, 'an app-level token starts with xapp-').optional(),
  /** The Web API base URL; unset: Slack's own. Tests and the demo point it at the emulator. */
  SLACK_API_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** HTTP mode: the port of Bolt's single endpoint /slack/events. */
  SLACK_PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
  /**
   * `podwhy gateway` only: the clusters whose agents it sends commands to (their CLUSTER_NAMEs), comma-separated.
   * Unset: the CLUSTER_NAME (one cluster). The first one answers commands without --cluster.
   */
  GATEWAY_CLUSTERS: commaList.pipe(z.array(ClusterName)),
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
