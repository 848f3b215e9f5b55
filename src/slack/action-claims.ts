/**
 * The idempotency key of a one-click fix (docs/architecture.md, "Button click"): (cluster, Pod uid, action), claimed
 * once before the act job is enqueued, so a double click, two concurrent clicks or a replayed payload acts once and
 * the later ones hear who was first. Memory in one process; Redis `SET key by NX PX ttl` when scaled out, so every
 * gateway replica sees the same claims. When Redis cannot answer, claim() throws and the click fails closed.
 */
import type { Redis } from 'ioredis';

export type Claim = { claimed: true } | { claimed: false; by: string };

export interface ActionClaims {
  /** Claims `key` for `by` for `ttlMs`; the current holder when someone was first. */
  claim(key: string, by: string, ttlMs: number): Promise<Claim>;
  /** Gives a claim back (its job could not be enqueued). */
  release(key: string, by: string): Promise<void>;
}

export class MemoryActionClaims implements ActionClaims {
  readonly #claims = new Map<string, { by: string; until: number }>();
  readonly #now: () => number;

  constructor(options: { now?: () => number } = {}) {
    this.#now = options.now ?? Date.now;
  }

  async claim(key: string, by: string, ttlMs: number): Promise<Claim> {
    const now = this.#now();
    for (const [k, v] of this.#claims) if (v.until <= now) this.#claims.delete(k);
    const held = this.#claims.get(key);
    if (held) return { claimed: false, by: held.by };
    this.#claims.set(key, { by, until: now + ttlMs });
    return { claimed: true };
  }

  async release(key: string, by: string): Promise<void> {
    if (this.#claims.get(key)?.by === by) this.#claims.delete(key);
  }
}

export class RedisActionClaims implements ActionClaims {
  readonly #redis: Redis;
  readonly #prefix: string;

  constructor(options: { redis: Redis; prefix: string }) {
    this.#redis = options.redis;
    this.#prefix = options.prefix;
  }

  #key(key: string): string {
    return `${this.#prefix}:action-claim:${key}`;
  }

  async claim(key: string, by: string, ttlMs: number): Promise<Claim> {
    const set = await this.#redis.set(this.#key(key), by, 'PX', ttlMs, 'NX');
    if (set === 'OK') return { claimed: true };
    const holder = await this.#redis.get(this.#key(key));
    return { claimed: false, by: holder ?? 'someone' };
  }

  async release(key: string, by: string): Promise<void> {
    // Only our own claim: compare and delete in one step.
    await this.#redis.eval("if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0", 1, this.#key(key), by);
  }
}
