/**
 * dependency: the Pod waits for something outside its image — a PersistentVolumeClaim, a volume
 * attach/mount, a ConfigMap or a Secret — or a volume mount is configured so that it cannot work.
 *
 * Signals, in the order they occur in a Pod's life (the primary cause is the earliest):
 * 1. the scheduler's volume-binding rejections (FailedScheduling / PodScheduled=False);
 * 2. attach failures (FailedAttachVolume from the attach/detach controller, e.g. Multi-Attach);
 * 3. mount failures (FailedMount from the kubelet's volume manager);
 * 4. CreateContainerConfigError from the kubelet (missing ConfigMap/Secret or key, subPath errors);
 * 5. the runtime refusing a mount (runc "error mounting … to rootfs at …": /proc, read-only parent, file vs dir).
 *
 * Attach/mount problems are normal for a few seconds after scheduling, so 2 and 3 count only once
 * the Pod has waited settings.stuckCreatingAfterSeconds; 4 and 5 are definitive when present in the
 * container status now (never from old events alone).
 */
import type { Evidence, Finding, Remediation, Settling, SuggestedAction } from '../../contract/diagnosis.ts';
import { formatDuration } from '../../contract/duration.ts';
import type { Condition, ContainerState, KubeEvent, Pod } from '../../contract/k8s.ts';
import type { CauseOf } from '../../contract/scenarios.ts';
import type { EngineSettings } from '../../contract/settings.ts';
import type { PodSnapshot } from '../../contract/snapshot.ts';
import {
  CONTAINER_CANNOT_RUN,
  CRASH_LOOP_BACK_OFF,
  CREATE_CONTAINER_CONFIG_ERROR,
  CREATE_CONTAINER_ERROR,
  EVENT_FAILED,
  FAILED_SCHEDULING,
  REASON_UNSCHEDULABLE,
  RUN_CONTAINER_ERROR,
  START_ERROR,
  UNBOUND_IMMEDIATE_PVC,
} from '../../contract/upstream.ts';
import { shellQuote } from '../../contract/shell-quote.ts';
import type { Detector } from '../detector.ts';
import { isTerminationUnreported, kubeletErrors } from './crash-support.ts';
import { mountFailure } from './runtime-messages.ts';
import { clip, containers, eventEvidence, findEvents, kubectl, podCondition, podEvents, secondsBetween, type ContainerView } from '../support.ts';
import {
  allMounts,
  expectedKeys,
  findVolume,
  mountsOf,
  referencesTo,
  templateOwner,
  volumeSource,
  whereToFix,
  type ObjectKind,
  type Reference,
} from './dependency-spec.ts';

type Cause = CauseOf<'dependency'>;

// --- Upstream strings -------------------------------------------------------------------------

// Scheduler (kube-scheduler), pkg/scheduler/schedule_one.go records FailedScheduling (FAILED_SCHEDULING) with the
// FitError text, and PodScheduled=False with reason Unschedulable (REASON_UNSCHEDULABLE); UNBOUND_IMMEDIATE_PVC too.
// source: kubernetes pkg/scheduler/framework/plugins/volumebinding/volume_binding.go (PreFilter / podHasPVCs):
// the lister's NotFound reads `persistentvolumeclaim "myclaim" not found`
const PVC_NOT_FOUND = /persistentvolumeclaim "([^"]+)" not found/;
const PVC_LOST = /persistentvolumeclaim "([^"]+)" bound to non-existent persistentvolume "([^"]*)"/;
const PVC_BEING_DELETED = /persistentvolumeclaim "([^"]+)" is being deleted/;
const EPHEMERAL_PENDING = /waiting for ephemeral volume controller to create the persistentvolumeclaim "([^"]+)"/;
// source: kubernetes pkg/scheduler/framework/plugins/volumebinding/binder.go (ConflictReason constants)
const ERR_REASON_BIND_CONFLICT = "node(s) didn't find available persistent volumes to bind";
const ERR_REASON_NODE_CONFLICT = 'node(s) had volume node affinity conflict';
const ERR_REASON_NOT_ENOUGH_SPACE = 'node(s) did not have enough free storage';
const ERR_REASON_PV_NOT_EXIST = 'node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)';
// source: kubernetes pkg/scheduler/framework/plugins/volumezone/volume_zone.go (ErrReasonConflict)
const ERR_REASON_VOLUME_ZONE = 'node(s) had no available volume zone';

// source: kubernetes pkg/controller/volume/attachdetach/reconciler/reconciler.go (reportMultiAttachError,
// event reason FailedAttachVolume; kubelet events.FailedAttachVolume in pkg/kubelet/events/event.go)
const FAILED_ATTACH_VOLUME = 'FailedAttachVolume';
const MULTI_ATTACH = /Multi-Attach error for volume "([^"]+)" Volume is already (?:used by pod\(s\) (.+)|exclusively attached to one node and can't be attached to another|used by \d+ pod\(s\) in different namespaces)/;
// source: kubernetes pkg/volume/util/operationexecutor/operation_generator.go (GenerateError("AttachVolume.Attach failed", …))
const ATTACH_FAILED = /AttachVolume\.Attach failed for volume "([^"]+)" : ?([\s\S]*)$/;

// source: kubernetes pkg/kubelet/events/event.go (FailedMountVolume = "FailedMount")
const FAILED_MOUNT = 'FailedMount';
// source: kubernetes pkg/volume/util/operationexecutor/operation_generator.go + operation_executor.go
// (generateVolumeMsg: "%v for volume %q %v", suffix ": <err>")
const SETUP_FAILED = /MountVolume\.SetUp failed for volume "([^"]+)" : ([\s\S]+)$/;
const OTHER_MOUNT_FAILED = /(MountVolume\.MountDevice|MountVolume\.WaitForAttach|MapVolume\.[A-Za-z]+) failed for volume "([^"]+)" : ?([\s\S]*)$/;
// source: kubernetes pkg/kubelet/kubelet.go ("Unable to attach or mount volumes: %v") with
// pkg/kubelet/volumemanager/volume_manager.go ("unmounted volumes=%v, unattached volumes=%v, failed to process volumes=%v: %w")
const UNABLE_TO_ATTACH_OR_MOUNT = /Unable to attach or mount volumes: unmounted volumes=\[([^\]]*)\], unattached volumes=\[([^\]]*)\]/;
// source: kubernetes pkg/kubelet/configmap/configmap_manager.go + secret/secret_manager.go (watch-based manager,
// apierrors.NewNotFound(corev1.Resource("configmap"|"secret"), name) → `configmap "x" not found`); older kubelets
// read through the API server, whose NotFound names the resource in the plural (`secrets "x" not found`, `configmaps
// "x" not found`, as reported in ibm-cloud-labs/iks-handson#7 and FairwindsOps/k8s-workshop#4).
const CONFIGMAP_NOT_FOUND = /configmaps? "([^"]+)" not found/;
const SECRET_NOT_FOUND = /secrets? "([^"]+)" not found/;
// source: kubernetes pkg/volume/configmap/configmap.go and pkg/volume/secret/secret.go (MakePayload)
const CONFIGMAP_VOLUME_KEY_MISSING = /configmap references non-existent config key: (\S+)/;
const SECRET_VOLUME_KEY_MISSING = /references non-existent secret key: (\S+)/;

