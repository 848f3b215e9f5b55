/**
 * unschedulable: Pods the scheduler cannot place (a request no node fits, a nodeSelector or affinity no node
 * matches, an untolerated taint, cordoned nodes), and a ResourceQuota that refuses them at admission.
 */
import { parseQuantity } from '../../../contract/quantity.ts';
import type { CauseId } from '../../../contract/scenarios.ts';
import { TAINT_UNSCHEDULABLE } from '../../../contract/upstream.ts';
import type { KubeObject } from '../../store.ts';
import { formatMilliCpu, iso } from '../ids.ts';
import { cordonedNode, isReady, uncordonedNode } from '../nodes.ts';
import { pendingPlan } from '../plans.ts';
import { podRequests, usageByNode } from '../scheduler.ts';
import type { Build, CauseDef, RecipesOf, RecoverKind } from './recipe.ts';
import { main } from './support.ts';

/** CPU request that no node can satisfy: above the largest free CPU (resolvable by preemption) or above any node. */
function unsatisfiableCpu(b: Build): string {
  const nodes = b.state.nodes();
  const usage = usageByNode(b.state.pods());
  let maxAlloc = 0;
  let maxFree = 0;
  for (const n of nodes) {
    const alloc = Math.round((parseQuantity(n.status?.allocatable?.cpu) ?? 0) * 1000);
    maxAlloc = Math.max(maxAlloc, alloc);
    maxFree = Math.max(maxFree, alloc - (usage.get(n.metadata.name)?.milliCpu ?? 0));
  }
  const want = maxFree + 500 <= maxAlloc ? Math.ceil((maxFree + 250) / 500) * 500 : Math.ceil((maxAlloc + 1000) / 1000) * 1000;
  return formatMilliCpu(Math.max(want, 1000));
}

function schedulableNodes(b: Build) {
  return b.state.nodes().filter((n) => isReady(n) && !b.state.lostNodes.has(n.metadata.name));
}

function quotaUsage(b: Build): { milliCpu: number; memory: number; pods: number } {
  let milliCpu = 0;
  let memory = 0;
  let pods = 0;
  for (const p of b.state.pods(b.namespace)) {
    if (p.status?.phase === 'Failed' || p.status?.phase === 'Succeeded') continue;
    const r = podRequests(p.spec);
    milliCpu += r.milliCpu;
    memory += r.memory;
    pods += 1;
  }
  return { milliCpu, memory, pods };
}

function pendingCause(cause: CauseId, template: CauseDef['template'], setup?: CauseDef['setup'], recover: RecoverKind = 'rollout'): CauseDef {
  return {
    cause,
    category: 'pending',
    startedSecondsAgo: 1200,
    ...(template ? { template } : {}),
    ...(setup ? { setup } : {}),
    plan: (_b, _pod, _place, createdMs) => pendingPlan({ createdMs }),
    replacement: 'same',
    recover,
  };
}

function taintEveryNode(b: Build, taint: { key: string; value: string; effect: 'NoSchedule' }): void {
  const touched: string[] = [];
  for (const node of schedulableNodes(b)) {
    if ((node.spec?.taints ?? []).some((t) => t.key === taint.key && t.effect === taint.effect)) continue;
    const next = structuredClone(node);
    next.spec = { ...next.spec, taints: [...(next.spec?.taints ?? []), { ...taint }] };
    b.state.writeNode(next);
    touched.push(node.metadata.name);
  }
  b.workload.undo.push(() => {
    for (const name of touched) {
      const node = b.state.node(name);
      if (!node) continue;
      const next = structuredClone(node);
      const taints = (next.spec?.taints ?? []).filter((t) => !(t.key === taint.key && t.effect === taint.effect));
      next.spec = { ...next.spec };
      if (taints.length > 0) next.spec.taints = taints;
      else delete next.spec.taints;
      b.state.writeNode(next);
    }
  });
}

