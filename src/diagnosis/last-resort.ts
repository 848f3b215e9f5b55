/**
 * The last-resort rule: a Pod with a container in an error state always gets a diagnosis, even when no
 * detector recognises the upstream message (a runtime's new wording, a CRI we have never seen). A person who
 * asks about a plainly broken Pod and hears "No problems found" stops trusting the tool; an honest "podwhy does
 * not recognise this message" with the raw reason and message is still an answer, and it can be counted
 * (Diagnosis.lastResort) so the unrecognised messages become fixtures.
 *
 * The scenario is the best match for the container's raw reason (the kubelet's waiting reason or the runtime's
 * terminated reason). A Pod not Ready for less than settings.notReadyAfterSeconds gets the same answer, marked
 * settling, so the alert path waits as it does for every other young failure.
 */
import type { Evidence, Finding } from '../contract/diagnosis.ts';
import { formatDuration } from '../contract/duration.ts';
import type { ContainerState, KubeEvent } from '../contract/k8s.ts';
import type { CauseOf, ScenarioId } from '../contract/scenarios.ts';
import type { EngineSettings } from '../contract/settings.ts';
import type { PodSnapshot } from '../contract/snapshot.ts';
import {
  CONTAINER_CANNOT_RUN,
  CONTAINER_CREATING,
  CREATE_CONTAINER_CONFIG_ERROR,
  CREATE_CONTAINER_ERROR,
  ERR_IMAGE_NEVER_PULL,
  ERR_IMAGE_PULL,
  IMAGE_INSPECT_ERROR,
  IMAGE_PULL_BACK_OFF,
  INVALID_IMAGE_NAME,
  OOM_KILLED,
  POD_INITIALIZING,
  POST_START_HOOK_ERROR,
  PRE_CREATE_HOOK_ERROR,
  PRE_START_HOOK_ERROR,
  REGISTRY_UNAVAILABLE,
  RUN_CONTAINER_ERROR,
  SIGNATURE_VALIDATION_FAILED,
  START_ERROR,
} from '../contract/upstream.ts';
import { shellQuote } from '../contract/shell-quote.ts';
import { clip, containers, eventEvidence, exitCodeMeaning, kubectl, podCondition, podEvents, secondsBetween, type ContainerView } from './support.ts';

/** Waiting reasons that are a normal step of starting a Pod, not an error. */
const NORMAL_WAITING: readonly string[] = [CONTAINER_CREATING, POD_INITIALIZING];
const IMAGE_REASONS: readonly string[] = [IMAGE_PULL_BACK_OFF, ERR_IMAGE_PULL, ERR_IMAGE_NEVER_PULL, INVALID_IMAGE_NAME, REGISTRY_UNAVAILABLE, IMAGE_INSPECT_ERROR, SIGNATURE_VALIDATION_FAILED];
const CREATE_REASONS: readonly string[] = [CREATE_CONTAINER_ERROR, RUN_CONTAINER_ERROR, START_ERROR, CONTAINER_CANNOT_RUN, PRE_CREATE_HOOK_ERROR, PRE_START_HOOK_ERROR];
/** Warning events quoted as evidence, newest first. */
const MAX_EVENTS = 3;

type Terminated = NonNullable<ContainerState['terminated']>;
type Match = { [S in ScenarioId]: { scenario: S; cause: CauseOf<S> } }[ScenarioId];

interface Broken {
  view: ContainerView;
  /** `state.waiting` or `state.terminated` */
  where: 'waiting' | 'terminated';
  reason: string;
  message: string;
  /** The termination that explains it: the current one, or the last one while the container waits. */
  terminated: Terminated | undefined;
}

