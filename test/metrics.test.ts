import { describe, expect, it } from 'vitest';
import { MetricsRegistry } from '../src/metrics.ts';

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
