import { afterEach, describe, expect, it } from 'vitest';
import { startHealthServer, type HealthServer } from '../../src/agent/http.ts';
import { Registry } from 'prom-client';
import { createAgentMetrics } from '../../src/metrics.ts';

let server: HealthServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('health server', () => {
  it('answers /readyz 503 with the reasons while something is not ready, then 200', async () => {
    let reasons = ['informer caches not synced', 'Redis (diagnosis queue) unreachable'];
    server = await startHealthServer({ port: 0, host: '127.0.0.1', registry: new Registry(), readiness: () => ({ ready: reasons.length === 0, reasons }) });
    const url = `http://127.0.0.1:${server.port}`;

    const notReady = await fetch(`${url}/readyz`);
    const notReadyBody = await notReady.text();
    reasons = [];
    const ready = await fetch(`${url}/readyz`);

    expect(notReady.status).toBe(503);
    expect(notReadyBody).toBe('not ready: informer caches not synced; Redis (diagnosis queue) unreachable\n');
    expect(ready.status).toBe(200);
  });

  it('refreshes async figures before each scrape, and keeps /healthz up even when readiness throws', async () => {
    const agentMetrics = createAgentMetrics({ cluster: 'c' });
    let scrapes = 0;
    server = await startHealthServer({
      port: 0,
      host: '127.0.0.1',
      registry: agentMetrics.registry,
      beforeScrape: async () => {
        scrapes++;
        agentMetrics.queueDepth.set({ cluster: 'c' }, scrapes);
      },
      readiness: () => {
        throw new Error('boom');
      },
    });
    const url = `http://127.0.0.1:${server.port}`;

    const metrics = await (await fetch(`${url}/metrics`)).text();
    const health = await fetch(`${url}/healthz`);
    const readiness = await fetch(`${url}/readyz`);
    const missing = await fetch(`${url}/nope`);
    const post = await fetch(`${url}/metrics`, { method: 'POST' });

    expect(metrics).toContain('podwhy_queue_depth{cluster="c"} 1');
    expect(health.status).toBe(200);
    expect(readiness.status).toBe(500);
    expect(missing.status).toBe(404);
    expect(post.status).toBe(405);
  });
});
