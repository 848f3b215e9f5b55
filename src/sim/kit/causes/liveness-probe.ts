/**
 * liveness-probe: the probe targets a port the app does not listen on, so the kubelet kills it every run.
 */
import type { Container } from '../../../contract/k8s.ts';
import { EVENT_KILLING, EVENT_UNHEALTHY } from '../../../contract/upstream.ts';
import { crashPlan, type CrashRunEvents } from '../plans.ts';
import { type PodPlacement } from '../workloads.ts';
import type { RecipesOf } from './recipe.ts';
import { main } from './support.ts';

/** Liveness probe: 3 failures 10 s apart, then the kubelet kills the container; the app ignores SIGTERM. */
function livenessRunEvents(podIP: string, container: string): CrashRunEvents {
  return (run, occ, atMs, proto) => {
    for (let i = 1; i <= 3; i++) {
      const t = run.startMs + i * 10_000;
      if (t > atMs || (run.endMs !== undefined && t > run.endMs)) break;
      // source: pkg/kubelet/prober/prober.go ("%s probe failed: %s"); pkg/probe/http/http.go passes the Go
      //   net/http transport error through (`Get "…": dial tcp …: connect: connection refused`).
      occ.add(EVENT_UNHEALTHY, proto('Warning', EVENT_UNHEALTHY, `Liveness probe failed: Get "http://${podIP}:9999/healthz": dial tcp ${podIP}:9999: connect: connection refused`), t);
    }
    const kill = run.startMs + 30_000;
    if (kill <= atMs && (run.endMs === undefined || kill <= run.endMs)) {
      // source: pkg/kubelet/kuberuntime/kuberuntime_manager.go (computePodActions: "Container %s failed liveness probe"
      //   + ", will be restarted"), kuberuntime_container.go (killContainer: Normal Killing).
      occ.add(EVENT_KILLING, proto('Normal', EVENT_KILLING, `Container ${container} failed liveness probe, will be restarted`), kill);
    }
  };
}

export const livenessProbeRecipes: RecipesOf<'liveness-probe'> = {
  'liveness-probe.failed': {
    cause: 'liveness-probe.failed',
    category: 'failing',
    startedSecondsAgo: 600,
    template(t) {
      // The probe targets 9999; the app listens on 8080.
      main(t).livenessProbe = { httpGet: { path: '/healthz', port: 9999, scheme: 'HTTP' }, periodSeconds: 10, timeoutSeconds: 1, failureThreshold: 3, successThreshold: 1 };
      delete main(t).readinessProbe;
    },
    plan(_b, pod, place, createdMs) {
      const c = pod.spec.containers[0] as Container;
      return crashPlan({
        createdMs,
        place: place as PodPlacement,
        container: c.name,
        // Killed after the third failure (30 s), SIGKILLed after its 30 s grace period: exit 137, reason Error.
        runSeconds: 61,
        exitCode: 137,
        reason: 'Error',
        runEvents: livenessRunEvents((place as PodPlacement).podIP, c.name),
      });
    },
    replacement: 'same',
    recover: 'rollout',
  },
};
