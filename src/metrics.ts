/**
 * The agent's Prometheus metrics, with prom-client: a Registry per agent (tests run several agents in
 * one process), served at /metrics by src/agent/http.ts in the text exposition format 0.0.4.
 */
import type { Diagnosis } from './contract/diagnosis.ts';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry, type Metric } from 'prom-client';

let processMetrics: Metric[] | undefined;

/**
 * prom-client's default metrics (CPU, memory, heap, event-loop lag, GC) describe the process, not an
 * agent, and collecting them starts an event-loop-delay monitor and a GC observer that are never
 * stopped: they are created once per process and registered in every agent's registry, whose default
 * labels add that agent's cluster.
 */
function defaultProcessMetrics(): Metric[] {
  if (!processMetrics) {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    // getMetricsAsArray is typed as plain descriptions; getSingleMetric gives the metrics themselves.
    processMetrics = registry.getMetricsAsArray().flatMap(({ name }) => registry.getSingleMetric(name) ?? []);
  }
  return processMetrics;
}

/**
 * The agent's metrics. Every series carries the cluster label: the agent's own by passing it, the
 * process metrics through the registry's default labels.
 */
export function createAgentMetrics(options: { cluster?: string } = {}) {
  const registry = new Registry();
  if (options.cluster !== undefined) registry.setDefaultLabels({ cluster: options.cluster });
  for (const metric of defaultProcessMetrics()) registry.registerMetric(metric);
  const registers = [registry];
  return {
    registry,
    eventsSeen: new Counter({
      name: 'podwhy_watch_events_total',
      help: 'Informer events seen, by resource and type.',
      labelNames: ['cluster', 'resource', 'type'] as const,
      registers,
    }),
    candidates: new Counter({
      name: 'podwhy_candidates_total',
      help: 'Candidate failures that passed the cheap predicate, by hint.',
      labelNames: ['cluster', 'hint'] as const,
      registers,
    }),
    jobs: new Counter({
      name: 'podwhy_jobs_total',
      help: 'Diagnosis jobs by outcome (queued, deduplicated, completed, failed, retried, forwarded to another shard).',
      labelNames: ['cluster', 'outcome'] as const,
      registers,
    }),
    diagnoses: new Counter({
      name: 'podwhy_diagnoses_total',
      help: 'Diagnoses by scenario and cause.',
      labelNames: ['cluster', 'scenario', 'cause'] as const,
      registers,
    }),
    lastResortDiagnoses: new Counter({
      name: 'podwhy_diagnoses_last_resort_total',
      help: "Diagnoses the engine's last-resort rule gave (no detector recognised the Pod's failure message), by scenario and the container's raw reason.",
      labelNames: ['cluster', 'scenario', 'reason'] as const,
      registers,
    }),
    notifications: new Counter({
      name: 'podwhy_notifications_total',
      help: 'Notifications delivered, by kind (open, update, reopen, resolve, digest).',
      labelNames: ['cluster', 'kind'] as const,
      registers,
    }),
    // Set before each scrape (see startHealthServer's beforeScrape): the queue's counts are async.
    queueDepth: new Gauge({
      name: 'podwhy_queue_depth',
      help: 'Diagnosis jobs waiting or running.',
      labelNames: ['cluster'] as const,
      registers,
    }),
    latency: new Histogram({
      name: 'podwhy_alert_latency_seconds',
      help: 'From the moment a candidate failure came due (its stabilization window over; the job was queued) to the notifier.',
      labelNames: ['cluster'] as const,
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
  };
}
export type AgentMetrics = ReturnType<typeof createAgentMetrics>;

/**
 * Counts one diagnosis the workers produced: by scenario and cause, and, when the engine's last-resort rule gave
 * it (Diagnosis.lastResort), by scenario and the raw reason it quotes, so unrecognised upstream messages show up
 * on a dashboard instead of as silence.
 */
export function countDiagnosis(metrics: Pick<AgentMetrics, 'diagnoses' | 'lastResortDiagnoses'>, cluster: string, diagnosis: Diagnosis): void {
  metrics.diagnoses.inc({ cluster, scenario: diagnosis.scenario, cause: diagnosis.cause });
  if (!diagnosis.lastResort) return;
  const reason = diagnosis.evidence.find((e) => e.kind === 'status' && e.field.endsWith('.reason'));
  metrics.lastResortDiagnoses.inc({ cluster, scenario: diagnosis.scenario, reason: reason?.kind === 'status' ? reason.value : 'unknown' });
}

/**
 * The value of the one series of `metric` with exactly `labels` (0 before it is first counted), for
 * tests and benchmarks: prom-client reads a metric asynchronously, all series at once.
 */
export async function seriesValue<T extends string>(metric: Counter<T> | Gauge<T>, labels: Partial<Record<T, string>>): Promise<number> {
  const wanted = Object.entries(labels);
  const { values } = await metric.get();
  const series = values.find((v) => Object.keys(v.labels).length === wanted.length && wanted.every(([key, value]) => String(v.labels[key as T]) === value));
  return series?.value ?? 0;
}
