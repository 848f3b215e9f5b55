/**
 * The response_urls of recent slash commands, in this gateway process's memory only, keyed by request id.
 * A response_url is a bearer credential (anyone holding it can post into the conversation for 30 minutes,
 * https://docs.slack.dev/interactivity/handling-user-interaction#message_responses), so it never goes into job
 * data, Redis or logs (src/log.ts redacts `responseUrl`/`response_url`).
 *
 * Scaled out with several gateway replicas, the replica that delivers a reply may not be the one that took the
 * command: it then has no response_url, and a reply that cannot be posted in the channel (not_in_channel, a
 * DM) is lost for the person, logged as such. One gateway replica (the default) or Socket Mode's single
 * connection avoids it; sticky routing of replies is not built.
 */

/** Slack accepts a response_url for 30 minutes. */
export const RESPONSE_URL_TTL_MS = 30 * 60_000;

export class ResponseUrls {
  readonly #entries = new Map<string, { url: string; expiresAt: number }>();
  readonly #now: () => number;
  readonly #max: number;

  constructor(options: { now?: () => number; max?: number } = {}) {
    this.#now = options.now ?? Date.now;
    this.#max = options.max ?? 10_000;
  }

  remember(requestId: string, url: string): void {
    this.#sweep();
    this.#entries.set(requestId, { url, expiresAt: this.#now() + RESPONSE_URL_TTL_MS });
    while (this.#entries.size > this.#max) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest);
    }
  }

  get(requestId: string): string | undefined {
    const entry = this.#entries.get(requestId);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.#now()) {
      this.#entries.delete(requestId);
      return undefined;
    }
    return entry.url;
  }

  #sweep(): void {
    const now = this.#now();
    for (const [key, entry] of this.#entries) {
      if (entry.expiresAt > now) break;
      this.#entries.delete(key);
    }
  }
}

/** Request ids seen in the last `ttlMs`: a replayed (or retried) slash command is answered once. */
export class SeenRequests {
  readonly #seen = new Map<string, number>();
  readonly #now: () => number;
  readonly #ttlMs: number;

  constructor(options: { now?: () => number; ttlMs?: number } = {}) {
    this.#now = options.now ?? Date.now;
    // Slack's signature check refuses requests more than 5 minutes off, so 5 minutes (plus skew) covers every replay.
    this.#ttlMs = options.ttlMs ?? 10 * 60_000;
  }

  /** True the first time `id` is seen within the window. */
  firstTime(id: string): boolean {
    const now = this.#now();
    for (const [key, at] of this.#seen) {
      if (at + this.#ttlMs > now) break;
      this.#seen.delete(key);
    }
    if (this.#seen.has(id)) return false;
    this.#seen.set(id, now);
    return true;
  }
}
