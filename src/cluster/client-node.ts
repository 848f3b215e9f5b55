/**
 * Kubernetes access behind two small interfaces (STYLE.md §4): ClusterReader (lists, watches,
 * GETs, log tails) and ClusterActor (delete and finalizer removal, both with preconditions), with
 * their @kubernetes/client-node v2 implementation. Only this file and src/cluster/watch/ import
 * client-node. Every failure leaves here as a PodwhyError whose message a person can act on:
 * 403 names the verb and the resource, an unreachable server names its address.
 */
import {
  ApiException,
  CoreV1Api,
  createConfiguration,
  HttpMethod,
  IsomorphicFetchHttpLibrary,
  Observable,
  PatchStrategy,
  RequestContext,
  ServerConfiguration,
  Watch,
  type ConfigurationOptions,
  type KubeConfig,
  type ResponseContext,
  type SecurityAuthentication,
} from '@kubernetes/client-node';
import clientNodePackage from '@kubernetes/client-node/package.json' with { type: 'json' };
import type { Pod } from '../contract/k8s.ts';
import { PodwhyError, type ErrorCode } from '../errors.ts';
import { RESOURCES, slimObject, type ListerWatcherFactory, type ResourceName } from './cache.ts';
import { isRecord } from './normalize.ts';
import { DEFAULT_INFORMER_TIMINGS, yieldIfSpent, type ListerWatcher, type ListPage, type ListRequest, type WatchHandle, type WatchRequest } from './watch/resilient-informer.ts';

export interface PodRef {
  namespace: string;
  name: string;
}

export interface LogTailRequest {
  /** The previous (crashed) instance, as `kubectl logs --previous`. */
  previous: boolean;
  tailLines: number;
  limitBytes: number;
}

/** Read access: what informers, the collector and `podwhy why` need. */
export interface ClusterReader extends ListerWatcherFactory {
  /** The API server's address, for messages. */
  readonly server: string;
  /** Counts of requests sent, by verb and resource. */
  readonly requests: RequestCounter;
  /** A Pod by name (normalized, slimmed); null when it does not exist. */
  getPod(ref: PodRef): Promise<Pod | null>;
  /** Pods of one namespace or of all (one LIST, all pages). */
  listPods(namespace?: string): Promise<Pod[]>;
  /** true/false; null when we may not read namespaces (the question stays open). */
  namespaceExists(name: string): Promise<boolean | null>;
  /** A bounded tail of one container's log. */
  readLogTail(ref: PodRef, container: string, request: LogTailRequest): Promise<string>;
}

/** Mutations for one-click fixes; each is bound to the Pod's uid so a re-created Pod is never hit. */
export interface ClusterActor {
  /** Deletes with preconditions.uid (409 `conflict` when the Pod was replaced); force: grace period 0. */
  deletePod(ref: PodRef, options: { uid: string; force?: boolean; resourceVersion?: string }): Promise<void>;
  /**
   * Removes the named finalizers with a JSON Patch that first tests the uid and each finalizer's
   * position in `current` (the list as read), so a concurrent change fails the patch instead of
   * removing someone else's finalizer (PLATFORM.md §2.5).
   */
  removeFinalizers(ref: PodRef, options: { uid: string; current: readonly string[]; remove: readonly string[]; resourceVersion?: string }): Promise<void>;
}

/** Requests sent, by `verb resource` (e.g. `list pods`, `get pods/log`). */
export class RequestCounter {
  readonly #counts = new Map<string, number>();

  count(verb: string, resource: string): void {
    const key = `${verb} ${resource}`;
    this.#counts.set(key, (this.#counts.get(key) ?? 0) + 1);
  }

  /** Total, or only those matching `verb` and/or `resource`. */
  total(filter: { verb?: string; resource?: string } = {}): number {
    let sum = 0;
    for (const [key, n] of this.#counts) {
      const [verb, resource] = key.split(' ');
      if ((filter.verb === undefined || filter.verb === verb) && (filter.resource === undefined || filter.resource === resource)) sum += n;
    }
    return sum;
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.#counts].sort(([a], [b]) => a.localeCompare(b)));
  }
}

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
  const details = { ...info, status, reason: body?.reason };
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

export interface ClientNodeClusterOptions {
  /** Per-request timeout for GETs, log tails and mutations (default 15 s). */
  requestTimeoutMs?: number;
  /** Per-page timeout for LISTs (default 60 s: LIST p99 SLO is ≤ 30 s, PLATFORM.md §2.4). */
  listTimeoutMs?: number;
  /**
   * How long one connection pool serves before it is rebuilt from the kubeconfig, so rotated client
   * certificates or CA files are picked up (default 5 minutes, client-go's CertCallbackRefreshDuration).
   */
  connectionRefreshMs?: number;
}

