import type { CauseId, ScenarioId } from './scenarios.ts';

/**
 * How urgent a cause is, for routing (a channel may take only `critical` alerts) and for the colour of a
 * message. Part of the contract, like the cause ids: a channel's minimum severity means the same thing in
 * every release.
 * - critical: the workload's Pods do not run, or run and keep dying (a person must act to restore service);
 * - warning: the Pods run but something is wrong around them (not Ready, stuck in deletion, leftovers of an
 *   eviction whose replacement usually runs elsewhere).
 */
export const SEVERITIES = ['warning', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

const SCENARIO_SEVERITY: Readonly<Record<ScenarioId, Severity>> = {
  unschedulable: 'critical',
  'image-pull': 'critical',
  dependency: 'critical',
  'container-create': 'critical',
  init: 'critical',
  // A failing postStart hook kills the container (critical); a failing preStop only slows a deletion.
  hook: 'critical',
  // Running, serving nothing: traffic is routed elsewhere, but the replicas are not doing their job.
  'readiness-probe': 'warning',
  'liveness-probe': 'critical',
  'container-exit': 'critical',
  oom: 'critical',
  // The evicted Pod is a leftover; its controller has usually started a replacement on another node.
  evicted: 'warning',
  unknown: 'critical',
  terminating: 'warning',
};

const CAUSE_SEVERITY: Partial<Readonly<Record<CauseId, Severity>>> = {
  'hook.pre-stop': 'warning',
  // The node is gone with its Pods: the incident is about lost capacity, not a slow deletion.
  'terminating.node-lost': 'critical',
};

export function severityOf(cause: CauseId): Severity {
  return CAUSE_SEVERITY[cause] ?? SCENARIO_SEVERITY[cause.slice(0, cause.indexOf('.')) as ScenarioId];
}

/** Whether `severity` is at least `minimum`. */
export function meetsSeverity(severity: Severity, minimum: Severity): boolean {
  return SEVERITIES.indexOf(severity) >= SEVERITIES.indexOf(minimum);
}
