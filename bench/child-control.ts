/**
 * The control side of a benchmark's child process (the fake API server runs apart from what is measured):
 * a loopback HTTP endpoint with a few JSON routes, and a shutdown that closes the server, removes the
 * temporary files and exits when the parent goes away (stdin closes) or on SIGTERM/SIGINT.
 */
import { rmSync } from 'node:fs';
import { createServer } from 'node:http';

/** `'GET /requests'` → the JSON body (or a promise of it). */
export type ControlRoutes = Record<string, () => unknown>;

export interface ChildControlOptions {
  routes: ControlRoutes;
  close: () => Promise<void>;
  /** Files to delete on the way out (the kubeconfig). */
  removeOnExit: string[];
}

/** Starts the control endpoint and the exit hooks; returns the endpoint's URL. */
export async function serveChildControl(options: ChildControlOptions): Promise<string> {
  const control = createServer((req, res) => {
    const route = options.routes[`${req.method} ${req.url}`];
    if (!route) {
      res.writeHead(404).end();
      return;
    }
    Promise.resolve()
      .then(route)
      .then(
        (body) => {
          res.writeHead(200, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify(body));
        },
        (error: unknown) => res.writeHead(500).end(String(error)),
      );
  });
  await new Promise<void>((resolve) => control.listen(0, '127.0.0.1', resolve));
  const address = control.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;

  let closing = false;
  const shutdown = async (): Promise<void> => {
    if (closing) return;
    closing = true;
    control.close();
    await options.close();
    for (const file of options.removeOnExit) rmSync(file, { force: true });
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown());
  process.on('SIGINT', () => void shutdown());
  process.stdin.on('end', () => void shutdown());
  process.stdin.on('close', () => void shutdown());
  process.stdin.resume();
  return `http://127.0.0.1:${port}`;
}
