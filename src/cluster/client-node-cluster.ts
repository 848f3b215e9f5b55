/**
 * ClusterReader and ClusterActor (ports.ts) on @kubernetes/client-node v2: GETs, log tails and
 * mutations through its generated CoreV1Api, LIST pages through its HTTP library with the body
 * decoded item by item (list-decoder.ts), watches through its Watch, every request but watches on one
 * kept-alive connection pool (connection-pool.ts). Only this file, connection-pool.ts, api-errors.ts
 * and src/cluster/watch/ import client-node; every failure leaves here as a PodwhyError (api-errors.ts).
 */
import {
  ApiException,
  AuthorizationV1Api,
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
} from '@kubernetes/client-node';
import clientNodePackage from '@kubernetes/client-node/package.json' with { type: 'json' };
import type { Pod } from '../contract/k8s.ts';
import { PodwhyError } from '../errors.ts';
import { httpStatusOf, toPodwhyError } from './api-errors.ts';
import { CONNECTION_REFRESH_MS, PooledKubeconfigAuth } from './connection-pool.ts';
import { decodeListStream } from './list-decoder.ts';
import { isRecord } from '../contract/is-record.ts';
import type { AccessReviewer, ClusterActor, ClusterReader, LogTailRequest, PodRef } from './ports.ts';
import { RequestCounter } from './request-counter.ts';
import { RESOURCES, type ResourceName } from './resources.ts';
import { slimObject } from './slim.ts';
import { DEFAULT_INFORMER_TIMINGS, type ListerWatcher, type ListPage, type ListRequest, type WatchHandle, type WatchRequest } from './watch/resilient-informer.ts';

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

export class ClientNodeCluster implements ClusterReader, ClusterActor, AccessReviewer {
  readonly server: string;
  readonly requests = new RequestCounter();
  readonly #kc: KubeConfig;
  /** Authentication and the one connection pool of every request but watches. */
  readonly #auth: PooledKubeconfigAuth;
  readonly #core: CoreV1Api;
  readonly #authorization: AuthorizationV1Api;
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
    this.#authorization = new AuthorizationV1Api(
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
      const onHead = request.onHead;
      const { head, items } = await decodeListStream(response.body.stream(), request.onItem, {
        keepManagedFields: request.keepManagedFields,
        ...(onHead ? { onHead: (early: unknown) => onHead(listMetadataOf(early)) } : {}),
      });
      return { items, ...listMetadataOf(head) };
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

  async canI(review: { user: string; verb: 'delete' | 'patch'; namespace: string; name: string }): Promise<{ allowed: boolean; reason: string }> {
    this.requests.count('create', 'subjectaccessreviews');
    try {
      const answer = await this.#authorization.createSubjectAccessReview(
        { body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { user: review.user, resourceAttributes: { verb: review.verb, resource: 'pods', namespace: review.namespace, name: review.name } } } },
        timeoutOptions(this.#requestTimeoutMs),
      );
      return { allowed: answer.status?.allowed === true, reason: answer.status?.reason ?? '' };
    } catch (error) {
      throw toPodwhyError(error, { verb: 'create', resource: 'subjectaccessreviews', server: this.server });
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

/** A LIST document's resourceVersion and continue token (ListMeta). */
function listMetadataOf(head: unknown): { resourceVersion: string; continue?: string } {
  const metadata = isRecord(head) && isRecord(head.metadata) ? head.metadata : {};
  return {
    resourceVersion: typeof metadata.resourceVersion === 'string' ? metadata.resourceVersion : '',
    ...(typeof metadata.continue === 'string' && metadata.continue ? { continue: metadata.continue } : {}),
  };
}
