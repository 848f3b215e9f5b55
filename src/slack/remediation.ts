/**
 * Clicks on the buttons that change the cluster (docs/architecture.md, "Button click"), each taken in this order:
 * 1. parsed and verified: the value's HMAC (action-signing.ts) and schema; a tampered value stops here;
 * 2. enabled: ACTIONS_ENABLED, and the cluster is one this gateway serves;
 * 3. authorized at click time against ACTION_POLICY (action-policy.ts): the denial is ephemeral and says why;
 * 4. fresh: a button older than ACTION_MAX_AGE_SECONDS asks for a re-diagnosis first;
 * 5. confirmed: Slack's confirm dialog ran before the click was sent; a StatefulSet Pod's force-delete also
 *    needs its name typed in a modal (views.open), checked on view_submission (then steps 1-4 run again);
 * 6. claimed once (action-claims.ts: cluster + uid + action): a second click hears "already done by @x"; when
 *    the claim store cannot answer, nothing is done and the clicker is told;
 * 7. handed to the agent of that cluster as an `act` job (src/queue/act.ts), which reports in the thread.
 * The incident buttons, "Snooze…" and "Mark resolved", take the same path with policy actions `snooze` and
 * `mark-resolved` (decided by ACTION_POLICY in both authorization modes: they change podwhy's state, not the
 * cluster's); "Snooze…" opens a modal for how long (1 hour, 1 day) and what (this workload, the namespace), whose
 * submit runs steps 1-4 again; step 7 is an `incident-action` job (src/queue/incident-action.ts).
 * Policy rules may name Slack user groups: looked up at click time (user-groups.ts), and a failed lookup refuses.
 */
import type { View } from '@slack/web-api';
import type { Logger } from '../log.ts';
import { ActJob, IncidentActionJob, RequestId, SNOOZE_SECONDS, type IncidentActionId, type MutatingAction, type SnoozeChoice } from '../queue/jobs.ts';
import { authorize, groupsThatCouldGrant, type ActionPolicy, type PolicyAction } from './action-policy.ts';
import { REOPEN_PROMISE, snoozeLength } from './render/action.ts';
import { UserGroupLookupError, type UserGroups } from './user-groups.ts';
import { decodeActionValue, type ActionValue, type ActionValueVerifier } from './action-value.ts';
import type { ActionClaims } from './action-claims.ts';

export const TYPED_CONFIRM_CALLBACK_ID = 'podwhy.typed-confirm';
export const SNOOZE_CALLBACK_ID = 'podwhy.snooze-options';
const SNOOZE_DURATION_BLOCK = 'duration';
const SNOOZE_SCOPE_BLOCK = 'scope';
const SNOOZE_CHOICE = 'choice';
const TYPED_BLOCK = 'typed';
const TYPED_INPUT = 'pod-name';

/** The fields of a block_actions payload read here (Bolt's BlockAction has them). */
export interface MutatingClick {
  trigger_id: string;
  user: { id: string };
  channel?: { id: string } | undefined;
  message?: { ts?: string; thread_ts?: string } | undefined;
}

export interface RemediationDeps {
  clusters: readonly string[];
  /** ACTIONS_ENABLED. */
  enabled: boolean;
  policy: ActionPolicy;
  /** ACTION_AUTHORIZATION: `kubernetes` skips the policy; the agent checks the clicker's email with a SubjectAccessReview. */
  authorization?: 'policy' | 'kubernetes';
  /** The email of a Slack user's profile (users.info; needs users:read.email), null when it has none. */
  emailOf?: (user: string) => Promise<string | null>;
  maxAgeSeconds: number;
  claims: ActionClaims;
  enqueue(job: ActJob): Promise<unknown>;
  /** Resolves the user groups the policy names (user-groups.ts); absent: a rule's groups match nobody. */
  groups?: Pick<UserGroups, 'groupsOf'> | undefined;
  /** Puts an `incident-action` job (snooze, mark resolved) on its cluster's queue. */
  enqueueIncidentAction?: ((job: IncidentActionJob) => Promise<unknown>) | undefined;
  /** views.open, for the typed confirmation. */
  openView(triggerId: string, view: View): Promise<unknown>;
  verify: ActionValueVerifier;
  log: Logger;
  now?: () => number;
}

