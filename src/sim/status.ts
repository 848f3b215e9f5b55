/**
 * metav1.Status bodies exactly as kube-apiserver writes them, and the error type the simulated
 * store throws. Every message format is copied from the upstream constructor named next to it.
 *
 * source: kubernetes/kubernetes staging/src/k8s.io/apimachinery/pkg/api/errors/errors.go
 *   (NewNotFound, NewAlreadyExists, NewConflict, NewForbidden, NewResourceExpired, NewBadRequest,
 *   NewInvalid, NewInternalError, NewGenericServerResponse, NewMethodNotSupported)
 */

export interface StatusCause {
  type?: string;
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: { continue?: string; resourceVersion?: string };
  status: 'Failure' | 'Success';
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code: number;
}

/** A Kubernetes API error: thrown by the store, written as a Status by the API server. */
export class SimApiError extends Error {
  readonly status: Status;
  /** Extra HTTP headers (Retry-After) the API server sends with this error. */
  readonly headers: Record<string, string>;

  constructor(status: Status, headers: Record<string, string> = {}) {
    super(status.message ?? `status ${status.code}`);
    this.name = 'SimApiError';
    this.status = status;
    this.headers = headers;
  }

  get code(): number {
    return this.status.code;
  }

  get reason(): string | undefined {
    return this.status.reason;
  }
}

/** The qualified resource string Go prints with GroupResource.String(): "pods", "deployments.apps". */
export function qualifiedResource(resource: string, group: string): string {
  return group === '' ? resource : `${resource}.${group}`;
}

function failure(code: number, reason: string, message: string, details?: StatusDetails): Status {
  const status: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
  if (details !== undefined) status.details = details;
  return status;
}

function detailsFor(resource: string, group: string, name: string): StatusDetails {
  // Go omits empty strings (omitempty): {"name":"x","kind":"pods"} for the core group.
  const details: StatusDetails = {};
  if (name !== '') details.name = name;
  if (group !== '') details.group = group;
  details.kind = resource;
  return details;
}

// source: errors.go NewNotFound — `%s %q not found`
export function notFound(resource: string, group: string, name: string): SimApiError {
  return new SimApiError(
    failure(404, 'NotFound', `${qualifiedResource(resource, group)} ${goQuote(name)} not found`, detailsFor(resource, group, name)),
  );
}

// source: errors.go NewAlreadyExists — `%s %q already exists`
export function alreadyExists(resource: string, group: string, name: string): SimApiError {
  return new SimApiError(
    failure(409, 'AlreadyExists', `${qualifiedResource(resource, group)} ${goQuote(name)} already exists`, detailsFor(resource, group, name)),
  );
}

// source: errors.go NewConflict — `Operation cannot be fulfilled on %s %q: %v`
export function conflict(resource: string, group: string, name: string, cause: string): SimApiError {
  return new SimApiError(
    failure(
      409,
      'Conflict',
      `Operation cannot be fulfilled on ${qualifiedResource(resource, group)} ${goQuote(name)}: ${cause}`,
      detailsFor(resource, group, name),
    ),
  );
}

// source: staging/src/k8s.io/apiserver/pkg/registry/generic/registry/store.go (OptimisticLockErrorMsg)
export const OPTIMISTIC_LOCK_ERROR_MSG = 'the object has been modified; please apply your changes to the latest version and try again';

/**
 * The delete precondition failures. The registry checks them in rest.BeforeDelete and names the
 * resource by its Kind ("Pod"), not its plural.
 * source: staging/src/k8s.io/apiserver/pkg/registry/rest/delete.go (BeforeDelete)
 */
export function uidPreconditionFailed(kind: string, group: string, name: string, wantUid: string, actualUid: string): SimApiError {
  return conflict(
    kind,
    group,
    name,
    `the UID in the precondition (${wantUid}) does not match the UID in record (${actualUid}). The object might have been deleted and then recreated`,
  );
}

