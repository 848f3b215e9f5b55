/**
 * Paces podwhy's Slack Web API calls so that Slack never has to refuse one, and waits out the Retry-After
 * of the few it still refuses without holding anything else up.
 *
 * Slack's limits (https://docs.slack.dev/apis/web-api/rate-limits, https://docs.slack.dev/reference/methods/chat.postMessage):
 * - chat.postMessage: "1 message per second to a specific channel", short bursts, and "several hundred
 *   messages per minute" across the workspace;
 * - chat.update: Tier 3 (50+ per minute), per method per workspace;
 * - a refused call gets HTTP 429 with `Retry-After: <seconds>`; calling on before it has passed "runs the
 *   risk of having your application permanently disabled".
 *
 * Why not WebClient's own retries: on a 429 it pauses its WHOLE request queue for Retry-After seconds, so
 * one busy channel would stall every other channel (@slack/web-api WebClient.js makeRequest). The client
 * is built with `rejectRateLimitedCalls: true` instead (slack-notifier.ts createSlackWebClient), and the
 * 429 comes here as a WebAPIRateLimitedError:
 * - every channel is its own lane: calls in FIFO order, one at a time, the next starting at least
 *   `channelIntervalMs` after the previous one ENDED (its answer arrived, so Slack counted it first:
 *   network jitter cannot squeeze two of ours into one of Slack's seconds). Bursts are spread, never
 *   dropped;
 * - chat.postMessage also draws on one workspace budget (a sliding window over all channels);
 * - other methods (chat.update) are a lane per method with their own sliding window;
 * - a 429 closes ONLY its lane for Retry-After (+ a margin); the call is retried when the lane reopens,
 *   at most `maxAttempts` times in all, then its WebAPIRateLimitedError is thrown to the caller, whose
 *   queue retries later. Other lanes keep flowing.
 * No library does this: p-queue/bottleneck-style limiters pace a single queue, and Slack's per-channel
 * limit with per-lane Retry-After gates and one shared workspace budget is the whole point here.
 *
 * Timing is pure arithmetic over an injected clock (PacerClock), so unit tests drive it without real time.
 */
import { ErrorCode, type WebAPIRateLimitedError } from '@slack/web-api';

/** The time source: the system clock in production, a manual one in unit tests. */
export interface PacerClock {
  /** Epoch milliseconds. */
  now(): number;
  /** Resolves after `ms` milliseconds of this clock. */
  sleep(ms: number): Promise<void>;
}

export const SYSTEM_CLOCK: PacerClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
};

/** At most `limit` calls started in any `windowMs`. */
export interface WindowLimit {
  limit: number;
  windowMs: number;
}

export interface PacingSettings {
  /** Least time from the end of one chat.postMessage in a channel to the start of the next (Slack: 1/s per channel). */
  channelIntervalMs: number;
  /** chat.postMessage across all channels. Slack: "several hundred per minute"; kept well below. */
  workspacePosts: WindowLimit;
  /** Other methods, each a lane across the workspace. chat.update is Tier 3 (50+/min): 45 leaves a margin. */
  methodLimits: Record<string, WindowLimit>;
  /** A call refused with 429 is tried at most this often in all; then the caller gets the WebAPIRateLimitedError. */
  maxAttempts: number;
  /** Added to Retry-After before a lane reopens (Slack counts from when it refused, we from when we heard). */
  retryAfterMarginMs: number;
}

export const DEFAULT_PACING: PacingSettings = {
  channelIntervalMs: 1_000,
  workspacePosts: { limit: 240, windowMs: 60_000 },
  methodLimits: { 'chat.update': { limit: 45, windowMs: 60_000 } },
  maxAttempts: 3,
  retryAfterMarginMs: 100,
};

/** What the pacer has seen, for logs and the benchmark. */
export interface PacerStats {
  /** Calls that ran (each attempt counts). */
  attempts: number;
  /** 429s received. */
  rateLimited: number;
  /** Calls queued or running now. */
  pending: number;
}

/** A sliding window of call start times. Pure. */
export class SlidingWindow {
  readonly limit: WindowLimit;
  #starts: number[] = [];

  constructor(limit: WindowLimit) {
    this.limit = limit;
  }

  /** How long from `now` until one more call fits; 0: it fits now. */
  waitMs(now: number): number {
    this.#prune(now);
    if (this.#starts.length < this.limit.limit) return 0;
    const oldest = this.#starts[this.#starts.length - this.limit.limit] ?? now;
    return Math.max(0, oldest + this.limit.windowMs - now);
  }

  record(now: number): void {
    this.#starts.push(now);
  }

  #prune(now: number): void {
    let drop = 0;
    while (drop < this.#starts.length && (this.#starts[drop] ?? 0) <= now - this.limit.windowMs) drop += 1;
    if (drop > 0) this.#starts.splice(0, drop);
  }
}

export function isRateLimitedError(error: unknown): error is WebAPIRateLimitedError {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === ErrorCode.RateLimitedError;
}

interface Task {
  run: () => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
  attempts: number;
}

interface Lane {
  key: string;
  queue: Task[];
  /** Minimum gap from the end of one call to the start of the next. */
  intervalMs: number;
  budgets: SlidingWindow[];
  /** The task whose call is in flight (it cannot be taken back). */
  running: Task | null;
  /** A 429's Retry-After keeps the lane shut until then. */
  closedUntil: number;
  lastEndAt: number;
  draining: boolean;
}

export class PacerClosedError extends Error {
  override name = 'PacerClosedError';
}

/** Per-channel and per-method lanes for Slack Web API calls (see the file comment). */
export class SlackPacer {
  readonly settings: PacingSettings;
  readonly #clock: PacerClock;
  readonly #lanes = new Map<string, Lane>();
  readonly #workspacePosts: SlidingWindow;
  #closed = false;
  #attempts = 0;
  #rateLimited = 0;

