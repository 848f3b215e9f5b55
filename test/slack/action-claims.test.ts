import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryActionClaims, RedisActionClaims, type ActionClaims } from '../../src/slack/action-claims.ts';
import { deleteRedisKeys, REDIS_URL, uniquePrefix } from '../agent/support.ts';

const PREFIX = uniquePrefix('action-claims');
const redis = new Redis(REDIS_URL);
afterAll(async () => {
  await redis.quit();
  await deleteRedisKeys(PREFIX);
});

describe.each([
  ['memory', () => new MemoryActionClaims()],
  ['Redis', () => new RedisActionClaims({ redis, prefix: PREFIX })],
] as const)('action claims (%s)', (_kind, make: () => ActionClaims) => {
  it('give a key to the first of many concurrent claimants and name it to the others', async () => {
    const claims = make();
    const key = `prod/uid-${Math.random()}/force-delete`;

    const results = await Promise.all(['U0A', 'U0B', 'U0C', 'U0D'].map((user) => claims.claim(key, user, 60_000)));

    expect(results.filter((r) => r.claimed)).toHaveLength(1);
    const winner = ['U0A', 'U0B', 'U0C', 'U0D'][results.findIndex((r) => r.claimed)];
    expect(results.filter((r) => !r.claimed)).toEqual([{ claimed: false, by: winner }, { claimed: false, by: winner }, { claimed: false, by: winner }]);
  });

  it('expire after their TTL, and release only their own holder', async () => {
    const claims = make();
    const key = `prod/uid-${Math.random()}/restart-pod`;

    await claims.claim(key, 'U0A', 200);
    await claims.release(key, 'U0B');
    expect((await claims.claim(key, 'U0B', 200)).claimed).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect((await claims.claim(key, 'U0B', 200)).claimed).toBe(true);
    await claims.release(key, 'U0B');
    expect((await claims.claim(key, 'U0C', 200)).claimed).toBe(true);
  });
});
