/**
 * oom: the kernel OOM killer ends the container, at its own memory limit or under node-wide memory pressure.
 */
import type { Container } from '../../../contract/k8s.ts';
import { NODE_MEMORY_PRESSURE, OOM_KILLED } from '../../../contract/upstream.ts';
import { crashPlan } from '../plans.ts';
import { type PodPlacement } from '../workloads.ts';
import type { RecipesOf } from './recipe.ts';
import { main, nodeKubeletEvent, pressure } from './support.ts';

export const oomRecipes: RecipesOf<'oom'> = {
  'oom.container-limit': {
    cause: 'oom.container-limit',
    category: 'failing',
    startedSecondsAgo: 1200,
    template(t) {
      const c = main(t);
      c.env = [{ name: 'JAVA_TOOL_OPTIONS', value: '-Xmx1g -XX:+UseG1GC' }];
      c.resources = { requests: { cpu: '500m', memory: '768Mi' }, limits: { memory: '768Mi' } };
      delete c.readinessProbe;
    },
    plan(b, pod, place, createdMs) {
      const c = pod.spec.containers[0] as Container;
      // source: containerd internal/cri/server/helpers.go (oomExitReason "OOMKilled", exit 137 = 128+SIGKILL);
      //   HotSpot src/hotspot/share/runtime/arguments.cpp ("Picked up %s: %s" for JAVA_TOOL_OPTIONS).
      const lines = ['Picked up JAVA_TOOL_OPTIONS: -Xmx1g -XX:+UseG1GC', `Started ${b.name} in 7.412 seconds (process running for 8.1)`];
      return crashPlan({ createdMs, place: place as PodPlacement, container: c.name, runSeconds: 52, exitCode: 137, reason: OOM_KILLED, logs: lines, startupLogs: lines });
    },
    replacement: 'same',
    recover: 'rollout',
  },
  'oom.node-pressure': {
    cause: 'oom.node-pressure',
    category: 'failing',
    startedSecondsAgo: 1500,
    template(t) {
      // BestEffort: no requests, no limits, so only a node-wide OOM kills it; the node's other tenants
      // overcommit its memory and the kernel picks this process every few minutes.
      const c = main(t);
      c.command = ['python3', '-m', 'etl.run'];
      c.resources = {};
      delete c.readinessProbe;
    },
    plan(_b, pod, place, createdMs) {
      const c = pod.spec.containers[0] as Container;
      const node = (place as PodPlacement).node;
      // source: pkg/kubelet/oom/oom_watcher_linux.go (Warning SystemOOM "System OOM encountered, victim process: %s,
      //   pid: %d", recorded on the node with the node name as uid); containerd "OOMKilled", exit 137.
      return crashPlan({
        createdMs,
        place: place as PodPlacement,
        container: c.name,
        runSeconds: 270,
        exitCode: 137,
        reason: OOM_KILLED,
        otherEvents(runs) {
          const ends = runs.map((r) => r.endMs).filter((e): e is number => e !== undefined);
          const first = ends[0];
          const last = ends.at(-1);
          if (first === undefined || last === undefined) return [];
          return [{ ...nodeKubeletEvent(node, 'SystemOOM', 'SystemOOM', 'System OOM encountered, victim process: python3, pid: 48213', first - 1000), count: ends.length, lastMs: last - 1000 }];
        },
      });
    },
    afterPods(b, pods) {
      // source: pkg/kubelet/nodestatus/setters.go (MemoryPressure KubeletHasInsufficientMemory); the node lifecycle
      //   controller's node.kubernetes.io/memory-pressure taint.
      const since = Math.min(b.startedMs + 250_000, b.nowMs);
      for (const node of new Set(pods.map((p) => p.spec.nodeName ?? ''))) if (node) pressure(b, node, NODE_MEMORY_PRESSURE, since);
    },
    replacement: 'same',
    recover: 'rollout',
  },
};
