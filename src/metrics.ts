/**
 * A small Prometheus registry (text exposition format 0.0.4): counters, gauges and histograms
 * with labels. Small enough to own; label values are escaped per the format.
 */
import type { Diagnosis } from './contract/diagnosis.ts';

type Labels = Record<string, string>;

interface Metric {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram';
  render(): string[];
}

function labelKey(labels: Labels): string {
  return Object.keys(labels).sort().map((k) => `${k}="${escapeLabel(labels[k] ?? '')}"`).join(',');
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function series(name: string, key: string, value: number): string {
  return `${name}${key ? `{${key}}` : ''} ${Number.isFinite(value) ? value : 0}`;
}

export class Counter implements Metric {
  readonly type = 'counter' as const;
  readonly name: string;
  readonly help: string;
  private readonly values = new Map<string, number>();

  constructor(name: string, help: string) {
    this.name = name;
    this.help = help;
  }

  inc(labels: Labels = {}, by = 1): void {
    const key = labelKey(labels);
    this.values.set(key, (this.values.get(key) ?? 0) + by);
  }

  get(labels: Labels = {}): number {
    return this.values.get(labelKey(labels)) ?? 0;
  }

  render(): string[] {
    return [...this.values].map(([key, value]) => series(this.name, key, value));
  }
}

export class Gauge implements Metric {
  readonly type = 'gauge' as const;
  readonly name: string;
  readonly help: string;
  private readonly values = new Map<string, number>();
  private readonly collectors: (() => { labels?: Labels; value: number }[])[] = [];

  constructor(name: string, help: string) {
    this.name = name;
    this.help = help;
  }

  set(labels: Labels, value: number): void {
    this.values.set(labelKey(labels), value);
  }

  /** Values computed at scrape time (queue depth, cache sizes). */
  collect(fn: () => { labels?: Labels; value: number }[]): void {
    this.collectors.push(fn);
  }

  render(): string[] {
    const values = new Map(this.values);
    for (const fn of this.collectors) for (const { labels, value } of fn()) values.set(labelKey(labels ?? {}), value);
    return [...values].map(([key, value]) => series(this.name, key, value));
  }
}

export class Histogram implements Metric {
  readonly type = 'histogram' as const;
  readonly name: string;
  readonly help: string;
  readonly buckets: readonly number[];
  private readonly data = new Map<string, { counts: number[]; sum: number; count: number }>();

  constructor(name: string, help: string, buckets: readonly number[]) {
    this.name = name;
    this.help = help;
    this.buckets = [...buckets].sort((a, b) => a - b);
  }

  observe(labels: Labels, value: number): void {
    const key = labelKey(labels);
    let entry = this.data.get(key);
    if (!entry) {
      entry = { counts: this.buckets.map(() => 0), sum: 0, count: 0 };
      this.data.set(key, entry);
    }
    this.buckets.forEach((bound, i) => {
      if (value <= bound) entry.counts[i] = (entry.counts[i] ?? 0) + 1;
    });
    entry.sum += value;
    entry.count += 1;
  }

  render(): string[] {
    const lines: string[] = [];
    for (const [key, entry] of this.data) {
      const prefix = key ? `${key},` : '';
      this.buckets.forEach((bound, i) => lines.push(`${this.name}_bucket{${prefix}le="${bound}"} ${entry.counts[i] ?? 0}`));
      lines.push(`${this.name}_bucket{${prefix}le="+Inf"} ${entry.count}`);
      lines.push(series(`${this.name}_sum`, key, entry.sum));
      lines.push(series(`${this.name}_count`, key, entry.count));
    }
    return lines;
  }
}

export class MetricsRegistry {
  private readonly metrics: Metric[] = [];

  counter(name: string, help: string): Counter {
    return this.add(new Counter(name, help));
  }

  gauge(name: string, help: string): Gauge {
    return this.add(new Gauge(name, help));
  }

  histogram(name: string, help: string, buckets: readonly number[]): Histogram {
    return this.add(new Histogram(name, help, buckets));
  }

  private add<M extends Metric>(metric: M): M {
    if (this.metrics.some((m) => m.name === metric.name)) throw new Error(`metric ${metric.name} registered twice`);
    this.metrics.push(metric);
    return metric;
  }

  /** The exposition text served at /metrics. */
  render(): string {
    return this.metrics.map((m) => [`# HELP ${m.name} ${m.help}`, `# TYPE ${m.name} ${m.type}`, ...m.render()].join('\n')).join('\n') + '\n';
  }
}

/** The agent's metrics; every series carries the cluster label. */
export function createAgentMetrics(registry = new MetricsRegistry()) {
  return {
    registry,
    eventsSeen: registry.counter('podwhy_watch_events_total', 'Informer events seen, by resource and type.'),
    candidates: registry.counter('podwhy_candidates_total', 'Candidate failures that passed the cheap predicate, by hint.'),
    jobs: registry.counter('podwhy_jobs_total', 'Diagnosis jobs by outcome (queued, deduplicated, completed, failed, retried).'),
    diagnoses: registry.counter('podwhy_diagnoses_total', 'Diagnoses by scenario and cause.'),
    lastResortDiagnoses: registry.counter(
      'podwhy_diagnoses_last_resort_total',
      "Diagnoses the engine's last-resort rule gave (no detector recognised the Pod's failure message), by scenario and the container's raw reason.",
    ),
    notifications: registry.counter('podwhy_notifications_total', 'Notifications delivered, by kind (open, update, reopen, resolve, digest).'),
    queueDepth: registry.gauge('podwhy_queue_depth', 'Diagnosis jobs waiting or running.'),
    latency: registry.histogram(
      'podwhy_alert_latency_seconds',
      'From the moment a candidate failure came due (its stabilization window over; the job was queued) to the notifier.',
      [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    ),
  };
}
export type AgentMetrics = ReturnType<typeof createAgentMetrics>;

/**
 * Counts one diagnosis the workers produced: by scenario and cause, and, when the engine's last-resort rule gave
 * it (Diagnosis.lastResort), by scenario and the raw reason it quotes, so unrecognised upstream messages show up
 * on a dashboard instead of as silence. The seam between the engine's flag and the metric, for the alert worker.
 */
export function countDiagnosis(metrics: Pick<AgentMetrics, 'diagnoses' | 'lastResortDiagnoses'>, cluster: string, diagnosis: Diagnosis): void {
  metrics.diagnoses.inc({ cluster, scenario: diagnosis.scenario, cause: diagnosis.cause });
  if (!diagnosis.lastResort) return;
  const reason = diagnosis.evidence.find((e) => e.kind === 'status' && e.field.endsWith('.reason'));
  metrics.lastResortDiagnoses.inc({ cluster, scenario: diagnosis.scenario, reason: reason?.kind === 'status' ? reason.value : 'unknown' });
}