/** What the clicker sees: an ephemeral text, or nothing (a modal opened). */
export type ClickAnswer = { text: string } | null;
/** A view_submission's answer: null closes the modal; errors keep it open with the message under the input. */
export type SubmitAnswer = { errors: Record<string, string> } | { text: string; channel: string; user: string } | null;

interface Where {
  channel: string;
  threadTs?: string | undefined;
}

export class RemediationRequests {
  readonly #deps: RemediationDeps;
  readonly #log: Logger;

  constructor(deps: RemediationDeps) {
    this.#deps = deps;
    this.#log = deps.log.child({ component: 'remediation' });
  }

  async clicked(action: MutatingAction, rawValue: string | undefined, click: MutatingClick): Promise<ClickAnswer> {
    const clicked = await this.#checkClick(action, rawValue, click);
    if ('text' in clicked) return clicked;
    const { value, where } = clicked;
    if (needsTypedConfirmation(value)) {
      await this.#deps.openView(click.trigger_id, typedConfirmView(value, rawValue ?? '', where));
      return null;
    }
    return { text: await this.#claimAndEnqueue(value, click.user.id, where, click.trigger_id, false) };
  }

  /** A click's checks (those of #check) and where it was clicked; the answer to give when it is refused. */
  async #checkClick(action: PolicyAction, rawValue: string | undefined, click: MutatingClick): Promise<{ value: ActionValue; where: Where } | { text: string }> {
    const checked = await this.#check(action, rawValue, click.user.id);
    if ('refusal' in checked) return { text: checked.refusal };
    const channel = click.channel?.id;
    if (!channel) return { text: 'This button works on a message in a channel.' };
    return { value: checked.value, where: { channel, threadTs: click.message?.thread_ts ?? click.message?.ts } };
  }

  /** The typed confirmation's submit: the name must match, then the same checks as a click. */
  async submitted(user: string, view: { private_metadata?: string; state?: { values?: Record<string, Record<string, { value?: string | null }>> } }, submissionId: string): Promise<SubmitAnswer> {
    const meta = dialogMetadata(view);
    if (!meta) return { errors: { [TYPED_BLOCK]: UNREADABLE_DIALOG } };
    const checked = await this.#check('force-delete', meta.value, user);
    if ('refusal' in checked) return { errors: { [TYPED_BLOCK]: checked.refusal } };
    const typed = view.state?.values?.[TYPED_BLOCK]?.[TYPED_INPUT]?.value?.trim() ?? '';
    if (typed !== checked.value.name) return { errors: { [TYPED_BLOCK]: `Type the Pod's name exactly (${checked.value.name}) to force-delete it.` } };
    const text = await this.#claimAndEnqueue(checked.value, user, meta.where, submissionId, true);
    return { text, channel: meta.where.channel, user };
  }

