/**
 * Maps what @kubernetes/client-node throws (ApiException, a watch's HTTP error, a fetch or socket
 * error) to a PodwhyError whose message a person can act on: 403 names the verb and the resource, an
 * unreachable server names its address, 404/409/410 become pod-not-found, conflict and gone.
 */
import { ApiException } from '@kubernetes/client-node';
import { PodwhyError, type ErrorCode } from '../errors.ts';
import { isRecord } from '../contract/is-record.ts';

export interface RequestInfo {
  verb: string;
  /** `pods`, `pods/log`, `namespaces`, … */
  resource: string;
  namespace?: string;
  name?: string;
  server: string;
}

/** Socket, DNS and TLS failures that mean "we never got an answer from the API server". */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE',
  'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_SOCKET', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CLOSED',
  'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
]);

/** Maps a client-node failure (ApiException, a watch's HTTP error, a fetch/socket error) to a PodwhyError. */
export function toPodwhyError(error: unknown, info: RequestInfo): PodwhyError {
  if (error instanceof PodwhyError) return error;
  const status = httpStatusOf(error);
  const body = statusBodyOf(error);
  const serverSaid = body?.message ? ` (the API server said: ${body.message})` : '';
  const target = describeTarget(info);
  const retryAfterSeconds = retryAfterOf(error);
  const details = { ...info, status, reason: body?.reason, ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}) };
  const make = (code: ErrorCode, message: string): PodwhyError => new PodwhyError(code, message, details, { cause: error });
  if (status !== undefined) {
    switch (status) {
      case 401:
        return make('forbidden', `the API server at ${info.server} rejected the credentials (401 Unauthorized): check the kubeconfig user or token`);
      case 403:
        return make(
          'forbidden',
          `forbidden: cannot ${info.verb} ${info.resource}${scopeOf(info)}: grant the "${info.verb}" verb on "${info.resource}"${serverSaid}`,
        );
      case 404:
        if (info.resource === 'pods' && info.name) return make('pod-not-found', `Pod ${info.namespace}/${info.name} not found`);
        if (info.resource === 'namespaces' && info.name) return make('namespace-not-found', `namespace "${info.name}" not found`);
        return make('api-error', `${target} not found${serverSaid}`);
      case 409:
        return make('conflict', `${target} changed or was replaced (409 Conflict)${serverSaid}`);
      case 410:
        return make('gone', `${target}: resource version expired (410 Gone)${serverSaid}`);
      case 422:
        return make(info.verb === 'patch' ? 'conflict' : 'bad-input', `${target}: the API server rejected the request (422)${serverSaid}`);
      case 502:
      case 503:
      case 504:
        return make('api-unreachable', `the Kubernetes API server at ${info.server} is unavailable (${status}) while trying to ${info.verb} ${info.resource}${serverSaid}`);
      default:
        return make('api-error', `cannot ${info.verb} ${target}: HTTP ${status}${serverSaid}`);
    }
  }
  if (error instanceof Error && /HTTP protocol is not allowed/.test(error.message)) {
    // client-node 2 refuses http:// servers unless the cluster sets insecure-skip-tls-verify (config.js createDispatcherOptions).
    return make('config-invalid', `the kubeconfig server ${info.server} is plain HTTP; client-node only allows that with insecure-skip-tls-verify: true`);
  }
  const code = connectionCodeOf(error);
  if (code) return make('api-unreachable', `cannot reach the Kubernetes API server at ${info.server} (${code})`);
  const message = error instanceof Error ? error.message : String(error);
  return make('api-error', `cannot ${info.verb} ${target}: ${message}`);
}

/**
 * The Retry-After an API server sent with a 429 (and some 5xx), in seconds: how long it asks clients to
 * wait. Only the delta-seconds form; the apiserver never sends an HTTP date
 * (staging/src/k8s.io/apiserver/pkg/server/filters/maxinflight.go, tooManyRequests).
 */
function retryAfterOf(error: unknown): number | undefined {
  if (!(error instanceof ApiException)) return undefined;
  const headers = (error.headers ?? {}) as Record<string, string>;
  const value = Object.entries(headers).find(([name]) => name.toLowerCase() === 'retry-after')?.[1];
  const seconds = value !== undefined && /^\d+$/.test(value.trim()) ? Number(value.trim()) : undefined;
  return seconds !== undefined && seconds > 0 ? seconds : undefined;
}

function describeTarget(info: RequestInfo): string {
  if (info.name) return `${info.resource} ${info.namespace ? `${info.namespace}/` : ''}${info.name}`;
  return `${info.resource}${scopeOf(info)}`;
}

function scopeOf(info: RequestInfo): string {
  if (info.namespace) return ` in namespace "${info.namespace}"`;
  return info.resource === 'nodes' || info.resource === 'namespaces' ? '' : ' cluster-wide';
}

/** ApiException.code; a watch's `statusCode`; a PodwhyError-free number otherwise undefined. */
export function httpStatusOf(error: unknown): number | undefined {
  if (error instanceof ApiException) return error.code;
  if (isRecord(error) || error instanceof Error) {
    const record = error as unknown as Record<string, unknown>;
    if (typeof record.statusCode === 'number') return record.statusCode;
  }
  return undefined;
}

function statusBodyOf(error: unknown): { message?: string; reason?: string } | undefined {
  if (!(error instanceof ApiException)) {
    if (error instanceof Error && isRecord((error as unknown as Record<string, unknown>).status)) {
      const s = (error as unknown as { status: Record<string, unknown> }).status;
      return { message: typeof s.message === 'string' ? s.message : undefined, reason: typeof s.reason === 'string' ? s.reason : undefined };
    }
    return undefined;
  }
  let body: unknown = error.body;
  if (typeof body === 'string') {
    const text = body;
    try {
      body = JSON.parse(text);
    } catch {
      return text.length > 0 ? { message: text.slice(0, 500) } : undefined;
    }
  }
  if (!isRecord(body)) return undefined;
  return {
    message: typeof body.message === 'string' ? body.message : undefined,
    reason: typeof body.reason === 'string' ? body.reason : undefined,
  };
}

function connectionCodeOf(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current; depth++) {
    if (!isRecord(current) && !(current instanceof Error)) break;
    const record = current as unknown as Record<string, unknown>;
    if (typeof record.code === 'string' && CONNECTION_CODES.has(record.code)) return record.code;
    if (record.name === 'TimeoutError') return 'timed out';
    if (record.name === 'AbortError' && depth === 0) return 'request aborted';
    current = record.cause;
  }
  if (error instanceof TypeError && /fetch failed|terminated/.test(error.message)) return error.message;
  return undefined;
}