  constructor(options: { settings?: Partial<PacingSettings>; clock?: PacerClock } = {}) {
    this.settings = { ...DEFAULT_PACING, ...options.settings, methodLimits: { ...DEFAULT_PACING.methodLimits, ...options.settings?.methodLimits } };
    this.#clock = options.clock ?? SYSTEM_CLOCK;
    this.#workspacePosts = new SlidingWindow(this.settings.workspacePosts);
  }

  /** Runs a chat.postMessage (or anything else limited per channel) in `channel`'s lane. */
  post<T>(channel: string, call: () => Promise<T>): Promise<T> {
    return this.#enqueue(`channel ${channel}`, () => ({ intervalMs: this.settings.channelIntervalMs, budgets: [this.#workspacePosts] }), call);
  }

  /** Runs a call of `method` (e.g. chat.update) in that method's lane. */
  call<T>(method: string, call: () => Promise<T>): Promise<T> {
    return this.#enqueue(`method ${method}`, () => {
      const limit = this.settings.methodLimits[method];
      return { intervalMs: 0, budgets: limit ? [new SlidingWindow(limit)] : [] };
    }, call);
  }

  stats(): PacerStats {
    let pending = 0;
    for (const lane of this.#lanes.values()) pending += lane.queue.length;
    return { attempts: this.#attempts, rateLimited: this.#rateLimited, pending };
  }

  /** When a lane opens again after a 429 (epoch ms), or null when it is open. For logs and tests. */
  closedUntil(lane: { channel: string } | { method: string }): number | null {
    const key = 'channel' in lane ? `channel ${lane.channel}` : `method ${lane.method}`;
    const until = this.#lanes.get(key)?.closedUntil ?? 0;
    return until > this.#clock.now() ? until : null;
  }

  /** Refuses new calls and rejects the waiting ones (PacerClosedError: the caller's queue keeps them). */
  close(): void {
    this.#closed = true;
    for (const lane of this.#lanes.values()) {
      for (const task of lane.queue) if (task !== lane.running) task.reject(new PacerClosedError('The Slack pacer is closed'));
      lane.queue = lane.running ? [lane.running] : [];
    }
  }

  #enqueue<T>(key: string, shape: () => Pick<Lane, 'intervalMs' | 'budgets'>, call: () => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(new PacerClosedError('The Slack pacer is closed'));
    let lane = this.#lanes.get(key);
    if (!lane) {
      lane = { key, queue: [], running: null, closedUntil: 0, lastEndAt: Number.NEGATIVE_INFINITY, draining: false, ...shape() };
      this.#lanes.set(key, lane);
    }
    const queued = lane;
    return new Promise<T>((resolve, reject) => {
      queued.queue.push({ run: call, resolve: resolve as (value: unknown) => void, reject, attempts: 0 });
      if (!queued.draining) void this.#drain(queued);
    });
  }

  /** How long the head of `lane` must still wait; 0: it may start now. Pure over the clock reading. */
  #waitMs(lane: Lane, now: number): number {
    let wait = Math.max(lane.closedUntil - now, lane.lastEndAt + lane.intervalMs - now, 0);
    for (const budget of lane.budgets) wait = Math.max(wait, budget.waitMs(now));
    return wait;
  }

  async #drain(lane: Lane): Promise<void> {
    lane.draining = true;
    try {
      while (lane.queue.length > 0) {
        const task = lane.queue[0] as Task;
        // Check and record with no await in between, so lanes sharing a budget never both take its last slot.
        for (let wait = this.#waitMs(lane, this.#clock.now()); wait > 0; wait = this.#waitMs(lane, this.#clock.now())) {
          await this.#clock.sleep(wait);
        }
        // close() while this task waited has rejected it already.
        if (lane.queue[0] !== task) continue;
        const startedAt = this.#clock.now();
        for (const budget of lane.budgets) budget.record(startedAt);
        task.attempts += 1;
        this.#attempts += 1;
        let outcome: { ok: true; value: unknown } | { ok: false; error: unknown };
        lane.running = task;
        try {
          outcome = { ok: true, value: await task.run() };
        } catch (error) {
          outcome = { ok: false, error };
        } finally {
          lane.running = null;
        }
        const endedAt = this.#clock.now();
        lane.lastEndAt = endedAt;
        if (!outcome.ok && isRateLimitedError(outcome.error)) {
          this.#rateLimited += 1;
          lane.closedUntil = Math.max(lane.closedUntil, endedAt + outcome.error.retryAfter * 1000 + this.settings.retryAfterMarginMs);
          // Kept at the head: the lane's order holds, and it is tried again once the lane reopens.
          if (task.attempts < this.settings.maxAttempts && !this.#closed) continue;
        }
        lane.queue.shift();
        if (outcome.ok) task.resolve(outcome.value);
        else task.reject(outcome.error);
      }
    } finally {
      lane.draining = false;
    }
  }
}