export function lastResort(snapshot: PodSnapshot, settings: EngineSettings): Finding | null {
  const pod = snapshot.pod;
  if (pod.status?.phase === 'Succeeded' || pod.metadata.deletionTimestamp) return null;
  const ready = podCondition(pod, 'Ready');
  if (ready?.status === 'True') return null;
  const broken = containers(pod).map(brokenState).find((b): b is Broken => b !== null);
  if (!broken) return null;

  const since = ready?.lastTransitionTime ?? pod.status?.startTime ?? pod.metadata.creationTimestamp;
  const notReadyFor = secondsBetween(since, snapshot.observedAt);
  const match = bestMatch(broken, settings);
  const { view } = broken;
  const who = `${view.isInit ? 'Init container' : 'Container'} ${view.name} of Pod ${pod.metadata.name}`;
  const quoted = broken.message ? `: "${clip(broken.message.replace(/\s+/g, ' ').trim(), 300)}"` : '';
  const summary =
    `${who} is ${broken.reason}${quoted}. podwhy does not recognise this ${broken.message ? 'message' : 'state'}, ` +
    `so ${match.scenario}.${match.cause} is only its closest match; the raw reason and message are in the evidence.`;

  const evidence: Evidence[] = [{ kind: 'status', field: `${view.statusPath}.state.${broken.where}.reason`, value: broken.reason }];
  if (broken.message) evidence.push({ kind: 'status', field: `${view.statusPath}.state.${broken.where}.message`, value: clip(broken.message, 1000) });
  const t = broken.terminated;
  if (t) {
    evidence.push({
      kind: 'exit-code', container: view.name, exitCode: t.exitCode, reason: t.reason ?? null, meaning: exitCodeMeaning(t.exitCode, t.reason),
      ranForSeconds: secondsBetween(t.startedAt, t.finishedAt), finishedAt: t.finishedAt ?? null,
    });
    if (t.message && broken.where === 'waiting') evidence.push({ kind: 'status', field: `${view.statusPath}.lastState.terminated.message`, value: clip(t.message, 1000) });
  }
  evidence.push({ kind: 'status', field: `${view.statusPath}.restartCount`, value: String(view.status?.restartCount ?? 0) });
  if (ready) evidence.push({ kind: 'status', field: 'status.conditions[Ready]', value: `${ready.status}${notReadyFor !== null ? ` for ${formatDuration(notReadyFor)}` : ''}` });
  for (const event of warningEvents(snapshot, settings)) evidence.push(eventEvidence(event, snapshot.observedAt));

  const ns = pod.metadata.namespace;
  const restarted = (view.status?.restartCount ?? 0) > 0;
  return {
    scenario: match.scenario,
    cause: match.cause,
    otherCauses: [],
    summary,
    evidence,
    remediation: [
      { text: `Read the container's state and the Pod's events in full: the message above is the runtime's or the kubelet's own word.`, command: kubectl(ns, `describe pod ${shellQuote(pod.metadata.name)}`) },
      ...(restarted || t ? [{ text: `Read the log of the ${restarted ? 'crashed' : 'failed'} instance.`, command: kubectl(ns, `logs ${shellQuote(pod.metadata.name)} -c ${shellQuote(view.name)}${restarted ? ' --previous' : ''}`) }] : []),
      { text: 'Events expire after an hour by default; list what is left, oldest first.', command: kubectl(ns, `get events --field-selector involvedObject.name=${shellQuote(pod.metadata.name)} --sort-by=.lastTimestamp`) },
    ],
    actions: [{ action: 'rediagnose', reason: 'Check again once more of the story (events, a termination) is recorded.' }],
    ...(notReadyFor !== null && notReadyFor < settings.notReadyAfterSeconds
      ? { settling: { state: broken.reason, forSeconds: notReadyFor, alertAfterSeconds: settings.notReadyAfterSeconds } }
      : {}),
  };
}

/** The container's error state, if it is in one: waiting for a reason that is not a normal start step, or terminated with an error. */
function brokenState(view: ContainerView): Broken | null {
  const state = view.status?.state;
  const waiting = state?.waiting;
  if (waiting?.reason && !NORMAL_WAITING.includes(waiting.reason)) {
    return { view, where: 'waiting', reason: waiting.reason, message: waiting.message ?? '', terminated: view.status?.lastState?.terminated };
  }
  const terminated = state?.terminated;
  if (terminated && (terminated.exitCode !== 0 || (terminated.reason !== undefined && terminated.reason !== 'Completed'))) {
    return { view, where: 'terminated', reason: terminated.reason ?? `exit code ${terminated.exitCode}`, message: terminated.message ?? '', terminated };
  }
  return null;
}

/** The scenario (and its most common cause) that the raw reason belongs to. */
function bestMatch(broken: Broken, settings: EngineSettings): Match {
  const { reason, message, view, terminated } = broken;
  if (IMAGE_REASONS.includes(reason)) return { scenario: 'image-pull', cause: 'not-found' };
  if (reason === CREATE_CONTAINER_CONFIG_ERROR) {
    if (/secret/i.test(message)) return { scenario: 'dependency', cause: 'secret' };
    if (/subpath|volume|mount/i.test(message)) return { scenario: 'dependency', cause: 'mount-config' };
    return { scenario: 'dependency', cause: 'configmap' };
  }
  if (CREATE_REASONS.includes(reason) || CREATE_REASONS.includes(terminated?.reason ?? '')) return { scenario: 'container-create', cause: 'bad-command' };
  if (reason === POST_START_HOOK_ERROR) return { scenario: 'hook', cause: 'post-start' };
  if (reason === OOM_KILLED || terminated?.reason === OOM_KILLED) return { scenario: 'oom', cause: 'container-limit' };
  if (view.isInit) return { scenario: 'init', cause: 'failed' };
  const ranFor = secondsBetween(terminated?.startedAt, terminated?.finishedAt);
  return { scenario: 'container-exit', cause: ranFor !== null && ranFor >= settings.immediateExitSeconds ? 'after-running' : 'immediate' };
}

function warningEvents(snapshot: PodSnapshot, settings: EngineSettings): KubeEvent[] {
  return podEvents(snapshot, undefined, settings.eventStaleSeconds).filter((e) => e.type === 'Warning').slice(0, MAX_EVENTS);
}