// source: staging/src/k8s.io/apiserver/pkg/registry/rest/delete.go (BeforeDelete)
export function resourceVersionPreconditionFailed(kind: string, group: string, name: string, wantRv: string, actualRv: string): SimApiError {
  return conflict(
    kind,
    group,
    name,
    `the ResourceVersion in the precondition (${wantRv}) does not match the ResourceVersion in record (${actualRv}). The object might have been modified`,
  );
}

/**
 * An RBAC denial. The authorizer's message, wrapped by NewForbidden.
 * source: staging/src/k8s.io/apiserver/pkg/endpoints/handlers/responsewriters/errors.go (forbiddenMessage)
 *   `User %q cannot %s resource %q in API group %q in the namespace %q` / `... at the cluster scope`
 * source: errors.go NewForbidden — `%s is forbidden: %v` / `%s %q is forbidden: %v`
 */
export function forbidden(opts: {
  user: string;
  verb: string;
  resource: string;
  subresource?: string;
  group: string;
  namespace?: string;
  name?: string;
}): SimApiError {
  const target = opts.subresource ? `${opts.resource}/${opts.subresource}` : opts.resource;
  const scope = opts.namespace ? `in the namespace ${goQuote(opts.namespace)}` : 'at the cluster scope';
  const reason = `User ${goQuote(opts.user)} cannot ${opts.verb} resource ${goQuote(target)} in API group ${goQuote(opts.group)} ${scope}`;
  const qualified = qualifiedResource(opts.resource, opts.group);
  const name = opts.name ?? '';
  const message = name === '' ? `${qualified} is forbidden: ${reason}` : `${qualified} ${goQuote(name)} is forbidden: ${reason}`;
  return new SimApiError(failure(403, 'Forbidden', message, detailsFor(opts.resource, opts.group, name)));
}

/**
 * An RBAC denial of a non-resource URL (discovery, /version).
 * source: responsewriters/errors.go forbiddenMessage — `User %q cannot %s path %q`; NewForbidden with no
 *   resource — `forbidden: %v`
 */
export function forbiddenPath(user: string, verb: string, path: string): SimApiError {
  return new SimApiError(failure(403, 'Forbidden', `forbidden: User ${goQuote(user)} cannot ${verb} path ${goQuote(path)}`, {}));
}

// source: errors.go NewResourceExpired (410, reason Expired)
export function expired(message: string, continueToken?: string): SimApiError {
  const status = failure(410, 'Expired', message);
  if (continueToken !== undefined) status.metadata.continue = continueToken;
  return new SimApiError(status);
}

/** source: staging/src/k8s.io/apiserver/pkg/storage/cacher/watch_cache.go — `too old resource version: %d (%d)` */
export function tooOldResourceVersion(requested: number, oldest: number): SimApiError {
  return expired(`too old resource version: ${requested} (${oldest})`);
}

/**
 * A continue token whose snapshot was compacted away. The server hands back a token that goes on at
 * the latest resource version.
 * source: staging/src/k8s.io/apiserver/pkg/storage/etcd3/errors.go (inconsistentContinue)
 */
export const INCONSISTENT_CONTINUE =
  'The provided continue parameter is too old to display a consistent list result. You can start a new list without ' +
  'the continue parameter, or use the continue token in this response to retrieve the remainder of the results. ' +
  'Continuing with the provided token results in an inconsistent list - objects that were created, modified, or ' +
  'deleted between the time the first chunk was returned and now may show up in the list.';

// source: errors.go NewBadRequest (400, reason BadRequest, no details)
export function badRequest(message: string): SimApiError {
  return new SimApiError(failure(400, 'BadRequest', message));
}

/** One field error: `type` is the CauseType, `body` is ErrorBody() ("Forbidden: ..."). */
export interface FieldError {
  field: string;
  type: 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueInvalid' | 'FieldValueNotSupported';
  body: string;
}

