import { createServer, type Server, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { pingRedis, REDIS_HOST, REDIS_PORT, redisMissingMessage } from '../support/redis-global-setup.ts';

describe('the tests\' Redis check', () => {
  it('finds the Redis the tests use', async () => {
    expect(await pingRedis(REDIS_HOST, REDIS_PORT)).toBe(true);
  });

  it('says no, quickly, when nothing listens or something that is not Redis answers', async () => {
    const sockets = new Set<Socket>();
    const notRedis: Server = createServer((socket) => {
      sockets.add(socket);
      socket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
    });
    await new Promise<void>((resolve) => notRedis.listen(0, '127.0.0.1', resolve));
    const port = (notRedis.address() as { port: number }).port;
    const startedAt = Date.now();

    const answeredByOther = await pingRedis('127.0.0.1', port);
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => notRedis.close(resolve));
    const answeredByNobody = await pingRedis('127.0.0.1', port);

    expect([answeredByOther, answeredByNobody]).toEqual([false, false]);
    expect(Date.now() - startedAt).toBeLessThan(2_000);
  });

  it('names the fix in one line', () => {
    const message = redisMissingMessage('127.0.0.1', 6379);

    expect(message).not.toContain('\n');
    expect(message).toMatch(/redis-server/);
    expect(message).toMatch(/\.ci\/run/);
  });
});