/** The undici dispatcher client-node hands a request (an Agent with the kubeconfig's TLS settings, or a proxy agent). */
type Dispatcher = NonNullable<ReturnType<RequestContext['getDispatcher']>>;

/** source: kubernetes/client-go transport/cert_rotation.go (`var CertCallbackRefreshDuration = 5 * time.Minute`) */
const CONNECTION_REFRESH_MS = 5 * 60_000;
/** How long a replaced pool stays open for requests that were handed it before it was replaced. */
const RETIRED_POOL_GRACE_MS = 1_000;

/**
 * The kubeconfig's authentication with one connection pool for every request. KubeConfig's own
 * applySecurityAuthentication (config.js) sets the headers — bearer token, exec plugin and auth-provider
 * tokens, basic auth, impersonation — and then gives the request a NEW undici Agent built from the
 * cluster's CA, client certificate, TLS server name and proxy (createDispatcher), every time. An Agent is
 * a connection pool; a new one per request means a new TCP connection and TLS handshake per GET, log
 * read or LIST page, left idle until undici's keep-alive timeout closes it (bench:pipeline: most of the
 * burst's p99 and half of the workers' throughput). Here the headers still come from the kubeconfig on
 * every request (tokens expire and are refreshed there), but the first Agent it builds is kept and every
 * request goes through it, on kept-alive connections. Every `refreshMs` the pool is replaced by the Agent
 * the kubeconfig builds then (new certificate files, an exec plugin's new client certificate) and the old
 * one is closed once its requests are done. The Agents built for other requests never open a connection.
 */
class PooledKubeconfigAuth implements SecurityAuthentication {
  readonly #kc: KubeConfig;
  readonly #refreshMs: number;
  #pool: Dispatcher | undefined;
  #poolSince = 0;
  #closed = false;

  constructor(kc: KubeConfig, refreshMs: number) {
    this.#kc = kc;
    this.#refreshMs = refreshMs;
  }

  getName(): string {
    return 'kubeconfig authentication, one connection pool';
  }

  async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await this.#kc.applySecurityAuthentication(context);
    const fresh = context.getDispatcher();
    // None: a plain-HTTP cluster without TLS settings, which undici's global (pooled) dispatcher serves.
    if (!fresh || this.#closed) return;
    const now = Date.now();
    if (!this.#pool || now - this.#poolSince >= this.#refreshMs) {
      const old = this.#pool;
      this.#pool = fresh;
      this.#poolSince = now;
      // close() lets the requests in flight finish, then ends the old pool's connections. A request handed
      // the old pool a moment ago may not have been sent yet (middleware runs in between): give it time.
      if (old) setTimeout(() => void old.close().catch(() => undefined), RETIRED_POOL_GRACE_MS).unref();
    }
    context.setDispatcher(this.#pool);
  }

  /** Closes the pool's connections once their requests are done; later requests get a new one-shot pool each. */
  async close(): Promise<void> {
    this.#closed = true;
    const pool = this.#pool;
    this.#pool = undefined;
    await pool?.close().catch(() => undefined);
  }
}

/** What client-node's generated clients send (config.js getUserAgent, set by makeApiClient's middleware). */
const USER_AGENT = `kubernetes-client-javascript/${clientNodePackage.version}`;

/** Middleware that gives each request an AbortSignal.timeout (the generated client has none), optionally tied to a caller's signal. */
function timeoutOptions(ms: number, signal?: AbortSignal): ConfigurationOptions {
  return {
    middleware: [
      {
        pre: (context: RequestContext) => {
          context.setSignal(signal ? AbortSignal.any([AbortSignal.timeout(ms), signal]) : AbortSignal.timeout(ms));
          return new Observable(Promise.resolve(context));
        },
        post: (response: ResponseContext) => new Observable(Promise.resolve(response)),
      },
    ],
    // 'append' keeps client-node's own User-Agent middleware (config.js makeApiClient).
    middlewareMergeStrategy: 'append',
  };
}

export class ClientNodeCluster implements ClusterReader, ClusterActor {
  readonly server: string;
  readonly requests = new RequestCounter();
  readonly #kc: KubeConfig;
  /** Authentication and the one connection pool of every request but watches. */
  readonly #auth: PooledKubeconfigAuth;
  readonly #core: CoreV1Api;
  /** client-node's HTTP library (undici fetch), the one its generated clients send through. */
  readonly #http = new IsomorphicFetchHttpLibrary();
  readonly #requestTimeoutMs: number;
  readonly #listTimeoutMs: number;

