/**
 * Who may click a button that changes the cluster (docs/architecture.md, "Button click"), checked at click time
 * against ACTION_POLICY: a JSON list of rules, each granting some Slack users some actions on some clusters and
 * namespaces (globs: `*`, `?`, the channel routes' glob rule). A click is allowed when
 * one rule names the user, the cluster, the namespace and the action. No rules (the default): nobody may mutate;
 * the read-only buttons never ask. Pure.
 */
import { z } from 'zod';
import { PodwhyError } from '../errors.ts';
import { globToRegExp } from '../notify/channel-routing.ts';
import { MUTATING_ACTIONS, type MutatingAction } from '../queue/jobs.ts';

const SlackUserId = z.string().regex(/^[UW][A-Z0-9]{1,31}$/, 'a Slack user id (U…)');
const Pattern = z.string().regex(/^[a-z0-9*?][-a-z0-9.*?]{0,62}$/, 'a name or a glob of one (`*`, `?`)');

export const ActionPolicyRule = z.strictObject({
  users: z.array(SlackUserId).min(1),
  clusters: z.array(Pattern).min(1),
  namespaces: z.array(Pattern).min(1),
  actions: z.array(z.enum(MUTATING_ACTIONS)).min(1),
});
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
  action: MutatingAction;
}

export type Authorization = { allowed: true } | { allowed: false; reason: string };

const matches = (patterns: readonly string[], value: string): boolean => patterns.some((pattern) => pattern === value || globToRegExp(pattern).test(value));

export function authorize(policy: ActionPolicy, request: ActionRequest): Authorization {
  if (policy.length === 0) return { allowed: false, reason: 'no one may change the cluster from Slack until an action policy is configured (ACTION_POLICY)' };
  const mine = policy.filter((rule) => rule.users.includes(request.user));
  if (mine.length === 0) return { allowed: false, reason: 'the action policy grants you no actions' };
  const here = mine.filter((rule) => matches(rule.clusters, request.cluster) && matches(rule.namespaces, request.namespace));
  if (here.length === 0) return { allowed: false, reason: `the action policy grants you no actions in namespace ${request.namespace} of cluster ${request.cluster}` };
  if (!here.some((rule) => rule.actions.includes(request.action))) return { allowed: false, reason: `the action policy does not let you ${request.action} in namespace ${request.namespace} of cluster ${request.cluster}` };
  return { allowed: true };
}
