/**
 * Every cause of shared/scenarios.md mapped to its recipe: how the workload's template is bent, what the
 * cluster around it looks like (nodes, quotas, claims, namespace labels), and how its Pods fail over time.
 * One file per scenario, like the detectors (src/diagnosis/scenarios/<scenario-id>.ts). Reasons, messages
 * and exit codes are those of the fixture corpus (test/fixtures/k8s/<scenario>/<cause>/), with the same
 * upstream sources cited.
 */
import type { CauseId } from '../../../contract/scenarios.ts';
import { containerCreateRecipes } from './container-create.ts';
import { containerExitRecipes } from './container-exit.ts';
import { dependencyRecipes } from './dependency.ts';
import { evictedRecipes } from './evicted.ts';
import { hookRecipes } from './hook.ts';
import { imagePullRecipes } from './image-pull.ts';
import { initRecipes } from './init.ts';
import { livenessProbeRecipes } from './liveness-probe.ts';
import { oomRecipes } from './oom.ts';
import { readinessProbeRecipes } from './readiness-probe.ts';
import type { CauseDef } from './recipe.ts';
import { terminatingRecipes } from './terminating.ts';
import { unknownRecipes } from './unknown.ts';
import { unschedulableRecipes } from './unschedulable.ts';

export { canRollOut, createFailingPod, type Build, type CauseDef } from './recipe.ts';

/** The typing makes a missing cause a compile error: each scenario's recipes cover exactly its causes. */
export const CAUSES: Readonly<Record<CauseId, CauseDef>> = {
  ...unschedulableRecipes,
  ...imagePullRecipes,
  ...dependencyRecipes,
  ...containerCreateRecipes,
  ...initRecipes,
  ...hookRecipes,
  ...readinessProbeRecipes,
  ...livenessProbeRecipes,
  ...containerExitRecipes,
  ...oomRecipes,
  ...evictedRecipes,
  ...unknownRecipes,
  ...terminatingRecipes,
};
