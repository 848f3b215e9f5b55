/**
 * Slack Web API rate limits, as the emulator enforces and records them.
 *
 * What Slack documents (https://docs.slack.dev/apis/web-api/rate-limits):
 * - methods sit in tiers, applied "per API method per app per workspace": Tier 1 1+/min, Tier 2 20+/min,
 *   Tier 3 50+/min, Tier 4 100+/min;
 * - chat.postMessage is "Special": "generally allow an app to post 1 message per second to a specific
 *   channel", "several hundred messages per minute" per workspace, "Generous burst behavior is also
 *   granted" (https://docs.slack.dev/reference/methods/chat.postMessage, Rate limiting);
 * - a refused call gets HTTP 429 and `Retry-After: <seconds>`, body error `ratelimited`; "Continuing to
 *   send messages after being rate limited runs the risk of having your application permanently
 *   disabled" (slackhq/slack-api-docs page_rate_limits.md).
 * Method → tier from slackapi/java-slack-sdk MethodsRateLimits.java (chat.update/delete Tier 3,
 * chat.postEphemeral Tier 4, views.* Tier 4, users.info Tier 4, conversations.info/join Tier 3;
 * auth.test and chat.getPermalink are "special" tiers with no published number: not limited here).
 *
 * Model: a sliding window per key (at most `limit` accepted calls in any `windowMs`), which is what a
 * test wants to assert ("no channel above its rate"). Slack publishes no burst size; the default
 * per-channel window (3 in 3 s) allows a burst of 3 at a sustained 1/s. Retry-After is whole seconds
 * (WebClient reads it with parseInt, @slack/web-api 8.2 WebClient.js parseRetryHeaders), rounded up so
 * a client that honours it never lands early; tests shrink the windows, not the header.
 *
 * Ignored 429s: a call is recorded as ignoring a Retry-After when
 * (a) it repeats a refused call (same method, token and body: WebClient's retry resends the same body)
 *     before that call's own Retry-After elapsed, or
 * (b) it arrives for a key inside the Retry-After of the first 429 of the current refusal streak, later
 *     than `ignoreGraceMs` after that 429 (calls already in flight when the 429 was sent are not the
 *     client's fault; WebClient runs up to 100 concurrently).
 */

export type Tier = 1 | 2 | 3 | 4;

/** At most `limit` accepted calls in any `windowMs`. */
export interface WindowLimit {
  limit: number;
  windowMs: number;
}

export interface RateLimitConfig {
  /** false: record nothing, refuse nothing. */
  enabled: boolean;
  /** chat.postMessage per channel (Slack: 1/s, bursts allowed). */
  postMessagePerChannel: WindowLimit;
  /** chat.postMessage across the workspace (Slack: "several hundred messages per minute"). */
  postMessagePerWorkspace: WindowLimit;
  /** Per method per workspace. */
  tiers: Record<Tier, WindowLimit>;
  /** Method → tier; methods not listed are not limited. */
  methodTiers: Record<string, Tier>;
  /** See (b) above. */
  ignoreGraceMs: number;
}

export const DEFAULT_RATE_LIMITS: RateLimitConfig = {
  enabled: true,
  postMessagePerChannel: { limit: 3, windowMs: 3_000 },
  postMessagePerWorkspace: { limit: 300, windowMs: 60_000 },
  tiers: {
    1: { limit: 1, windowMs: 60_000 },
    2: { limit: 20, windowMs: 60_000 },
    3: { limit: 50, windowMs: 60_000 },
    4: { limit: 100, windowMs: 60_000 },
  },
  methodTiers: {
    'chat.update': 3,
    'chat.delete': 3,
    'chat.postEphemeral': 4,
    'views.open': 4,
    'views.publish': 4,
    'views.push': 4,
    'views.update': 4,
    'users.info': 4,
    'conversations.info': 3,
    'conversations.join': 3,
    // https://docs.slack.dev/reference/methods/usergroups.list, usergroups.users.list: Tier 2.
    'usergroups.list': 2,
    'usergroups.users.list': 2,
    // https://docs.slack.dev/reference/methods/apps.connections.open: Tier 1.
    'apps.connections.open': 1,
  },
  ignoreGraceMs: 250,
};

export interface RateLimitOverrides {
  enabled?: boolean;
  postMessagePerChannel?: Partial<WindowLimit>;
  postMessagePerWorkspace?: Partial<WindowLimit>;
  tiers?: Partial<Record<Tier, Partial<WindowLimit>>>;
  methodTiers?: Record<string, Tier>;
  ignoreGraceMs?: number;
}

