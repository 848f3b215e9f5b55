/**
 * hook: a postStart hook that fails at every start, a preStop hook that fails on deletion.
 */
import type { Container } from '../../../contract/k8s.ts';
import { EVENT_KILLING, FAILED_POST_START_HOOK, FAILED_PRE_STOP_HOOK } from '../../../contract/upstream.ts';
import { finishTermination, markDeleted } from '../controllers.ts';
import { iso } from '../ids.ts';
import { crashPlan } from '../plans.ts';
import { formatPod, type PodPlacement } from '../workloads.ts';
import type { RecipesOf } from './recipe.ts';
import { kubeletEvent, main, replaceAll } from './support.ts';

export const hookRecipes: RecipesOf<'hook'> = {
  'hook.post-start': {
    cause: 'hook.post-start',
    category: 'failing',
    startedSecondsAgo: 1500,
    template(t) {
      main(t).lifecycle = { postStart: { exec: { command: ['/bin/sh', '-c', '/opt/app/register.sh'] } } };
      delete main(t).readinessProbe;
    },
    plan(_b, pod, place, createdMs) {
      const c = pod.spec.containers[0] as Container;
      return crashPlan({
        createdMs,
        place: place as PodPlacement,
        container: c.name,
        runSeconds: 3,
        exitCode: 143,
        reason: 'Error',
        // source: pkg/kubelet/kuberuntime/kuberuntime_container.go (startContainer: Warning FailedPostStartHook
        //   "PostStartHook failed", then killContainer with message "FailedPostStartHook" → Normal Killing).
        runEvents(run, occ, atMs, proto) {
          const at = run.startMs + 3000;
          if (at > atMs) return;
          occ.add(FAILED_POST_START_HOOK, proto('Warning', FAILED_POST_START_HOOK, 'PostStartHook failed'), at);
          occ.add(EVENT_KILLING, proto('Normal', EVENT_KILLING, FAILED_POST_START_HOOK), at);
        },
      });
    },
    replacement: 'same',
    recover: 'rollout',
  },
  'hook.pre-stop': {
    cause: 'hook.pre-stop',
    category: 'aftermath',
    startedSecondsAgo: 15,
    ranSecondsBefore: 7200,
    template(t) {
      main(t).lifecycle = { preStop: { exec: { command: ['/bin/sh', '-c', '/usr/local/bin/drain --timeout 45s'] } } };
      t.spec.terminationGracePeriodSeconds = 60;
    },
    aftermath(b, pods) {
      // The Pods were deleted (a rollout restart); the preStop drain fails and the app then holds on to the
      // whole grace period. source: pkg/kubelet/kuberuntime/kuberuntime_container.go (executePreStopHook:
      //   Warning FailedPreStopHook with the handler's message); pkg/kubelet/lifecycle/handlers.go ("Exec lifecycle
      //   hook (%v) for Container %q in Pod %q failed - error: %v, message: %q"); k8s.io/cri-client remote_runtime.go
      //   ExecSync ("command '%s' exited with %d: %s").
      for (const pod of pods) {
        const c = pod.spec.containers[0] as Container;
        const marked = markDeleted(b.state, pod, b.startedMs, 60);
        if (!marked) continue;
        const node = pod.spec.nodeName ?? '';
        const output = 'drain: cannot reach broker at 127.0.0.1:5672: connection refused\n';
        b.state.updatePod(marked, (next) => {
          const cs = next.status?.containerStatuses ?? [];
          next.status = {
            ...next.status,
            conditions: (next.status?.conditions ?? []).map((cond) =>
              cond.type === 'Ready' || cond.type === 'ContainersReady'
                ? { type: cond.type, status: 'False', reason: 'ContainersNotReady', message: `containers with unready status: [${c.name}]`, lastTransitionTime: iso(b.startedMs + 1000) }
                : cond,
            ),
            containerStatuses: cs.map((s) => ({ ...s, ready: false })),
          };
        });
        b.state.writeEvents([
          kubeletEvent(pod, node, `Killing|${b.startedMs}`, 'Normal', EVENT_KILLING, `Stopping container ${c.name}`, b.startedMs, c.name),
          kubeletEvent(
            pod,
            node,
            FAILED_PRE_STOP_HOOK,
            'Warning',
            FAILED_PRE_STOP_HOOK,
            `Exec lifecycle hook ([/bin/sh -c /usr/local/bin/drain --timeout 45s]) for Container "${c.name}" in Pod "${formatPod(pod)}" failed - error: command '/bin/sh -c /usr/local/bin/drain --timeout 45s' exited with 1: ${output}, message: ${JSON.stringify(output)}`,
            b.startedMs + 1000,
            c.name,
          ),
        ]);
        const ns = b.namespace;
        b.state.schedule(b.startedMs + 60_000, (at) => finishTermination(b.state, ns, pod.metadata.name, pod.metadata.uid, at));
      }
      replaceAll(b, pods.length, b.startedMs + 1000);
    },
    replacement: 'healthy',
    recover: 'finish-termination',
  },
};