// CreateContainerConfigError (CREATE_CONTAINER_CONFIG_ERROR) carries these.
// source: kubernetes pkg/kubelet/kubelet_pods.go (makeEnvironmentVariables)
const CONFIGMAP_KEY_MISSING = /couldn't find key (\S+) in ConfigMap ([^/\s]+)\/(\S+)/;
const SECRET_KEY_MISSING = /couldn't find key (\S+) in Secret ([^/\s]+)\/(\S+)/;
// source: kubernetes pkg/kubelet/kubelet_pods.go (makeMounts) and pkg/volume/validation/pv_validation.go
// (ValidatePathNoBacksteps: "must not contain '..'")
const SUBPATH_PREPARE_FAILED = /failed to prepare subPath for volumeMount "([^"]+)" of container "([^"]+)"/;
const SUBPATH_CREATE_FAILED = /failed to create subPath directory for volumeMount "([^"]+)" of container "([^"]+)"/;
const SUBPATH_BACKSTEPS = /unable to provision SubPath `([^`]*)`: must not contain '\.\.'/;
const SUBPATH_ABSOLUTE = /error SubPath `([^`]*)` must not be an absolute path/;
const VOLUME_NOT_FOUND_FOR_MOUNT = /cannot find volume "([^"]+)" to mount into container "([^"]+)"/;

// Runtime reasons that carry runc's mount errors: CREATE_CONTAINER_ERROR, RUN_CONTAINER_ERROR, START_ERROR,
// CONTAINER_CANNOT_RUN (and CRASH_LOOP_BACK_OFF between attempts), from src/contract/upstream.ts. The runtime's
// words (runc's three spellings over the years, crun's, Docker's ENOTDIR hint), whatever the wrapper and however
// deeply escaped, are read in runtime-messages.ts (mountFailure).

// Kubelet "Failed" events (EVENT_FAILED) carry "Error: <message>" for the same failures.
// source: kubernetes pkg/controller/volume/persistentvolume/pv_controller.go (events on the claim)
const PVC_EVENT_REASONS = ['ProvisioningFailed', 'FailedBinding', 'ExternalProvisioning'];

const CONFIG_DOCS: Record<ObjectKind, string> = {
  ConfigMap: 'https://kubernetes.io/docs/concepts/configuration/configmap/',
  Secret: 'https://kubernetes.io/docs/concepts/configuration/secret/',
};
const PV_DOCS = 'https://kubernetes.io/docs/concepts/storage/persistent-volumes/';
const SUBPATH_DOCS = 'https://kubernetes.io/docs/concepts/storage/volumes/#using-subpath';

/** Earliest in the Pod's life first: the primary cause is the lowest stage. */
const STAGE = { schedule: 0, attach: 1, mount: 2, config: 3, runtime: 4 } as const;

interface Hit {
  cause: Cause;
  stage: number;
  summary: string;
  evidence: Evidence[];
  remediation: Remediation[];
  /** Younger than its alert threshold (scheduling, attach and mount problems are normal for a few seconds). */
  settling?: Settling;
}

export const dependency: Detector<'dependency'> = {
  scenario: 'dependency',
  detect(snapshot, settings) {
    if (snapshot.kind !== 'Pod') return null;
    const pod = snapshot.pod;
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed' || pod.metadata.deletionTimestamp) return null;
    const hits = [
      ...schedulingHits(snapshot, settings),
      ...attachAndMountHits(snapshot, settings),
      ...containerHits(snapshot, settings),
    // A definitive hit outranks a settling one (as it did when young ones were not reported at all), then the earliest stage.
    ].sort((a, b) => Number(a.settling !== undefined) - Number(b.settling !== undefined) || a.stage - b.stage);
    const [primary, ...rest] = hits;
    if (!primary) return null;
    return {
      scenario: 'dependency',
      cause: primary.cause,
      otherCauses: [...new Set(rest.map((h) => h.cause))].filter((c) => c !== primary.cause),
      summary: primary.summary,
      evidence: primary.evidence,
      remediation: primary.remediation,
      actions: ACTIONS,
      ...(primary.settling ? { settling: primary.settling } : {}),
    } satisfies Finding<'dependency'>;
  },
};

const ACTIONS: SuggestedAction[] = [
  { action: 'rediagnose', reason: 'the kubelet and scheduler retry on their own; check again once the object or volume is fixed' },
];

// --- 1. Scheduling: volume binding ---------------------------------------------------------------

function schedulingHits(snapshot: PodSnapshot, settings: EngineSettings): Hit[] {
  const pod = snapshot.pod;
  if (pod.spec.nodeName) return [];
  const condition = podCondition(pod, 'PodScheduled');
  if (condition?.status !== 'False' || condition.reason !== REASON_UNSCHEDULABLE) return [];
  const waited = secondsBetween(condition.lastTransitionTime ?? pod.metadata.creationTimestamp, snapshot.observedAt);
  const settling = waited !== null && waited < settings.unschedulableAfterSeconds
    ? { state: 'Pending', forSeconds: waited, alertAfterSeconds: settings.unschedulableAfterSeconds }
    : undefined;
  return withSettling(volumeSchedulingHits(snapshot, settings, condition, waited), settling);
}

function withSettling(hits: Hit[], settling: Settling | undefined): Hit[] {
  return settling ? hits.map((hit) => ({ ...hit, settling })) : hits;
}

function volumeSchedulingHits(snapshot: PodSnapshot, settings: EngineSettings, condition: Condition, waited: number | null): Hit[] {
  const pod = snapshot.pod;
  const event = podEvents(snapshot, [FAILED_SCHEDULING], settings.eventStaleSeconds)[0];
  const message = condition.message ?? event?.message ?? '';
  const ns = pod.metadata.namespace;
  const evidence: Evidence[] = [
    { kind: 'status', field: 'status.conditions[PodScheduled].reason', value: REASON_UNSCHEDULABLE },
    { kind: 'status', field: 'status.conditions[PodScheduled].message', value: clip(message, 500) },
  ];
  if (event) evidence.push(eventEvidence(event, snapshot.observedAt));
  const since = waited === null ? '' : ` for ${formatDuration(waited)}`;

  const missing = PVC_NOT_FOUND.exec(message);
  if (missing) {
    const claim = missing[1] ?? '';
    const volume = pod.spec.volumes?.find((v) => v.persistentVolumeClaim?.claimName === claim);
    const field = volume ? `spec.volumes[${volume.name}].persistentVolumeClaim.claimName` : 'spec.volumes';
    evidence.push({ kind: 'spec', field, value: claim });
    return [{
      cause: 'volume',
      stage: STAGE.schedule,
      summary: `Pod ${pod.metadata.name} cannot be scheduled${since}: PersistentVolumeClaim ${claim}${volume ? ` (volume ${volume.name})` : ''} does not exist.`,
      evidence,
      remediation: [
        { text: `Create the PersistentVolumeClaim "${claim}" in namespace ${ns ?? 'default'}, or, if the name is a typo, fix ${whereToFix(pod, snapshot.owners, field)}.`, command: kubectl(ns, 'get pvc'), docsUrl: PV_DOCS },
      ],
    }];
  }

  const claims = pvcClaims(pod, snapshot.pvcs);
  const lost = PVC_LOST.exec(message);
  const deleting = PVC_BEING_DELETED.exec(message);
  const ephemeral = EPHEMERAL_PENDING.exec(message);
  const reasons = [UNBOUND_IMMEDIATE_PVC, ERR_REASON_BIND_CONFLICT, ERR_REASON_NODE_CONFLICT, ERR_REASON_VOLUME_ZONE, ERR_REASON_NOT_ENOUGH_SPACE, ERR_REASON_PV_NOT_EXIST].filter((r) => message.includes(r));
  if (reasons.length === 0 && !lost && !deleting && !ephemeral) return [];

  addClaimEvidence(snapshot, evidence, claims, settings);
  const claimNames = claims.map((c) => c.claim);
  const claimList = claimNames.join(', ') || 'its claims';
  const remediation: Remediation[] = [];
  let summary: string;
  if (lost) {
    summary = `Pod ${pod.metadata.name} cannot be scheduled${since}: PersistentVolumeClaim ${lost[1]} is Lost, its PersistentVolume ${lost[2]} no longer exists.`;
    remediation.push({ text: `Restore PersistentVolume ${lost[2]} (from backup) or delete and re-create claim ${lost[1]}; data on the old volume is gone.`, command: kubectl(ns, `describe pvc ${shellQuote(lost[1] ?? '<claim>')}`), docsUrl: PV_DOCS });
  } else if (deleting) {
    summary = `Pod ${pod.metadata.name} cannot be scheduled${since}: PersistentVolumeClaim ${deleting[1]} is being deleted.`;
    remediation.push({ text: `Claim ${deleting[1]} has a deletionTimestamp and is held by the kubernetes.io/pvc-protection finalizer until no Pod uses it; re-create it once it is gone, or point the Pod at another claim.`, command: kubectl(ns, `get pvc ${shellQuote(deleting[1] ?? '<claim>')} -o jsonpath='{.metadata.deletionTimestamp} {.metadata.finalizers}'`) });
  } else if (ephemeral) {
    summary = `Pod ${pod.metadata.name} cannot be scheduled${since}: the ephemeral volume controller has not created PersistentVolumeClaim ${ephemeral[1]}.`;
    remediation.push({ text: 'Check kube-controller-manager (ephemeral-volume controller) and whether a claim of that name already exists for another Pod.', command: kubectl(ns, `get pvc ${shellQuote(ephemeral[1] ?? '<claim>')} -o yaml`) });
  } else if (reasons.includes(UNBOUND_IMMEDIATE_PVC)) {
    const pending = claims.filter((c) => c.pvc?.status?.phase === 'Pending' || !c.pvc?.status?.phase);
    const names = (pending.length > 0 ? pending : claims).map((c) => c.claim).join(', ') || claimList;
    const classes = [...new Set(claims.map((c) => c.pvc?.spec?.storageClassName).filter((s): s is string => typeof s === 'string'))];
    summary = `Pod ${pod.metadata.name} cannot be scheduled${since}: PersistentVolumeClaim ${names} is not bound${classes.length > 0 ? ` (storage class ${classes.join(', ')})` : ''}.`;
    remediation.push(
      { text: `Read the claim's events (ProvisioningFailed, FailedBinding) to see why no volume was provisioned or matched.`, command: kubectl(ns, `describe pvc ${shellQuote(names.split(', ')[0] ?? '')}`), docsUrl: PV_DOCS },
      classes.length > 0
        ? { text: `Check that StorageClass ${classes.join(', ')} exists and its provisioner (CSI controller) is running.`, command: `kubectl get storageclass ${classes.map(shellQuote).join(' ')} && kubectl get pods -A | grep -i csi` }
        : { text: 'The claim has no storageClassName and there is no default StorageClass: set storageClassName, mark a class default, or create a matching PersistentVolume.', command: 'kubectl get storageclass; kubectl get pv' },
    );
  } else if (reasons.includes(ERR_REASON_NODE_CONFLICT) || reasons.includes(ERR_REASON_VOLUME_ZONE)) {
    summary = `Pod ${pod.metadata.name} cannot be scheduled${since}: the PersistentVolume of ${claimList} is pinned to a zone or node where the Pod cannot run.`;
    remediation.push(
      { text: 'Compare the volume\'s nodeAffinity (its zone) with where the Pod may run; the Pod\'s nodeSelector/affinity or taints must allow a node in that zone, or the volume must be moved (snapshot and restore).', command: kubectl(ns, `get pv $(${kubectl(ns, `get pvc ${claimNames[0] ? shellQuote(claimNames[0]) : '<claim>'} -o jsonpath='{.spec.volumeName}'`)}) -o jsonpath='{.spec.nodeAffinity}'`), docsUrl: PV_DOCS },
      { text: 'Use volumeBindingMode: WaitForFirstConsumer in the StorageClass so new volumes are created where the Pod is scheduled.' },
    );
  } else if (reasons.includes(ERR_REASON_NOT_ENOUGH_SPACE)) {
    summary = `Pod ${pod.metadata.name} cannot be scheduled${since}: no node's storage has room for the volume of ${claimList}.`;
    remediation.push({ text: 'Reduce the requested size, free capacity in the storage pool, or add nodes with storage.', command: 'kubectl get csistoragecapacities -A' });
  } else if (reasons.includes(ERR_REASON_PV_NOT_EXIST)) {
    summary = `Pod ${pod.metadata.name} cannot be scheduled${since}: ${claimList} is bound to a PersistentVolume that no longer exists.`;
    remediation.push({ text: 'Restore the PersistentVolume or re-create the claim.', command: kubectl(ns, `get pvc ${claimNames.map(shellQuote).join(' ')} -o wide`) });
  } else {
    summary = `Pod ${pod.metadata.name} cannot be scheduled${since}: no available PersistentVolume matches ${claimList} on any node.`;
    remediation.push({ text: 'Create a PersistentVolume that matches the claim (storage class, access mode, size, node affinity), or use a StorageClass with dynamic provisioning.', command: 'kubectl get pv', docsUrl: PV_DOCS });
  }
  return [{ cause: 'volume', stage: STAGE.schedule, summary, evidence, remediation }];
}

interface ClaimUse {
  volume: string;
  claim: string;
  pvc: PodSnapshot['pvcs'][number] | undefined;
}

function pvcClaims(pod: Pod, snapshotPvcs?: PodSnapshot['pvcs']): ClaimUse[] {
  return (pod.spec.volumes ?? [])
    .filter((v) => v.persistentVolumeClaim?.claimName)
    .map((v) => ({ volume: v.name, claim: v.persistentVolumeClaim?.claimName ?? '', pvc: snapshotPvcs?.find((p) => p.metadata.name === v.persistentVolumeClaim?.claimName) }));
}

function addClaimEvidence(snapshot: PodSnapshot, evidence: Evidence[], claims: ClaimUse[], settings: EngineSettings): void {
  for (const use of claims) {
    const pvc = use.pvc;
    evidence.push({ kind: 'spec', field: `spec.volumes[${use.volume}].persistentVolumeClaim.claimName`, value: use.claim });
    if (!pvc) continue;
    evidence.push({ kind: 'status', field: `PersistentVolumeClaim/${use.claim} status.phase`, value: pvc.status?.phase ?? 'unknown' });
    if (pvc.spec?.storageClassName) evidence.push({ kind: 'spec', field: `PersistentVolumeClaim/${use.claim} spec.storageClassName`, value: pvc.spec.storageClassName });
    const claimEvent = findEvents(snapshot, {
      kind: 'PersistentVolumeClaim', name: use.claim, namespace: pvc.metadata.namespace, uid: pvc.metadata.uid, reasons: PVC_EVENT_REASONS, maxAgeSeconds: settings.eventStaleSeconds,
    })[0];
    if (claimEvent) evidence.push(eventEvidence(claimEvent, snapshot.observedAt));
  }
}

// --- 2 + 3. Attach and mount, once the Pod has waited long enough -------------------------------------

function attachAndMountHits(snapshot: PodSnapshot, settings: EngineSettings): Hit[] {
  const pod = snapshot.pod;
  if (!pod.spec.nodeName || !notStarted(pod)) return [];
  const since = pod.status?.startTime ?? podCondition(pod, 'PodScheduled')?.lastTransitionTime ?? pod.metadata.creationTimestamp;
  const waited = secondsBetween(since, snapshot.observedAt);
  if (waited === null) return [];
  // Attach and mount retries are normal for a while after scheduling: younger than the threshold is settling.
  const settling = waited < settings.stuckCreatingAfterSeconds
    ? { state: 'ContainerCreating', forSeconds: waited, alertAfterSeconds: settings.stuckCreatingAfterSeconds }
    : undefined;
  return withSettling(volumeEventHits(snapshot, settings, waited), settling);
}

function volumeEventHits(snapshot: PodSnapshot, settings: EngineSettings, waited: number): Hit[] {
  const young = waited < settings.stuckCreatingAfterSeconds;
  const events = podEvents(snapshot, [FAILED_ATTACH_VOLUME, FAILED_MOUNT], settings.eventStaleSeconds);
  const hits: Hit[] = [];
  const seenVolumes = new Set<string>();
  const generic: KubeEvent[] = [];
  for (const event of events) {
    const hit = volumeEventHit(snapshot, event, waited, young);
    if (hit === 'generic') {
      generic.push(event);
      continue;
    }
    if (!hit || seenVolumes.has(hit.volume)) continue;
    seenVolumes.add(hit.volume);
    hits.push(hit.hit);
  }
  // "Unable to attach or mount volumes" only repeats the timeout; use it when nothing more specific is known.
  for (const event of generic) {
    const match = UNABLE_TO_ATTACH_OR_MOUNT.exec(event.message ?? '');
    const volumes = (match?.[1] ?? '').split(' ').filter((v) => v.length > 0);
    const unattached = new Set((match?.[2] ?? '').split(' ').filter((v) => v.length > 0));
    for (const name of volumes) {
      if (seenVolumes.has(name)) continue;
      seenVolumes.add(name);
      hits.push(unmountedVolumeHit(snapshot, event, name, unattached.has(name), waited, young));
    }
  }
  return hits;
}

/** No container (init or app) has run yet: the Pod is still before "volumes mounted". */
function notStarted(pod: Pod): boolean {
  const phase = pod.status?.phase;
  if (phase && phase !== 'Pending') return false;
  return containers(pod).every((v) => !v.status?.state?.running && !v.status?.state?.terminated && !v.status?.lastState?.terminated);
}

function volumeEventHit(snapshot: PodSnapshot, event: KubeEvent, waited: number, young: boolean): { volume: string; hit: Hit } | 'generic' | null {
  const message = event.message ?? '';
  const pod = snapshot.pod;
  const ns = pod.metadata.namespace;
  const evidence: Evidence[] = [eventEvidence(event, snapshot.observedAt), waitingEvidence(pod, waited)];
  const stuck = `${young ? '' : 'stuck '}in ContainerCreating for ${formatDuration(waited)}`;

  if (event.reason === FAILED_ATTACH_VOLUME) {
    const multi = MULTI_ATTACH.exec(message);
    if (multi) {
      const pv = multi[1] ?? '';
      const holders = multi[2];
      const claim = claimForVolumeEvent(snapshot, pv);
      if (claim) evidence.push({ kind: 'spec', field: `spec.volumes[${claim.volume}].persistentVolumeClaim.claimName`, value: claim.claim });
      const modes = claim?.pvc?.spec?.accessModes;
      if (modes && claim) evidence.push({ kind: 'spec', field: `PersistentVolumeClaim/${claim.claim} spec.accessModes`, value: modes.join(', ') });
      const owner = templateOwner(snapshot.owners);
      const remediation: Remediation[] = [
        {
          text: `Volume ${pv} is ReadWriteOnce and still attached to another node${holders ? ` (used by pod(s) ${holders})` : ''}; it attaches here only after the other Pod is gone and the volume is detached. Find where it is attached:`,
          command: `kubectl get volumeattachment -o custom-columns=NAME:.metadata.name,PV:.spec.source.persistentVolumeName,NODE:.spec.nodeName,ATTACHED:.status.attached | grep -e NAME -e ${shellQuote(pv)}`,
          docsUrl: PV_DOCS,
        },
        { text: 'Delete (or wait for) the old Pod that still uses the volume; if its node is down, the attach/detach controller force-detaches after 6 minutes, or mark the node out-of-service (node.kubernetes.io/out-of-service taint) once it is really off.' },
      ];
      if (owner?.kind === 'Deployment') {
        remediation.push({ text: `Deployment/${owner.metadata.name} rolls out with a surge Pod that needs the same RWO volume on another node: set spec.strategy.type: Recreate (or use a StatefulSet).`, command: kubectl(ns, `patch deployment ${shellQuote(owner.metadata.name)} -p '{"spec":{"strategy":{"type":"Recreate","rollingUpdate":null}}}'`) });
      }
      return {
        volume: claim?.volume ?? pv,
        hit: { cause: 'volume', stage: STAGE.attach, summary: `Pod ${pod.metadata.name} is ${stuck}: volume ${pv} is still attached to another node (Multi-Attach error).`, evidence, remediation },
      };
    }
    const attach = ATTACH_FAILED.exec(message);
    const pv = attach?.[1] ?? '?';
    const claim = claimForVolumeEvent(snapshot, pv);
    return {
      volume: claim?.volume ?? pv,
      hit: {
        cause: 'volume',
        stage: STAGE.attach,
        summary: `Pod ${pod.metadata.name} is ${stuck}: volume ${pv} cannot be attached to node ${pod.spec.nodeName}${attach?.[2] ? ` (${clip(attach[2].trim(), 160)})` : ''}.`,
        evidence,
        remediation: [
          { text: 'Check the VolumeAttachment and the CSI driver\'s controller (attacher) logs for the cloud error; node attach limits and zone mismatches are the usual causes.', command: `kubectl get volumeattachment | grep -e NAME -e ${shellQuote(pv)}`, docsUrl: PV_DOCS },
        ],
      },
    };
  }

  if (UNABLE_TO_ATTACH_OR_MOUNT.test(message)) return 'generic';
  const setup = SETUP_FAILED.exec(message);
  if (setup) {
    const [, volumeName = '', inner = ''] = setup;
    const configHit = configObjectFromVolumeError(snapshot, volumeName, inner, evidence, stuck);
    if (configHit) return { volume: volumeName, hit: configHit };
    return { volume: volumeName, hit: mountFailureHit(snapshot, volumeName, inner, evidence, stuck) };
  }
  const other = OTHER_MOUNT_FAILED.exec(message);
  if (other) {
    const [, operation = '', volumeName = '', inner = ''] = other;
    return { volume: volumeName, hit: mountFailureHit(snapshot, volumeName, inner, evidence, stuck, operation) };
  }
  return null;
}

function waitingEvidence(pod: Pod, waited: number): Evidence {
  const reason = containers(pod).find((v) => v.status?.state?.waiting?.reason)?.status?.state?.waiting?.reason ?? 'ContainerCreating';
  return { kind: 'status', field: 'status.phase', value: `${pod.status?.phase ?? 'Pending'} (containers ${reason} for ${formatDuration(waited)})` };
}

function claimForVolumeEvent(snapshot: PodSnapshot, pvOrVolume: string): ClaimUse | undefined {
  const claims = pvcClaims(snapshot.pod, snapshot.pvcs);
  return claims.find((c) => c.volume === pvOrVolume || c.claim === pvOrVolume || c.pvc?.spec?.volumeName === pvOrVolume)
    ?? (claims.length === 1 ? claims[0] : undefined);
}

/** A ConfigMap/Secret volume whose object or key is missing (FailedMount). */
function configObjectFromVolumeError(snapshot: PodSnapshot, volumeName: string, inner: string, evidence: Evidence[], stuck: string): Hit | null {
  const pod = snapshot.pod;
  const cm = CONFIGMAP_NOT_FOUND.exec(inner);
  const secret = SECRET_NOT_FOUND.exec(inner);
  const cmKey = CONFIGMAP_VOLUME_KEY_MISSING.exec(inner);
  const secretKey = cmKey ? null : SECRET_VOLUME_KEY_MISSING.exec(inner);
  if (!cm && !secret && !cmKey && !secretKey) return null;
  const kind: ObjectKind = cm || cmKey ? 'ConfigMap' : 'Secret';
  const volume = findVolume(pod, volumeName);
  const name = cm?.[1] ?? secret?.[1] ?? (kind === 'ConfigMap' ? volume?.configMap?.name : volume?.secret?.secretName) ?? projectedName(volume, kind) ?? '?';
  const key = cmKey?.[1] ?? secretKey?.[1] ?? null;
  const refs = referencesTo(pod, kind, name).filter((r) => r.container === null);
  for (const mount of mountsOf(pod, volumeName)) evidence.push({ kind: 'spec', field: `${mount.field}.mountPath`, value: mount.mount.mountPath });
  return configHit(snapshot, kind, name, key, refs, evidence, STAGE.mount, `Pod ${snapshot.pod.metadata.name} is ${stuck}: volume ${volumeName} needs ${kind} ${name}${key ? ` key ${key}` : ''}, which does not exist.`);
}

function projectedName(volume: ReturnType<typeof findVolume>, kind: ObjectKind): string | undefined {
  const source = volume?.projected?.sources?.find((s) => (kind === 'ConfigMap' ? s.configMap : s.secret));
  return kind === 'ConfigMap' ? source?.configMap?.name : source?.secret?.name;
}

function mountFailureHit(snapshot: PodSnapshot, volumeName: string, inner: string, evidence: Evidence[], stuck: string, operation = 'MountVolume.SetUp'): Hit {
  const pod = snapshot.pod;
  const ns = pod.metadata.namespace;
  const node = pod.spec.nodeName ?? '?';
  const volume = findVolume(pod, volumeName);
  const claim = claimForVolumeEvent(snapshot, volumeName);
  const nfs = volume?.nfs as { server?: string; path?: string } | undefined;
  if (volume) {
    const value = nfs ? `nfs ${nfs.server ?? '?'}:${nfs.path ?? '?'}` : claim ? `persistentVolumeClaim ${claim.claim}` : volumeSource(volume);
    evidence.push({ kind: 'spec', field: `spec.volumes[${volume.name}]`, value });
  }
  const detail = mountErrorDetail(inner);
  const remediation: Remediation[] = [];
  if (nfs) {
    remediation.push({
      text: `Node ${node} cannot mount NFS export ${nfs.server ?? '?'}:${nfs.path ?? '?'}: check that the server is up, exports the path to the node's address, and that TCP 2049 (and 111 for NFSv3) is open from the node.`,
      command: `kubectl debug node/${shellQuote(node)} -it --image=busybox:1.36 -- nc -zv -w 5 ${nfs.server ? shellQuote(nfs.server) : '<server>'} 2049`,
      docsUrl: 'https://kubernetes.io/docs/concepts/storage/volumes/#nfs',
    });
  } else {
    remediation.push({
      text: `The kubelet on ${node} cannot mount ${volumeName}; the error comes from the volume plugin (CSI node driver, storage backend, filesystem). Check the driver's node pod on that node and its logs.`,
      command: `kubectl get pods -A -o wide --field-selector spec.nodeName=${shellQuote(node)} | grep -i -e csi -e NAME`,
      docsUrl: PV_DOCS,
    });
  }
  remediation.push({ text: 'See every mount event for the Pod in order.', command: kubectl(ns, `get events --field-selector involvedObject.name=${shellQuote(pod.metadata.name)} --sort-by=.lastTimestamp`) });
  return {
    cause: 'volume',
    stage: STAGE.mount,
    summary: `Pod ${pod.metadata.name} is ${stuck}: ${operation} of volume ${volumeName} fails on node ${node}${detail ? ` (${detail})` : ''}.`,
    evidence,
    remediation,
  };
}

/** The line of a mount error that says what went wrong: mount-utils' "Output: …" line, else the first line. */
function mountErrorDetail(inner: string): string {
  // source: k8s.io/mount-utils mount_linux.go ("mount failed: %v\nMounting command: %s\nMounting arguments: %s\nOutput: %s")
  const output = /^Output: (.+)$/m.exec(inner)?.[1]?.trim();
  const first = inner.trim().split('\n')[0] ?? '';
  return clip(output ? `${first.replace(/:$/, '')}: ${output}` : first, 200);
}

function unmountedVolumeHit(snapshot: PodSnapshot, event: KubeEvent, volumeName: string, unattached: boolean, waited: number, young: boolean): Hit {
  const pod = snapshot.pod;
  const evidence: Evidence[] = [eventEvidence(event, snapshot.observedAt), waitingEvidence(pod, waited)];
  const stuck = `${young ? '' : 'stuck '}in ContainerCreating for ${formatDuration(waited)}`;
  const volume = findVolume(pod, volumeName);
  const source = volume ? volumeSource(volume) : 'unknown';
  if (volume && (source === 'configMap' || source === 'secret')) {
    const kind: ObjectKind = source === 'configMap' ? 'ConfigMap' : 'Secret';
    const name = (kind === 'ConfigMap' ? volume.configMap?.name : volume.secret?.secretName) ?? '?';
    const refs = referencesTo(pod, kind, name).filter((r) => r.container === null);
    return configHit(snapshot, kind, name, null, refs, evidence, STAGE.mount, `Pod ${pod.metadata.name} is ${stuck}: volume ${volumeName} (${kind} ${name}) never mounts.`);
  }
  return mountFailureHit(snapshot, volumeName, unattached ? 'the volume is not attached to the node' : 'the volume is attached but not mounted', evidence, stuck);
}

// --- 4 + 5. Container status: CreateContainerConfigError, runtime mount errors ---------------------------

function containerHits(snapshot: PodSnapshot, settings: EngineSettings): Hit[] {
  const hits: Hit[] = [];
  for (const view of containers(snapshot.pod)) {
    const waiting = view.status?.state?.waiting;
    if (waiting?.reason === CREATE_CONTAINER_CONFIG_ERROR) {
      const hit = configErrorHit(snapshot, view, waiting.message ?? '');
      if (hit) hits.push(hit);
      continue;
    }
    const failure = runtimeFailure(snapshot, view, settings);
    if (failure) {
      const hit = runtimeMountHit(snapshot, view, failure);
      if (hit) hits.push(hit);
    }
  }
  return hits;
}

function configErrorHit(snapshot: PodSnapshot, view: ContainerView, message: string): Hit | null {
  const pod = snapshot.pod;
  const kindOf = view.isInit ? 'init container' : 'container';
  const evidence: Evidence[] = [
    { kind: 'status', field: `${view.statusPath}.state.waiting.reason`, value: CREATE_CONTAINER_CONFIG_ERROR },
    { kind: 'status', field: `${view.statusPath}.state.waiting.message`, value: clip(message, 1000) },
  ];
  const failed = kubeletFailedEvent(snapshot, view);
  if (failed) evidence.push(failed);

  const cmKey = CONFIGMAP_KEY_MISSING.exec(message);
  const secretKey = SECRET_KEY_MISSING.exec(message);
  const cm = CONFIGMAP_NOT_FOUND.exec(message);
  const secret = SECRET_NOT_FOUND.exec(message);
  if (cmKey || secretKey || cm || secret) {
    const kind: ObjectKind = cmKey || cm ? 'ConfigMap' : 'Secret';
    const name = cmKey?.[3] ?? secretKey?.[3] ?? cm?.[1] ?? secret?.[1] ?? '?';
    const key = cmKey?.[1] ?? secretKey?.[1] ?? null;
    const refs = referencesTo(pod, kind, name).filter((r) => r.container === view.name || r.container === null);
    const what = key ? `key ${key} of ${kind} ${name}` : `${kind} ${name}`;
    return configHit(snapshot, kind, name, key, refs, evidence, STAGE.config, `${capitalize(kindOf)} ${view.name} cannot start: ${what} ${key ? 'is missing' : 'does not exist'} (CreateContainerConfigError).`);
  }

  const subPath = SUBPATH_BACKSTEPS.exec(message) ?? SUBPATH_ABSOLUTE.exec(message);
  const subPathFailed = SUBPATH_PREPARE_FAILED.exec(message) ?? SUBPATH_CREATE_FAILED.exec(message);
  if (subPath || subPathFailed) {
    const mounts = allMounts(pod, view.name).filter((m) => (subPathFailed ? m.mount.name === subPathFailed[1] : m.mount.subPath !== undefined || m.mount.subPathExpr !== undefined));
    for (const m of mounts) {
      if (m.mount.subPath !== undefined) evidence.push({ kind: 'spec', field: `${m.field}.subPath`, value: m.mount.subPath });
      if (m.mount.subPathExpr !== undefined) evidence.push({ kind: 'spec', field: `${m.field}.subPathExpr`, value: m.mount.subPathExpr });
      evidence.push({ kind: 'spec', field: `${m.field}.mountPath`, value: m.mount.mountPath });
    }
    const field = mounts[0] ? `${mounts[0].field}.${mounts[0].mount.subPathExpr !== undefined ? 'subPathExpr' : 'subPath'}` : `${view.specPath}.volumeMounts`;
    // A subPathExpr takes its value from env vars: name them (never their values) so the fix can go there.
    const exprVars = mounts.flatMap((m) => [...(m.mount.subPathExpr ?? '').matchAll(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g)].map((v) => v[1] ?? ''));
    for (const name of new Set(exprVars)) {
      const env = view.spec?.env?.find((e) => e.name === name);
      if (env) evidence.push({ kind: 'spec', field: `${view.specPath}.env[${name}]`, value: env.valueFrom ? 'valueFrom' : 'value', note: 'expanded into the subPathExpr' });
    }
    const problem = subPath
      ? SUBPATH_BACKSTEPS.test(message) ? `subPath "${subPath[1]}" contains ".."` : `subPath "${subPath[1]}" is an absolute path`
      : `the subPath of volume mount ${subPathFailed?.[1]} cannot be prepared (it is a symlink leaving the volume, or the volume is not mounted yet)`;
    return {
      cause: 'mount-config',
      stage: STAGE.config,
      summary: `${capitalize(kindOf)} ${view.name} cannot start: ${problem}.`,
      evidence,
      remediation: [
        {
          text: `Make the subPath a relative path inside the volume (no "..", no leading "/", no symlink pointing outside the volume): fix ${whereToFix(pod, snapshot.owners, field)}${exprVars.length > 0 ? `, or the env var${exprVars.length > 1 ? 's' : ''} ${[...new Set(exprVars)].join(', ')} it expands` : ''}.`,
          command: editCommand(snapshot),
          docsUrl: SUBPATH_DOCS,
        },
      ],
    };
  }

  const noVolume = VOLUME_NOT_FOUND_FOR_MOUNT.exec(message);
  if (noVolume) {
    const mount = allMounts(pod, view.name).find((m) => m.mount.name === noVolume[1]);
    if (mount) evidence.push({ kind: 'spec', field: `${mount.field}.name`, value: mount.mount.name });
    return {
      cause: 'mount-config',
      stage: STAGE.config,
      summary: `${capitalize(kindOf)} ${view.name} cannot start: it mounts volume "${noVolume[1]}", which is not defined in spec.volumes (or not mounted yet).`,
      evidence,
      remediation: [{ text: `Add a volume named "${noVolume[1]}" to spec.volumes, or fix the volumeMounts name, in ${whereToFix(pod, snapshot.owners, 'spec.volumes')}.`, command: editCommand(snapshot) }],
    };
  }
  // Other config errors (runAsNonRoot, …) are not about dependencies; container-create reports the security ones.
  return null;
}

/** Builds the hit for a missing ConfigMap/Secret or key, with exact create/patch commands (never values). */
function configHit(
  snapshot: PodSnapshot,
  kind: ObjectKind,
  name: string,
  key: string | null,
  allRefs: Reference[],
  evidence: Evidence[],
  stage: number,
  summary: string,
): Hit {
  const pod = snapshot.pod;
  const ns = pod.metadata.namespace;
  // For a missing key, the references that read that key (and whole-object volume refs) are the ones to show.
  const relevant = key ? allRefs.filter((r) => r.key === key || r.key === null) : allRefs;
  const required = relevant.filter((r) => !r.optional);
  const refs = required.length > 0 ? required : relevant;
  for (const ref of refs) evidence.push(ref.optional ? { kind: 'spec', field: ref.field, value: ref.value, note: 'optional: true' } : { kind: 'spec', field: ref.field, value: ref.value });
  const keys = key ? [key] : expectedKeys(refs);
  const lower = kind === 'ConfigMap' ? 'configmap' : 'secret';
  const remediation: Remediation[] = [];
  if (key) {
    const patch = JSON.stringify({ [kind === 'ConfigMap' ? 'data' : 'stringData']: { [key]: '<value>' } });
    remediation.push({
      text: `Add key "${key}" to ${kind} ${name} (or fix the key name in the reference).`,
      command: kubectl(ns, `patch ${lower} ${shellQuote(name)} --type merge -p ${shellQuote(patch)}`),
      docsUrl: CONFIG_DOCS[kind],
    });
    remediation.push({
      text: `See which keys ${kind} ${name} has${kind === 'Secret' ? ' (describe shows key names and sizes, not values)' : ''}.`,
      command: kind === 'Secret' ? kubectl(ns, `describe secret ${shellQuote(name)}`) : kubectl(ns, `get configmap ${shellQuote(name)} -o jsonpath='{.data}'`),
    });
  } else {
    // Volumes hold files (--from-file); envFrom takes KEY=value lines (--from-env-file).
    const onlyVolumes = refs.length > 0 && refs.every((r) => r.container === null);
    const from = keys.length > 0
      ? keys.map((k) => (onlyVolumes ? `--from-file=${shellQuote(k)}=<path>` : `--from-literal=${shellQuote(k)}=<value>`)).join(' ')
      : onlyVolumes ? '--from-file=<path>' : '--from-env-file=<file>';
    remediation.push({
      text: `Create ${kind} ${name} in namespace ${ns ?? 'default'}${keys.length > 0 ? ` with the key${keys.length > 1 ? 's' : ''} the Pod reads (${keys.join(', ')})` : ''}.`,
      command: kubectl(ns, kind === 'ConfigMap' ? `create configmap ${shellQuote(name)} ${from}` : `create secret generic ${shellQuote(name)} ${from}`),
      docsUrl: CONFIG_DOCS[kind],
    });
    remediation.push({ text: `If "${name}" is a typo, list what exists and fix the reference.`, command: kubectl(ns, `get ${lower}s`) });
  }
  const first = refs[0];
  if (first) {
    const more = refs.length > 1 ? ` (and ${refs.length - 1} more reference${refs.length > 2 ? 's' : ''} listed above)` : '';
    remediation.push({
      text: `The reference is ${whereToFix(pod, snapshot.owners, first.field)}${more}; if the app can run without it, add optional: true to ${optionalField(first.field)}.`,
      command: editCommand(snapshot),
    });
  }
  return { cause: kind === 'ConfigMap' ? 'configmap' : 'secret', stage, summary, evidence, remediation };
}

interface RuntimeFailure {
  path: string;
  reason: string;
  message: string;
  terminated?: NonNullable<ContainerState['terminated']>;
  /** The kubelet's Failed event the message was read from, when the container status does not carry it. */
  fromEvent?: KubeEvent;
}

/** The runtime's current create/start failure for the container, if any. */
function runtimeFailure(snapshot: PodSnapshot, view: ContainerView, settings: EngineSettings): RuntimeFailure | null {
  const state = view.status?.state;
  if (!state || state.running) return null;
  const waiting = state.waiting;
  if (waiting?.reason === CREATE_CONTAINER_ERROR || waiting?.reason === RUN_CONTAINER_ERROR) {
    return { path: `${view.statusPath}.state.waiting`, reason: waiting.reason, message: waiting.message ?? '' };
  }
  const terminated = state.terminated;
  if (terminated && (terminated.reason === START_ERROR || terminated.reason === CONTAINER_CANNOT_RUN)) {
    return { path: `${view.statusPath}.state.terminated`, reason: terminated.reason, message: terminated.message ?? '', terminated };
  }
  const last = view.status?.lastState?.terminated;
  if ((waiting?.reason === CRASH_LOOP_BACK_OFF || waiting?.reason === RUN_CONTAINER_ERROR) && last && (last.reason === START_ERROR || last.reason === CONTAINER_CANNOT_RUN)) {
    return { path: `${view.statusPath}.lastState.terminated`, reason: last.reason, message: last.message ?? '', terminated: last };
  }
  // lastState {} (an older kubelet, or one just restarted): the kubelet's Failed event still quotes runc's mount error.
  if (waiting?.reason === CRASH_LOOP_BACK_OFF && isTerminationUnreported(view)) {
    const recognised = kubeletErrors(snapshot, view, settings.eventStaleSeconds).find(({ message }) => mountFailure(message));
    if (recognised) return { path: `${view.statusPath}.state.waiting`, reason: waiting.reason, message: recognised.message, fromEvent: recognised.event };
  }
  return null;
}

function runtimeMountHit(snapshot: PodSnapshot, view: ContainerView, failure: RuntimeFailure): Hit | null {
  const match = mountFailure(failure.message);
  if (!match) return null;
  const pod = snapshot.pod;
  const kindOf = view.isInit ? 'init container' : 'container';
  const evidence: Evidence[] = failure.fromEvent
    ? [
      { kind: 'status', field: `${failure.path}.reason`, value: failure.reason },
      { kind: 'status', field: `${view.statusPath}.lastState`, value: '{} (exit code unknown: the kubelet did not report the last termination)' },
    ]
    : [
      { kind: 'status', field: `${failure.path}.reason`, value: failure.reason },
      { kind: 'status', field: `${failure.path}.message`, value: clip(failure.message, 1000) },
    ];
  if (failure.terminated) {
    evidence.push({
      kind: 'exit-code', container: view.name, exitCode: failure.terminated.exitCode, reason: failure.terminated.reason ?? null,
      meaning: `${failure.terminated.exitCode}: the runtime could not set up the container's mounts (${failure.terminated.reason ?? 'start failure'}), the program never ran`,
      ranForSeconds: null, finishedAt: failure.terminated.finishedAt ?? null,
    });
  }
  const failed = failure.fromEvent ? eventEvidence(failure.fromEvent, snapshot.observedAt) : kubeletFailedEvent(snapshot, view);
  if (failed) evidence.push(failed);
  const mounts = allMounts(pod, view.name);
  // An old runc names the host path under the rootfs when it gave no rootfs to strip: match the mount path as a suffix.
  const target = mounts.find((m) => normalizePath(m.mount.mountPath) === normalizePath(match.destination))
    ?? mounts.filter((m) => match.destination !== '' && normalizePath(match.destination).endsWith(normalizePath(m.mount.mountPath)))
      .sort((a, b) => b.mount.mountPath.length - a.mount.mountPath.length)[0];
  const destination = match.destination || target?.mount.mountPath || 'its mount point';
  if (target) {
    evidence.push({ kind: 'spec', field: `${target.field}.mountPath`, value: target.mount.mountPath });
    if (target.mount.subPath !== undefined) evidence.push({ kind: 'spec', field: `${target.field}.subPath`, value: target.mount.subPath });
  }
  const field = target ? `${target.field}.mountPath` : `${view.specPath}.volumeMounts`;
  const fixAt = whereToFix(pod, snapshot.owners, field);

  if (match.problem === 'inside-proc') {
    return {
      cause: 'mount-config',
      stage: STAGE.runtime,
      summary: `${capitalize(kindOf)} ${view.name} cannot start: volume mount at ${destination} is inside /proc, which the runtime refuses.`,
      evidence,
      remediation: [
        { text: `Mount the volume outside /proc (runc allows only a few lxcfs files there): change ${fixAt}.`, command: editCommand(snapshot) },
        { text: 'To change kernel parameters, use spec.securityContext.sysctls (namespaced sysctls) or a privileged init container instead of a mount.', docsUrl: 'https://kubernetes.io/docs/tasks/administer-cluster/sysctl-cluster/' },
      ],
    };
  }
  if (match.problem === 'read-only') {
    const parent = mounts
      .filter((m) => m !== target && isUnder(destination, m.mount.mountPath))
      .sort((a, b) => b.mount.mountPath.length - a.mount.mountPath.length)[0];
    let parentNote = '';
    if (parent) {
      const volume = findVolume(pod, parent.mount.name);
      const source = volume ? volumeSource(volume) : 'volume';
      evidence.push({ kind: 'spec', field: `${parent.field}.mountPath`, value: parent.mount.mountPath, note: `${source}${parent.mount.readOnly ? ', readOnly: true' : ''}` });
      parentNote = ` inside the read-only ${source} mount at ${parent.mount.mountPath}`;
    }
    return {
      cause: 'mount-config',
      stage: STAGE.runtime,
      summary: `${capitalize(kindOf)} ${view.name} cannot start: the runtime cannot create mount point ${destination}${parentNote} (read-only file system).`,
      evidence,
      remediation: [
        {
          text: `A mount point must be creatable: move ${destination} out of the read-only ${parent ? `mount ${parent.mount.mountPath}` : 'file system'} (ConfigMap, Secret and readOnly volumes cannot get new directories), or mount the files with subPath next to it; change ${fixAt}.`,
          command: editCommand(snapshot),
          docsUrl: SUBPATH_DOCS,
        },
      ],
    };
  }
  if (match.problem === 'not-a-directory') {
    const volume = target ? findVolume(pod, target.mount.name) : undefined;
    const source = volume ? volumeSource(volume) : undefined;
    const fileName = destination.split('/').filter((p) => p.length > 0).at(-1) ?? 'file';
    const remediation: Remediation[] = [];
    if (target && target.mount.subPath === undefined && (source === 'configMap' || source === 'secret' || source === 'projected')) {
      const parentDir = destination.slice(0, destination.length - fileName.length - 1) || '/';
      remediation.push({
        text: `The ${source} volume ${target.mount.name} is a directory but ${destination} is a file in the image: mount one key as that file with subPath: ${fileName} (the key name) on this volumeMount, or mount the whole volume at the directory ${parentDir}; change ${fixAt}.`,
        command: editCommand(snapshot),
        docsUrl: SUBPATH_DOCS,
      });
    } else {
      remediation.push({
        text: `The mount source and its target in the image must be the same type (file onto file, directory onto directory); with subPath, a ConfigMap/Secret key is a file. Fix ${fixAt} or its subPath.`,
        command: editCommand(snapshot),
        docsUrl: SUBPATH_DOCS,
      });
    }
    return {
      cause: 'mount-config',
      stage: STAGE.runtime,
      summary: `${capitalize(kindOf)} ${view.name} cannot start: the mount at ${destination} puts a directory onto a file (or a file onto a directory).`,
      evidence,
      remediation,
    };
  }
  return {
    cause: 'mount-config',
    stage: STAGE.runtime,
    summary: `${capitalize(kindOf)} ${view.name} cannot start: the runtime fails to mount ${match.source || 'a volume'} at ${destination}.`,
    evidence,
    remediation: [{ text: `Check the mount's source and target in ${fixAt}; the message above is runc's reason.`, command: editCommand(snapshot) }],
  };
}

/** Where `optional: true` goes for a reference field. */
function optionalField(field: string): string {
  return field.replace(/\.(name|secretName)$/, '');
}

function kubeletFailedEvent(snapshot: PodSnapshot, view: ContainerView): Evidence | null {
  const fieldPath = `spec.${view.isInit ? 'initContainers' : 'containers'}{${view.name}}`;
  const event = podEvents(snapshot, [EVENT_FAILED]).find(
    (e) => (e.message ?? '').startsWith('Error: ') && (!e.involvedObject.fieldPath || e.involvedObject.fieldPath === fieldPath),
  );
  return event ? eventEvidence(event, snapshot.observedAt) : null;
}

function editCommand(snapshot: PodSnapshot): string {
  const ns = snapshot.pod.metadata.namespace;
  const owner = templateOwner(snapshot.owners);
  // A Job's pod template is immutable: it must be replaced.
  if (owner?.kind === 'Job') return kubectl(ns, `get job ${shellQuote(owner.metadata.name)} -o yaml > job.yaml  # fix the template, then: kubectl replace --force -f job.yaml`);
  if (owner) return kubectl(ns, `edit ${shellQuote(owner.kind.toLowerCase())}/${shellQuote(owner.metadata.name)}`);
  return kubectl(ns, `get pod ${shellQuote(snapshot.pod.metadata.name)} -o yaml > pod.yaml  # fix it, then: kubectl replace --force -f pod.yaml`);
}

function normalizePath(path: string): string {
  return path.length > 1 ? path.replace(/\/+$/, '') : path;
}

function isUnder(path: string, parent: string): boolean {
  const p = normalizePath(parent);
  return normalizePath(path).startsWith(p === '/' ? '/' : `${p}/`);
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
