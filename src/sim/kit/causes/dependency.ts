/**
 * dependency: a claim that never binds, a missing ConfigMap or Secret, a subPath that cannot be provisioned.
 */
import { CREATE_CONTAINER_CONFIG_ERROR } from '../../../contract/upstream.ts';
import { iso } from '../ids.ts';
import { pendingPlan } from '../plans.ts';
import type { RecipesOf } from './recipe.ts';
import { configCause, main } from './support.ts';

export const dependencyRecipes: RecipesOf<'dependency'> = {
  'dependency.volume': {
    cause: 'dependency.volume',
    category: 'pending',
    startedSecondsAgo: 1800,
    template(t, b) {
      t.spec.volumes = [{ name: 'data', persistentVolumeClaim: { claimName: `${b.name}-data` } }];
      main(t).volumeMounts = [{ name: 'data', mountPath: '/var/lib/data' }];
    },
    setup(b) {
      // The claim asks for StorageClass "fast-ssd", which does not exist: it stays Pending and the provisioner
      // retries at every claim resync (15 s).
      // source: pkg/controller/volume/persistentvolume/pv_controller.go (Warning ProvisioningFailed with the class
      //   lister's NotFound `storageclass.storage.k8s.io "fast-ssd" not found`; --pvclaimbinder-sync-period 15s).
      const claim = `${b.name}-data`;
      if (b.state.store.get('persistentvolumeclaims', b.namespace, claim)) return;
      const uid = b.state.uuid();
      b.state.store.create({
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name: claim, namespace: b.namespace, uid, creationTimestamp: iso(b.startedMs), labels: { app: b.name } },
        spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'fast-ssd', volumeMode: 'Filesystem', resources: { requests: { storage: '50Gi' } } },
        status: { phase: 'Pending' },
      });
      const ns = b.namespace;
      const startedMs = b.startedMs;
      b.state.sideRenders.set(`pvc/${ns}/${claim}`, (atMs) => {
        const pvc = b.state.store.get('persistentvolumeclaims', ns, claim) as { status?: { phase?: string } } | undefined;
        if (!pvc || pvc.status?.phase === 'Bound') return;
        const count = Math.floor((atMs - startedMs) / 15_000) + 1;
        b.state.writeEvents([{
          key: 'ProvisioningFailed',
          involved: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', name: claim, namespace: ns, uid },
          namespace: ns,
          type: 'Warning',
          reason: 'ProvisioningFailed',
          message: 'storageclass.storage.k8s.io "fast-ssd" not found',
          source: { component: 'persistentvolume-controller' },
          count,
          firstMs: startedMs,
          lastMs: startedMs + (count - 1) * 15_000,
        }]);
      });
    },
    // source: pkg/scheduler/framework/plugins/volumebinding/volume_binding.go (PreFilter "pod has unbound immediate PersistentVolumeClaims")
    plan: (b, _pod, _place, createdMs) => pendingPlan({ createdMs, claims: [`${b.name}-data`] }),
    replacement: 'same',
    recover: 'pvc',
  },
  'dependency.configmap': configCause(
    'dependency.configmap',
    (t, b) => {
      main(t).env = [
        { name: 'LOG_LEVEL', valueFrom: { configMapKeyRef: { name: `${b.name}-config`, key: 'LOG_LEVEL' } } },
        { name: 'API_URL', valueFrom: { configMapKeyRef: { name: `${b.name}-config`, key: 'API_URL' } } },
      ];
    },
    CREATE_CONTAINER_CONFIG_ERROR,
    // source: pkg/kubelet/configmap/configmap_manager.go + apimachinery errors.NewNotFound (`%s %q not found`)
    (_c, b) => `configmap "${b.name}-config" not found`,
  ),
  'dependency.secret': configCause(
    'dependency.secret',
    (t, b) => {
      main(t).env = [
        { name: 'DB_USER', valueFrom: { secretKeyRef: { name: `${b.name}-credentials`, key: 'username' } } },
        { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: `${b.name}-credentials`, key: 'password' } } },
      ];
    },
    CREATE_CONTAINER_CONFIG_ERROR,
    // source: pkg/kubelet/secret/secret_manager.go + apimachinery errors.NewNotFound
    (_c, b) => `secret "${b.name}-credentials" not found`,
  ),
  'dependency.mount-config': {
    ...configCause(
      'dependency.mount-config',
      (t, b) => {
        main(t).env = [{ name: 'LOG_DIR', value: '../shared-logs' }];
        main(t).volumeMounts = [{ name: 'logs', mountPath: '/var/log/app', subPathExpr: '$(LOG_DIR)' }];
        t.spec.volumes = [{ name: 'logs', persistentVolumeClaim: { claimName: `${b.name}-logs` } }];
      },
      CREATE_CONTAINER_CONFIG_ERROR,
      // source: pkg/kubelet/kubelet_pods.go (makeMounts: "unable to provision SubPath `%s`: %v") with
      //   pkg/volume/validation/pv_validation.go (ValidatePathNoBacksteps: "must not contain '..'")
      () => "unable to provision SubPath `../shared-logs`: must not contain '..'",
    ),
    setup(b) {
      const claim = `${b.name}-logs`;
      if (b.state.store.get('persistentvolumeclaims', b.namespace, claim)) return;
      const uid = b.state.uuid();
      b.state.store.create({
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name: claim, namespace: b.namespace, uid, creationTimestamp: iso(b.startedMs - 86_400_000) },
        spec: { accessModes: ['ReadWriteMany'], storageClassName: 'efs', volumeName: `pvc-${uid}`, volumeMode: 'Filesystem', resources: { requests: { storage: '20Gi' } } },
        status: { phase: 'Bound', accessModes: ['ReadWriteMany'], capacity: { storage: '20Gi' } },
      });
    },
  },
};