  /** "Snooze…" (opens the modal) and "Mark resolved" (acts at once: Slack's confirm dialog already asked). */
  async incidentClicked(action: IncidentActionId, rawValue: string | undefined, click: MutatingClick): Promise<ClickAnswer> {
    const clicked = await this.#checkClick(action, rawValue, click);
    if ('text' in clicked) return clicked;
    const { value, where } = clicked;
    if (action === 'snooze') {
      await this.#deps.openView(click.trigger_id, snoozeView(value, rawValue ?? '', where));
      return null;
    }
    return { text: await this.#claimAndEnqueueIncidentAction(value, click.user.id, where, click.trigger_id, undefined) };
  }

  /** The snooze modal's submit: the choice is checked, then the same checks as a click. */
  async snoozeSubmitted(user: string, view: { private_metadata?: string; state?: { values?: Record<string, Record<string, { selected_option?: { value?: string } | null }>> } }, submissionId: string): Promise<SubmitAnswer> {
    const meta = dialogMetadata(view);
    if (!meta) return { errors: { [SNOOZE_DURATION_BLOCK]: UNREADABLE_DIALOG } };
    const checked = await this.#check('snooze', meta.value, user);
    if ('refusal' in checked) return { errors: { [SNOOZE_DURATION_BLOCK]: checked.refusal } };
    const seconds = Number(view.state?.values?.[SNOOZE_DURATION_BLOCK]?.[SNOOZE_CHOICE]?.selected_option?.value);
    const scope = view.state?.values?.[SNOOZE_SCOPE_BLOCK]?.[SNOOZE_CHOICE]?.selected_option?.value;
    if (!(SNOOZE_SECONDS as readonly number[]).includes(seconds)) return { errors: { [SNOOZE_DURATION_BLOCK]: 'Choose 1 hour or 1 day.' } };
    if (scope !== 'workload' && scope !== 'namespace') return { errors: { [SNOOZE_SCOPE_BLOCK]: 'Choose what to snooze.' } };
    const text = await this.#claimAndEnqueueIncidentAction(checked.value, user, meta.where, submissionId, { scope, seconds: seconds as SnoozeChoice['seconds'] });
    return { text, channel: meta.where.channel, user };
  }

  async #check(action: PolicyAction, rawValue: string | undefined, user: string): Promise<{ value: ActionValue } | { refusal: string }> {
    const decoded = decodeActionValue(rawValue, this.#deps.verify);
    const incidentAction = action === 'snooze' || action === 'mark-resolved';
    // A fix acts on a Pod; an incident button sits on the incident's diagnosis, whatever its subject.
    const fits = decoded.ok && decoded.value.action === action && (incidentAction ? decoded.value.incidentId !== undefined : decoded.value.kind === 'Pod');
    if (!decoded.ok || !fits) {
      this.#log.warn({ action, user, error: decoded.ok ? 'action, kind or incident mismatch' : decoded.error }, 'Refused a malformed or tampered button value');
      return { refusal: 'This button is not one podwhy can read (malformed, tampered with or outdated); nothing was done.' };
    }
    const value = decoded.value;
    if (!this.#deps.enabled) return { refusal: 'One-click fixes are turned off here (ACTIONS_ENABLED=false); nothing was done.' };
    if (!this.#deps.clusters.includes(value.cluster)) return { refusal: `Cluster ${value.cluster} is not one this podwhy serves; nothing was done.` };
    // Kubernetes mode: the agent asks a SubjectAccessReview for cluster fixes; the incident's own actions stay with the policy.
    const verdict = this.#deps.authorization === 'kubernetes' && !incidentAction ? { allowed: true as const } : await this.#authorize({ user, cluster: value.cluster, namespace: value.namespace, action });
    if ('failed' in verdict) return { refusal: verdict.failed };
    const what = incidentAction ? `${action} the incident of ${value.kind} ${value.namespace}/${value.name}` : `${action} Pod ${value.namespace}/${value.name}`;
    if (!verdict.allowed) {
      this.#log.warn({ action, user, cluster: value.cluster, namespace: value.namespace, pod: value.name, reason: verdict.reason }, 'Denied a one-click fix');
      return { refusal: `You may not ${what}: ${verdict.reason}. Nothing was done.` };
    }
    const ageSeconds = Math.floor((this.#now() - value.issuedAt) / 1000);
    if (ageSeconds > this.#deps.maxAgeSeconds) {
      return { refusal: `This button is ${Math.round(ageSeconds / 60)} minutes old and the Pod may have changed since: press Re-diagnose first, then use the fresh message's button. Nothing was done.` };
    }
    return { value };
  }

  /** ACTION_POLICY, with the user groups of the rules that could grant this looked up only when the user's id is not enough. */
  async #authorize(request: { user: string; cluster: string; namespace: string; action: PolicyAction }): Promise<ReturnType<typeof authorize> | { failed: string }> {
    const direct = authorize(this.#deps.policy, request);
    if (direct.allowed || !this.#deps.groups) return direct;
    const groups = groupsThatCouldGrant(this.#deps.policy, request);
    if (groups.length === 0) return direct;
    try {
      return authorize(this.#deps.policy, request, await this.#deps.groups.groupsOf(request.user, groups));
    } catch (error) {
      // Fail closed: without the group's members podwhy cannot tell whether the policy allows it.
      const reason = error instanceof UserGroupLookupError ? `${error.group}: ${error.reason}` : String(error);
      this.#log.error({ err: error, user: request.user, action: request.action }, 'Could not look up a Slack user group of the action policy; refused');
      return { failed: `podwhy could not read the Slack user group the action policy grants this through (${reason}), so it cannot tell whether you may; nothing was done. Try again in a minute.` };
    }
  }

  async #claimAndEnqueueIncidentAction(value: ActionValue, user: string, where: Where, requestSeed: string, snooze: SnoozeChoice | undefined): Promise<string> {
    const incidentId = value.incidentId ?? '';
    const enqueue = this.#deps.enqueueIncidentAction;
    // One per button (issuedAt) and choice: a double click or a replayed submit acts once; a fresh message's button may act again.
    const key = `${value.cluster}/${incidentId}/${value.action}/${snooze ? `${snooze.scope}-${snooze.seconds}` : ''}/${value.issuedAt}`;
    const what = value.action === 'snooze' ? `snooze${snooze ? ` (${snoozeLength(snooze.seconds)}, ${snooze.scope === 'namespace' ? `namespace ${value.namespace}` : 'this workload'})` : ''}` : 'mark resolved';
    const requestId = RequestId.safeParse(requestSeed).success ? requestSeed : `i-${Buffer.from(requestSeed).toString('base64url').slice(0, 120)}`;
    const refusal = await this.#claimAndHandOn(key, user, 'an incident action', (by) => `Already done by <@${by}>: ${what} was requested once; nothing more was done.`, async () => {
      if (!enqueue) throw new Error('incident actions are not wired in this gateway');
      await enqueue(
        IncidentActionJob.parse({
          trigger: 'incident-action',
          cluster: value.cluster,
          incidentId,
          namespace: value.namespace,
          subject: value.kind === 'Pod' ? { kind: 'Pod', name: value.name, uid: value.uid } : { kind: 'Workload', ownerKind: value.kind, name: value.name, uid: value.uid },
          action: value.action,
          ...(snooze && { snooze }),
          requestId,
          requestedBy: user,
          replyTo: { channel: where.channel, ...(where.threadTs !== undefined && { threadTs: where.threadTs }) },
          enqueuedAt: new Date(this.#now()).toISOString(),
        }),
      );
    });
    if (refusal !== undefined) return refusal;
    this.#log.info({ audit: 'incident-action-requested', user, cluster: value.cluster, incident: incidentId, action: value.action, snooze, channel: where.channel }, 'Incident action requested');
    return value.action === 'snooze'
      ? `Requested: ${what}. The thread will say until when.`
      : `Requested: mark resolved. If its Pods are still failing, ${REOPEN_PROMISE} in the thread as a new occurrence.`;
  }

  async #claimAndEnqueue(value: ActionValue, user: string, where: Where, requestSeed: string, typedConfirmation: boolean): Promise<string> {
    let asUser: string | null = null;
    if (this.#deps.authorization === 'kubernetes') {
      asUser = this.#deps.emailOf ? await this.#deps.emailOf(user).catch(() => null) : null;
      if (!asUser) return 'podwhy checks your own Kubernetes rights, but your Slack profile shows no email to check them for; nothing was done.';
    }
    const key = `${value.cluster}/${value.uid}/${value.action}`;
    const requestId = RequestId.safeParse(requestSeed).success ? requestSeed : `a-${Buffer.from(requestSeed).toString('base64url').slice(0, 120)}`;
    const refusal = await this.#claimAndHandOn(key, user, 'a one-click fix', (by) => `Already done by <@${by}>: ${value.action} of Pod ${value.namespace}/${value.name} was requested once; nothing more was done.`, async () => {
      await this.#deps.enqueue(
        ActJob.parse({
          trigger: 'act',
          cluster: value.cluster,
          namespace: value.namespace,
          subject: { kind: 'Pod', name: value.name, uid: value.uid },
          action: value.action,
          ...(typedConfirmation && { typedConfirmation }),
          requestId,
          requestedBy: user,
          ...(asUser !== null && { asUser }),
          ...(value.incidentId !== undefined && { incidentId: value.incidentId }),
          replyTo: { channel: where.channel, ...(where.threadTs !== undefined && { threadTs: where.threadTs }) },
          enqueuedAt: new Date(this.#now()).toISOString(),
        }),
      );
    });
    if (refusal !== undefined) return refusal;
    this.#log.info({ audit: 'action-requested', user, cluster: value.cluster, namespace: value.namespace, pod: value.name, uid: value.uid, action: value.action, channel: where.channel }, 'One-click fix requested');
    return `Requested: ${value.action} of Pod ${value.namespace}/${value.name}. The outcome will be posted in the thread.`;
  }

  /**
   * What every mutating click shares between its checks and the agent: the claim (idempotency; a store that fails
   * refuses, closed, since without the claim a second click could act twice), "already done by" for a claimed one,
   * and the hand-over to the cluster's queue (which releases the claim when it fails, so a retry can act).
   * Returns the refusal to show, or undefined once the job is queued.
   */
  async #claimAndHandOn(key: string, user: string, what: string, alreadyDone: (by: string) => string, enqueue: () => Promise<void>): Promise<string | undefined> {
    let claim;
    try {
      claim = await this.#deps.claims.claim(key, user, (this.#deps.maxAgeSeconds + 300) * 1000);
    } catch (error) {
      this.#log.error({ err: error, key, user }, `Could not record ${what} (claim store unreachable); nothing done`);
      return 'podwhy could not record this click (its store is unreachable), so it did nothing. Try again in a minute.';
    }
    if (!claim.claimed) return alreadyDone(claim.by);
    try {
      await enqueue();
    } catch (error) {
      await this.#deps.claims.release(key, user).catch(() => undefined);
      this.#log.error({ err: error, key, user }, `Could not hand ${what} to the agent; nothing done`);
      return 'podwhy could not hand this to the cluster\'s agent (its queue is unreachable), so it did nothing. Try again in a minute.';
    }
    return undefined;
  }

  #now(): number {
    return (this.#deps.now ?? Date.now)();
  }
}

/**
 * A force-delete needs the Pod's name typed when the Pod may belong to a StatefulSet: the incident id names the top
 * owner's kind (`<cluster>/<ns>/StatefulSet/<name>/<cause>`, signed with the rest); a button without an incident
 * (a `/pod why` answer) cannot tell, so it asks too. The agent checks the owner again (src/queue/act.ts).
 */
function needsTypedConfirmation(value: ActionValue): boolean {
  if (value.action !== 'force-delete') return false;
  const ownerKind = value.incidentId?.split('/')[2];
  return ownerKind === undefined || ownerKind === 'StatefulSet';
}

function typedConfirmView(value: ActionValue, rawValue: string, where: Where): View {
  return podwhyModal(TYPED_CONFIRM_CALLBACK_ID, 'Force delete', 'Force delete', { value: rawValue, where }, [
      {
        type: 'section',
        text: {
          type: 'plain_text',
          emoji: false,
          text: `Pod ${value.namespace}/${value.name} ${value.incidentId ? 'belongs to a StatefulSet' : 'may belong to a StatefulSet'}. Force-deleting it frees its identity at once: if its containers still run on a lost node, two Pods with one identity can corrupt its data. Type the Pod's name to confirm.`,
        },
      },
      { type: 'input', block_id: TYPED_BLOCK, label: { type: 'plain_text', text: 'Pod name', emoji: false }, element: { type: 'plain_text_input', action_id: TYPED_INPUT } },
  ]);
}

/** What a snooze of this incident can cover, from its id (`<cluster>/<ns>/<Kind>/<name>/<cause>` or `<cluster>/_node/<node>/node-lost`). */
function snoozeTargets(value: ActionValue): { workload: string; namespace: string | null } {
  const parts = (value.incidentId ?? '').split('/');
  if (parts[1] === '_node') return { workload: `node ${parts[2] ?? '?'}`, namespace: null };
  return { workload: `this workload (${parts[2] ?? value.kind}/${parts[3] ?? value.name})`, namespace: `every incident in namespace ${parts[1] ?? value.namespace}` };
}

function snoozeView(value: ActionValue, rawValue: string, where: Where): View {
  const targets = snoozeTargets(value);
  // An option's text is at most 75 characters (Block Kit option object).
  const option = (text: string, v: string) => ({ text: { type: 'plain_text' as const, text: text.length > 75 ? `${text.slice(0, 74)}…` : text, emoji: false }, value: v });
  const durations = SNOOZE_SECONDS.map((seconds) => option(snoozeLength(seconds), String(seconds)));
  const scopes = [option(targets.workload, 'workload'), ...(targets.namespace ? [option(targets.namespace, 'namespace')] : [])];
  return podwhyModal(SNOOZE_CALLBACK_ID, 'Snooze alerts', 'Snooze', { value: rawValue, where }, [
      { type: 'section', text: { type: 'plain_text', emoji: false, text: 'No new alert messages or updates until the snooze ends; podwhy keeps tracking the incidents and posts what was held back afterwards.' } },
      { type: 'input', block_id: SNOOZE_DURATION_BLOCK, label: { type: 'plain_text', text: 'For', emoji: false }, element: { type: 'radio_buttons', action_id: SNOOZE_CHOICE, options: durations, initial_option: durations[0] } },
      { type: 'input', block_id: SNOOZE_SCOPE_BLOCK, label: { type: 'plain_text', text: 'Snooze', emoji: false }, element: { type: 'radio_buttons', action_id: SNOOZE_CHOICE, options: scopes, initial_option: scopes[0] } },
  ]);
}

/** A modal of podwhy's: its private_metadata carries the signed button value and where it was clicked back to the submit (dialogMetadata). */
function podwhyModal(callbackId: string, title: string, submit: string, metadata: { value: string; where: Where }, blocks: View['blocks']): View {
  return {
    type: 'modal',
    callback_id: callbackId,
    private_metadata: JSON.stringify(metadata),
    title: { type: 'plain_text', text: title, emoji: false },
    submit: { type: 'plain_text', text: submit, emoji: false },
    close: { type: 'plain_text', text: 'Cancel', emoji: false },
    blocks,
  };
}

const UNREADABLE_DIALOG = 'This dialog is not one podwhy can read.';

/**
 * What a modal podwhy opened carries back (its private_metadata: the signed button value and where it was
 * clicked); undefined when it is not JSON. The value is checked again by the caller, so nothing here is trusted.
 */
function dialogMetadata(view: { private_metadata?: string }): { value: string; where: Where } | undefined {
  try {
    return JSON.parse(view.private_metadata ?? '') as { value: string; where: Where };
  } catch {
    return undefined;
  }
}