/**
 * A validation failure: `%s %q is invalid: %v` with one cause per field error.
 * source: errors.go NewInvalid; field error text from apimachinery/pkg/util/validation/field/errors.go
 *   (Error() is "<field>: <ErrorBody()>"; an aggregate of several is "[a, b]")
 */
export function invalid(kind: string, group: string, name: string, errors: FieldError[]): SimApiError {
  const qualifiedKind = group === '' ? kind : `${kind}.${group}`;
  const aggregated = errors.map((e) => `${e.field}: ${e.body}`);
  const summary = aggregated.length === 1 ? aggregated[0] : `[${aggregated.join(', ')}]`;
  const details: StatusDetails = {};
  if (name !== '') details.name = name;
  if (group !== '') details.group = group;
  details.kind = kind;
  details.causes = errors.map((e) => ({ type: e.type, message: e.body, field: e.field }));
  return new SimApiError(failure(422, 'Invalid', `${qualifiedKind} ${goQuote(name)} is invalid: ${summary}`, details));
}

/**
 * What NewGenericServerResponse writes for a 422 with no resource: the server message is dropped
 * and a fixed sentence is used. This is what a failed JSON Patch `test` op returns.
 * source: staging/src/k8s.io/apiserver/pkg/endpoints/handlers/patch.go (applyJSPatch) + errors.go
 */
export function patchApplyFailed(): SimApiError {
  return new SimApiError(failure(422, 'Invalid', 'the server rejected our request due to an error in our request', {}));
}

/**
 * source: staging/src/k8s.io/apimachinery/pkg/runtime/serializer/... negotiation errUnsupportedMediaType
 *   `the body of the request was in an unknown format - accepted media types include: %v`
 */
export function unsupportedMediaType(accepted: readonly string[]): SimApiError {
  return new SimApiError(
    failure(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`),
  );
}

// source: errors.go NewInternalError — `Internal error occurred: %v`
export function internalError(cause: string): SimApiError {
  return new SimApiError(failure(500, 'InternalError', `Internal error occurred: ${cause}`, { causes: [{ message: cause }] }));
}

// source: errors.go NewServiceUnavailable
export function serviceUnavailable(message: string): SimApiError {
  return new SimApiError(failure(503, 'ServiceUnavailable', message));
}

// source: errors.go NewTimeoutError — `Timeout: %s`
export function gatewayTimeout(message: string, retryAfterSeconds: number): SimApiError {
  return new SimApiError(failure(504, 'Timeout', `Timeout: ${message}`, { retryAfterSeconds }));
}

// source: errors.go NewUnauthorized — message defaults to "not authorized"; the authn filter sends "Unauthorized"
export function unauthorized(): SimApiError {
  return new SimApiError(failure(401, 'Unauthorized', 'Unauthorized'));
}

/** The 404 for a path no API group serves. source: errors.go NewGenericServerResponse (404) */
export function pathNotFound(): SimApiError {
  return new SimApiError(failure(404, 'NotFound', 'the server could not find the requested resource', {}));
}

// source: errors.go NewMethodNotSupported — `%s is not supported on resources of kind %q`
export function methodNotSupported(resource: string, group: string, action: string): SimApiError {
  return new SimApiError(
    failure(405, 'MethodNotAllowed', `${action} is not supported on resources of kind ${goQuote(qualifiedResource(resource, group))}`, {
      group: group === '' ? undefined : group,
      kind: resource,
    }),
  );
}

/** A Success Status, what DELETE returns for resources that do not return the deleted object. */
export function success(details: StatusDetails): Status {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details, code: 200 };
}

/** Go's %q for the plain names Kubernetes uses (no control characters to escape in practice). */
export function goQuote(s: string): string {
  return JSON.stringify(s);
}

/** Go's %#v of a []string: []string{"a", "b"}. */
export function goStringSlice(values: readonly string[]): string {
  return `[]string{${values.map((v) => JSON.stringify(v)).join(', ')}}`;
}
