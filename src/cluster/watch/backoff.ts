/**
 * Capped exponential back-off with jitter, for re-listing and re-watching after errors.
 *
 * Why: the API server's Priority and Fairness "is designed to work well with standard controllers,
 * which use informers and react to failures … with exponential back-off" (PLATFORM.md §2.4), and a
 * naive restart-on-error produced "tens of watch requests per second" (kubernetes-client/javascript#1933).
 * Defaults follow client-go's and client-node's ListWatch (1 s doubling to 30 s, client-node
 * `src/cache.ts` BASE_RECONNECT_DELAY_MS / MAX_RECONNECT_DELAY_MS).
 */
export interface BackoffOptions {
  /** First delay. */
  initialMs: number;
  /** No delay exceeds this. */
  maxMs: number;
  /** Growth per step. */
  factor: number;
  /**
   * Fraction of each delay that is random (0 = none, 1 = anywhere in [0, delay]). Jitter only
   * shortens a step, so the cap holds; it spreads the reconnects of many informers and many agents
   * after an API server restart so they do not arrive in one burst.
   */
  jitter: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 1_000, maxMs: 30_000, factor: 2, jitter: 0.2 };

export class Backoff {
  readonly options: BackoffOptions;
  #attempt = 0;
  readonly #random: () => number;

  constructor(options: Partial<BackoffOptions> = {}, random: () => number = Math.random) {
    this.options = { ...DEFAULT_BACKOFF, ...options };
    this.#random = random;
  }

  /** How many delays were handed out since the last reset. */
  get attempt(): number {
    return this.#attempt;
  }

  /** The delay before the next attempt; each call is one back-off step. */
  next(): number {
    const { initialMs, maxMs, factor, jitter } = this.options;
    const base = Math.min(maxMs, initialMs * factor ** this.#attempt);
    this.#attempt++;
    return Math.max(0, Math.round(base * (1 - jitter * this.#random())));
  }

  reset(): void {
    this.#attempt = 0;
  }
}

/** The un-jittered delay of step `n` (0-based): what tests use to bound how many attempts fit in a window. */
export function backoffDelay(options: BackoffOptions, step: number): number {
  return Math.min(options.maxMs, options.initialMs * options.factor ** step);
}

/** Resolves after `ms`, or early (without rejecting) when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted || ms <= 0) {
      resolve();
      return;
    }
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
