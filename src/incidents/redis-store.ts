import type { Redis } from 'ioredis';
import type { IncidentStore, StoredDoc, StoreWrite, Versioned } from './store.ts';

/**
 * Incidents in Redis, shared by every process of every cluster (keys carry the cluster):
 *   <prefix>:<cluster>:incident:<id>     hash { v: version, doc: JSON }   (TTL once resolved)
 *   <prefix>:<cluster>:incidents:due     sorted set id → when flushDue has work (ms)
 *   <prefix>:<cluster>:incidents:open    set of open incident ids
 *   <prefix>:<cluster>:pod:<uid>         set of incident ids that list this Pod (while it may still matter)
 *   <prefix>:<cluster>:snoozes           hash scope → until (ms)
 *   <prefix>:<cluster>:storm:<channel>   sorted set incident id → when it was opened (ms), last window only
 * The prefix is the same REDIS_PREFIX as BullMQ's (which adds its own ':'); no key of one can be a key of the other.
 * A write is a compare-and-set on the version in one Lua script, together with its index updates, so
 * two workers racing on one incident never both win, and the indexes never disagree with the document.
 * Scripts touch several keys: on Redis Cluster they must hash to one slot, so pass a prefix with a hash
 * tag, e.g. `{podwhy}` (BullMQ patterns/redis-cluster.md uses the same device for queues).
 */

const PUT = `
local current = redis.call('HGET', KEYS[1], 'v')
if not current then current = '0' end
if current ~= ARGV[1] then return 0 end
local version = tonumber(current) + 1
redis.call('HSET', KEYS[1], 'v', tostring(version), 'doc', ARGV[2])
if ARGV[5] ~= '' then redis.call('PEXPIRE', KEYS[1], ARGV[5]) else redis.call('PERSIST', KEYS[1]) end
if ARGV[4] ~= '' then redis.call('ZADD', KEYS[2], ARGV[4], ARGV[3]) else redis.call('ZREM', KEYS[2], ARGV[3]) end
if ARGV[6] == '1' then redis.call('SADD', KEYS[3], ARGV[3]) else redis.call('SREM', KEYS[3], ARGV[3]) end
local added = tonumber(ARGV[7])
for i = 4, 3 + added do redis.call('SADD', KEYS[i], ARGV[3]) end
for i = 4 + added, #KEYS do redis.call('SREM', KEYS[i], ARGV[3]) end
return version
`;

/** Like PUT for an existing document, without touching its TTL (HSET keeps it), open flag or member sets. */
const REPLACE = `
local current = redis.call('HGET', KEYS[1], 'v')
if not current or current ~= ARGV[1] then return 0 end
local version = tonumber(current) + 1
redis.call('HSET', KEYS[1], 'v', tostring(version), 'doc', ARGV[2])
if ARGV[4] ~= '' then redis.call('ZADD', KEYS[2], ARGV[4], ARGV[3]) else redis.call('ZREM', KEYS[2], ARGV[3]) end
return version
`;

