/**
 * unschedulable.quota-exceeded: a ResourceQuota admission rejection leaves no Pod at all, so the subject is
 * the controller that tried to create it (ReplicaSet, StatefulSet, DaemonSet, Job, ReplicationController),
 * and the evidence is its FailedCreate event plus the quota's used/hard.
 */
import type { Evidence, Finding, Remediation, SuggestedAction } from '../../contract/diagnosis.ts';
import type { KubeEvent, ResourceQuota, Workload } from '../../contract/k8s.ts';
import { parseQuantity } from '../../contract/quantity.ts';
import type { EngineSettings } from '../../contract/settings.ts';
import type { WorkloadSnapshot } from '../../contract/snapshot.ts';
import { FAILED_CREATE } from '../../contract/upstream.ts';
import { shellQuote } from '../../contract/shell-quote.ts';
import { clip, eventEvidence, findEvents, kubectl } from '../support.ts';
import { formatResource } from './unschedulable-nodes.ts';

// The controllers' FailedCreate event (FAILED_CREATE, src/contract/upstream.ts) carries the admission error:
// source: kubernetes/kubernetes staging/src/k8s.io/apiserver/pkg/admission/plugin/resourcequota/controller.go —
//   CheckRequest(): fmt "exceeded quota: %s, requested: %s, used: %s, limited: %s" (lists are prettyPrint:
//   "name=quantity" joined by ","), wrapped by admission.NewForbidden → `pods "x" is forbidden: …`.
//   Old releases wrote "Exceeded quota"; match case-insensitively.
export const EXCEEDED_QUOTA_PATTERN = /exceeded quota: ([^,]+), requested: (\S*), used: (\S*), limited: (\S*)/i;
// source: same file — "failed quota: %s: %v" when the Pod lacks a request/limit the quota tracks
//   (the pod evaluator's Constraints(): "must specify …").
export const FAILED_QUOTA_PATTERN = /failed quota: ([^:]+): (.+)$/i;

/** Controllers that create Pods themselves, so a quota rejection shows up as their FailedCreate. */
const POD_CREATING_KINDS: readonly string[] = ['ReplicaSet', 'StatefulSet', 'DaemonSet', 'Job', 'ReplicationController'];

export interface QuotaRejection {
  quota: string;
  /** resource → quantity string, from the message. */
  requested: Record<string, string>;
  used: Record<string, string>;
  limited: Record<string, string>;
}

function parseResourceList(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text.split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return out;
}

export function parseQuotaRejection(message: string): QuotaRejection | null {
  const match = EXCEEDED_QUOTA_PATTERN.exec(message);
  if (!match) return null;
  return {
    quota: (match[1] ?? '').trim(),
    requested: parseResourceList(match[2] ?? ''),
    used: parseResourceList(match[3] ?? ''),
    limited: parseResourceList(match[4] ?? ''),
  };
}

function isQuotaMessage(message: string | undefined): boolean {
  return !!message && (EXCEEDED_QUOTA_PATTERN.test(message) || FAILED_QUOTA_PATTERN.test(message));
}

/** True when the controller already has every Pod it wants: an old rejection no longer blocks anything. */
function isFullyCreated(workload: Workload): boolean {
  const status = workload.status ?? {};
  if (workload.kind === 'DaemonSet') {
    const desired = status.desiredNumberScheduled;
    const current = status.currentNumberScheduled;
    return typeof desired === 'number' && typeof current === 'number' && current >= desired;
  }
  if (workload.kind === 'Job') return false;
  const wanted = workload.spec?.replicas;
  return typeof wanted === 'number' && typeof status.replicas === 'number' && status.replicas >= wanted;
}

function findQuota(quotas: readonly ResourceQuota[], name: string): ResourceQuota | undefined {
  return quotas.find((q) => q.metadata.name === name);
}

/**
 * The object whose Pod template the user edits: the Deployment over a ReplicaSet, the CronJob over a Job,
 * else the workload itself.
 */
function templateOwner(snapshot: WorkloadSnapshot): { kind: string; name: string } {
  const { workload, owners } = snapshot;
  const parentKind = workload.kind === 'ReplicaSet' ? 'Deployment' : workload.kind === 'Job' ? 'CronJob' : null;
  if (parentKind) {
    const parent = owners.find((o) => o.kind === parentKind);
    if (parent) return { kind: parent.kind, name: parent.metadata.name };
    const ref = workload.metadata.ownerReferences?.find((r) => r.kind === parentKind);
    if (ref) return { kind: ref.kind, name: ref.name };
  }
  return { kind: workload.kind, name: workload.metadata.name };
}

/** `kubectl set resources` works on these; a Job's Pod template is immutable and a CronJob is edited. */
const SET_RESOURCES_KINDS: readonly string[] = ['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet', 'ReplicationController'];

