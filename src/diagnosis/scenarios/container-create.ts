/**
 * container-create: admission or the container runtime refused to create or start a container.
 *
 * Two kinds of subject:
 * - a workload whose controller cannot create Pods at all (FailedCreate from admission:
 *   PodSecurity, a policy webhook, a missing ServiceAccount); quota FailedCreate belongs to
 *   unschedulable.quota-exceeded, which runs earlier;
 * - a Pod whose container the runtime could not create or start (CreateContainerError,
 *   RunContainerError, StartError, ContainerCannotRun), a kubelet security check that refuses
 *   the container (runAsNonRoot), or a crashing container whose log shows RBAC denials.
 *
 * Mount failures reported through the same runtime reasons ("error mounting … to rootfs") are
 * left to dependency.mount-config, which runs right after this detector.
 */
import type { Evidence, Finding, Remediation, SuggestedAction } from '../../contract/diagnosis.ts';
import type { Condition, ContainerState, KubeEvent, Workload } from '../../contract/k8s.ts';
import type { CauseOf } from '../../contract/scenarios.ts';
import type { EngineSettings } from '../../contract/settings.ts';
import type { PodSnapshot, WorkloadSnapshot } from '../../contract/snapshot.ts';
import {
  CONTAINER_CANNOT_RUN,
  CRASH_LOOP_BACK_OFF,
  CREATE_CONTAINER_CONFIG_ERROR,
  CREATE_CONTAINER_ERROR,
  EVENT_FAILED,
  FAILED_CREATE,
  OOM_KILLED,
  RUN_CONTAINER_ERROR,
  START_ERROR,
} from '../../contract/upstream.ts';
import { shellQuote } from '../../contract/shell-quote.ts';
import type { Detector } from '../detector.ts';
import { isTerminationUnreported, kubeletErrors } from './crash-support.ts';
import { execFailure, isNoCommand, mountFailure, normalizeRuntimeMessage, type ExecProblem } from './runtime-messages.ts';
import {
  clip,
  containers,
  eventEvidence,
  exitCodeMeaning,
  findEvents,
  kubectl,
  podEvents,
  secondsBetween,
  type ContainerView,
} from '../support.ts';

type Cause = CauseOf<'container-create'>;

// --- Upstream strings -------------------------------------------------------------------------

// source: kubernetes pkg/controller/replicaset/replica_set_utils.go (ReplicaSetReplicaFailure condition)
const REPLICA_FAILURE = 'ReplicaFailure';

// source: kubernetes staging/src/k8s.io/pod-security-admission/admission/admission.go
// ("violates PodSecurity %q: %s"); details from policy/checks.go ForbiddenDetail: "reason (detail), reason (detail)"
const POD_SECURITY_VIOLATION = /violates PodSecurity "([^"]+)": ([\s\S]+)$/;
// source: kubernetes staging/src/k8s.io/apiserver/pkg/admission/plugin/webhook/errors/statuserror.go
// ("admission webhook %q denied the request: %s" / "… denied the request without explanation")
const WEBHOOK_DENIED = /admission webhook "([^"]+)" denied the request(?:: ([\s\S]*)| without explanation)/;
// source: kubernetes pkg/security/podsecuritypolicy (removed in 1.25): "PodSecurityPolicy: unable to admit pod: [...]"
const PSP_DENIED = 'PodSecurityPolicy: unable to admit pod';
// source: openshift/apiserver-library-go pkg/securitycontextconstraints/sccadmission/admission.go
const SCC_DENIED = 'unable to validate against any security context constraint';
// source: kubernetes plugin/pkg/admission/serviceaccount/admission.go
// ("error looking up service account %s/%s: %v", the error being `serviceaccount "sa" not found`)
const SERVICE_ACCOUNT_MISSING = /error looking up service account ([^/\s]+)\/([^:\s]+): serviceaccount "([^"]+)" not found/;
// source: kubernetes plugin/pkg/admission/resourcequota/controller.go ("exceeded quota", "failed quota"):
// these belong to unschedulable.quota-exceeded.
const QUOTA_MARKERS = ['exceeded quota', 'failed quota'];

// source: kubernetes pkg/kubelet/kuberuntime/security_context_others.go (verifyRunAsNonRoot)
const RUN_AS_NON_ROOT_ROOT = 'container has runAsNonRoot and image will run as root';
const RUN_AS_NON_ROOT_NON_NUMERIC = /container has runAsNonRoot and image has non-numeric user \(([^)]*)\), cannot verify user is non-root/;

// The runtime's own messages (no command, exec failures, mount failures) are read by meaning, whatever the
// wrapper (containerd, CRI-O, dockershim, old runc chains): runtime-messages.ts. Mount failures are
// dependency.mount-config, not ours.