export const unschedulableRecipes: RecipesOf<'unschedulable'> = {
  'unschedulable.insufficient-resources': pendingCause('unschedulable.insufficient-resources', (t, b) => {
    // source: pkg/scheduler/framework/plugins/noderesources/fit.go ("Insufficient cpu"; a request above every node's
    //   allocatable is UnschedulableAndUnresolvable, so preemption reports "Preemption is not helpful for scheduling").
    main(t).resources = { requests: { cpu: unsatisfiableCpu(b), memory: '1Gi' }, limits: { memory: '1Gi' } };
  }),
  'unschedulable.quota-exceeded': {
    cause: 'unschedulable.quota-exceeded',
    category: 'admission',
    startedSecondsAgo: 1200,
    template(t) {
      main(t).resources = { requests: { cpu: '500m', memory: '256Mi' }, limits: { memory: '512Mi' } };
    },
    setup(b) {
      const used = quotaUsage(b);
      const hardCpu = used.milliCpu + 250;
      const hard = { 'requests.cpu': formatMilliCpu(hardCpu), 'requests.memory': '8Gi', pods: '20' };
      const quota = {
        apiVersion: 'v1',
        kind: 'ResourceQuota',
        metadata: { name: 'compute-quota', namespace: b.namespace, uid: b.state.uuid(), creationTimestamp: iso(b.startedMs - 30 * 86_400_000) },
        spec: { hard },
        status: { hard, used: { 'requests.cpu': formatMilliCpu(used.milliCpu), 'requests.memory': `${Math.round(used.memory / 2 ** 20)}Mi`, pods: String(used.pods) } },
      };
      if (!b.state.store.get('resourcequotas', b.namespace, 'compute-quota')) b.state.store.create(quota as unknown as KubeObject);
      b.workload.undo.push(() => {
        const q = b.state.store.get('resourcequotas', b.namespace, 'compute-quota');
        if (!q) return;
        const next = structuredClone(q) as KubeObject & { spec: { hard: Record<string, string> }; status: { hard: Record<string, string> } };
        next.spec.hard = { ...next.spec.hard, 'requests.cpu': '20' };
        next.status.hard = { ...next.status.hard, 'requests.cpu': '20' };
        next.metadata.resourceVersion = undefined;
        b.state.store.update(next);
      });
    },
    admission(b, podName) {
      const q = b.state.store.get('resourcequotas', b.namespace, 'compute-quota') as { status?: { hard?: Record<string, string>; used?: Record<string, string> } } | undefined;
      // source: staging/src/k8s.io/apiserver/pkg/admission/plugin/resourcequota/controller.go ("exceeded quota: %s,
      //   requested: %s, used: %s, limited: %s", only the exceeded resources); admission/errors.go NewForbidden
      //   (`pods "%s" is forbidden: %v`).
      return `pods "${podName}" is forbidden: exceeded quota: compute-quota, requested: requests.cpu=500m, used: requests.cpu=${q?.status?.used?.['requests.cpu'] ?? '0'}, limited: requests.cpu=${q?.status?.hard?.['requests.cpu'] ?? '0'}`;
    },
    replacement: 'same',
    recover: 'admission',
  },
  'unschedulable.node-selector': pendingCause('unschedulable.node-selector', (t) => {
    // source: pkg/scheduler/framework/plugins/nodeaffinity/node_affinity.go (ErrReasonPod "node(s) didn't match Pod's node affinity/selector")
    t.spec.nodeSelector = { disktype: 'ssd' };
  }),
  'unschedulable.affinity': pendingCause('unschedulable.affinity', (t, b) => {
    const zones = new Set(b.state.nodes().map((n) => n.metadata.labels?.['topology.kubernetes.io/zone']));
    const zone = ['eu-west-1d', 'eu-west-1e', 'us-east-1a', 'zone-z'].find((z) => !zones.has(z)) ?? 'zone-z';
    t.spec.affinity = {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchExpressions: [{ key: 'topology.kubernetes.io/zone', operator: 'In', values: [zone] }] }],
        },
      },
    };
  }),
  'unschedulable.taint': pendingCause(
    'unschedulable.taint',
    undefined,
    // Every node was reserved (taint dedicated=batch:NoSchedule) and the workload has no toleration.
    // source: pkg/scheduler/framework/plugins/tainttoleration/taint_toleration.go ("node(s) had untolerated taint {%s: %s}")
    (b) => taintEveryNode(b, { key: 'dedicated', value: 'batch', effect: 'NoSchedule' }),
    'nodes',
  ),
  'unschedulable.no-ready-nodes': pendingCause(
    'unschedulable.no-ready-nodes',
    undefined,
    // A node-pool upgrade cordoned every node and never uncordoned them.
    // source: pkg/scheduler/framework/plugins/nodeunschedulable/node_unschedulable.go (ErrReasonUnschedulable
    //   "node(s) were unschedulable"); well_known_taints.go (TaintNodeUnschedulable).
    (b) => {
      const touched: string[] = [];
      for (const node of schedulableNodes(b)) {
        if (node.spec?.unschedulable) continue;
        b.state.writeNode(cordonedNode(node, b.startedMs - 600_000));
        touched.push(node.metadata.name);
      }
      b.workload.undo.push(() => {
        for (const name of touched) {
          const node = b.state.node(name);
          if (node && (node.spec?.taints ?? []).some((t) => t.key === TAINT_UNSCHEDULABLE)) b.state.writeNode(uncordonedNode(node));
        }
      });
    },
    'nodes',
  ),
};
