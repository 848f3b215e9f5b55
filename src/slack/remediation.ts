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
 */
import type { View } from '@slack/web-api';
import type { Logger } from '../log.ts';
import { ActJob, RequestId, type MutatingAction } from '../queue/jobs.ts';
import { authorize, type ActionPolicy } from './action-policy.ts';
import { decodeActionValue, type ActionValue, type ActionValueVerifier } from './action-value.ts';
import type { ActionClaims } from './action-claims.ts';

export const TYPED_CONFIRM_CALLBACK_ID = 'podwhy.typed-confirm';
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
    const checked = this.#check(action, rawValue, click.user.id);
    if ('refusal' in checked) return { text: checked.refusal };
    const { value } = checked;
    const channel = click.channel?.id;
    if (!channel) return { text: 'This button works on a message in a channel.' };
    const where: Where = { channel, threadTs: click.message?.thread_ts ?? click.message?.ts };
    if (needsTypedConfirmation(value)) {
      await this.#deps.openView(click.trigger_id, typedConfirmView(value, rawValue ?? '', where));
      return null;
    }
    return { text: await this.#claimAndEnqueue(value, click.user.id, where, click.trigger_id, false) };
  }

  /** The typed confirmation's submit: the name must match, then the same checks as a click. */
  async submitted(user: string, view: { private_metadata?: string; state?: { values?: Record<string, Record<string, { value?: string | null }>> } }, submissionId: string): Promise<SubmitAnswer> {
    let meta: { value: string; where: Where };
    try {
      meta = JSON.parse(view.private_metadata ?? '') as { value: string; where: Where };
    } catch {
      return { errors: { [TYPED_BLOCK]: 'This dialog is not one podwhy can read.' } };
    }
    const checked = this.#check('force-delete', meta.value, user);
    if ('refusal' in checked) return { errors: { [TYPED_BLOCK]: checked.refusal } };
    const typed = view.state?.values?.[TYPED_BLOCK]?.[TYPED_INPUT]?.value?.trim() ?? '';
    if (typed !== checked.value.name) return { errors: { [TYPED_BLOCK]: `Type the Pod's name exactly (${checked.value.name}) to force-delete it.` } };
    const text = await this.#claimAndEnqueue(checked.value, user, meta.where, submissionId, true);
    return { text, channel: meta.where.channel, user };
  }

  #check(action: MutatingAction, rawValue: string | undefined, user: string): { value: ActionValue } | { refusal: string } {
    const decoded = decodeActionValue(rawValue, this.#deps.verify);
    if (!decoded.ok || decoded.value.action !== action || decoded.value.kind !== 'Pod') {
      this.#log.warn({ action, user, error: decoded.ok ? 'action or kind mismatch' : decoded.error }, 'Refused a malformed or tampered button value');
      return { refusal: 'This button is not one podwhy can read (malformed, tampered with or outdated); nothing was done.' };
    }
    const value = decoded.value;
    if (!this.#deps.enabled) return { refusal: 'One-click fixes are turned off here (ACTIONS_ENABLED=false); nothing was done.' };
    if (!this.#deps.clusters.includes(value.cluster)) return { refusal: `Cluster ${value.cluster} is not one this podwhy serves; nothing was done.` };
    const verdict = this.#deps.authorization === 'kubernetes' ? { allowed: true as const } : authorize(this.#deps.policy, { user, cluster: value.cluster, namespace: value.namespace, action });
    if (!verdict.allowed) {
      this.#log.warn({ action, user, cluster: value.cluster, namespace: value.namespace, pod: value.name, reason: verdict.reason }, 'Denied a one-click fix');
      return { refusal: `You may not ${action} Pod ${value.namespace}/${value.name}: ${verdict.reason}. Nothing was done.` };
    }
    const ageSeconds = Math.floor((this.#now() - value.issuedAt) / 1000);
    if (ageSeconds > this.#deps.maxAgeSeconds) {
      return { refusal: `This button is ${Math.round(ageSeconds / 60)} minutes old and the Pod may have changed since: press Re-diagnose first, then use the fresh message's button. Nothing was done.` };
    }
    return { value };
  }

  async #claimAndEnqueue(value: ActionValue, user: string, where: Where, requestSeed: string, typedConfirmation: boolean): Promise<string> {
    let asUser: string | null = null;
    if (this.#deps.authorization === 'kubernetes') {
      asUser = this.#deps.emailOf ? await this.#deps.emailOf(user).catch(() => null) : null;
      if (!asUser) return 'podwhy checks your own Kubernetes rights, but your Slack profile shows no email to check them for; nothing was done.';
    }
    const key = `${value.cluster}/${value.uid}/${value.action}`;
    const ttlMs = (this.#deps.maxAgeSeconds + 300) * 1000;
    let claim;
    try {
      claim = await this.#deps.claims.claim(key, user, ttlMs);
    } catch (error) {
      // Fail closed: without the claim a second click could act twice.
      this.#log.error({ err: error, key, user }, 'Could not record a one-click fix (claim store unreachable); nothing done');
      return 'podwhy could not record this click (its store is unreachable), so it did nothing. Try again in a minute.';
    }
    if (!claim.claimed) return `Already done by <@${claim.by}>: ${value.action} of Pod ${value.namespace}/${value.name} was requested once; nothing more was done.`;
    const requestId = RequestId.safeParse(requestSeed).success ? requestSeed : `a-${Buffer.from(requestSeed).toString('base64url').slice(0, 120)}`;
    try {
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
    } catch (error) {
      await this.#deps.claims.release(key, user).catch(() => undefined);
      this.#log.error({ err: error, key, user }, 'Could not hand a one-click fix to the agent; nothing done');
      return 'podwhy could not hand this to the cluster\'s agent (its queue is unreachable), so it did nothing. Try again in a minute.';
    }
    this.#log.info({ audit: 'action-requested', user, cluster: value.cluster, namespace: value.namespace, pod: value.name, uid: value.uid, action: value.action, channel: where.channel }, 'One-click fix requested');
    return `Requested: ${value.action} of Pod ${value.namespace}/${value.name}. The outcome will be posted in the thread.`;
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
  return {
    type: 'modal',
    callback_id: TYPED_CONFIRM_CALLBACK_ID,
    private_metadata: JSON.stringify({ value: rawValue, where }),
    title: { type: 'plain_text', text: 'Force delete', emoji: false },
    submit: { type: 'plain_text', text: 'Force delete', emoji: false },
    close: { type: 'plain_text', text: 'Cancel', emoji: false },
    blocks: [
      {
        type: 'section',
        text: {
          type: 'plain_text',
          emoji: false,
          text: `Pod ${value.namespace}/${value.name} ${value.incidentId ? 'belongs to a StatefulSet' : 'may belong to a StatefulSet'}. Force-deleting it frees its identity at once: if its containers still run on a lost node, two Pods with one identity can corrupt its data. Type the Pod's name to confirm.`,
        },
      },
      { type: 'input', block_id: TYPED_BLOCK, label: { type: 'plain_text', text: 'Pod name', emoji: false }, element: { type: 'plain_text_input', action_id: TYPED_INPUT } },
    ],
  };
}
