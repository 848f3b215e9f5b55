/**
 * Fault hooks for tests: the failures a real apiserver (or what sits in front of it) answers, queued
 * per request matcher, each written with the body and headers the real one sends. The watch faults
 * (dropped, stalled) live with the watches in watch.ts; outages (goDown/comeUp) with the server.
 */
import type { ServerResponse } from 'node:http';
import { sendError } from './http-io.ts';
import type { ParsedPath, RequestInfo, RequestRecord } from './routing.ts';
import {
  forbidden,
  forbiddenPath,
  gatewayTimeout,
  internalError,
  notFound,
  pathNotFound,
  serviceUnavailable,
  SimApiError,
  unauthorized,
} from './status.ts';

export interface FailNextOptions {
  /** How many matching requests fail (default 1). */
  times?: number;
  match?: (request: RequestInfo) => boolean;
  /** Sent as Retry-After (and details.retryAfterSeconds where the Status has it). Default 1 for 429. */
  retryAfterSeconds?: number;
  /** Replaces the default message (not used for 403, whose text is the RBAC denial). */
  message?: string;
}

export interface Faults {
  /**
   * Ends every open watch. By default the stream ends cleanly (as at the apiserver's watch timeout);
   * `abrupt: true` destroys the sockets (a client sees a connection reset). Returns how many.
   */
  dropAllWatches(options?: { abrupt?: boolean }): number;
  /**
   * `true`: every open watch and every new one goes silent (no events, no bookmarks) while the
   * connection stays open, like a half-open TCP connection. `false`: new watches work again; the
   * watches that were silenced stay silent (a half-open connection never recovers) unless
   * `resume: true`, which delivers what they missed and lets them go on.
   */
  stallWatches(on: boolean, options?: { resume?: boolean }): void;
  /** The next matching request(s) fail with this HTTP status and the body the apiserver sends. */
  failNext(status: number, options?: FailNextOptions): void;
  clearFailures(): void;
  /** Delay before every request is handled (0 to stop). */
  setLatency(ms: number): void;
  /** Stops listening and destroys every connection: clients get ECONNREFUSED until comeUp(). */
  goDown(): Promise<void>;
  /** Listens again on the same port. */
  comeUp(): Promise<void>;
}

export interface PendingFailure {
  status: number;
  remaining: number;
  options: FailNextOptions;
}

/** The failures queued by failNext, first match first. */
export class FailureQueue {
  private readonly failures: PendingFailure[] = [];

  add(status: number, options: FailNextOptions): void {
    this.failures.push({ status, remaining: options.times ?? 1, options });
  }

  clear(): void {
    this.failures.length = 0;
  }

  /** The failure this request gets, if any; counts it against the failure's `times`. */
  take(info: RequestInfo): PendingFailure | undefined {
    const index = this.failures.findIndex((f) => f.options.match === undefined || f.options.match(info));
    if (index === -1) return undefined;
    const failure = this.failures[index] as PendingFailure;
    failure.remaining -= 1;
    if (failure.remaining <= 0) this.failures.splice(index, 1);
    return failure;
  }
}

/** The 429 max-in-flight / APF answer: plain text, not a Status. source: staging/src/k8s.io/apiserver/pkg/server/filters/maxinflight.go (tooManyRequests) */
const TOO_MANY_REQUESTS_TEXT = 'Too many requests, please try again later.\n';

/** Answers a request with its injected failure; `user` is the identity a 403 names. */
export function sendFault(res: ServerResponse, record: RequestRecord, parsed: ParsedPath, failure: PendingFailure, user: string): void {
  const { status, options } = failure;
  const info = parsed.info;
  const headers: Record<string, string> = {};
  if (status === 429) {
    headers['Retry-After'] = String(options.retryAfterSeconds ?? 1);
    record.status = 429;
    res.writeHead(429, { ...headers, 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
    res.end(options.message !== undefined ? `${options.message}\n` : TOO_MANY_REQUESTS_TEXT);
    return;
  }
  if (options.retryAfterSeconds !== undefined) headers['Retry-After'] = String(options.retryAfterSeconds);
  let error: SimApiError;
  const r = parsed.resource;
  switch (status) {
    case 401:
      error = unauthorized();
      break;
    case 403: {
      if (info.resource === undefined) {
        error = forbiddenPath(user, info.method.toLowerCase(), info.path);
        break;
      }
      const opts: Parameters<typeof forbidden>[0] = { user, verb: info.verb === 'log' ? 'get' : info.verb, resource: info.resource ?? '', group: r?.group ?? '' };
      if (info.subresource !== undefined) opts.subresource = info.subresource;
      if (info.namespace !== undefined) opts.namespace = info.namespace;
      if (info.name !== undefined) opts.name = info.name;
      error = forbidden(opts);
      break;
    }
    case 404:
      error = r !== undefined && info.name !== undefined ? notFound(r.resource, r.group, info.name) : pathNotFound();
      break;
    case 500:
      // A real etcd failure text. source: go.etcd.io/etcd/api/v3rpc/rpctypes/error.go (ErrGRPCTimeout)
      error = internalError(options.message ?? 'etcdserver: request timed out');
      break;
    case 503:
      error = serviceUnavailable(options.message ?? 'the server is currently unable to handle the request');
      break;
    case 504:
      error = gatewayTimeout(options.message ?? 'request did not complete within the allowed duration', options.retryAfterSeconds ?? 0);
      break;
    default:
      error = new SimApiError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: options.message ?? `injected failure ${status}`, code: status });
  }
  if (options.message !== undefined && status !== 403 && status !== 500 && status !== 503 && status !== 504) {
    error.status.message = options.message;
  }
  if (options.retryAfterSeconds !== undefined) error.status.details = { ...(error.status.details ?? {}), retryAfterSeconds: options.retryAfterSeconds };
  sendError(res, record, new SimApiError(error.status, headers));
}