const COUNT_NEW = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', tonumber(ARGV[1]) - tonumber(ARGV[2]))
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return redis.call('ZCARD', KEYS[1])
`;

export interface RedisIncidentStoreOptions {
  /** A normal (not blocking) connection; it may be shared with other non-blocking uses. */
  redis: Redis;
  /** Key prefix without the trailing ':' (like BullMQ's `prefix`); default `podwhy`. Tests use a unique one. */
  prefix?: string;
}

/** The scripts as ioredis commands: sent once, then run by EVALSHA (NOSCRIPT falls back to EVAL by itself). */
interface ScriptedRedis {
  podwhyIncidentPut(numberOfKeys: number, ...keysAndArgs: string[]): Promise<unknown>;
  podwhyIncidentReplace(doc: string, due: string, ...args: string[]): Promise<unknown>;
  podwhyStormCount(key: string, ...args: string[]): Promise<unknown>;
}

/** A read waiting for the next batch (see #read). */
interface QueuedRead {
  args: [command: string, ...args: string[]];
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

export class RedisIncidentStore implements IncidentStore {
  readonly #redis: Redis;
  readonly #scripts: ScriptedRedis;
  readonly #prefix: string;
  #reads: QueuedRead[] = [];

  constructor(options: RedisIncidentStoreOptions) {
    this.#redis = options.redis;
    this.#prefix = options.prefix ?? 'podwhy';
    // A burst writes the same incidents thousands of times: sending the script body with each EVAL was
    // a measurable part of every diagnosis job (bench:pipeline).
    this.#redis.defineCommand('podwhyIncidentPut', { lua: PUT });
    this.#redis.defineCommand('podwhyIncidentReplace', { lua: REPLACE, numberOfKeys: 2 });
    this.#redis.defineCommand('podwhyStormCount', { lua: COUNT_NEW, numberOfKeys: 1 });
    this.#scripts = this.#redis as unknown as ScriptedRedis;
  }

  async get(cluster: string, id: string): Promise<Versioned | null> {
    const [version, doc] = (await this.#read('hmget', this.#key(cluster, `incident:${id}`), 'v', 'doc')) as (string | null)[];
    if (!version || !doc) return null;
    return { version: Number(version), doc: JSON.parse(doc) as StoredDoc };
  }

  async put(cluster: string, doc: StoredDoc, expectedVersion: number, write: StoreWrite): Promise<boolean> {
    const keys = [
      this.#key(cluster, `incident:${doc.id}`),
      this.#key(cluster, 'incidents:due'),
      this.#key(cluster, 'incidents:open'),
      ...write.addMembers.map((uid) => this.#key(cluster, `pod:${uid}`)),
      ...write.removeMembers.map((uid) => this.#key(cluster, `pod:${uid}`)),
    ];
    const result = await this.#scripts.podwhyIncidentPut(
      keys.length,
      ...keys,
      String(expectedVersion),
      JSON.stringify(doc),
      doc.id,
      write.dueAt === null ? '' : String(write.dueAt),
      write.ttlMs === null ? '' : String(write.ttlMs),
      write.open ? '1' : '0',
      String(write.addMembers.length),
    );
    return Number(result) > 0;
  }

  async replace(cluster: string, doc: StoredDoc, expectedVersion: number, dueAt: number | null): Promise<boolean> {
    const result = await this.#scripts.podwhyIncidentReplace(
      this.#key(cluster, `incident:${doc.id}`),
      this.#key(cluster, 'incidents:due'),
      String(expectedVersion),
      JSON.stringify(doc),
      doc.id,
      dueAt === null ? '' : String(dueAt),
    );
    return Number(result) > 0;
  }

  async idsForMember(cluster: string, uid: string): Promise<string[]> {
    return ((await this.#read('smembers', this.#key(cluster, `pod:${uid}`))) as string[]).sort();
  }

  async dueIds(cluster: string, now: number, limit: number): Promise<string[]> {
    return this.#redis.zrangebyscore(this.#key(cluster, 'incidents:due'), '-inf', now, 'LIMIT', 0, limit);
  }

  async clearDue(cluster: string, id: string): Promise<void> {
    await this.#redis.zrem(this.#key(cluster, 'incidents:due'), id);
  }

  async openIds(cluster: string): Promise<string[]> {
    return (await this.#redis.smembers(this.#key(cluster, 'incidents:open'))).sort();
  }

  async setSnooze(cluster: string, scope: string, untilMs: number): Promise<void> {
    await this.#redis.hset(this.#key(cluster, 'snoozes'), scope, String(untilMs));
  }

  async removeSnooze(cluster: string, scope: string): Promise<void> {
    await this.#redis.hdel(this.#key(cluster, 'snoozes'), scope);
  }

  async snoozedUntil(cluster: string, scopes: string[], now: number): Promise<number | null> {
    if (scopes.length === 0) return null;
    const values = (await this.#read('hmget', this.#key(cluster, 'snoozes'), ...scopes)) as (string | null)[];
    let until: number | null = null;
    const expired: string[] = [];
    values.forEach((value, index) => {
      if (value === null) return;
      const end = Number(value);
      if (end <= now) expired.push(scopes[index] as string);
      else if (until === null || end > until) until = end;
    });
    // Expired snoozes are dropped lazily; the hash stays as small as the snoozes in force.
    if (expired.length > 0) await this.#redis.hdel(this.#key(cluster, 'snoozes'), ...expired);
    return until;
  }

  async countNew(cluster: string, channel: string, incidentId: string, now: number, windowMs: number): Promise<number> {
    const result = await this.#scripts.podwhyStormCount(this.#key(cluster, `storm:${channel}`), String(now), String(windowMs), incidentId);
    return Number(result);
  }

  /**
   * Reads asked for in the same turn go to Redis together, as one pipeline: a diagnosis asks for the
   * snoozes and the incident at once, and a worker runs several. Every command is a socket write, and on
   * loopback the write also delivers the bytes to Redis, so each costs about as much as the read itself
   * (bench:pipeline CPU profiles of a worker: a third of its time in socket writes). ioredis's
   * enableAutoPipelining does this for a whole connection; this store does it for its own reads only.
   */
  #read(...args: QueuedRead['args']): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.#reads.push({ args, resolve, reject });
      if (this.#reads.length === 1) process.nextTick(() => this.#flushReads());
    });
  }

  #flushReads(): void {
    const batch = this.#reads;
    this.#reads = [];
    if (batch.length === 1) {
      const [read] = batch as [QueuedRead];
      this.#redis.call(...read.args).then(read.resolve, read.reject);
      return;
    }
    this.#redis
      .pipeline(batch.map((read) => read.args))
      .exec()
      .then(
        (results) => {
          batch.forEach((read, i) => {
            const [error, value] = results?.[i] ?? [new Error('Redis pipeline returned no result'), null];
            if (error) read.reject(error);
            else read.resolve(value);
          });
        },
        (error: unknown) => {
          for (const read of batch) read.reject(error);
        },
      );
  }

  #key(cluster: string, rest: string): string {
    return `${this.#prefix}:${cluster}:${rest}`;
  }
}