export function resolveRateLimits(overrides: RateLimitOverrides | false | undefined): RateLimitConfig {
  if (overrides === false) return { ...DEFAULT_RATE_LIMITS, enabled: false };
  const o = overrides ?? {};
  const tiers = { ...DEFAULT_RATE_LIMITS.tiers };
  for (const tier of [1, 2, 3, 4] as const) tiers[tier] = { ...tiers[tier], ...o.tiers?.[tier] };
  return {
    enabled: o.enabled ?? true,
    postMessagePerChannel: { ...DEFAULT_RATE_LIMITS.postMessagePerChannel, ...o.postMessagePerChannel },
    postMessagePerWorkspace: { ...DEFAULT_RATE_LIMITS.postMessagePerWorkspace, ...o.postMessagePerWorkspace },
    tiers,
    methodTiers: { ...DEFAULT_RATE_LIMITS.methodTiers, ...o.methodTiers },
    ignoreGraceMs: o.ignoreGraceMs ?? DEFAULT_RATE_LIMITS.ignoreGraceMs,
  };
}

/** What the limiter knows about one incoming call. */
export interface RateLimitedRequest {
  method: string;
  /** The conversation the call is about, when it has one (stats are kept per channel). */
  channel?: string;
  /** Identifies a resend of the same call (method + token + body). */
  fingerprint: string;
}

export type RateDecision =
  | { allowed: true }
  | { allowed: false; retryAfterSeconds: number; scope: 'channel' | 'workspace' | 'method' };

/** A call that arrived while the client had been told to wait. */
export interface IgnoredRetryAfter {
  method: string;
  channel?: string;
  at: number;
  /** When the Retry-After it ignored ended (epoch ms). */
  retryAfterEndsAt: number;
  rule: 'resent-before-retry-after' | 'called-during-retry-after';
}

/** One 429 the emulator sent. */
export interface RateLimitRefusal {
  method: string;
  channel?: string;
  at: number;
  retryAfterSeconds: number;
  scope: 'channel' | 'workspace' | 'method';
}

/** Accepted and refused calls of one method in one channel. */
export interface ChannelRateStats {
  method: string;
  channel: string;
  /** Epoch ms of every call that got past the limiter. */
  acceptedAt: number[];
  refused: number;
  ignoredRetryAfter: number;
}

interface Streak {
  firstAt: number;
  endsAt: number;
}

const WORKSPACE_KEY = 'chat.postMessage workspace';

export class SlackRateLimiter {
  readonly config: RateLimitConfig;
  private readonly now: () => number;
  private readonly windows = new Map<string, number[]>();
  private readonly streaks = new Map<string, Streak>();
  private readonly refusedFingerprints = new Map<string, number>();
  private readonly stats = new Map<string, ChannelRateStats>();
  private readonly refusalLog: RateLimitRefusal[] = [];
  private readonly ignoredLog: IgnoredRetryAfter[] = [];

  constructor(config: RateLimitConfig, now: () => number = Date.now) {
    this.config = config;
    this.now = now;
  }

  /** Decides one call and records it. */
  admit(request: RateLimitedRequest): RateDecision {
    if (!this.config.enabled) return { allowed: true };
    const at = this.now();
    const keys = this.keysFor(request);
    if (keys.length === 0) return { allowed: true };
    this.detectIgnored(request, keys.map((k) => k.key), at);

    for (const { key, limit, scope } of keys) {
      const recent = this.recentIn(key, limit.windowMs, at);
      if (recent.length >= limit.limit) {
        const oldest = recent[recent.length - limit.limit] ?? at;
        const waitMs = Math.max(oldest + limit.windowMs - at, 1);
        const retryAfterSeconds = Math.max(1, Math.ceil(waitMs / 1000));
        this.refuse(request, key, at, retryAfterSeconds, scope);
        return { allowed: false, retryAfterSeconds, scope };
      }
    }
    for (const { key } of keys) this.windows.get(key)?.push(at);
    if (request.channel !== undefined) this.statsFor(request.method, request.channel).acceptedAt.push(at);
    return { allowed: true };
  }

  /** Every 429 sent, oldest first. */
  refusals(method?: string): RateLimitRefusal[] {
    return this.refusalLog.filter((r) => method === undefined || r.method === method);
  }