  constructor(kubeConfig: KubeConfig, options: ClientNodeClusterOptions = {}) {
    const cluster = kubeConfig.getCurrentCluster();
    if (!cluster) throw new PodwhyError('config-invalid', 'kubeconfig has no current cluster');
    this.server = cluster.server;
    this.#kc = kubeConfig;
    this.#auth = new PooledKubeconfigAuth(kubeConfig, options.connectionRefreshMs ?? CONNECTION_REFRESH_MS);
    // What kubeConfig.makeApiClient(CoreV1Api) builds (config.js), with our authentication in place of the
    // KubeConfig itself as the `default` auth method.
    this.#core = new CoreV1Api(
      createConfiguration({
        baseServer: new ServerConfiguration(cluster.server, {}),
        authMethods: { default: this.#auth },
        middleware: [headerMiddleware('User-Agent', USER_AGENT)],
      }),
    );
    this.#requestTimeoutMs = options.requestTimeoutMs ?? 15_000;
    this.#listTimeoutMs = options.listTimeoutMs ?? 60_000;
  }

  /** Closes the kept-alive connections (idle ones would close by themselves after undici's keep-alive timeout). */
  async close(): Promise<void> {
    await this.#auth.close();
  }

  listerWatcher(resource: ResourceName, namespace?: string): ListerWatcher {
    const scoped = RESOURCES[resource].namespaced ? namespace : undefined;
    return {
      description: scoped ? `${resource} in namespace ${scoped}` : resource,
      list: (request) => this.#list(resource, scoped, request),
      watch: (request, onEvent, onDone) => this.#watch(resource, scoped, request, onEvent, onDone),
    };
  }

  /**
   * One LIST page, decoded as plain JSON. The generated list calls (CoreV1Api.listPodForAllNamespaces,
   * …) read the whole body as one string, JSON.parse it and run every item through
   * ObjectSerializer.deserialize into typed model objects with Date timestamps (gen/apis/CoreV1Api.js,
   * listPodForAllNamespacesWithHttpInfo): three copies of each object at once, and most of the
   * sync's CPU in one turn per page. So the request is built the way those calls build it (server
   * URL + path, ServerConfiguration.makeRequestContext), authenticated by the KubeConfig and sent on
   * the shared connection pool (PooledKubeconfigAuth) through client-node's own HTTP library; only the body is decoded differently, item by
   * item as it arrives (ListDecoder). Items come out in the watch dialect (RFC 3339 strings), which
   * slimObject handles like any other.
   */
  async #list(resource: ResourceName, namespace: string | undefined, request: ListRequest): Promise<ListPage> {
    this.requests.count('list', resource);
    const url = new URL(this.server + apiPath(resource, namespace));
    if (request.limit !== undefined) url.searchParams.set('limit', String(request.limit));
    if (request.continue) url.searchParams.set('continue', request.continue);
    const context = new RequestContext(url.toString(), HttpMethod.GET);
    context.setHeaderParam('Accept', 'application/json');
    context.setHeaderParam('User-Agent', USER_AGENT);
    try {
      await this.#auth.applySecurityAuthentication(context);
      const timeout = AbortSignal.timeout(this.#listTimeoutMs);
      context.setSignal(request.signal ? AbortSignal.any([timeout, request.signal]) : timeout);
      const response = await this.#http.send(context).toPromise();
      const status = response.httpStatusCode;
      if (status < 200 || status > 299) {
        // The same exception the generated calls throw, so toPodwhyError reads it the same way.
        const text = await response.body.text();
        throw new ApiException(status, status === 401 ? 'Unauthorized' : 'Unknown API Status Code!', status === 401 ? undefined : text, response.headers);
      }
      // The body is read to its end (the connection goes back to the pool) or, when decoding throws or
      // the page is aborted, its stream is cancelled by the for-await (the connection is dropped).
      const { head, items } = await decodeListStream(response.body.stream(), request.onItem);
      const metadata = isRecord(head) && isRecord(head.metadata) ? head.metadata : {};
      return {
        items,
        resourceVersion: typeof metadata.resourceVersion === 'string' ? metadata.resourceVersion : '',
        continue: typeof metadata.continue === 'string' && metadata.continue ? metadata.continue : undefined,
      };
    } catch (error) {
      throw toPodwhyError(error, { verb: 'list', resource, namespace, server: this.server });
    }
  }

