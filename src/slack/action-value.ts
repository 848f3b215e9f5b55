/**
 * The `value` of every podwhy button: a compact record of what the button acts on, checked with one zod
 * schema on the way out and on the way back in. A click's payload is untrusted input (anyone who can
 * replay or forge a request controls it), so decoding rejects anything that is not exactly this shape.
 *
 * Signing seam: the next issue adds an HMAC. encodeActionValue takes an optional `sign` function whose
 * result is carried in `sig`; decodeActionValue takes an optional `verify` and, when given one, rejects
 * a value whose signature is missing or wrong. Without them nothing is signed or checked.
 */
import { z } from 'zod';
import { ACTION_IDS, type ActionId } from '../contract/diagnosis.ts';

/** Button values are at most 2,000 characters (@slack/types Button.value). */
export const MAX_ACTION_VALUE_LENGTH = 2_000;

/** The action_id of a podwhy button: `podwhy.show-logs`, `podwhy.rediagnose`, … */
export type PodwhyActionId = `podwhy.${ActionId}`;

export function slackActionId(action: ActionId): PodwhyActionId {
  return `podwhy.${action}`;
}

/** The action behind an action_id, or null when it is not one of ours. */
export function actionOfSlackActionId(actionId: string): ActionId | null {
  const action = actionId.startsWith('podwhy.') ? actionId.slice('podwhy.'.length) : '';
  return (ACTION_IDS as readonly string[]).includes(action) ? (action as ActionId) : null;
}

/** Cluster names as src/config.ts accepts them (CLUSTER_NAME). */
const CLUSTER_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
/** RFC 1123 label: a namespace name. */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** RFC 1123 subdomain: a Pod or workload name (≤ 253). */
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
/** A Kubernetes kind: `Pod`, `Deployment`, `Job`. */
const KIND = /^[A-Z][A-Za-z0-9]{0,62}$/;
/** A metadata.uid (a UUID in practice; the API only promises a unique string). */
const UID = /^[A-Za-z0-9-]{1,128}$/;
/** An incident id: `<cluster>/<namespace>/<Kind>/<name>/<cause>` or `<cluster>/_node/<node>/node-lost`. */
const INCIDENT_ID = /^[A-Za-z0-9._/-]{1,700}$/;

export const ActionValue = z.strictObject({
  /** Format version, so a later format can tell old buttons apart. */
  v: z.literal(1),
  cluster: z.string().regex(CLUSTER_NAME),
  namespace: z.string().regex(DNS_LABEL),
  /** The subject's kind; `Pod` for every Pod button. */
  kind: z.string().regex(KIND),
  /** The Pod's (or workload's) name. */
  name: z.string().max(253).regex(DNS_SUBDOMAIN),
  /** Its metadata.uid: a button acts on this object only, never on a later one with the same name. */
  uid: z.string().regex(UID),
  action: z.enum(ACTION_IDS),
  /** When the button was rendered (ms since the epoch), so an old button can be refused. */
  issuedAt: z.number().int().nonnegative().max(8.64e15),
  incidentId: z.string().regex(INCIDENT_ID).optional(),
  /** The signature added by `sign` (next issue: HMAC); absent when unsigned. */
  sig: z.string().regex(/^[A-Za-z0-9_=+/-]{1,256}$/).optional(),
});
export type ActionValue = z.infer<typeof ActionValue>;

/** What a button acts on, before it is encoded (the version and signature are the encoder's business). */
export type ActionTarget = Omit<ActionValue, 'v' | 'sig'>;

/** Produces a signature over the canonical (unsigned) encoding. */
export type ActionValueSigner = (canonical: string) => string;
/** Checks a signature over the canonical (unsigned) encoding. */
export type ActionValueVerifier = (canonical: string, signature: string) => boolean;

export type DecodedActionValue = { ok: true; value: ActionValue } | { ok: false; error: string };

/** The unsigned encoding: compact JSON with a fixed key order, so signer and verifier see the same bytes. */
function canonicalOf(value: ActionValue): string {
  const { v, cluster, namespace, kind, name, uid, action, issuedAt, incidentId } = value;
  return JSON.stringify(incidentId === undefined ? { v, cluster, namespace, kind, name, uid, action, issuedAt } : { v, cluster, namespace, kind, name, uid, action, issuedAt, incidentId });
}

/**
 * The button value for `target`. Throws when the target is not a valid record (a renderer passing a
 * name Kubernetes would never accept is a bug) or the result would exceed 2,000 characters.
 */
export function encodeActionValue(target: ActionTarget, sign?: ActionValueSigner): string {
  const value = ActionValue.parse({ ...target, v: 1 });
  const canonical = canonicalOf(value);
  const encoded = sign ? JSON.stringify({ ...JSON.parse(canonical), sig: sign(canonical) }) : canonical;
  if (encoded.length > MAX_ACTION_VALUE_LENGTH) throw new RangeError(`action value is ${encoded.length} characters (max ${MAX_ACTION_VALUE_LENGTH})`);
  ActionValue.parse(JSON.parse(encoded));
  return encoded;
}

/**
 * Like encodeActionValue, but null where that throws: a renderer shows no button for a subject that
 * cannot be named in a valid record (a hostile or empty name or uid), rather than failing the message.
 */
export function tryEncodeActionValue(target: ActionTarget, sign?: ActionValueSigner): string | null {
  try {
    return encodeActionValue(target, sign);
  } catch {
    return null;
  }
}

/** Parses a button value from a click; anything malformed, oversized or (with `verify`) unsigned is rejected. */
export function decodeActionValue(raw: unknown, verify?: ActionValueVerifier): DecodedActionValue {
  if (typeof raw !== 'string') return { ok: false, error: 'value is not a string' };
  if (raw.length > MAX_ACTION_VALUE_LENGTH) return { ok: false, error: 'value is too long' };
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { ok: false, error: 'value is not JSON' };
  }
  const parsed = ActionValue.safeParse(json);
  if (!parsed.success) return { ok: false, error: z.prettifyError(parsed.error) };
  if (verify) {
    const { sig } = parsed.data;
    if (sig === undefined || !verify(canonicalOf(parsed.data), sig)) return { ok: false, error: 'value signature is missing or wrong' };
  }
  return { ok: true, value: parsed.data };
}
