/**
 * Who may click a button that changes the cluster or an incident (docs/architecture.md, "Button click"), checked at
 * click time against ACTION_POLICY: a JSON list of rules, each granting some Slack users or user groups some actions
 * on some clusters and namespaces (globs: `*`, `?`, the channel routes' glob rule). A click is allowed when one rule
 * names the user (or a group they are in), the cluster, the namespace and the action. Actions: the cluster fixes
 * (`remove-finalizer`, `force-delete`, `restart-pod`) and the incident's own (`snooze`, `mark-resolved`: podwhy's
 * state, not the cluster's, so ACTION_POLICY decides them in ACTION_AUTHORIZATION=kubernetes mode too). Groups are
 * written as their id (`S0123ABCD`) or handle (`@oncall`) and resolved by the caller (user-groups.ts); this module
 * only matches. No rules (the default): nobody may; the read-only buttons never ask. Pure.
 */
import { z } from 'zod';
import { PodwhyError } from '../errors.ts';
import { globToRegExp } from '../notify/channel-routing.ts';
import { INCIDENT_ACTIONS, MUTATING_ACTIONS, type IncidentActionId, type MutatingAction } from '../queue/jobs.ts';

const SlackUserId = z.string().regex(/^[UW][A-Z0-9]{1,31}$/, 'a Slack user id (U…)');
const Pattern = z.string().regex(/^[a-z0-9*?][-a-z0-9.*?]{0,62}$/, 'a name or a glob of one (`*`, `?`)');

/** A Slack user group: its id (`S…`) or its handle with an `@` (`@oncall`). */
const UserGroupRef = z.string().regex(/^(S[A-Z0-9]{2,31}|@[a-z0-9][a-z0-9._-]{0,79})$/, 'a user group id (S…) or @handle');

/** What a rule may grant. */
export const POLICY_ACTIONS = [...MUTATING_ACTIONS, ...INCIDENT_ACTIONS] as const;
export type PolicyAction = MutatingAction | IncidentActionId;

export const ActionPolicyRule = z
  .strictObject({
    users: z.array(SlackUserId).optional(),
    groups: z.array(UserGroupRef).optional(),
    clusters: z.array(Pattern).min(1),
    namespaces: z.array(Pattern).min(1),
    actions: z.array(z.enum(POLICY_ACTIONS)).min(1),
  })
  .refine((rule) => (rule.users?.length ?? 0) + (rule.groups?.length ?? 0) > 0, { message: 'a rule names at least one user or group' });
export const ActionPolicy = z.array(ActionPolicyRule);
export type ActionPolicy = z.infer<typeof ActionPolicy>;

/** ACTION_POLICY as configured; '' is the empty policy. Throws config-invalid with every problem. */
export function parseActionPolicy(text: string): ActionPolicy {
  if (text.trim() === '') return [];
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new PodwhyError('config-invalid', `ACTION_POLICY is not JSON: ${(error as Error).message}`);
  }
  const parsed = ActionPolicy.safeParse(json);
  if (!parsed.success) throw new PodwhyError('config-invalid', `ACTION_POLICY:\n${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

export interface ActionRequest {
  user: string;
  cluster: string;
  namespace: string;
  action: PolicyAction;
}

export type Authorization = { allowed: true } | { allowed: false; reason: string };

const matches = (patterns: readonly string[], value: string): boolean => patterns.some((pattern) => pattern === value || globToRegExp(pattern).test(value));

/**
 * `memberOf`: the groups (as the policy writes them) the user is in, among those the caller looked up; a group not
 * in it counts as one the user is not in.
 */
export function authorize(policy: ActionPolicy, request: ActionRequest, memberOf: ReadonlySet<string> = new Set()): Authorization {
  if (policy.length === 0) return { allowed: false, reason: 'no one may change the cluster or an incident from Slack until an action policy is configured (ACTION_POLICY)' };
  const mine = policy.filter((rule) => rule.users?.includes(request.user) === true || rule.groups?.some((group) => memberOf.has(group)) === true);
  if (mine.length === 0) return { allowed: false, reason: 'the action policy grants you no actions' };
  const here = mine.filter((rule) => matches(rule.clusters, request.cluster) && matches(rule.namespaces, request.namespace));
  if (here.length === 0) return { allowed: false, reason: `the action policy grants you no actions in namespace ${request.namespace} of cluster ${request.cluster}` };
  if (!here.some((rule) => rule.actions.includes(request.action))) return { allowed: false, reason: `the action policy does not let you ${request.action} in namespace ${request.namespace} of cluster ${request.cluster}` };
  return { allowed: true };
}

/**
 * The groups worth looking up for a request the user's own id does not allow: those of the rules that would grant
 * this action here. A click then costs at most these lookups, and none when no rule could allow it anyway.
 */
export function groupsThatCouldGrant(policy: ActionPolicy, request: Omit<ActionRequest, 'user'>): string[] {
  const groups = policy
    .filter((rule) => rule.actions.includes(request.action) && matches(rule.clusters, request.cluster) && matches(rule.namespaces, request.namespace))
    .flatMap((rule) => rule.groups ?? []);
  return [...new Set(groups)];
}