  async #watch(
    resource: ResourceName,
    namespace: string | undefined,
    request: WatchRequest,
    onEvent: (type: string, object: unknown) => void,
    onDone: (error: unknown) => void,
  ): Promise<WatchHandle> {
    this.requests.count('watch', resource);
    const watch = new Watch(this.#kc);
    // client-node's Watch aborts after `requestTimeoutMs` (30 s) without data (watch.js resetTimer);
    // the field is private in the typings. Our watchdog decides about silence, this is a backstop.
    if (request.clientTimeoutMs !== undefined && typeof (watch as unknown as Record<string, unknown>).requestTimeoutMs === 'number') {
      (watch as unknown as { requestTimeoutMs: number }).requestTimeoutMs = request.clientTimeoutMs;
    }
    const info = { verb: 'watch', resource, namespace, server: this.server };
    const controller = await watch.watch(
      apiPath(resource, namespace),
      { resourceVersion: request.resourceVersion, allowWatchBookmarks: request.allowWatchBookmarks, timeoutSeconds: request.timeoutSeconds },
      (type: string, object: unknown) => onEvent(type, object),
      (error: unknown) => onDone(error ? toPodwhyError(error, info) : null),
    );
    return { abort: () => controller.abort() };
  }

  async getPod(ref: PodRef): Promise<Pod | null> {
    this.requests.count('get', 'pods');
    try {
      const pod = await this.#core.readNamespacedPod(ref, timeoutOptions(this.#requestTimeoutMs));
      return slimObject('pods', pod) as unknown as Pod | null;
    } catch (error) {
      if (httpStatusOf(error) === 404) return null;
      throw toPodwhyError(error, { verb: 'get', resource: 'pods', ...ref, server: this.server });
    }
  }

  async listPods(namespace?: string): Promise<Pod[]> {
    const source = this.listerWatcher('pods', namespace);
    const pods: Pod[] = [];
    let token: string | undefined;
    do {
      const page = await source.list({ limit: DEFAULT_INFORMER_TIMINGS.pageSize, continue: token });
      for (const raw of page.items) {
        const pod = slimObject('pods', raw);
        if (pod) pods.push(pod as unknown as Pod);
      }
      token = page.continue;
    } while (token);
    return pods;
  }

  async namespaceExists(name: string): Promise<boolean | null> {
    this.requests.count('get', 'namespaces');
    try {
      await this.#core.readNamespace({ name }, timeoutOptions(this.#requestTimeoutMs));
      return true;
    } catch (error) {
      const status = httpStatusOf(error);
      if (status === 404) return false;
      if (status === 403 || status === 401) return null;
      throw toPodwhyError(error, { verb: 'get', resource: 'namespaces', name, server: this.server });
    }
  }

  async readLogTail(ref: PodRef, container: string, request: LogTailRequest): Promise<string> {
    this.requests.count('get', 'pods/log');
    try {
      return await this.#core.readNamespacedPodLog(
        { ...ref, container, previous: request.previous, tailLines: request.tailLines, limitBytes: request.limitBytes },
        timeoutOptions(this.#requestTimeoutMs),
      );
    } catch (error) {
      throw toPodwhyError(error, { verb: 'get', resource: 'pods/log', ...ref, server: this.server });
    }
  }

  async deletePod(ref: PodRef, options: { uid: string; force?: boolean; resourceVersion?: string }): Promise<void> {
    this.requests.count('delete', 'pods');
    const gracePeriodSeconds = options.force ? 0 : undefined;
    try {
      await this.#core.deleteNamespacedPod(
        {
          ...ref,
          gracePeriodSeconds,
          body: { gracePeriodSeconds, preconditions: { uid: options.uid, resourceVersion: options.resourceVersion } },
        },
        timeoutOptions(this.#requestTimeoutMs),
      );
    } catch (error) {
      throw toPodwhyError(error, { verb: 'delete', resource: 'pods', ...ref, server: this.server });
    }
  }

  async removeFinalizers(
    ref: PodRef,
    options: { uid: string; current: readonly string[]; remove: readonly string[]; resourceVersion?: string },
  ): Promise<void> {
    const ops: Record<string, unknown>[] = [{ op: 'test', path: '/metadata/uid', value: options.uid }];
    if (options.resourceVersion) ops.push({ op: 'test', path: '/metadata/resourceVersion', value: options.resourceVersion });
    // Highest index first, so earlier removals do not shift the positions later ops test.
    const positions = options.current
      .map((finalizer, index) => ({ finalizer, index }))
      .filter(({ finalizer }) => options.remove.includes(finalizer))
      .sort((a, b) => b.index - a.index);
    if (positions.length === 0) return;
    for (const { finalizer, index } of positions) {
      ops.push({ op: 'test', path: `/metadata/finalizers/${index}`, value: finalizer });
      ops.push({ op: 'remove', path: `/metadata/finalizers/${index}` });
    }
    this.requests.count('patch', 'pods');
    try {
      const base = timeoutOptions(this.#requestTimeoutMs);
      await this.#core.patchNamespacedPod(
        { ...ref, body: ops },
        {
          ...base,
          // The generated client's default content type is JSON Patch already; say so explicitly (PLATFORM.md §2.5).
          middleware: [...(base.middleware ?? []), contentTypeMiddleware(PatchStrategy.JsonPatch)],
        },
      );
    } catch (error) {
      throw toPodwhyError(error, { verb: 'patch', resource: 'pods', ...ref, server: this.server });
    }
  }
}

function contentTypeMiddleware(contentType: string): NonNullable<ConfigurationOptions['middleware']>[number] {
  return headerMiddleware('Content-Type', contentType);
}

/** Sets one header on every request (client-node's setHeaderMiddleware, as a promise middleware). */
function headerMiddleware(name: string, value: string): NonNullable<ConfigurationOptions['middleware']>[number] {
  return {
    pre: (context: RequestContext) => {
      context.setHeaderParam(name, value);
      return new Observable(Promise.resolve(context));
    },
    post: (response: ResponseContext) => new Observable(Promise.resolve(response)),
  };
}

/** `/api/v1/pods`, `/api/v1/namespaces/shop/pods`, `/apis/apps/v1/replicasets`, … */
export function apiPath(resource: ResourceName, namespace?: string): string {
  const info = RESOURCES[resource];
  const prefix = info.apiVersion === 'v1' ? '/api/v1' : `/apis/${info.apiVersion}`;
  return namespace && info.namespaced ? `${prefix}/namespaces/${encodeURIComponent(namespace)}/${resource}` : `${prefix}/${resource}`;
}

/** Decodes a LIST response body as it arrives, sharing the informers' time slices (yieldIfSpent). */
async function decodeListStream(stream: AsyncIterable<Uint8Array> | null, onItem?: (item: unknown) => void): Promise<{ head: unknown; items: unknown[] }> {
  const decoder = new ListDecoder(onItem);
  if (stream) {
    for await (const chunk of stream) {
      decoder.push(chunk);
      await yieldIfSpent();
    }
  }
  return decoder.end();
}

/** A whole LIST body at once (tests; the client decodes as the body arrives). */
export function decodeList(body: Uint8Array): { head: unknown; items: unknown[] } {
  const decoder = new ListDecoder();
  decoder.push(body);
  return decoder.end();
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
/** `items` in UTF-8. */
const ITEMS_KEY = [0x69, 0x74, 0x65, 0x6d, 0x73];

/** The backslashes right before `end`, not looking before `from`. */
function backslashesBefore(bytes: Uint8Array, end: number, from: number): number {
  let i = end - 1;
  while (i >= from && bytes[i] === BACKSLASH) i--;
  return end - 1 - i;
}

/** The quote that ends a string whose content starts at `from` (no escape pending), or -1 when it is not in `bytes`. */
function closingQuote(bytes: Uint8Array, from: number): number {
  let quote = bytes.indexOf(QUOTE, from);
  while (quote >= 0 && backslashesBefore(bytes, quote, from) % 2 === 1) quote = bytes.indexOf(QUOTE, quote + 1);
  return quote;
}

function isJsonSpace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

/**
 * Decodes a LIST response (`{"kind":…,"metadata":{…},"items":[…]}`) chunk by chunk, one item at
 * a time: each item's bytes are cut out and parsed on their own as soon as they are complete.
 * JSON.parse of the whole body would first make it one string — for a page of 100 Pods 0.5–1 MB,
 * which V8 allocates straight in its large-object space, where it stays until the next full GC —
 * and then decode the page in one long turn. A Pod's string is a few KB and dies young. Cutting by
 * bytes is safe in UTF-8: a multi-byte sequence never contains an ASCII byte, so quotes,
 * backslashes, brackets and commas are always JSON's own. `head` is the document with `items`
 * emptied (kind, apiVersion, metadata with resourceVersion and continue).
 */
export class ListDecoder {
  /** Decoded items, unless an `onItem` callback takes them. */
  readonly items: unknown[] = [];
  readonly #onItem: ((item: unknown) => void) | undefined;
  #depth = 0;
  #inString = false;
  #escaped = false;
  /** Bytes of the depth-1 string being read, while it can still be `items`; null otherwise. */
  #key: number[] | null = null;
  #lastKeyIsItems = false;
  #phase: 'head' | 'items' | 'tail' = 'head';
  readonly #head: Uint8Array[] = [];
  #item: Uint8Array[] = [];
  #itemOpen = false;

  /** `onItem` receives each item as soon as it is decoded (then `items` stays empty). */
  constructor(onItem?: (item: unknown) => void) {
    this.#onItem = onItem;
  }

  push(chunk: Uint8Array): void {
    let headFrom = this.#phase === 'items' ? -1 : 0;
    let itemFrom = this.#itemOpen ? 0 : -1;
    const openItem = (at: number): void => {
      this.#itemOpen = true;
      itemFrom = at;
    };
    const closeItem = (end: number): void => {
      this.#item.push(chunk.subarray(itemFrom, end));
      const parts = this.#item;
      this.#item = [];
      this.#itemOpen = false;
      itemFrom = -1;
      const bytes = parts.length === 1 ? (parts[0] as Uint8Array) : Buffer.concat(parts);
      const item: unknown = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
      if (this.#onItem) this.#onItem(item);
      else this.items.push(item);
    };
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i] as number;
      if (this.#inString) {
        if (this.#key === null && !this.#escaped) {
          // Most of a LIST's bytes are inside strings: jump to the closing quote.
          const end = closingQuote(chunk, i);
          if (end < 0) {
            this.#escaped = backslashesBefore(chunk, chunk.length, i) % 2 === 1;
            break;
          }
          i = end;
          this.#inString = false;
          if (this.#depth === 1) this.#lastKeyIsItems = false;
          continue;
        }
        if (this.#escaped) this.#escaped = false;
        else if (byte === BACKSLASH) this.#escaped = true;
        else if (byte === QUOTE) {
          this.#inString = false;
          if (this.#depth === 1) this.#lastKeyIsItems = this.#key !== null && this.#key.length === ITEMS_KEY.length;
          this.#key = null;
          continue;
        }
        if (this.#key !== null) {
          if (this.#key.length < ITEMS_KEY.length && byte === ITEMS_KEY[this.#key.length]) this.#key.push(byte);
          else this.#key = null;
        }
        continue;
      }
      switch (byte) {
        case QUOTE:
          this.#inString = true;
          this.#key = this.#depth === 1 ? [] : null;
          if (this.#phase === 'items' && this.#depth === 2 && !this.#itemOpen) openItem(i);
          break;
        case OPEN_BRACE:
        case OPEN_BRACKET:
          if (this.#phase === 'head' && this.#depth === 1 && byte === OPEN_BRACKET && this.#lastKeyIsItems) {
            this.#phase = 'items';
            this.#head.push(chunk.subarray(headFrom, i + 1));
            headFrom = -1;
          } else if (this.#phase === 'items' && this.#depth === 2 && !this.#itemOpen) {
            openItem(i);
          }
          this.#depth++;
          break;
        case CLOSE_BRACE:
        case CLOSE_BRACKET:
          this.#depth--;
          if (this.#phase === 'items' && this.#depth === 1) {
            if (this.#itemOpen) closeItem(i);
            this.#phase = 'tail';
            headFrom = i;
          }
          break;
        case COMMA:
          if (this.#phase === 'items' && this.#depth === 2 && this.#itemOpen) closeItem(i);
          break;
        default:
          if (this.#phase === 'items' && this.#depth === 2 && !this.#itemOpen && !isJsonSpace(byte)) openItem(i); // a number, true, false or null
      }
    }
    if (headFrom >= 0) this.#head.push(chunk.subarray(headFrom));
    if (this.#itemOpen) this.#item.push(chunk.subarray(itemFrom));
  }

  end(): { head: unknown; items: unknown[] } {
    if (this.#depth !== 0 || this.#inString || this.#phase === 'items') throw new SyntaxError('LIST response ended early');
    const head: unknown = JSON.parse(Buffer.concat(this.#head).toString('utf8'));
    return { head, items: this.#phase === 'head' && isRecord(head) && Array.isArray(head.items) ? (head.items as unknown[]) : this.items };
  }
}