  /** Every call that ignored a Retry-After, oldest first. Zero is the goal. */
  ignoredRetryAfters(): IgnoredRetryAfter[] {
    return [...this.ignoredLog];
  }

  /** Per (method, channel) counts; `highestCountInWindow(stats.acceptedAt, windowMs)` answers "was a channel above its rate?". */
  channelStats(method?: string): ChannelRateStats[] {
    return [...this.stats.values()].filter((s) => method === undefined || s.method === method).map((s) => ({ ...s, acceptedAt: [...s.acceptedAt] }));
  }

  private keysFor(request: RateLimitedRequest): { key: string; limit: WindowLimit; scope: 'channel' | 'workspace' | 'method' }[] {
    if (request.method === 'chat.postMessage') {
      const keys: { key: string; limit: WindowLimit; scope: 'channel' | 'workspace' | 'method' }[] = [];
      if (request.channel !== undefined) keys.push({ key: `chat.postMessage channel ${request.channel}`, limit: this.config.postMessagePerChannel, scope: 'channel' });
      keys.push({ key: WORKSPACE_KEY, limit: this.config.postMessagePerWorkspace, scope: 'workspace' });
      return keys;
    }
    const tier = this.config.methodTiers[request.method];
    if (tier === undefined) return [];
    return [{ key: `method ${request.method}`, limit: this.config.tiers[tier], scope: 'method' }];
  }

  private recentIn(key: string, windowMs: number, at: number): number[] {
    const times = this.windows.get(key) ?? [];
    const recent = times.filter((t) => t > at - windowMs);
    this.windows.set(key, recent);
    return recent;
  }

  private refuse(request: RateLimitedRequest, key: string, at: number, retryAfterSeconds: number, scope: RateLimitRefusal['scope']): void {
    const endsAt = at + retryAfterSeconds * 1000;
    const streak = this.streaks.get(key);
    if (streak === undefined || at >= streak.endsAt) this.streaks.set(key, { firstAt: at, endsAt });
    this.refusedFingerprints.set(request.fingerprint, endsAt);
    if (this.refusedFingerprints.size > 10_000) {
      for (const [fingerprint, end] of this.refusedFingerprints) if (end <= at) this.refusedFingerprints.delete(fingerprint);
    }
    const refusal: RateLimitRefusal = { method: request.method, at, retryAfterSeconds, scope };
    if (request.channel !== undefined) {
      refusal.channel = request.channel;
      this.statsFor(request.method, request.channel).refused += 1;
    }
    this.refusalLog.push(refusal);
  }

  private detectIgnored(request: RateLimitedRequest, keys: string[], at: number): void {
    let ignored: IgnoredRetryAfter | undefined;
    const ownEnd = this.refusedFingerprints.get(request.fingerprint);
    if (ownEnd !== undefined && at < ownEnd) ignored = { method: request.method, at, retryAfterEndsAt: ownEnd, rule: 'resent-before-retry-after' };
    else {
      for (const key of keys) {
        const streak = this.streaks.get(key);
        if (streak && at < streak.endsAt && at >= streak.firstAt + this.config.ignoreGraceMs) {
          ignored = { method: request.method, at, retryAfterEndsAt: streak.endsAt, rule: 'called-during-retry-after' };
          break;
        }
      }
    }
    if (ownEnd !== undefined && at >= ownEnd) this.refusedFingerprints.delete(request.fingerprint);
    if (ignored === undefined) return;
    if (request.channel !== undefined) {
      ignored.channel = request.channel;
      this.statsFor(request.method, request.channel).ignoredRetryAfter += 1;
    }
    this.ignoredLog.push(ignored);
  }

  private statsFor(method: string, channel: string): ChannelRateStats {
    const key = `${method} ${channel}`;
    let stats = this.stats.get(key);
    if (stats === undefined) {
      stats = { method, channel, acceptedAt: [], refused: 0, ignoredRetryAfter: 0 };
      this.stats.set(key, stats);
    }
    return stats;
  }
}

/** The most calls accepted in any window of `windowMs` (sliding over the accepted times). */
export function highestCountInWindow(acceptedAt: readonly number[], windowMs: number): number {
  const times = [...acceptedAt].sort((a, b) => a - b);
  let best = 0;
  let start = 0;
  for (let end = 0; end < times.length; end += 1) {
    while ((times[end] ?? 0) - (times[start] ?? 0) >= windowMs) start += 1;
    best = Math.max(best, end - start + 1);
  }
  return best;
}