// source: kubernetes staging/src/k8s.io/apiserver/pkg/endpoints/handlers/responsewriters/errors.go (forbiddenMessage):
// `User %q cannot %s resource %q in API group %q in the namespace %q` / `… at the cluster scope`
const RBAC_FORBIDDEN =
  /forbidden: User "system:serviceaccount:([^:"]+):([^"]+)" cannot (\S+) resource "([^"]+)" in API group "([^"]*)"(?: in the namespace "([^"]+)"| at the cluster scope)/;

const PSS_DOCS = 'https://kubernetes.io/docs/concepts/security/pod-security-standards/';
const SA_DOCS = 'https://kubernetes.io/docs/tasks/configure-pod-container/configure-service-account/';
const RBAC_DOCS = 'https://kubernetes.io/docs/reference/access-authn-authz/rbac/';
const COMMAND_DOCS = 'https://kubernetes.io/docs/tasks/inject-data-application/define-command-argument-container/';

/** What to set for each PodSecurity check, by its ForbiddenReason (staging/src/k8s.io/pod-security-admission/policy/check_*.go). */
const POD_SECURITY_FIXES: Record<string, string> = {
  'allowPrivilegeEscalation != false': 'set securityContext.allowPrivilegeEscalation: false on the named containers',
  'unrestricted capabilities': 'set securityContext.capabilities.drop: ["ALL"] on the named containers (add back only NET_BIND_SERVICE if needed)',
  'runAsNonRoot != true': 'set securityContext.runAsNonRoot: true (pod or container) and run as a non-zero UID, e.g. runAsUser: 10001, with an image that supports it',
  'runAsUser=0': 'remove runAsUser: 0 or set a non-zero UID',
  seccompProfile: 'set securityContext.seccompProfile.type: RuntimeDefault (pod level covers every container)',
  privileged: 'remove securityContext.privileged: true',
  'host namespaces': 'remove hostNetwork/hostPID/hostIPC: true from the pod spec',
  'hostPath volumes': 'replace the hostPath volumes with emptyDir, a PersistentVolumeClaim, a ConfigMap or a Secret',
  hostPort: 'remove hostPort from the container ports (use a Service instead)',
  'non-default capabilities': 'remove the listed capabilities from securityContext.capabilities.add',
  'restricted volume types': 'use only configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected and secret volumes',
  procMount: 'remove securityContext.procMount (or set it to Default)',
  sysctls: 'remove the unsafe sysctls from securityContext.sysctls',
  seLinuxOptions: 'remove the custom securityContext.seLinuxOptions type/user/role',
  appArmorProfile: 'remove the Unconfined AppArmor profile (use RuntimeDefault or Localhost)',
};

// --- Detector ------------------------------------------------------------------------------------

export const containerCreate: Detector<'container-create'> = {
  scenario: 'container-create',
  detect(snapshot, settings) {
    return snapshot.kind === 'Workload' ? detectWorkload(snapshot, settings) : detectPod(snapshot, settings);
  },
};

interface Hit {
  cause: Cause;
  summary: string;
  evidence: Evidence[];
  remediation: Remediation[];
  actions: SuggestedAction[];
}

function toFinding(hits: Hit[]): Finding<'container-create'> | null {
  const [primary, ...rest] = hits;
  if (!primary) return null;
  const otherCauses = [...new Set(rest.map((h) => h.cause))].filter((c) => c !== primary.cause);
  return {
    scenario: 'container-create',
    cause: primary.cause,
    otherCauses,
    summary: primary.summary,
    evidence: primary.evidence,
    remediation: primary.remediation,
    actions: primary.actions,
  };
}

// --- Workloads: FailedCreate from admission ---------------------------------------------------------

function detectWorkload(snapshot: WorkloadSnapshot, settings: EngineSettings): Finding<'container-create'> | null {
  const workload = snapshot.workload;
  const shortBy = missingPods(workload);
  if (shortBy === 0) return null;
  const { namespace, name, uid } = workload.metadata;
  const events = findEvents(snapshot, {
    kind: workload.kind, name, namespace, uid, reasons: [FAILED_CREATE], type: 'Warning', maxAgeSeconds: settings.eventStaleSeconds,
  });
  const condition = workload.status?.conditions?.find((c) => c.type === REPLICA_FAILURE && c.status === 'True' && c.reason === FAILED_CREATE);
  const messages: { message: string; event?: KubeEvent }[] = events.map((event) => ({ message: event.message ?? '', event }));
  if (condition?.message) messages.push({ message: condition.message });

  const hits: Hit[] = [];
  for (const { message, event } of messages) {
    const hit = admissionHit(snapshot, message, event, condition, shortBy);
    if (hit && !hits.some((h) => h.cause === hit.cause)) hits.push(hit);
  }
  return toFinding(hits);
}

/** How many Pods the workload is short of; 0 when it has all it wants (or is finished). */
function missingPods(workload: Workload): number {
  const spec = workload.spec ?? {};
  const status = workload.status ?? {};
  if (workload.kind === 'DaemonSet') {
    const desired = numberField(status, 'desiredNumberScheduled');
    const current = numberField(status, 'currentNumberScheduled') ?? 0;
    return desired === null ? 1 : Math.max(0, desired - current);
  }
  if (workload.kind === 'Job') {
    const finished = status.conditions?.some((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
    return finished ? 0 : 1;
  }
  if (typeof spec.replicas === 'number') return Math.max(0, spec.replicas - (status.replicas ?? 0));
  return 1;
}

function numberField(record: Record<string, unknown>, key: string): number | null {
  const value = record[key];
  // Not a declared field, so not conformed at the boundary: a crafted dump can make it NaN or Infinity.
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** The object a user edits to change the pod template: the top of the owner chain (e.g. the Deployment). */
function templateOwner(snapshot: WorkloadSnapshot | PodSnapshot): Workload | undefined {
  if (snapshot.kind === 'Workload') return snapshot.owners.at(-1) ?? snapshot.workload;
  return snapshot.owners.at(-1);
}

/** Where the pod template lives in that object. */
function templatePath(workload: Workload): string {
  return workload.kind === 'CronJob' ? 'spec.jobTemplate.spec.template' : 'spec.template';
}

/** How to change the pod template: edit the owner, replace an (immutable) Job, or re-create a bare Pod. */
function editCommand(ns: string | undefined, owner: Workload | undefined, podName: string): string {
  if (owner?.kind === 'Job') return kubectl(ns, `get job ${shellQuote(owner.metadata.name)} -o yaml > job.yaml  # fix the template, then: kubectl replace --force -f job.yaml`);
  if (owner) return kubectl(ns, `edit ${shellQuote(ownerRef(owner))}`);
  return kubectl(ns, `get pod ${shellQuote(podName)} -o yaml > pod.yaml  # fix it, then: kubectl replace --force -f pod.yaml`);
}

function ownerRef(workload: Workload): string {
  return `${workload.kind.toLowerCase()}/${workload.metadata.name}`;
}

function admissionHit(
  snapshot: WorkloadSnapshot,
  message: string,
  event: KubeEvent | undefined,
  condition: Condition | undefined,
  shortBy: number,
): Hit | null {
  if (QUOTA_MARKERS.some((m) => message.includes(m))) return null;
  const workload = snapshot.workload;
  const ns = workload.metadata.namespace;
  const subject = `${workload.kind}/${workload.metadata.name}`;
  const owner = templateOwner(snapshot) ?? workload;
  const edit = editCommand(ns, owner, '');
  const evidence: Evidence[] = [];
  if (event) evidence.push(eventEvidence(event, snapshot.observedAt));
  if (condition?.message) {
    evidence.push({ kind: 'status', field: `status.conditions[${REPLICA_FAILURE}].message`, value: clip(condition.message, 500) });
  }
  const desired = workload.spec?.replicas;
  if (typeof desired === 'number') {
    evidence.push({ kind: 'status', field: 'status.replicas', value: `${workload.status?.replicas ?? 0} (spec.replicas ${desired})` });
  } else if (shortBy > 0 && workload.kind !== 'Job') {
    evidence.push({ kind: 'status', field: 'status', value: `${shortBy} Pod(s) missing` });
  }
  const actions: SuggestedAction[] = [{ action: 'rediagnose', reason: 'check again once the pod template or the namespace is fixed' }];

  const sa = SERVICE_ACCOUNT_MISSING.exec(message);
  if (sa) {
    const [, saNs, saName] = sa;
    const templateSa = workload.spec?.template?.spec?.serviceAccountName;
    if (templateSa) evidence.push({ kind: 'spec', field: 'spec.template.spec.serviceAccountName', value: templateSa });
    return {
      cause: 'rbac',
      summary: `${subject} cannot create Pods: ServiceAccount ${saNs}/${saName} does not exist.`,
      evidence,
      remediation: [
        {
          text: `Create the ServiceAccount "${saName}" (and the Role/RoleBinding the app needs), or point ${templatePath(owner)}.spec.serviceAccountName of ${owner.kind}/${owner.metadata.name} at an existing one.`,
          command: kubectl(saNs, `create serviceaccount ${shellQuote(saName ?? '<name>')}`),
          docsUrl: SA_DOCS,
        },
        { text: 'List the ServiceAccounts that do exist in the namespace.', command: kubectl(saNs, 'get serviceaccounts') },
      ],
      actions,
    };
  }

  const pss = POD_SECURITY_VIOLATION.exec(message);
  if (pss) {
    const [, level = '', detail = ''] = pss;
    const violations = parseViolations(detail);
    const remediation: Remediation[] = violations.map((v) => ({
      text: `PodSecurity "${level}" forbids ${v.reason}${v.detail ? ` (${v.detail})` : ''}: ${POD_SECURITY_FIXES[v.reason] ?? 'change the pod template so this check passes'}, in the pod template of ${owner.kind}/${owner.metadata.name}.`,
      command: edit,
      docsUrl: PSS_DOCS,
    }));
    const enforced = level.split(':')[0] ?? level;
    remediation.push({
      text: `Only if the workload really needs these privileges: exempt it by relaxing the namespace's enforce level (currently ${enforced}); prefer fixing the template.`,
      command: kubectl(undefined, `label namespace ${ns ? shellQuote(ns) : '<namespace>'} pod-security.kubernetes.io/enforce=${enforced === 'restricted' ? 'baseline' : 'privileged'} --overwrite`),
      docsUrl: 'https://kubernetes.io/docs/concepts/security/pod-security-admission/',
    });
    return {
      cause: 'security-policy',
      summary: `${subject} cannot create Pods: PodSecurity "${level}" rejects the pod template (${violations.map((v) => v.reason).join(', ')}).`,
      evidence,
      remediation,
      actions,
    };
  }

  const webhook = WEBHOOK_DENIED.exec(message);
  if (webhook) {
    const [, hook = '', reason] = webhook;
    const why = reason?.trim() ? clip(reason.trim().replace(/\s+/g, ' '), 200) : 'no explanation given';
    return {
      cause: 'security-policy',
      summary: `${subject} cannot create Pods: admission webhook "${hook}" denies the pod template (${why}).`,
      evidence,
      remediation: [
        {
          text: `Change the pod template of ${owner.kind}/${owner.metadata.name} to satisfy the policy named in the denial: ${why}.`,
          command: edit,
        },
        policyLookup(hook, reason ?? ''),
      ],
      actions,
    };
  }

  if (message.includes(PSP_DENIED) || message.includes(SCC_DENIED)) {
    const policy = message.includes(PSP_DENIED) ? 'PodSecurityPolicy' : 'SecurityContextConstraints';
    return {
      cause: 'security-policy',
      summary: `${subject} cannot create Pods: no ${policy} admits the pod template.`,
      evidence,
      remediation: [
        { text: `Change the securityContext in the pod template of ${owner.kind}/${owner.metadata.name} to what an allowed ${policy} permits, or grant the ServiceAccount use of a policy that fits.`, command: edit },
      ],
      actions,
    };
  }
  return null;
}

/** Where to read the policy that a webhook enforces (Gatekeeper constraint, Kyverno policy, or the webhook itself). */
function policyLookup(hook: string, reason: string): Remediation {
  // source: open-policy-agent/gatekeeper pkg/webhook/policy.go formats each violation as "[<constraint name>] <msg>"
  const constraint = /^\s*\[([^\]]+)\]/.exec(reason)?.[1];
  if (hook.includes('gatekeeper') && constraint) {
    return { text: `Read Gatekeeper constraint ${constraint} to see exactly what it requires (and its excluded namespaces).`, command: `kubectl get constraints -o name | grep /${shellQuote(constraint)}` };
  }
  if (hook.includes('kyverno')) {
    return { text: 'Read the Kyverno policies named in the denial to see exactly what they require.', command: 'kubectl get clusterpolicies,policies -A' };
  }
  return { text: `Find the policy engine behind webhook "${hook}" to see exactly what it requires.`, command: 'kubectl get validatingwebhookconfigurations -o custom-columns=NAME:.metadata.name,WEBHOOKS:.webhooks[*].name' };
}

interface Violation {
  reason: string;
  detail: string;
}

/** Splits `reason (detail), reason, reason (detail)` at top level (details hold commas and quotes). */
function parseViolations(text: string): Violation[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') quoted = !quoted;
    else if (!quoted && ch === '(') depth++;
    else if (!quoted && ch === ')') depth = Math.max(0, depth - 1);
    else if (!quoted && depth === 0 && ch === ',' && text[i + 1] === ' ') {
      parts.push(text.slice(start, i));
      start = i + 2;
    }
  }
  parts.push(text.slice(start));
  return parts
    .map((part) => part.trim())
    .filter((part) => part.length > 0)
    .map((part) => {
      const open = part.indexOf(' (');
      if (open < 0 || !part.endsWith(')')) return { reason: part, detail: '' };
      return { reason: part.slice(0, open), detail: part.slice(open + 2, -1) };
    });
}

// --- Pods: the runtime or the kubelet refused the container ------------------------------------------

interface Failure {
  view: ContainerView;
  /** Where the reason and message live, e.g. `status.containerStatuses[app].lastState.terminated`. */
  path: string;
  reason: string;
  message: string;
  terminated?: NonNullable<ContainerState['terminated']>;
  /** The kubelet's Failed event the message was read from, when the container status does not carry it. */
  fromEvent?: KubeEvent;
}

function detectPod(snapshot: PodSnapshot, settings: EngineSettings): Finding<'container-create'> | null {
  const pod = snapshot.pod;
  const phase = pod.status?.phase;
  if (phase === 'Succeeded') return null;
  const hits: Hit[] = [];
  // A Pod that failed for good (restartPolicy Never) still shows the start failure as its containers' current state.
  const failures = containerFailures(snapshot, settings).filter((f) => phase !== 'Failed' || f.path.endsWith('.state.terminated'));
  for (const failure of failures) {
    const hit = runtimeHit(snapshot, failure);
    if (hit) hits.push(hit);
  }
  if (hits.length === 0 && phase !== 'Failed') {
    const rbac = rbacLogHit(snapshot, settings);
    if (rbac) hits.push(rbac);
  }
  return toFinding(hits);
}

/** Current create/start failures: the waiting reason now, or the last termination while the container is not running. */
function containerFailures(snapshot: PodSnapshot, settings: EngineSettings): Failure[] {
  const failures: Failure[] = [];
  for (const view of containers(snapshot.pod)) {
    const status = view.status;
    if (!status?.state || status.state.running) continue;
    const waiting = status.state.waiting;
    if (waiting?.reason === CREATE_CONTAINER_ERROR || waiting?.reason === RUN_CONTAINER_ERROR || waiting?.reason === CREATE_CONTAINER_CONFIG_ERROR) {
      failures.push({ view, path: `${view.statusPath}.state.waiting`, reason: waiting.reason, message: waiting.message ?? '' });
      continue;
    }
    const terminated = status.state.terminated;
    if (terminated && isStartFailure(terminated.reason)) {
      failures.push({ view, path: `${view.statusPath}.state.terminated`, reason: terminated.reason ?? '', message: terminated.message ?? '', terminated });
      continue;
    }
    // Between start attempts the kubelet shows CrashLoopBackOff; the start failure itself is in lastState.
    const last = status.lastState?.terminated;
    if (waiting && (waiting.reason === CRASH_LOOP_BACK_OFF || waiting.reason === RUN_CONTAINER_ERROR) && last && isStartFailure(last.reason)) {
      failures.push({ view, path: `${view.statusPath}.lastState.terminated`, reason: last.reason ?? '', message: last.message ?? '', terminated: last });
      continue;
    }
    // lastState {} (an older kubelet, or one just restarted): the kubelet's Failed event still quotes the runtime.
    // Only a message this detector recognises counts, so an old unrelated error cannot pose as the cause.
    if (waiting?.reason === CRASH_LOOP_BACK_OFF && isTerminationUnreported(view)) {
      const recognised = kubeletErrors(snapshot, view, settings.eventStaleSeconds).find(({ message }) => !mountFailure(message) && (isNoCommand(message) || execFailure(message)));
      if (recognised) failures.push({ view, path: `${view.statusPath}.state.waiting`, reason: waiting.reason, message: recognised.message, fromEvent: recognised.event });
    }
  }
  return failures;
}

function isStartFailure(reason: string | undefined): boolean {
  return reason === START_ERROR || reason === CONTAINER_CANNOT_RUN;
}

function runtimeHit(snapshot: PodSnapshot, failure: Failure): Hit | null {
  const { view, message } = failure;
  if (mountFailure(message)) return null;
  const pod = snapshot.pod;
  const ns = pod.metadata.namespace;
  const owner = templateOwner(snapshot);
  const where = owner ? `the pod template of ${owner.kind}/${owner.metadata.name}` : `Pod/${pod.metadata.name}`;
  const edit = editCommand(ns, owner, pod.metadata.name);
  const specPrefix = owner ? `${templatePath(owner)}.${view.specPath}` : view.specPath;
  const evidence = failureEvidence(snapshot, failure);
  const kind = view.isInit ? 'init container' : 'container';
  const actions: SuggestedAction[] = [{ action: 'rediagnose', reason: 'check again after the fix rolls out' }];

  if (failure.reason === CREATE_CONTAINER_CONFIG_ERROR) {
    const nonNumeric = RUN_AS_NON_ROOT_NON_NUMERIC.exec(message);
    if (!message.includes(RUN_AS_NON_ROOT_ROOT) && !nonNumeric) return null; // ConfigMap/Secret/subPath: dependency's
    addSecurityContextEvidence(evidence, snapshot, view);
    return {
      cause: 'security-policy',
      summary: nonNumeric
        ? `The kubelet refuses to start ${kind} ${view.name}: runAsNonRoot is set but the image's user "${nonNumeric[1]}" is not numeric, so it cannot be verified.`
        : `The kubelet refuses to start ${kind} ${view.name}: runAsNonRoot is set but the image runs as root.`,
      evidence,
      remediation: [
        {
          text: `Set ${specPrefix}.securityContext.runAsUser to a non-zero UID the image supports (e.g. 10001)${nonNumeric ? ' (the numeric UID of user "' + nonNumeric[1] + '")' : ''}, or build the image with a numeric non-root USER.`,
          command: edit,
          docsUrl: 'https://kubernetes.io/docs/tasks/configure-pod-container/security-context/',
        },
      ],
      actions,
    };
  }

  if (isNoCommand(message)) {
    evidence.push({ kind: 'spec', field: `${view.specPath}.command`, value: '(not set)' }, { kind: 'spec', field: `${view.specPath}.args`, value: view.spec?.args ? JSON.stringify(view.spec.args) : '(not set)' });
    return {
      cause: 'no-command',
      summary: `The runtime cannot create ${kind} ${view.name}: neither image ${view.spec?.image ?? '?'} (no ENTRYPOINT/CMD) nor the spec gives a command.`,
      evidence,
      remediation: [
        {
          text: `Set ${specPrefix}.command (and args) to the program to run, e.g. command: ["/app/server"], in ${where}; or rebuild the image with an ENTRYPOINT or CMD.`,
          command: edit,
          docsUrl: COMMAND_DOCS,
        },
        {
          text: 'Check what the image declares (both empty means there is nothing to run).',
          command: `docker image inspect ${view.spec?.image ? shellQuote(view.spec?.image) : '<image>'} --format '{{json .Config.Entrypoint}} {{json .Config.Cmd}}'`,
        },
      ],
      actions,
    };
  }

  const exec = execFailure(message);
  // StartError / ContainerCannotRun: the runtime failed to exec the entrypoint. Its exit code (127 not found,
  // 126 not executable, 128 could not start) is the runtime's, not the application's, even when podwhy does not
  // recognise the runtime's words (moby daemon/errors.go translateContainerdStartErr sets 127/126 itself).
  const startFailure = failure.terminated && isStartFailure(failure.reason) ? failure.terminated : undefined;
  if (!exec && !startFailure) return null;
  const command = view.spec?.command ?? [];
  const args = view.spec?.args ?? [];
  if (command.length > 0) evidence.push({ kind: 'spec', field: `${view.specPath}.command`, value: JSON.stringify(command) });
  if (args.length > 0) evidence.push({ kind: 'spec', field: `${view.specPath}.args`, value: JSON.stringify(args) });
  if (failure.terminated) {
    evidence.push({
      kind: 'exit-code',
      container: view.name,
      exitCode: failure.terminated.exitCode,
      reason: failure.terminated.reason ?? null,
      meaning: `${failure.terminated.exitCode}: the runtime could not start the process (${failure.terminated.reason ?? 'start failure'}), the program never ran`,
      ranForSeconds: null,
      finishedAt: failure.terminated.finishedAt ?? null,
    });
  }
  const problem: ExecProblem = exec?.problem ?? problemOfExitCode(startFailure?.exitCode);
  // A message without the command's name (old crun): the command is the spec's, else the image's entrypoint.
  const path = exec?.path || (problem === 'empty-command' ? '' : (command[0] ?? args[0] ?? ''));
  const inspect = {
    text: 'Look inside the image (needs a shell in it; for distroless images use `docker create` + `docker export`).',
    // A path with spaces or quotes is a command line, not a file: nothing to list.
    ...(/[\s'"]/.test(path) ? {} : { command: kubectl(ns, `run ${shellQuote(view.name)}-inspect --rm -it --restart=Never --image=${view.spec?.image ? shellQuote(view.spec?.image) : '<image>'} --command -- sh -c ${shellQuote(inspectScript(path || 'sh'))}`) }),
  };
  if (!exec && startFailure) {
    const said = message ? `: "${clip(normalizeRuntimeMessage(message), 300)}"` : '';
    return {
      cause: 'bad-command',
      summary:
        `The runtime cannot start ${kind} ${view.name} (${failure.reason}, exit ${startFailure.exitCode}${said}); the program never ran. ` +
        `podwhy does not recognise the runtime's message, but exit ${startFailure.exitCode} with ${failure.reason} is the runtime failing to exec the entrypoint: ${EXIT_MEANINGS[startFailure.exitCode] ?? 'it could not start the process'}.`,
      evidence,
      remediation: [
        { text: `${EXEC_FIXES[problem](path || 'the entrypoint')} The command comes from ${specPrefix}.command/args in ${where} (or the image's ENTRYPOINT/CMD when they are unset).`, command: edit, docsUrl: COMMAND_DOCS },
        inspect,
        { text: `If the command is right, the runtime itself failed (an exit 128 with "init-p" or "pipe" in the message is often a memory limit too small for the runtime's init process): read the runtime's log on node ${snapshot.pod.spec.nodeName ?? '?'}.`, command: 'journalctl -u containerd -u crio -u docker --since "1 hour ago" | tail -50' },
      ],
      actions,
    };
  }
  return {
    cause: 'bad-command',
    summary: `The runtime cannot start ${kind} ${view.name}: ${describeExec(problem, path)}.`,
    evidence,
    remediation: [
      { text: `${EXEC_FIXES[problem](path)} The command comes from ${specPrefix}.command/args in ${where} (or the image's ENTRYPOINT/CMD when they are unset).`, command: edit, docsUrl: COMMAND_DOCS },
      inspect,
    ],
    actions,
  };
}

// What the runtime's own exit codes mean when it fails to start the process (POSIX shell convention, which runc,
// containerd and moby follow: containerd internal/cri/server/helpers.go errorStartExitCode = 128).
const EXIT_MEANINGS: Record<number, string> = {
  126: 'the command exists but cannot be executed',
  127: 'the command was not found',
  128: 'the process could not be started',
};

function problemOfExitCode(code: number | undefined): ExecProblem {
  if (code === 127) return 'not-in-path';
  if (code === 126) return 'permission-denied';
  return 'no-such-file';
}

function failureEvidence(snapshot: PodSnapshot, failure: Failure): Evidence[] {
  if (failure.fromEvent) {
    return [
      { kind: 'status', field: `${failure.path}.reason`, value: failure.reason },
      { kind: 'status', field: `${failure.view.statusPath}.lastState`, value: '{} (exit code unknown: the kubelet did not report the last termination)' },
      eventEvidence(failure.fromEvent, snapshot.observedAt),
    ];
  }
  const evidence: Evidence[] = [
    { kind: 'status', field: `${failure.path}.reason`, value: failure.reason },
    { kind: 'status', field: `${failure.path}.message`, value: clip(failure.message, 1000) },
  ];
  const container = failure.view.name;
  const failedEvent = podEvents(snapshot, [EVENT_FAILED]).find((e) => (e.message ?? '').startsWith('Error: ') && sameContainer(e, container, failure.view.isInit));
  if (failedEvent) evidence.push(eventEvidence(failedEvent, snapshot.observedAt));
  return evidence;
}

function sameContainer(event: KubeEvent, container: string, isInit: boolean): boolean {
  const path = event.involvedObject.fieldPath;
  if (!path) return true;
  return path === `spec.${isInit ? 'initContainers' : 'containers'}{${container}}`;
}

function addSecurityContextEvidence(evidence: Evidence[], snapshot: PodSnapshot, view: ContainerView): void {
  const container = view.spec?.securityContext;
  if (container && 'runAsNonRoot' in container) {
    evidence.push({ kind: 'spec', field: `${view.specPath}.securityContext.runAsNonRoot`, value: String(container.runAsNonRoot) });
  }
  if (container && 'runAsUser' in container) {
    evidence.push({ kind: 'spec', field: `${view.specPath}.securityContext.runAsUser`, value: String(container.runAsUser) });
  }
  const podSc = (snapshot.pod.spec as { securityContext?: Record<string, unknown> }).securityContext;
  if (podSc && 'runAsNonRoot' in podSc) evidence.push({ kind: 'spec', field: 'spec.securityContext.runAsNonRoot', value: String(podSc.runAsNonRoot) });
}

const EXEC_FIXES: Record<ExecProblem, (path: string) => string> = {
  'empty-command': () => 'The command is an empty string (""): the first element of command (or args, when command is unset) is empty, often a template variable or a $(VAR) that expanded to nothing. Set it to the program to run.',
  'not-in-path': (p) => `"${p}" is not on the image's $PATH: use the binary's absolute path, or the name the image really ships.`,
  'permission-denied': (p) => `"${p}" exists but is not executable: chmod +x it in the Dockerfile (RUN chmod +x ${p}), or run it through its interpreter (command: ["sh", "${p}"]); a noexec volume mounted over it has the same effect.`,
  'no-such-file': (p) =>
    /\s/.test(p.trim())
      ? `"${p}" is a whole command line in one element: the runtime looks for a file of that name. Give each word its own element, e.g. command: ["sh", "-c", "<the line>"].`
      : `"${p}" does not exist in the image (or its interpreter from the #! line is missing): fix the path, or copy the file into the image.`,
  'exec-format': (p) => `"${p}" is built for another CPU architecture (or is a script without a #! line): use an image for the node's architecture (kubectl get node -L kubernetes.io/arch) or add the shebang.`,
};

function inspectScript(path: string): string {
  if (!path.includes('/')) return `echo $PATH; command -v ${shellQuote(path)}`;
  const dir = path.slice(0, path.lastIndexOf('/')) || '/';
  return `ls -l ${shellQuote(dir)}; head -c 64 ${shellQuote(path)} | od -c | head -2`;
}

function describeExec(problem: ExecProblem, path: string): string {
  switch (problem) {
    case 'empty-command': return 'the command is an empty string, so there is nothing to execute';
    case 'not-in-path': return path ? `executable "${path}" not found in $PATH` : 'its executable was not found in $PATH';
    case 'permission-denied': return `"${path || 'the entrypoint'}" is not executable (permission denied)`;
    case 'exec-format': return `"${path || 'the entrypoint'}" has the wrong binary format (exec format error)`;
    case 'no-such-file': return `"${path || 'the entrypoint'}" does not exist in the image (no such file or directory)`;
  }
}

// --- RBAC denials seen in the logs of a failing container ------------------------------------------------

function rbacLogHit(snapshot: PodSnapshot, settings: EngineSettings): Hit | null {
  const pod = snapshot.pod;
  for (const view of containers(pod)) {
    if (!isFailing(view, snapshot, settings)) continue;
    const tails = snapshot.logs.filter((t) => t.container === view.name).sort((a, b) => Number(b.previous) - Number(a.previous));
    for (const tail of tails) {
      const line = [...tail.lines].reverse().find((l) => RBAC_FORBIDDEN.test(l));
      if (!line) continue;
      const match = RBAC_FORBIDDEN.exec(line);
      if (!match) continue;
      const [, saNs = '', saName = '', verb = '', resource = '', group = '', inNs] = match;
      const scope = inNs ? `in namespace ${inNs}` : 'at cluster scope';
      const apiGroups = group === '' ? '""' : group;
      const evidence: Evidence[] = [{ kind: 'log', container: view.name, previous: tail.previous, line: clip(line, 500) }];
      const waiting = view.status?.state?.waiting;
      if (waiting?.reason) evidence.push({ kind: 'status', field: `${view.statusPath}.state.waiting.reason`, value: waiting.reason });
      const last = view.status?.lastState?.terminated ?? view.status?.state?.terminated;
      if (last) {
        evidence.push({
          kind: 'exit-code', container: view.name, exitCode: last.exitCode, reason: last.reason ?? null,
          meaning: exitCodeMeaning(last.exitCode, last.reason), ranForSeconds: secondsBetween(last.startedAt, last.finishedAt), finishedAt: last.finishedAt ?? null,
        });
      }
      const sa = pod.spec.serviceAccountName ?? 'default';
      evidence.push({ kind: 'spec', field: 'spec.serviceAccountName', value: sa });
      const resourceArg = group ? `${resource}.${group}` : resource;
      const roleName = `${saName}-${resource.replace(/[^a-z0-9-]/g, '-')}`;
      const grant = inNs
        ? `${kubectl(inNs, `create role ${shellQuote(roleName)} --verb=${shellQuote(verb)} --resource=${shellQuote(resourceArg)}`)} && ${kubectl(inNs, `create rolebinding ${shellQuote(roleName)} --role=${shellQuote(roleName)} --serviceaccount=${shellQuote(saNs)}:${shellQuote(saName)}`)}`
        : `kubectl create clusterrole ${shellQuote(roleName)} --verb=${shellQuote(verb)} --resource=${shellQuote(resourceArg)} && kubectl create clusterrolebinding ${shellQuote(saNs)}-${shellQuote(roleName)} --clusterrole=${shellQuote(roleName)} --serviceaccount=${shellQuote(saNs)}:${shellQuote(saName)}`;
      return {
        cause: 'rbac',
        summary: `Container ${view.name} fails because ServiceAccount ${saNs}/${saName} may not ${verb} ${resource} ${scope}.`,
        evidence,
        remediation: [
          {
            text: `Grant ${saNs}/${saName} "${verb}" on ${resource} (apiGroups: [${apiGroups}]) ${scope} with a ${inNs ? 'Role and RoleBinding' : 'ClusterRole and ClusterRoleBinding'}.`,
            command: grant,
            docsUrl: RBAC_DOCS,
          },
          {
            text: 'Verify the permission before restarting.',
            command: `kubectl auth can-i ${shellQuote(verb)} ${shellQuote(resourceArg)} ${inNs ? `-n ${shellQuote(inNs)}` : '--all-namespaces'} --as=system:serviceaccount:${shellQuote(saNs)}:${shellQuote(saName)}`,
          },
        ],
        actions: [
          { action: 'show-logs', reason: 'see the forbidden API calls in the container log' },
          { action: 'restart-pod', reason: 'restart once the Role/RoleBinding exists so the app retries at start-up' },
        ],
      };
    }
  }
  return null;
}

/** A container is failing when it is waiting to restart after a crash, or its last exit was an error, recently. */
function isFailing(view: ContainerView, snapshot: PodSnapshot, settings: EngineSettings): boolean {
  const status = view.status;
  if (!status) return false;
  const terminated = status.state?.terminated ?? status.lastState?.terminated;
  if (!terminated) return status.state?.waiting?.reason === CRASH_LOOP_BACK_OFF;
  if (terminated.exitCode === 0) return false;
  // Killed from outside (OOM, probe, eviction): the oom and probe detectors explain those, not RBAC.
  if (terminated.reason === OOM_KILLED || terminated.exitCode === 137 || terminated.exitCode === 143) return false;
  if (status.state?.running && status.ready) return false;
  const age = secondsBetween(terminated.finishedAt, snapshot.observedAt);
  return age === null || age <= settings.recentRestartSeconds;
}
