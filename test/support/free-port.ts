import { createServer } from 'node:net';

/**
 * A port nothing listens on right now: the OS picks it, and it is released before the caller binds it. For
 * processes that must be told their port up front (a child process, a config value); in-process servers
 * listen on port 0 instead.
 */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}
