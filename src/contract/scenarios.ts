/**
 * The failure taxonomy: 13 scenarios and their causes, verbatim from shared/scenarios.md.
 * These ids are a public contract (CLI JSON, Slack metadata, metric labels): never rename one.
 */
export const SCENARIOS = {
  unschedulable: ['insufficient-resources', 'quota-exceeded', 'node-selector', 'affinity', 'taint', 'no-ready-nodes'],
  'image-pull': ['not-found', 'unauthorized', 'network', 'timeout', 'throttled'],
  dependency: ['volume', 'configmap', 'secret', 'mount-config'],
  'container-create': ['security-policy', 'rbac', 'no-command', 'bad-command'],
  init: ['failed'],
  hook: ['post-start', 'pre-stop'],
  'readiness-probe': ['failed'],
  'liveness-probe': ['failed'],
  'container-exit': ['immediate', 'after-running'],
  oom: ['container-limit', 'node-pressure'],
  evicted: ['memory', 'disk', 'other'],
  unknown: ['node-lost'],
  terminating: ['finalizer', 'unresponsive', 'node-lost'],
} as const satisfies Record<string, readonly string[]>;

export type ScenarioId = keyof typeof SCENARIOS;
export type CauseOf<S extends ScenarioId> = (typeof SCENARIOS)[S][number];
/** A full cause id, `scenario.cause`, e.g. `image-pull.unauthorized`. */
export type CauseId = { [S in ScenarioId]: `${S}.${CauseOf<S>}` }[ScenarioId];

export const SCENARIO_IDS = Object.keys(SCENARIOS) as ScenarioId[];

export const ALL_CAUSE_IDS: readonly CauseId[] = SCENARIO_IDS.flatMap((scenario) =>
  SCENARIOS[scenario].map((cause) => `${scenario}.${cause}` as CauseId),
);

export function fullCauseId<S extends ScenarioId>(scenario: S, cause: CauseOf<S>): CauseId {
  return `${scenario}.${cause}` as CauseId;
}

export function isCauseId(value: string): value is CauseId {
  return (ALL_CAUSE_IDS as readonly string[]).includes(value);
}
