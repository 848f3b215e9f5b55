import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { ShardRegistry } from '../../src/queue/shard-registry.ts';
import { deleteRedisKeys, REDIS_URL, uniquePrefix } from '../agent/support.ts';

// The shard registry on the real Redis, under a prefix of this file's own (deleted after).
const PREFIX = uniquePrefix('shard-registry');
const redis = new Redis(REDIS_URL);
afterAll(async () => {
  await redis.quit();
  await deleteRedisKeys(PREFIX);
});

describe('ShardRegistry', () => {
  it('finds the live shard that watches a namespace, never the asking one, and forgets a shard that stopped writing', async () => {
    let nowMs = 1_000_000;
    const registry = new ShardRegistry({ redis, prefix: PREFIX, cluster: 'big', now: () => nowMs, staleAfterMs: 90_000 });
    await registry.announce('aaa', ['shop', 'cart']);
    await registry.announce('bbb', ['pay']);

    expect(await registry.shardWatching('pay', 'aaa')).toBe('bbb');
    expect(await registry.shardWatching('shop', 'bbb')).toBe('aaa');
    expect(await registry.shardWatching('shop', 'aaa')).toBeUndefined();
    expect(await registry.shardWatching('search')).toBeUndefined();
    // Another cluster's shards are not this one's.
    expect(await new ShardRegistry({ redis, prefix: PREFIX, cluster: 'other', now: () => nowMs }).shardWatching('pay')).toBeUndefined();

    nowMs += 60_000;
    await registry.announce('aaa', ['cart', 'shop']); // the heartbeat of aaa only
    nowMs += 40_000;
    expect(await registry.live()).toEqual([{ shard: 'aaa', namespaces: ['cart', 'shop'], seenAt: 1_060_000 }]);
    expect(await registry.shardWatching('pay', 'aaa')).toBeUndefined();
  });

  it('skips an entry it cannot read', async () => {
    const registry = new ShardRegistry({ redis, prefix: PREFIX, cluster: 'odd', now: () => 5 });
    await redis.hset(`${PREFIX}:odd:shards`, 'zzz', 'not json', 'yyy', JSON.stringify({ namespaces: 'shop', seenAt: 5 }));
    await registry.announce('aaa', ['shop']);
    expect(await registry.live()).toEqual([{ shard: 'aaa', namespaces: ['shop'], seenAt: 5 }]);
  });
});