export function detectQuotaExceeded(snapshot: WorkloadSnapshot, settings: EngineSettings): Finding<'unschedulable'> | null {
  const { workload } = snapshot;
  if (!POD_CREATING_KINDS.includes(workload.kind)) return null;
  const { name, namespace, uid } = workload.metadata;
  const events = findEvents(snapshot, {
    kind: workload.kind,
    name,
    namespace,
    uid,
    reasons: [FAILED_CREATE],
    maxAgeSeconds: settings.eventStaleSeconds,
  }).filter((e) => e.type !== 'Normal' && isQuotaMessage(e.message));
  const newest: KubeEvent | undefined = events[0];
  if (!newest) return null;
  if (isFullyCreated(workload)) return null;

  const ref = `${workload.kind}/${name}`;
  const owner = templateOwner(snapshot);
  const ownerRef = `${owner.kind.toLowerCase()}/${owner.name}`;
  const evidence: Evidence[] = [eventEvidence(newest, snapshot.observedAt)];
  const remediation: Remediation[] = [];
  const status = workload.status ?? {};
  if (typeof workload.spec?.replicas === 'number') {
    evidence.push({ kind: 'status', field: 'status.replicas', value: `${status.replicas ?? 0} of spec.replicas ${workload.spec.replicas}` });
  }

  const rejection = parseQuotaRejection(newest.message ?? '');
  const actions: SuggestedAction[] = [{ action: 'rediagnose', reason: 'check again after the quota or the requests change' }];
  if (!rejection) {
    // "failed quota: <name>: must specify …": the quota tracks a resource the Pod template does not set.
    const failed = FAILED_QUOTA_PATTERN.exec(newest.message ?? '');
    const quotaName = (failed?.[1] ?? '').trim();
    const detail = (failed?.[2] ?? '').trim();
    remediation.push({
      text: `ResourceQuota ${quotaName} tracks resources the Pod template does not declare (${clip(detail, 160)}). Set requests/limits for every container in ${owner.kind}/${owner.name}, or add a LimitRange with defaults in namespace ${namespace ?? ''}.`,
      command: kubectl(namespace, `describe resourcequota ${shellQuote(quotaName)}`),
    });
    return {
      scenario: 'unschedulable',
      cause: 'quota-exceeded',
      otherCauses: [],
      summary: `${ref} cannot create Pods: ResourceQuota ${quotaName} requires ${clip(detail, 120)}.`,
      evidence,
      remediation,
      actions,
    };
  }

  const quota = findQuota(snapshot.quotas, rejection.quota);
  const shortfalls: string[] = [];
  const raises: string[] = [];
  for (const [resource, requestedText] of Object.entries(rejection.requested)) {
    const hardText = quota?.status?.hard?.[resource] ?? quota?.spec?.hard?.[resource] ?? rejection.limited[resource] ?? '?';
    const usedText = quota?.status?.used?.[resource] ?? rejection.used[resource] ?? '?';
    evidence.push({ kind: 'quota', quota: rejection.quota, resource, used: usedText, hard: hardText, requested: requestedText });
    const hard = parseQuantity(hardText);
    const used = parseQuantity(usedText);
    const requested = parseQuantity(requestedText);
    if (hard === null || used === null || requested === null) continue;
    const needed = used + requested;
    const free = Math.max(0, hard - used);
    shortfalls.push(`${resource}: used ${usedText} + requested ${requestedText} = ${formatResource(resource, needed)} > hard ${hardText}`);
    raises.push(`${resource} from ${hardText} to at least ${formatResource(resource, needed)}`);
    const perPod = resource.replace(/^requests\./, '').replace(/^limits\./, '');
    if (resource === 'pods' || resource.startsWith('count/')) {
      remediation.push({ text: `The quota allows ${hardText} ${resource} and ${usedText} are in use: delete unused objects or scale other workloads down.` });
    } else if (free > 0 && (resource.startsWith('requests.') || resource.startsWith('limits.') || resource === 'cpu' || resource === 'memory')) {
      const flag = resource.startsWith('limits.') ? '--limits' : '--requests';
      const fits = `${formatResource(resource, free)} is still free in the quota, so a Pod asking for at most that fits (it asks ${requestedText}; with several containers, split it between them)`;
      if (SET_RESOURCES_KINDS.includes(owner.kind)) {
        remediation.push({ text: `Or lower the Pod's ${resource}: ${fits}.`, command: kubectl(namespace, `set resources ${shellQuote(ownerRef)} ${flag}=${shellQuote(perPod)}=${shellQuote(formatResource(resource, free))}`) });
      } else if (owner.kind === 'CronJob') {
        remediation.push({ text: `Or lower ${resource} in spec.jobTemplate.spec.template.spec.containers[].resources of CronJob/${owner.name}: ${fits}; the next Job uses it.`, command: kubectl(namespace, `edit ${shellQuote(ownerRef)}`) });
      } else {
        remediation.push({ text: `Or recreate ${owner.kind}/${owner.name} with a lower ${resource} (a Job's Pod template cannot be changed in place): ${fits}.`, command: kubectl(namespace, `get ${shellQuote(ownerRef)} -o yaml`) });
      }
    } else {
      remediation.push({ text: `Nothing is left of ${resource} in quota ${rejection.quota} (${usedText} of ${hardText} used): free some by scaling other workloads in namespace ${namespace ?? ''} down, or raise the quota.` });
    }
  }
  remediation.unshift({
    text: `Raise quota ${rejection.quota}${raises.length > 0 ? `: ${raises.join('; ')}` : ''} (spec.hard), if the namespace is meant to run this much.`,
    command: kubectl(namespace, `edit resourcequota ${shellQuote(rejection.quota)}`),
  });
  remediation.push({ text: 'See what uses the quota.', command: kubectl(namespace, `describe resourcequota ${shellQuote(rejection.quota)}`) });
  if (!quota) {
    evidence.push({ kind: 'status', field: `ResourceQuota/${rejection.quota}`, value: 'not in the snapshot; used/hard are the values the admission error reported' });
  }

  return {
    scenario: 'unschedulable',
    cause: 'quota-exceeded',
    otherCauses: [],
    summary: `${ref} cannot create Pods: ResourceQuota ${rejection.quota} is exhausted (${shortfalls.length > 0 ? shortfalls.join('; ') : Object.keys(rejection.requested).join(', ')}).`,
    evidence,
    remediation,
    actions,
  };
}
