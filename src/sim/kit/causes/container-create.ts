/**
 * container-create: admission refuses the Pods (Pod Security, a missing ServiceAccount), or the runtime
 * cannot create or start the container (no command, a command not in $PATH).
 */
import type { Container } from '../../../contract/k8s.ts';
import { CREATE_CONTAINER_ERROR, START_ERROR } from '../../../contract/upstream.ts';
import type { KubeObject } from '../../store.ts';
import { digest } from '../ids.ts';
import { crashPlan } from '../plans.ts';
import { type ReplicaSetRecord } from '../state.ts';
import { type PodPlacement } from '../workloads.ts';
import type { RecipesOf } from './recipe.ts';
import { configCause, main } from './support.ts';

export const containerCreateRecipes: RecipesOf<'container-create'> = {
  'container-create.security-policy': {
    cause: 'container-create.security-policy',
    category: 'admission',
    startedSecondsAgo: 900,
    setup(b) {
      // The namespace enforces Pod Security "restricted"; the template sets no securityContext.
      const ns = b.state.store.ensureNamespace(b.namespace);
      const next = structuredClone(ns) as KubeObject;
      next.metadata.labels = { ...next.metadata.labels, 'kubernetes.io/metadata.name': b.namespace, 'pod-security.kubernetes.io/enforce': 'restricted' };
      next.metadata.resourceVersion = undefined;
      b.state.store.update(next, { resource: 'namespaces' });
      b.workload.undo.push(() => {
        const current = b.state.store.get('namespaces', undefined, b.namespace);
        if (!current) return;
        const fixed = structuredClone(current) as KubeObject;
        fixed.metadata.labels = { ...fixed.metadata.labels, 'pod-security.kubernetes.io/enforce': 'baseline' };
        fixed.metadata.resourceVersion = undefined;
        b.state.store.update(fixed, { resource: 'namespaces' });
      });
    },
    admission(b, podName) {
      const c = b.name;
      // source: staging/src/k8s.io/pod-security-admission/admission/admission.go ("violates PodSecurity %q: %s");
      //   policy/check_allowPrivilegeEscalation.go, check_capabilities_restricted.go, check_runAsNonRoot.go,
      //   check_seccompProfile_restricted.go; apierrors.NewForbidden.
      return `pods "${podName}" is forbidden: violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false (container "${c}" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "${c}" must set securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container "${c}" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "${c}" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")`;
    },
    replacement: 'same',
    recover: 'admission',
  },
  'container-create.rbac': {
    cause: 'container-create.rbac',
    category: 'admission',
    startedSecondsAgo: 900,
    template(t, b) {
      t.spec.serviceAccountName = b.name;
    },
    admission(b) {
      // The ServiceAccount plugin is a mutating admission plugin: it runs before the name is generated, so the
      // message names the generateName prefix.
      // source: plugin/pkg/admission/serviceaccount/admission.go ("error looking up service account %s/%s: %v") with the
      //   lister's `serviceaccount "%s" not found`; apierrors.NewForbidden.
      const rs = b.workload.replicaSets.at(-1) as ReplicaSetRecord;
      return `pods "${rs.name}-" is forbidden: error looking up service account ${b.namespace}/${b.name}: serviceaccount "${b.name}" not found`;
    },
    replacement: 'same',
    recover: 'admission',
  },
  'container-create.no-command': configCause(
    'container-create.no-command',
    (t, b) => {
      // An image built FROM scratch with no ENTRYPOINT or CMD, and no command in the Pod.
      main(t).image = `registry.example.com/${b.namespace}/${b.name}:0.3.0`;
      delete main(t).readinessProbe;
    },
    CREATE_CONTAINER_ERROR,
    // source: containerd internal/cri/opts/spec_opts.go (WithProcessArgs: "no command specified"),
    //   internal/cri/server/container_create.go ("failed to generate container %q spec: %w")
    (c, b) => `failed to generate container "${digest('create', b.namespace, b.name, c.name)}" spec: no command specified`,
  ),
  'container-create.bad-command': {
    cause: 'container-create.bad-command',
    category: 'failing',
    startedSecondsAgo: 660,
    template(t) {
      main(t).command = ['gunicorn'];
      main(t).args = ['app.wsgi:application', '--bind', '0.0.0.0:8080'];
    },
    plan(_b, pod, place, createdMs) {
      const c = pod.spec.containers[0] as Container;
      // source: runc libcontainer/standard_init_linux.go (exec.LookPath → `exec: "gunicorn": executable file not found
      //   in $PATH`), libcontainer/process_linux.go ("unable to start container process"); containerd
      //   internal/cri/server/container_start.go (StartError, exit 128).
      return crashPlan({
        createdMs,
        place: place as PodPlacement,
        container: c.name,
        runSeconds: 0,
        exitCode: 128,
        reason: START_ERROR,
        message: 'failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: "gunicorn": executable file not found in $PATH: unknown',
      });
    },
    replacement: 'same',
    recover: 'rollout',
  },
};
