/**
 * init: an init container exits non-zero at every start (a migration that cannot reach its database).
 */
import { crashPlan } from '../plans.ts';
import { type PodPlacement } from '../workloads.ts';
import type { RecipesOf } from './recipe.ts';

export const initRecipes: RecipesOf<'init'> = {
  'init.failed': {
    cause: 'init.failed',
    category: 'failing',
    startedSecondsAgo: 1200,
    template(t, b) {
      t.spec.initContainers = [
        {
          name: 'migrate',
          image: `registry.example.com/${b.namespace}/${b.name}-migrate:1.4.2`,
          command: ['/app/migrate', 'up'],
          env: [{ name: 'DATABASE_HOST', value: `${b.name}-db` }],
        },
      ];
    },
    plan(b, _pod, place, createdMs) {
      // source: containerd internal/cri/server/container_status.go (terminated reason "Error"); the log is the
      //   migration tool's: Go's net.OpError text ("dial tcp %s: connect: connection refused").
      return crashPlan({
        createdMs,
        place: place as PodPlacement,
        container: 'migrate',
        init: true,
        runSeconds: 3,
        exitCode: 1,
        reason: 'Error',
        logs: [`migrate: connecting to ${b.name}-db:5432`, 'Error: dial tcp 10.96.48.12:5432: connect: connection refused'],
      });
    },
    replacement: 'same',
    recover: 'rollout',
  },
};
