/** /healthz (the process answers), /readyz (caches synced, queue reachable) and /metrics (Prometheus). */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface Readiness {
  ready: boolean;
  /** What is not ready yet, for the /readyz body. */
  reasons: string[];
}

export interface HealthServerOptions {
  port: number;
  host?: string;
  registry: Registry;
  readiness: () => Promise<Readiness> | Readiness;
  /** Runs before each scrape (e.g. refresh queue counts, which are async). */
  beforeScrape?: () => Promise<void>;
}

export interface HealthServer {
  port: number;
  close(): Promise<void>;
}

export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  const server: Server = createServer((req, res) => {
    void (async () => {
      const path = (req.url ?? '/').split('?')[0];
      try {
        if (req.method !== 'GET' && req.method !== 'HEAD') {
          res.writeHead(405, { allow: 'GET, HEAD' }).end();
        } else if (path === '/healthz') {
          res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
        } else if (path === '/readyz') {
          const readiness = await options.readiness();
          res.writeHead(readiness.ready ? 200 : 503, { 'content-type': 'text/plain' })
            .end(readiness.ready ? 'ready\n' : `not ready: ${readiness.reasons.join('; ')}\n`);
        } else if (path === '/metrics') {
          await options.beforeScrape?.();
          const exposition = await options.registry.metrics();
          res.writeHead(200, { 'content-type': options.registry.contentType }).end(exposition);
        } else {
          res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
        }
      } catch {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end('internal error\n');
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
