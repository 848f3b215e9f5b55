/**
 * Configuration: one zod schema, validated at start-up, failing with every problem listed.
 * The only module that reads process.env.
 */
import { z } from 'zod';
import { PodwhyError } from './errors.ts';
import { ClusterName } from './queue/jobs.ts';
import { parseChannelRoutes, type ChannelRoute } from './notify/channel-routing.ts';

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
});
export type Config = z.infer<typeof Config>;

/** Parses the environment; throws PodwhyError('config-invalid') listing every problem at once. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // `KEY=` lines (as in a copied .env.example) mean "unset", not "the empty string".
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const result = Config.safeParse(present);
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
