import { afterEach, describe, expect, it } from 'vitest';
import { startHealthServer, type HealthServer } from '../src/agent/http.ts';
import { countDiagnosis, createAgentMetrics, seriesValue, type AgentMetrics } from '../src/metrics.ts';
import { parseExposition, sampleValue, type Exposition } from './support/prometheus-text.ts';

const servers: HealthServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

/** What a Prometheus scrape of the agent's /metrics gets: the real health server, parsed. */
async function scrape(metrics: AgentMetrics, beforeScrape?: () => Promise<void>): Promise<{ exposition: Exposition; contentType: string | null }> {
  const server = await startHealthServer({ port: 0, host: '127.0.0.1', registry: metrics.registry, readiness: () => ({ ready: true, reasons: [] }), beforeScrape });
  servers.push(server);
  const response = await fetch(`http://127.0.0.1:${server.port}/metrics`);
  return { exposition: parseExposition(await response.text()), contentType: response.headers.get('content-type') };
}

describe('agent metrics at /metrics', () => {
  it('serves counters, the queue-depth gauge and the latency histogram with their help, types and labels', async () => {
    const metrics = createAgentMetrics({ cluster: 'prod' });
    metrics.diagnoses.inc({ cluster: 'prod', scenario: 'oom', cause: 'oom.container-limit' });
    metrics.diagnoses.inc({ cluster: 'prod', scenario: 'oom', cause: 'oom.container-limit' });
    metrics.jobs.inc({ cluster: 'prod', outcome: 'queued' });
    metrics.latency.observe({ cluster: 'prod' }, 0.05);
    metrics.latency.observe({ cluster: 'prod' }, 0.5);

    const { exposition, contentType } = await scrape(metrics, async () => {
      metrics.queueDepth.set({ cluster: 'prod' }, 7);
    });

    expect(contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(exposition.types.get('podwhy_diagnoses_total')).toBe('counter');
    expect(exposition.types.get('podwhy_queue_depth')).toBe('gauge');
    expect(exposition.types.get('podwhy_alert_latency_seconds')).toBe('histogram');
    expect(exposition.help.get('podwhy_jobs_total')).toBe('Diagnosis jobs by outcome (queued, deduplicated, completed, failed, retried, forwarded to another shard).');
    expect(sampleValue(exposition, 'podwhy_diagnoses_total', { cluster: 'prod', scenario: 'oom', cause: 'oom.container-limit' })).toBe(2);
    expect(sampleValue(exposition, 'podwhy_jobs_total', { cluster: 'prod', outcome: 'queued' })).toBe(1);
    expect(sampleValue(exposition, 'podwhy_queue_depth', { cluster: 'prod' })).toBe(7);
    expect(sampleValue(exposition, 'podwhy_alert_latency_seconds_bucket', { cluster: 'prod', le: '0.1' })).toBe(1);
    expect(sampleValue(exposition, 'podwhy_alert_latency_seconds_bucket', { cluster: 'prod', le: '1' })).toBe(2);
    expect(sampleValue(exposition, 'podwhy_alert_latency_seconds_bucket', { cluster: 'prod', le: '+Inf' })).toBe(2);
    expect(sampleValue(exposition, 'podwhy_alert_latency_seconds_count', { cluster: 'prod' })).toBe(2);
    expect(sampleValue(exposition, 'podwhy_alert_latency_seconds_sum', { cluster: 'prod' })).toBeCloseTo(0.55);
  });

  it("labels every series with the cluster, prom-client's process metrics included", async () => {
    const metrics = createAgentMetrics({ cluster: 'prod' });
    metrics.eventsSeen.inc({ cluster: 'prod', resource: 'pods', type: 'MODIFIED' });

    const { exposition } = await scrape(metrics);

    const names = new Set(exposition.samples.map((s) => s.name));
    expect(names).toContain('process_cpu_seconds_total');
    expect(names).toContain('process_resident_memory_bytes');
    expect(names).toContain('nodejs_heap_size_used_bytes');
    expect(names).toContain('nodejs_eventloop_lag_seconds');
    expect(exposition.samples.filter((s) => s.labels.cluster !== 'prod')).toEqual([]);
  });

  it('keeps each agent to its own registry, sharing only the process metrics under its own cluster label', async () => {
    const prod = createAgentMetrics({ cluster: 'prod' });
    const staging = createAgentMetrics({ cluster: 'staging' });
    prod.notifications.inc({ cluster: 'prod', kind: 'open' });

    const fromProd = (await scrape(prod)).exposition;
    const fromStaging = (await scrape(staging)).exposition;

    expect(sampleValue(fromProd, 'podwhy_notifications_total', { cluster: 'prod', kind: 'open' })).toBe(1);
    expect(fromStaging.samples.filter((s) => s.name === 'podwhy_notifications_total')).toEqual([]);
    expect(sampleValue(fromStaging, 'process_start_time_seconds', { cluster: 'staging' })).toBe(sampleValue(fromProd, 'process_start_time_seconds', { cluster: 'prod' }));
  });

  it('escapes label values so cluster data cannot break the exposition', async () => {
    const metrics = createAgentMetrics({ cluster: 'prod' });
    const hostile = 'a"b\\c\nd} 1\nfake_total 9';
    metrics.candidates.inc({ cluster: 'prod', hint: hostile });

    const { exposition } = await scrape(metrics);

    expect(sampleValue(exposition, 'podwhy_candidates_total', { cluster: 'prod', hint: hostile })).toBe(1);
    expect(exposition.samples.some((s) => s.name === 'fake_total')).toBe(false);
  });
});

describe('seriesValue', () => {
  it('reads the one series with exactly the given labels, 0 before it is counted', async () => {
    const metrics = createAgentMetrics();
    metrics.jobs.inc({ cluster: 'c', outcome: 'queued' }, 3);
    metrics.jobs.inc({ cluster: 'c', outcome: 'completed' });

    const queued = await seriesValue(metrics.jobs, { cluster: 'c', outcome: 'queued' });
    const failed = await seriesValue(metrics.jobs, { cluster: 'c', outcome: 'failed' });
    const partial = await seriesValue(metrics.jobs, { cluster: 'c' });

    expect([queued, failed, partial]).toEqual([3, 0, 0]);
  });
});

describe('countDiagnosis', () => {
  const base = {
    subject: { kind: 'Pod', namespace: 'media', name: 'stream-1', uid: 'u-1' },
    scenario: 'container-create' as const,
    cause: 'container-create.bad-command' as const,
    otherCauses: [],
    summary: 'Container stream is CreateContainerError.',
    evidence: [{ kind: 'status' as const, field: 'status.containerStatuses[stream].state.waiting.reason', value: 'CreateContainerError' }],
    remediation: [],
    actions: [],
  };

  it('counts every diagnosis by cause, and last-resort answers by scenario and raw reason', async () => {
    const metrics = createAgentMetrics();

    countDiagnosis(metrics, 'prod', base);
    countDiagnosis(metrics, 'prod', { ...base, lastResort: true });

    expect(await seriesValue(metrics.diagnoses, { cluster: 'prod', scenario: 'container-create', cause: 'container-create.bad-command' })).toBe(2);
    expect(await seriesValue(metrics.lastResortDiagnoses, { cluster: 'prod', scenario: 'container-create', reason: 'CreateContainerError' })).toBe(1);
  });
});
