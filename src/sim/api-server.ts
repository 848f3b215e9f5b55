/**
 * A fake kube-apiserver over real HTTP(S) on 127.0.0.1, backed by an ObjectStore. The real
 * @kubernetes/client-node and the real kubectl talk to it as to a cluster: discovery (legacy and
 * aggregated), GET/LIST/WATCH with resourceVersion semantics, limit/continue, bookmarks, label and
 * field selectors, server-side Tables for `kubectl get`, POST/PUT/PATCH/DELETE with the registry's
 * rules, the pods/log subresource, and fault hooks for tests.
 *
 * Wire behaviour that matters to clients, with sources:
 * - a watch from a resourceVersion older than the history answers 200 and then one ERROR event with
 *   a 410 Expired Status, then closes (the watch cache's errWatcher);
 *   source: staging/src/k8s.io/apiserver/pkg/storage/cacher/cacher.go (newErrWatcher) + watch_cache.go
 * - a watch with resourceVersion unset or "0" first sends ADDED for every existing object;
 *   source: https://kubernetes.io/docs/reference/using-api/api-concepts/#semantics-for-watch
 * - watch events are newline-delimited JSON over a chunked response; a BOOKMARK carries only
 *   kind, apiVersion and metadata.resourceVersion;
 *   source: staging/src/k8s.io/apiserver/pkg/endpoints/handlers/watch.go
 * - an object that stops matching a watch's selectors is sent as DELETED, one that starts matching
 *   as ADDED; source: staging/src/k8s.io/apiserver/pkg/storage/cacher/cache_watcher.go (convertToWatchEvent)
 * - list items carry no kind/apiVersion; the list does.
 */
import { writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import { stringify as toYaml } from 'yaml';
import { chooseContainer, renderLog, resolveLog } from './logs.ts';
import { isPatchType, PATCH_TYPES } from './patch.ts';
import { aggregatedDiscovery, apiResourceList, apiVersionOf, findResource, GROUPS, type ResourceInfo } from './resources.ts';
import { parseFieldSelector, parseLabelSelector } from './selectors.ts';
import {
  badRequest,
  forbidden,
  forbiddenPath,
  gatewayTimeout,
  internalError,
  methodNotSupported,
  notFound,
  pathNotFound,
  serviceUnavailable,
  SimApiError,
  success,
  unauthorized,
  unsupportedMediaType,
  type Status,
} from './status.ts';
import { ObjectStore, type DeleteOptions, type KubeObject, type PropagationPolicy, type StoreChange } from './store.ts';
import { toTable } from './tables.ts';
import { serverTls } from './tls.ts';

export type RequestVerb = 'list' | 'watch' | 'get' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection' | 'log' | 'discovery';

/** What a fault matcher sees about a request. */
export interface RequestInfo {
  method: string;
  path: string;
  verb: RequestVerb;
  resource?: string;
  subresource?: string;
  namespace?: string;
  name?: string;
}

/** One entry of the request log. `status` is 0 until the response head is written. */
export interface RequestRecord extends RequestInfo {
  /** The raw query string without "?" ("" when none). */
  query: string;
  status: number;
  at: Date;
}

export type RequestFilter = Partial<Omit<RequestRecord, 'at'>> | ((record: RequestRecord) => boolean);

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

export interface FakeApiServerOptions {
  tls?: boolean;
  store?: ObjectStore;
  /** How often a watch with allowWatchBookmarks=true gets a BOOKMARK (default 60 000, the cacher's minute). */
  bookmarkIntervalMs?: number;
  /** When set, requests must carry `Authorization: Bearer <token>` (401 otherwise). */
  token?: string;
  /** Clock for a store created here and for Table ages (default: the store's clock). */
  now?: () => Date;
  /** The identity named in 403 bodies (default system:serviceaccount:podwhy:podwhy). */
  user?: string;
  /** 'aggregated' (default) answers apidiscovery.k8s.io/v2 when asked; 'legacy' never does. */
  discovery?: 'aggregated' | 'legacy';
  /** Listen on this port instead of a random one. */
  port?: number;
}

export interface KubeconfigOptions {
  context?: string;
  namespace?: string;
}

export interface FakeApiServer {
  /** https://127.0.0.1:PORT or http://127.0.0.1:PORT */
  readonly url: string;
  readonly port: number;
  readonly store: ObjectStore;
  /** PEM of the CA that signed the server certificate (tls only). */
  readonly caData?: string;
  readonly faults: Faults;
  readonly requests: RequestRecord[];
  countRequests(filter?: RequestFilter): number;
  /** Watches currently open (stalled ones included). */
  activeWatches(): number;
  kubeconfigYaml(options?: KubeconfigOptions): string;
  /** Writes kubeconfigYaml() to `path` and returns the path. */
  writeKubeconfig(path: string, options?: KubeconfigOptions): string;
  close(): Promise<void>;
}

const JSON_TYPE = 'application/json';
const AGGREGATED_TYPE = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';
const DEFAULT_TOKEN = 'podwhy-sim-token';
const DEFAULT_USER = 'system:serviceaccount:podwhy:podwhy';
/** Patch types accepted for built-in resources (apply-patch+yaml is not implemented). */
const ACCEPTED_PATCH_TYPES = [PATCH_TYPES.json, PATCH_TYPES.merge, PATCH_TYPES.strategic] as const;

interface ParsedPath {
  info: RequestInfo;
  kind: 'resource' | 'discovery' | 'unknown';
  resource?: ResourceInfo;
  discoveryPath?: string;
  watchPrefix?: boolean;
}

interface Watcher {
  res: ServerResponse;
  resource: ResourceInfo;
  namespace?: string;
  matches: (obj: KubeObject) => boolean;
  silenced: boolean;
  missed: string[];
  /** Re-shapes object events (Table watches). */
  transform?: (obj: KubeObject) => Record<string, unknown>;
  timers: NodeJS.Timeout[];
  closed: boolean;
}

interface PendingFailure {
  status: number;
  remaining: number;
  options: FailNextOptions;
}

function parsePath(method: string, pathname: string, watchQuery: boolean): ParsedPath {
  const seg = pathname.split('/').filter((s) => s !== '').map(decodeURIComponent);
  const base: RequestInfo = { method, path: pathname, verb: 'discovery' };
  let group: string;
  let version: string | undefined;
  let rest: string[];
  if (seg[0] === 'api') {
    group = '';
    version = seg[1];
    rest = seg.slice(2);
  } else if (seg[0] === 'apis') {
    group = seg[1] ?? '';
    version = seg[2];
    rest = seg.slice(3);
    if (seg.length <= 2) return { info: base, kind: 'discovery', discoveryPath: pathname };
  } else {
    return { info: base, kind: seg.length === 0 || ['version', 'healthz', 'livez', 'readyz', 'openapi'].includes(seg[0] ?? '') ? 'discovery' : 'unknown', discoveryPath: pathname };
  }
  if (version === undefined || rest.length === 0) return { info: base, kind: 'discovery', discoveryPath: pathname };
  let watchPrefix = false;
  if (rest[0] === 'watch') {
    watchPrefix = true;
    rest = rest.slice(1);
  }
  let namespace: string | undefined;
  let resourceName: string | undefined;
  let name: string | undefined;
  let subresource: string | undefined;
  const nsResource = rest[0] === 'namespaces' && rest.length >= 3 ? findResource(group, version, rest[2] ?? '') : undefined;
  if (nsResource !== undefined && nsResource.namespaced) {
    namespace = rest[1];
    resourceName = rest[2];
    name = rest[3];
    subresource = rest[4];
    if (rest.length > 5) return { info: base, kind: 'unknown' };
  } else {
    resourceName = rest[0];
    name = rest[1];
    subresource = rest[2];
    if (rest.length > 3) return { info: base, kind: 'unknown' };
  }
  const r = findResource(group, version, resourceName ?? '');
  if (r === undefined) return { info: base, kind: 'unknown' };
  if (!r.namespaced && namespace !== undefined) return { info: base, kind: 'unknown' };
  let verb: RequestVerb;
  switch (method) {
    case 'GET':
      verb = name === undefined ? (watchPrefix || watchQuery ? 'watch' : 'list') : subresource === 'log' ? 'log' : watchPrefix ? 'watch' : 'get';
      break;
    case 'POST':
      verb = 'create';
      break;
    case 'PUT':
      verb = 'update';
      break;
    case 'PATCH':
      verb = 'patch';
      break;
    case 'DELETE':
      verb = name === undefined ? 'deletecollection' : 'delete';
      break;
    default:
      verb = 'get';
  }
  const info: RequestInfo = { method, path: pathname, verb, resource: r.resource };
  if (subresource !== undefined) info.subresource = subresource;
  if (namespace !== undefined) info.namespace = namespace;
  if (name !== undefined) info.name = name;
  return { info, kind: 'resource', resource: r, watchPrefix };
}

function matchesFilter(record: RequestRecord, filter: RequestFilter | undefined): boolean {
  if (filter === undefined) return true;
  if (typeof filter === 'function') return filter(record);
  return Object.entries(filter).every(([k, v]) => (record as unknown as Record<string, unknown>)[k] === v);
}

function boolParam(v: string | null): boolean {
  return v === 'true' || v === '1';
}

function intParam(v: string | null, name: string): number | undefined {
  if (v === null || v === '') return undefined;
  const n = Number(v);
  // source: apimachinery runtime/conversion — strconv.ParseInt errors become a 400
  if (!Number.isInteger(n)) throw badRequest(`strconv.ParseInt: parsing ${JSON.stringify(v)}: invalid syntax (${name})`);
  return n;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function parseJsonBody(raw: Buffer): unknown {
  if (raw.length === 0) return undefined;
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch (err) {
    // source: the apiserver's json serializer error, wrapped in a 400
    throw badRequest(`couldn't get version/kind; json parse error: ${(err as Error).message}`);
  }
}

/** The 429 max-in-flight / APF answer: plain text, not a Status. source: staging/src/k8s.io/apiserver/pkg/server/filters/maxinflight.go (tooManyRequests) */
const TOO_MANY_REQUESTS_TEXT = 'Too many requests, please try again later.\n';

class FakeApiServerImpl implements FakeApiServer {
  readonly store: ObjectStore;
  readonly requests: RequestRecord[] = [];
  readonly faults: Faults;
  caData?: string;
  port = 0;
  private server!: Server;
  private readonly scheme: 'http' | 'https';
  private readonly sockets = new Set<Socket>();
  private readonly watchers = new Set<Watcher>();
  private readonly failures: PendingFailure[] = [];
  private latencyMs = 0;
  private stalled = false;
  private readonly bookmarkIntervalMs: number;
  private readonly token: string | undefined;
  private readonly clock: () => Date;
  private readonly user: string;
  private readonly discoveryMode: 'aggregated' | 'legacy';
  private readonly unsubscribe: () => void;
  private up = false;

  constructor(options: FakeApiServerOptions, tls: { certPem: string; keyPem: string; caPem: string } | undefined) {
    this.store = options.store ?? new ObjectStore(options.now ? { now: options.now } : {});
    this.clock = options.now ?? this.store.now;
    this.bookmarkIntervalMs = options.bookmarkIntervalMs ?? 60_000;
    this.token = options.token;
    this.user = options.user ?? DEFAULT_USER;
    this.discoveryMode = options.discovery ?? 'aggregated';
    this.scheme = tls ? 'https' : 'http';
    if (tls) this.caData = tls.caPem;
    const handler = (req: IncomingMessage, res: ServerResponse): void => {
      // A client may vanish mid-response (aborted watch, goDown); that is not a server error.
      res.on('error', () => undefined);
      req.on('error', () => undefined);
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) this.sendError(res, undefined, err instanceof SimApiError ? err : internalError((err as Error).message));
        else res.destroy();
      });
    };
    this.server = tls ? createHttpsServer({ cert: tls.certPem, key: tls.keyPem }, handler) : createHttpServer(handler);
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    this.unsubscribe = this.store.subscribe((change) => this.fanOut(change));
    this.faults = {
      dropAllWatches: (opts) => this.dropAllWatches(opts?.abrupt ?? false),
      stallWatches: (on, opts) => this.stallWatches(on, opts?.resume ?? false),
      failNext: (status, opts = {}) => {
        this.failures.push({ status, remaining: opts.times ?? 1, options: opts });
      },
      clearFailures: () => {
        this.failures.length = 0;
      },
      setLatency: (ms) => {
        this.latencyMs = ms;
      },
      goDown: () => this.goDown(),
      comeUp: () => this.listen(this.port),
    };
  }

  get url(): string {
    return `${this.scheme}://127.0.0.1:${this.port}`;
  }

  async listen(port: number): Promise<void> {
    if (this.up) return;
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      this.server.once('error', onError);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', onError);
        resolve();
      });
    });
    const address = this.server.address();
    if (address !== null && typeof address === 'object') this.port = address.port;
    this.up = true;
  }

  private async goDown(): Promise<void> {
    if (!this.up) return;
    this.up = false;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const w of this.watchers) this.closeWatcher(w, true);
    for (const s of this.sockets) s.destroy();
    await closed;
  }

  async close(): Promise<void> {
    this.unsubscribe();
    await this.goDown();
  }

  countRequests(filter?: RequestFilter): number {
    return this.requests.filter((r) => matchesFilter(r, filter)).length;
  }

  activeWatches(): number {
    return this.watchers.size;
  }

  kubeconfigYaml(options: KubeconfigOptions = {}): string {
    const name = options.context ?? 'podwhy-sim';
    const cluster: Record<string, string | boolean> = { server: this.url };
    if (this.caData !== undefined) cluster['certificate-authority-data'] = Buffer.from(this.caData).toString('base64');
    // client-node 2 refuses an http:// server unless skipTLSVerify is set (config.js createDispatcherOptions:
    // "HTTP protocol is not allowed when skipTLSVerify is not set or false"); kubectl ignores it for http.
    else cluster['insecure-skip-tls-verify'] = true;
    const context: Record<string, string> = { cluster: name, user: name };
    if (options.namespace !== undefined) context['namespace'] = options.namespace;
    return toYaml({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name, cluster }],
      contexts: [{ name, context }],
      'current-context': name,
      preferences: {},
      users: [{ name, user: { token: this.token ?? DEFAULT_TOKEN } }],
    });
  }

  writeKubeconfig(path: string, options?: KubeconfigOptions): string {
    writeFileSync(path, this.kubeconfigYaml(options), { mode: 0o600 });
    return path;
  }

  // ---------- request handling ----------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = (req.method ?? 'GET').toUpperCase();
    const query = url.searchParams;
    const parsed = parsePath(method, url.pathname, boolParam(query.get('watch')));
    const record: RequestRecord = { ...parsed.info, query: url.search.replace(/^\?/, ''), status: 0, at: this.clock() };
    this.requests.push(record);

    if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
    if (res.destroyed) return;

    const failure = this.takeFailure(parsed.info);
    if (failure !== undefined) {
      await readBody(req);
      this.sendFault(res, record, parsed, failure);
      return;
    }
    if (this.token !== undefined && req.headers.authorization !== `Bearer ${this.token}`) {
      await readBody(req);
      this.sendError(res, record, unauthorized());
      return;
    }
    try {
      const body = await readBody(req);
      if (parsed.kind === 'discovery') {
        this.serveDiscovery(req, res, record, url.pathname);
        return;
      }
      if (parsed.kind === 'unknown' || parsed.resource === undefined) throw pathNotFound();
      await this.serveResource(req, res, record, parsed, parsed.resource, query, body);
    } catch (err) {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      this.sendError(res, record, err instanceof SimApiError ? err : internalError((err as Error).message));
    }
  }

  private takeFailure(info: RequestInfo): PendingFailure | undefined {
    const index = this.failures.findIndex((f) => f.options.match === undefined || f.options.match(info));
    if (index === -1) return undefined;
    const failure = this.failures[index] as PendingFailure;
    failure.remaining -= 1;
    if (failure.remaining <= 0) this.failures.splice(index, 1);
    return failure;
  }

  private sendFault(res: ServerResponse, record: RequestRecord, parsed: ParsedPath, failure: PendingFailure): void {
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
          error = forbiddenPath(this.user, info.method.toLowerCase(), info.path);
          break;
        }
        const opts: Parameters<typeof forbidden>[0] = { user: this.user, verb: info.verb === 'log' ? 'get' : info.verb, resource: info.resource ?? '', group: r?.group ?? '' };
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
    this.sendError(res, record, new SimApiError(error.status, headers));
  }

  private send(res: ServerResponse, record: RequestRecord | undefined, code: number, body: unknown, contentType = JSON_TYPE): void {
    if (record !== undefined) record.status = code;
    const payload = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
    res.writeHead(code, { 'Content-Type': contentType, 'Cache-Control': 'no-cache, private' });
    res.end(payload);
  }

  private sendError(res: ServerResponse, record: RequestRecord | undefined, error: SimApiError): void {
    if (record !== undefined) record.status = error.status.code;
    res.writeHead(error.status.code, { 'Content-Type': JSON_TYPE, 'Cache-Control': 'no-cache, private', ...error.headers });
    res.end(JSON.stringify(error.status));
  }

  private serveDiscovery(req: IncomingMessage, res: ServerResponse, record: RequestRecord, path: string): void {
    const accept = req.headers.accept ?? '';
    const wantsAggregated = this.discoveryMode === 'aggregated' && accept.includes('as=APIGroupDiscoveryList');
    const p = path.replace(/\/+$/, '') || '/';
    if (p === '/api') {
      if (wantsAggregated) return this.send(res, record, 200, aggregatedDiscovery(true), AGGREGATED_TYPE);
      return this.send(res, record, 200, {
        kind: 'APIVersions',
        versions: ['v1'],
        serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: `127.0.0.1:${this.port}` }],
      });
    }
    if (p === '/apis') {
      if (wantsAggregated) return this.send(res, record, 200, aggregatedDiscovery(false), AGGREGATED_TYPE);
      return this.send(res, record, 200, {
        kind: 'APIGroupList',
        apiVersion: 'v1',
        groups: GROUPS.map(({ group, version }) => ({
          name: group,
          versions: [{ groupVersion: `${group}/${version}`, version }],
          preferredVersion: { groupVersion: `${group}/${version}`, version },
        })),
      });
    }
    if (p === '/api/v1') return this.send(res, record, 200, apiResourceList('', 'v1'));
    for (const { group, version } of GROUPS) {
      if (p === `/apis/${group}/${version}`) return this.send(res, record, 200, apiResourceList(group, version));
      if (p === `/apis/${group}`) {
        return this.send(res, record, 200, {
          kind: 'APIGroup',
          apiVersion: 'v1',
          name: group,
          versions: [{ groupVersion: `${group}/${version}`, version }],
          preferredVersion: { groupVersion: `${group}/${version}`, version },
        });
      }
    }
    if (p === '/version') {
      return this.send(res, record, 200, {
        major: '1', minor: '32', gitVersion: 'v1.32.0', gitCommit: '0000000000000000000000000000000000000000', gitTreeState: 'clean',
        buildDate: '2024-12-11T17:55:17Z', goVersion: 'go1.23.3', compiler: 'gc', platform: 'linux/amd64',
      });
    }
    if (p === '/healthz' || p === '/livez' || p === '/readyz') return this.send(res, record, 200, 'ok', 'text/plain; charset=utf-8');
    throw pathNotFound();
  }

  private async serveResource(
    req: IncomingMessage,
    res: ServerResponse,
    record: RequestRecord,
    parsed: ParsedPath,
    r: ResourceInfo,
    query: URLSearchParams,
    rawBody: Buffer,
  ): Promise<void> {
    const { verb, namespace, name, subresource } = parsed.info;
    if (subresource !== undefined && !(r.subresources as readonly string[]).includes(subresource)) throw pathNotFound();
    const accept = req.headers.accept ?? '';
    const table = accept.includes('as=Table');
    const includeObject = (query.get('includeObject') ?? 'Metadata') as 'None' | 'Metadata' | 'Object';
    switch (verb) {
      case 'list': {
        const page = this.store.listPage(r.resource, {
          ...(namespace !== undefined ? { namespace } : {}),
          labelSelector: query.get('labelSelector') ?? undefined,
          fieldSelector: query.get('fieldSelector') ?? undefined,
          limit: intParam(query.get('limit'), 'limit'),
          continue: query.get('continue') ?? undefined,
        });
        const meta: Record<string, unknown> = { resourceVersion: page.resourceVersion };
        if (page.continue !== undefined) meta['continue'] = page.continue;
        if (page.remainingItemCount !== undefined) meta['remainingItemCount'] = page.remainingItemCount;
        if (table) return this.send(res, record, 200, toTable(r, page.items, meta, this.clock(), includeObject));
        return this.sendList(res, record, r, meta, page.items);
      }
      case 'watch':
        return this.serveWatch(req, res, record, r, namespace, name, query, table);
      case 'get': {
        if (boolParam(query.get('watch'))) return this.serveWatch(req, res, record, r, namespace, name, query, table);
        const obj = this.store.get(r.resource, namespace, name ?? '');
        if (obj === undefined) throw notFound(r.resource, r.group, name ?? '');
        if (table && subresource === undefined) return this.send(res, record, 200, toTable(r, [obj], { resourceVersion: obj.metadata.resourceVersion ?? '' }, this.clock(), includeObject));
        return this.send(res, record, 200, obj);
      }
      case 'log':
        return this.serveLog(req, res, record, namespace ?? '', name ?? '', query);
      case 'create': {
        if (name !== undefined) throw methodNotSupported(r.resource, r.group, 'create');
        const body = this.objectBody(parseJsonBody(rawBody));
        if (r.namespaced) {
          const ns = namespace ?? '';
          if (body.metadata.namespace !== undefined && body.metadata.namespace !== '' && body.metadata.namespace !== ns) {
            // source: staging/src/k8s.io/apiserver/pkg/registry/rest/meta.go (EnsureObjectNamespaceMatchesRequestNamespace)
            throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
          }
          body.metadata.namespace = ns;
          // source: plugin/pkg/admission/namespace/lifecycle/admission.go — creating in a missing namespace is a 404 NotFound
          if (this.store.get('namespaces', undefined, ns) === undefined) throw notFound('namespaces', '', ns);
        }
        const created = this.store.create(body, { resource: r.resource, apiMode: true });
        return this.send(res, record, 201, created);
      }
      case 'update': {
        const body = this.objectBody(parseJsonBody(rawBody));
        if (body.metadata.name !== undefined && body.metadata.name !== name) {
          // source: staging/src/k8s.io/apiserver/pkg/endpoints/handlers/update.go
          throw badRequest(`the name of the object (${body.metadata.name}) does not match the name on the URL (${String(name)})`);
        }
        body.metadata.name = name;
        if (r.namespaced) {
          if (body.metadata.namespace !== undefined && body.metadata.namespace !== '' && body.metadata.namespace !== namespace) {
            throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
          }
          body.metadata.namespace = namespace;
        }
        const updated = this.store.update(body, { resource: r.resource, apiMode: true, ...(subresource === 'status' ? { subresource: 'status' as const } : {}) });
        return this.send(res, record, 200, updated);
      }
      case 'patch': {
        const contentType = (req.headers['content-type'] ?? '').split(';')[0]?.trim() ?? '';
        if (!isPatchType(contentType)) throw unsupportedMediaType(ACCEPTED_PATCH_TYPES);
        const body = parseJsonBody(rawBody);
        if (body === undefined) throw badRequest('the body of the request was empty');
        const patched = this.store.patch(r.resource, namespace, name ?? '', contentType, body, subresource === 'status' ? { subresource: 'status' } : {});
        return this.send(res, record, 200, patched);
      }
      case 'delete': {
        if (subresource !== undefined) throw methodNotSupported(r.resource, r.group, 'delete');
        const options = this.deleteOptions(parseJsonBody(rawBody), query);
        const result = this.store.delete(r.resource, namespace, name ?? '', options);
        if (result.deleted && !r.returnsDeletedObject) {
          const details: Record<string, string> = { name: name ?? '' };
          if (r.group !== '') details['group'] = r.group;
          details['kind'] = r.resource;
          if (result.object.metadata.uid !== undefined) details['uid'] = result.object.metadata.uid;
          return this.send(res, record, 200, success(details));
        }
        // source: handlers/delete.go — 202 when not deleted at once and orphanDependents=false was asked
        const code = !result.deleted && options.orphanDependents === false ? 202 : 200;
        return this.send(res, record, code, result.object);
      }
      case 'deletecollection': {
        const options = this.deleteOptions(parseJsonBody(rawBody), query);
        const { items } = this.store.list(r.resource, {
          ...(namespace !== undefined ? { namespace } : {}),
          labelSelector: query.get('labelSelector') ?? undefined,
          fieldSelector: query.get('fieldSelector') ?? undefined,
        });
        const out: KubeObject[] = [];
        for (const item of items) {
          try {
            out.push(this.store.delete(r.resource, item.metadata.namespace, item.metadata.name ?? '', options).object);
          } catch (err) {
            if (!(err instanceof SimApiError && err.code === 404)) throw err;
          }
        }
        return this.sendList(res, record, r, { resourceVersion: this.store.resourceVersion }, out);
      }
      case 'discovery':
        throw pathNotFound();
    }
  }

  private sendList(res: ServerResponse, record: RequestRecord, r: ResourceInfo, meta: Record<string, unknown>, items: readonly KubeObject[]): void {
    // List items omit kind/apiVersion, as the apiserver's list encoding does.
    const stripped = items.map(({ kind: _k, apiVersion: _a, ...rest }) => rest);
    this.send(res, record, 200, { kind: r.listKind, apiVersion: apiVersionOf(r), metadata: meta, items: stripped });
  }

  private objectBody(body: unknown): KubeObject {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('Object \'Kind\' is missing in request body');
    const obj = body as KubeObject;
    if (typeof obj.metadata !== 'object' || obj.metadata === null) obj.metadata = {};
    return obj;
  }

  private deleteOptions(body: unknown, query: URLSearchParams): DeleteOptions {
    const options: DeleteOptions = {};
    const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    const grace = b['gracePeriodSeconds'] ?? intParam(query.get('gracePeriodSeconds'), 'gracePeriodSeconds');
    if (typeof grace === 'number') options.gracePeriodSeconds = grace;
    const policy = b['propagationPolicy'] ?? query.get('propagationPolicy') ?? undefined;
    if (policy !== undefined) {
      if (policy !== 'Orphan' && policy !== 'Background' && policy !== 'Foreground') {
        // source: staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/validation/validation.go (ValidateDeleteOptions)
        throw new SimApiError({
          kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'Invalid', code: 422,
          message: `DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: ${JSON.stringify(policy)}: supported values: "Foreground", "Background", "Orphan"`,
          details: { group: 'meta.k8s.io', kind: 'DeleteOptions', causes: [{ type: 'FieldValueNotSupported', message: `Unsupported value: ${JSON.stringify(policy)}: supported values: "Foreground", "Background", "Orphan"`, field: 'propagationPolicy' }] },
        });
      }
      options.propagationPolicy = policy as PropagationPolicy;
    }
    const orphan = b['orphanDependents'] ?? (query.get('orphanDependents') === null ? undefined : boolParam(query.get('orphanDependents')));
    if (typeof orphan === 'boolean') options.orphanDependents = orphan;
    const pre = b['preconditions'];
    if (typeof pre === 'object' && pre !== null) {
      const p = pre as Record<string, unknown>;
      options.preconditions = {};
      if (typeof p['uid'] === 'string') options.preconditions.uid = p['uid'];
      if (typeof p['resourceVersion'] === 'string') options.preconditions.resourceVersion = p['resourceVersion'];
    }
    return options;
  }

  // ---------- pods/log ----------

  private serveLog(_req: IncomingMessage, res: ServerResponse, record: RequestRecord, namespace: string, name: string, query: URLSearchParams): void {
    const pod = this.store.get('pods', namespace, name);
    if (pod === undefined) throw notFound('pods', '', name);
    const container = chooseContainer(pod, query.get('container') ?? undefined);
    const previous = boolParam(query.get('previous'));
    const options = {
      tailLines: intParam(query.get('tailLines'), 'tailLines'),
      limitBytes: intParam(query.get('limitBytes'), 'limitBytes'),
    };
    const lines = resolveLog(this.store, pod, container, previous);
    const text = lines === undefined ? Buffer.alloc(0) : renderLog(lines, options);
    if (!boolParam(query.get('follow')) || previous || lines === undefined) {
      this.send(res, record, 200, text, 'text/plain');
      return;
    }
    // follow=true: send what exists, then lines appended to the current log, until the Pod goes away.
    record.status = 200;
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked' });
    res.write(text);
    let sent = this.store.getLogs(namespace, name, container).current.length;
    const stopLogs = this.store.onLogs((ns, pod2, c) => {
      if (ns !== namespace || pod2 !== name || c !== container || res.destroyed || res.writableEnded) return;
      const current = this.store.getLogs(namespace, name, container).current;
      for (const line of current.slice(sent)) res.write(`${line}\n`);
      sent = current.length;
    });
    const stopPod = this.store.subscribe((change) => {
      if (change.resource === 'pods' && change.type === 'DELETED' && change.object.metadata.namespace === namespace && change.object.metadata.name === name) res.end();
    });
    res.on('close', () => {
      stopLogs();
      stopPod();
    });
  }

  // ---------- watch ----------

  private serveWatch(
    req: IncomingMessage,
    res: ServerResponse,
    record: RequestRecord,
    r: ResourceInfo,
    namespace: string | undefined,
    name: string | undefined,
    query: URLSearchParams,
    table: boolean,
  ): void {
    record.verb = 'watch';
    const labelMatch = parseLabelSelector(query.get('labelSelector'));
    const fieldMatch = parseFieldSelector(query.get('fieldSelector'), r);
    const timeoutSeconds = intParam(query.get('timeoutSeconds'), 'timeoutSeconds');
    const rvParam = query.get('resourceVersion') ?? '';
    const allowBookmarks = boolParam(query.get('allowWatchBookmarks'));
    const sendInitialEvents = boolParam(query.get('sendInitialEvents'));
    let startRv: number | undefined;
    if (rvParam !== '' && rvParam !== '0') {
      startRv = Number(rvParam);
      // source: staging/src/k8s.io/apiserver/pkg/storage/cacher (parse error for a non-numeric RV)
      if (!Number.isInteger(startRv)) throw badRequest(`invalid resource version: strconv.ParseUint: parsing ${JSON.stringify(rvParam)}: invalid syntax`);
    }

    record.status = 200;
    res.writeHead(200, { 'Content-Type': JSON_TYPE, 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache, private' });
    res.flushHeaders();

    const matches = (obj: KubeObject): boolean =>
      (namespace === undefined || obj.metadata.namespace === namespace) &&
      (name === undefined || obj.metadata.name === name) &&
      labelMatch(obj.metadata.labels) &&
      fieldMatch(obj);
    const watcher: Watcher = { res, resource: r, matches, silenced: this.stalled, missed: [], timers: [], closed: false };
    if (table) {
      // kubectl get -w: each object event carries a one-row Table (columns in every event, as the server sends them).
      const includeObject = (query.get('includeObject') ?? 'Metadata') as 'None' | 'Metadata' | 'Object';
      watcher.transform = (obj) => toTable(r, [obj], { resourceVersion: obj.metadata.resourceVersion ?? '' }, this.clock(), includeObject);
    }
    if (namespace !== undefined) watcher.namespace = namespace;

    let backlog: StoreChange[] = [];
    if (startRv !== undefined && !sendInitialEvents) {
      try {
        backlog = this.store.changesSince(startRv);
      } catch (err) {
        if (err instanceof SimApiError) {
          this.writeEvent(watcher, { type: 'ERROR', object: err.status });
          res.end();
          return;
        }
        throw err;
      }
    }
    this.watchers.add(watcher);
    res.on('close', () => this.closeWatcher(watcher, false));
    req.on('close', () => this.closeWatcher(watcher, false));

    if (startRv === undefined || sendInitialEvents) {
      for (const obj of this.store.list(r.resource, namespace !== undefined ? { namespace } : {}).items) {
        if (matches(obj)) this.writeEvent(watcher, { type: 'ADDED', object: watcher.transform ? watcher.transform(obj) : obj });
      }
      if (sendInitialEvents && allowBookmarks) {
        // source: staging/src/k8s.io/apiserver/pkg/storage/cacher (initial-events-end bookmark for WatchList)
        this.writeEvent(watcher, {
          type: 'BOOKMARK',
          object: { kind: r.kind, apiVersion: apiVersionOf(r), metadata: { resourceVersion: this.store.resourceVersion, annotations: { 'k8s.io/initial-events-end': 'true' } } },
        });
      }
    } else {
      for (const change of backlog) this.deliver(watcher, change);
    }
    if (allowBookmarks) {
      watcher.timers.push(
        setInterval(() => {
          this.writeEvent(watcher, { type: 'BOOKMARK', object: { kind: r.kind, apiVersion: apiVersionOf(r), metadata: { resourceVersion: this.store.resourceVersion } } });
        }, this.bookmarkIntervalMs),
      );
    }
    if (timeoutSeconds !== undefined && timeoutSeconds > 0) {
      watcher.timers.push(setTimeout(() => this.closeWatcher(watcher, false, true), timeoutSeconds * 1000));
    }
  }

  private fanOut(change: StoreChange): void {
    for (const w of this.watchers) if (w.resource.resource === change.resource) this.deliver(w, change);
  }

  /** Turns a store change into the event this watcher sees, given its selectors. */
  private deliver(w: Watcher, change: StoreChange): void {
    if (w.resource.resource !== change.resource) return;
    const now = w.matches(change.object);
    const before = change.previous !== undefined && change.type !== 'ADDED' ? w.matches(change.previous) : false;
    let type: string | undefined;
    if (change.type === 'ADDED') type = now ? 'ADDED' : undefined;
    else if (change.type === 'DELETED') type = before || now ? 'DELETED' : undefined;
    else if (now && before) type = 'MODIFIED';
    else if (now) type = 'ADDED';
    else if (before) type = 'DELETED';
    if (type !== undefined) this.writeEvent(w, { type, object: w.transform ? w.transform(change.object) : change.object });
  }

  private writeEvent(w: Watcher, event: { type: string; object: KubeObject | Status | Record<string, unknown> }): void {
    if (w.closed) return;
    if (w.res.destroyed || w.res.writableEnded) {
      this.closeWatcher(w, false);
      return;
    }
    const line = `${JSON.stringify(event)}\n`;
    if (w.silenced) {
      w.missed.push(line);
      return;
    }
    w.res.write(line);
  }

  private closeWatcher(w: Watcher, abrupt: boolean, graceful = false): void {
    if (w.closed) return;
    w.closed = true;
    for (const t of w.timers) clearTimeout(t);
    this.watchers.delete(w);
    if (abrupt) w.res.socket?.destroy();
    else if (graceful || !w.res.writableEnded) w.res.end();
  }

  private dropAllWatches(abrupt: boolean): number {
    const all = [...this.watchers];
    for (const w of all) this.closeWatcher(w, abrupt, !abrupt);
    return all.length;
  }

  private stallWatches(on: boolean, resume: boolean): void {
    this.stalled = on;
    if (on) {
      for (const w of this.watchers) w.silenced = true;
      return;
    }
    if (!resume) return;
    for (const w of this.watchers) {
      if (!w.silenced) continue;
      w.silenced = false;
      if (!w.res.destroyed && !w.res.writableEnded) for (const line of w.missed) w.res.write(line);
      w.missed = [];
    }
  }
}

/** Starts a fake API server on 127.0.0.1 (random port unless `port` is given). */
export async function startFakeApiServer(options: FakeApiServerOptions = {}): Promise<FakeApiServer> {
  const tls = options.tls ? await serverTls() : undefined;
  const server = new FakeApiServerImpl(options, tls);
  await server.listen(options.port ?? 0);
  return server;
}
