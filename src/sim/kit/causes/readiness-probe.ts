/**
 * readiness-probe: the container runs but its readiness probe has failed for a long time.
 */
import type { Container } from '../../../contract/k8s.ts';
import { readinessPlan } from '../plans.ts';
import { type PodPlacement } from '../workloads.ts';
import type { RecipesOf } from './recipe.ts';
import { main } from './support.ts';

export const readinessProbeRecipes: RecipesOf<'readiness-probe'> = {
  'readiness-probe.failed': {
    cause: 'readiness-probe.failed',
    category: 'failing',
    startedSecondsAgo: 900,
    ranSecondsBefore: 7200,
    template(t) {
      main(t).readinessProbe = { httpGet: { path: '/health/ready', port: 8080, scheme: 'HTTP' }, periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3, successThreshold: 1 };
    },
    plan(_b, pod, place, createdMs) {
      const c = pod.spec.containers[0] as Container;
      // source: pkg/probe/http/http.go ("HTTP probe failed with statuscode: %d"); pkg/kubelet/prober/prober.go
      return readinessPlan({ createdMs, place: place as PodPlacement, container: c.name, failingSinceMs: createdMs + 7200_000, result: 'HTTP probe failed with statuscode: 503' });
    },
    replacement: 'same',
    recover: 'rollout',
  },
};
