import { describe, expect, it } from 'vitest';
import { countDiagnosis, createAgentMetrics, MetricsRegistry } from '../src/metrics.ts';

describe('MetricsRegistry', () => {
  it('renders counters, gauges and histograms in the Prometheus text format', () => {
    const registry = new MetricsRegistry();
    const diagnoses = registry.counter('podwhy_diagnoses_total', 'Diagnoses.');
    const depth = registry.gauge('podwhy_queue_depth', 'Depth.');
    const latency = registry.histogram('podwhy_latency_seconds', 'Latency.', [0.1, 1]);

    diagnoses.inc({ cluster: 'prod', cause: 'oom.container-limit' });
    diagnoses.inc({ cluster: 'prod', cause: 'oom.container-limit' });
    depth.collect(() => [{ labels: { cluster: 'prod' }, value: 7 }]);
    latency.observe({ cluster: 'prod' }, 0.05);
    latency.observe({ cluster: 'prod' }, 0.5);
    const text = registry.render();

    expect(text).toContain('# TYPE podwhy_diagnoses_total counter');
    expect(text).toContain('podwhy_diagnoses_total{cause="oom.container-limit",cluster="prod"} 2');
    expect(text).toContain('podwhy_queue_depth{cluster="prod"} 7');
    expect(text).toContain('podwhy_latency_seconds_bucket{cluster="prod",le="0.1"} 1');
    expect(text).toContain('podwhy_latency_seconds_bucket{cluster="prod",le="1"} 2');
    expect(text).toContain('podwhy_latency_seconds_bucket{cluster="prod",le="+Inf"} 2');
    expect(text).toContain('podwhy_latency_seconds_count{cluster="prod"} 2');
  });

  it('escapes label values so cluster data cannot break the exposition', () => {
    const registry = new MetricsRegistry();
    registry.counter('x_total', 'X.').inc({ ns: 'a"b\\c\nd' });

    expect(registry.render()).toContain('x_total{ns="a\\"b\\\\c\\nd"} 1');
  });

  it('refuses the same metric name twice', () => {
    const registry = new MetricsRegistry();
    registry.counter('dup_total', 'A.');

    expect(() => registry.gauge('dup_total', 'B.')).toThrow(/registered twice/);
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

  it('counts every diagnosis by cause, and last-resort answers by scenario and raw reason', () => {
    const metrics = createAgentMetrics();

    countDiagnosis(metrics, 'prod', base);
    countDiagnosis(metrics, 'prod', { ...base, lastResort: true });

    expect(metrics.diagnoses.get({ cluster: 'prod', scenario: 'container-create', cause: 'container-create.bad-command' })).toBe(2);
    expect(metrics.lastResortDiagnoses.get({ cluster: 'prod', scenario: 'container-create', reason: 'CreateContainerError' })).toBe(1);
    expect(metrics.registry.render()).toContain('podwhy_diagnoses_last_resort_total{cluster="prod",reason="CreateContainerError",scenario="container-create"} 1');
  });
});
