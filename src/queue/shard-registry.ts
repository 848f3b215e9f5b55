import type { Redis } from 'ioredis';

/**
 * Which shard of a cluster watches which namespaces (docs/architecture.md, "Sharding one large cluster"), so a job
 * from the Slack gateway that names a namespace reaches a shard whose caches hold it: the gateway knows clusters, not
 * shards, and puts its jobs on the cluster's queue, which every shard consumes. One Redis hash per cluster,
 * `<prefix>:<cluster>:shards`, shard id → `{namespaces, seenAt}`; every shard writes its entry at start and then
 * every `heartbeatMs`. An entry not written for `staleAfterMs` is ignored (a shard removed or renamed by a change of
 * its WATCH_NAMESPACES: its id is the digest of them, jobs.ts shardOf), so jobs never go to a queue nobody consumes
 * for longer than that.
 */

export interface ShardEntry {
  shard: string;
  namespaces: string[];
  seenAt: number;
}

export interface ShardRegistryOptions {
  redis: Redis;
  prefix: string;
  cluster: string;
  now?: () => number;
  staleAfterMs?: number;
}

export const SHARD_HEARTBEAT_MS = 30_000;
const STALE_AFTER_MS = 3 * SHARD_HEARTBEAT_MS;

export class ShardRegistry {
  readonly #redis: Redis;
  readonly #key: string;
  readonly #now: () => number;
  readonly #staleAfterMs: number;

  constructor(options: ShardRegistryOptions) {
    this.#redis = options.redis;
    this.#key = `${options.prefix}:${options.cluster}:shards`;
    this.#now = options.now ?? Date.now;
    this.#staleAfterMs = options.staleAfterMs ?? STALE_AFTER_MS;
  }

  /** Writes (or refreshes) this shard's entry. */
  async announce(shard: string, namespaces: readonly string[]): Promise<void> {
    const entry = { namespaces: [...namespaces].sort(), seenAt: this.#now() };
    await this.#redis.hset(this.#key, shard, JSON.stringify(entry));
  }

  /** The shards seen within staleAfterMs, by id. */
  async live(): Promise<ShardEntry[]> {
    const now = this.#now();
    const entries: ShardEntry[] = [];
    for (const [shard, text] of Object.entries(await this.#redis.hgetall(this.#key))) {
      try {
        const { namespaces, seenAt } = JSON.parse(text) as { namespaces: unknown; seenAt: unknown };
        if (!Array.isArray(namespaces) || typeof seenAt !== 'number' || now - seenAt > this.#staleAfterMs) continue;
        entries.push({ shard, namespaces: namespaces.filter((n): n is string => typeof n === 'string'), seenAt });
      } catch {
        // An entry this version cannot read (a newer writer's format) is skipped, not fatal.
      }
    }
    return entries.sort((a, b) => a.shard.localeCompare(b.shard));
  }

  /** A live shard other than `except` that watches `namespace`; the first by id when several do. */
  async shardWatching(namespace: string, except?: string): Promise<string | undefined> {
    return (await this.live()).find((entry) => entry.shard !== except && entry.namespaces.includes(namespace))?.shard;
  }
}
