/**
 * Vitest globalSetup: the tests use a real Redis on 127.0.0.1:6379 (docs/architecture.md, "State in Redis"). Without
 * one, every Redis-backed test would fail on its own with a wall of connection errors; this pings once before any
 * test runs and, when nothing answers, stops the run with one line that names the fix.
 */
import { createConnection } from 'node:net';

export const REDIS_HOST = '127.0.0.1';
export const REDIS_PORT = 6379;

/** Whether a Redis answers PING on host:port within timeoutMs (a raw RESP round trip: no client to configure). */
export function pingRedis(host: string, port: number, timeoutMs = 2_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    let answer = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.on('error', () => done(false));
    socket.on('close', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      answer += chunk.toString('latin1');
      if (answer.includes('\r\n')) done(answer.startsWith('+PONG'));
    });
  });
}

export function redisMissingMessage(host: string, port: number): string {
  return `The tests need Redis on ${host}:${port} and nothing answers there: start one with \`redis-server --daemonize yes --save "" --appendonly no\` (Debian: apt-get install redis-server), or run .ci/run, which installs and starts it.`;
}

export async function setup(): Promise<void> {
  if (await pingRedis(REDIS_HOST, REDIS_PORT)) return;
  process.stderr.write(`\n${redisMissingMessage(REDIS_HOST, REDIS_PORT)}\n\n`);
  // Exit rather than throw: a thrown error prints vitest's stack and banner around the one line that matters.
  process.exit(1);
}
