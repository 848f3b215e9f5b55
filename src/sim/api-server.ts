/**
 * A fake kube-apiserver over real HTTP(S) on 127.0.0.1, backed by an ObjectStore. The real
 * @kubernetes/client-node and the real kubectl talk to it as to a cluster: discovery (legacy and
 * aggregated), GET/LIST/WATCH with resourceVersion semantics, limit/continue, bookmarks, label and
 * field selectors, server-side Tables for `kubectl get`, POST/PUT/PATCH/DELETE with the registry's
 * rules, the pods/log subresource, and fault hooks for tests.
 *
 * This file is the server: its lifecycle, the kubeconfig that reaches it, and the request pipeline
 * (request log, latency, injected failures, authentication, then the handler for the route).
 * The handlers: routing.ts (path → route and verb), discovery.ts, crud.ts (list, get, create, update,
 * patch, delete), watch.ts (watch streams and their wire rules), logs.ts (pods/log), faults.ts
 * (injected failures); http-io.ts holds what they share on the wire.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import { stringify as toYaml } from 'yaml';
import { serveCrud } from './crud.ts';
import { serveDiscovery } from './discovery.ts';
import { FailureQueue, sendFault, type Faults } from './faults.ts';
import { boolParam, readBody, sendError } from './http-io.ts';
import { serveLog } from './logs.ts';
import type { ResourceInfo } from './resources.ts';
import { parsePath, type ParsedPath, type RequestRecord } from './routing.ts';
import { internalError, pathNotFound, SimApiError, unauthorized } from './status.ts';
import { ObjectStore } from './store.ts';
import { serverTls } from './tls.ts';
import { WatchHub } from './watch.ts';

export type { FailNextOptions, Faults } from './faults.ts';
export type { RequestInfo, RequestRecord, RequestVerb } from './routing.ts';

export type RequestFilter = Partial<Omit<RequestRecord, 'at'>> | ((record: RequestRecord) => boolean);

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
  /**
   * SubjectAccessReviews (POST /apis/authorization.k8s.io/v1/subjectaccessreviews) are answered from this JSON file,
   * read per request so a test can rewrite it: `[{"user":"alice@example.com","verbs":["delete"],"namespaces":["shop"]}]`
   * (Pods only). A missing file allows nothing.
   */
  accessReviewPolicyPath?: string;
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

const DEFAULT_TOKEN = 'podwhy-sim-token';
const DEFAULT_USER = 'system:serviceaccount:podwhy:podwhy';

function matchesFilter(record: RequestRecord, filter: RequestFilter | undefined): boolean {
  if (filter === undefined) return true;
  if (typeof filter === 'function') return filter(record);
  return Object.entries(filter).every(([k, v]) => (record as unknown as Record<string, unknown>)[k] === v);
}

class FakeApiServerImpl implements FakeApiServer {
  readonly store: ObjectStore;
  readonly requests: RequestRecord[] = [];
  readonly faults: Faults;
  caData?: string;
  port = 0;
  private server!: Server;
  private readonly scheme: 'http' | 'https';
  private readonly sockets = new Set<Socket>();
  private readonly watches: WatchHub;
  private readonly failures = new FailureQueue();
  private latencyMs = 0;
  private readonly token: string | undefined;
  private readonly accessReviewPolicyPath: string | undefined;
  private readonly clock: () => Date;
  private readonly user: string;
  private readonly discoveryMode: 'aggregated' | 'legacy';
  private readonly unsubscribe: () => void;
  private up = false;

  constructor(options: FakeApiServerOptions, tls: { certPem: string; keyPem: string; caPem: string } | undefined) {
    this.store = options.store ?? new ObjectStore(options.now ? { now: options.now } : {});
    this.clock = options.now ?? this.store.now;
    this.watches = new WatchHub({ store: this.store, clock: this.clock, bookmarkIntervalMs: options.bookmarkIntervalMs ?? 60_000 });
    this.token = options.token;
    this.accessReviewPolicyPath = options.accessReviewPolicyPath;
    this.user = options.user ?? DEFAULT_USER;
    this.discoveryMode = options.discovery ?? 'aggregated';
    this.scheme = tls ? 'https' : 'http';
    if (tls) this.caData = tls.caPem;
    const handler = (req: IncomingMessage, res: ServerResponse): void => {
      // A client may vanish mid-response (aborted watch, goDown); that is not a server error.
      res.on('error', () => undefined);
      req.on('error', () => undefined);
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) sendError(res, undefined, err instanceof SimApiError ? err : internalError((err as Error).message));
        else res.destroy();
      });
    };
    this.server = tls ? createHttpsServer({ cert: tls.certPem, key: tls.keyPem }, handler) : createHttpServer(handler);
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    this.unsubscribe = this.store.subscribe((change) => this.watches.fanOut(change));
    this.faults = {
      dropAllWatches: (opts) => this.watches.dropAll(opts?.abrupt ?? false),
      stallWatches: (on, opts) => this.watches.stall(on, opts?.resume ?? false),
      failNext: (status, opts = {}) => this.failures.add(status, opts),
      clearFailures: () => this.failures.clear(),
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
    this.watches.dropAll(true);
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
    return this.watches.size;
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

    const failure = this.failures.take(parsed.info);
    if (failure !== undefined) {
      await readBody(req);
      sendFault(res, record, parsed, failure, this.user);
      return;
    }
    if (this.token !== undefined && req.headers.authorization !== `Bearer ${this.token}`) {
      await readBody(req);
      sendError(res, record, unauthorized());
      return;
    }
    try {
      const body = await readBody(req);
      if (method === 'POST' && url.pathname === SUBJECT_ACCESS_REVIEWS) {
        Object.assign(record, { verb: 'create', resource: 'subjectaccessreviews' });
        answerAccessReview(res, record, body, this.accessReviewPolicyPath);
        return;
      }
      if (parsed.kind === 'discovery') {
        serveDiscovery(req, res, record, url.pathname, { mode: this.discoveryMode, port: this.port });
        return;
      }
      if (parsed.kind === 'unknown' || parsed.resource === undefined) throw pathNotFound();
      this.serveResource(req, res, record, parsed, parsed.resource, query, body);
    } catch (err) {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      sendError(res, record, err instanceof SimApiError ? err : internalError((err as Error).message));
    }
  }

  /** Routes a resource request to its handler by verb. */
  private serveResource(req: IncomingMessage, res: ServerResponse, record: RequestRecord, parsed: ParsedPath, r: ResourceInfo, query: URLSearchParams, body: Buffer): void {
    const { verb, namespace, name, subresource } = parsed.info;
    if (subresource !== undefined && !(r.subresources as readonly string[]).includes(subresource)) throw pathNotFound();
    const table = (req.headers.accept ?? '').includes('as=Table');
    switch (verb) {
      case 'watch':
        return this.watches.serve(req, res, record, r, namespace, name, query, table);
      case 'get':
        // GET …/NAME?watch=true watches the one object.
        if (boolParam(query.get('watch'))) return this.watches.serve(req, res, record, r, namespace, name, query, table);
        return serveCrud({ store: this.store, clock: this.clock }, req, res, record, verb, r, parsed.info, query, body);
      case 'log':
        return serveLog(this.store, res, record, namespace ?? '', name ?? '', query);
      case 'discovery':
        throw pathNotFound();
      default:
        return serveCrud({ store: this.store, clock: this.clock }, req, res, record, verb, r, parsed.info, query, body);
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

const SUBJECT_ACCESS_REVIEWS = '/apis/authorization.k8s.io/v1/subjectaccessreviews';

/** The authorizer's answer for a SubjectAccessReview, from the test's policy file (see accessReviewPolicyPath). */
function answerAccessReview(res: ServerResponse, record: RequestRecord, body: Buffer, policyPath: string | undefined): void {
  const review = JSON.parse(body.toString('utf8') || '{}') as { spec?: { user?: string; resourceAttributes?: { verb?: string; resource?: string; namespace?: string } } };
  const user = review.spec?.user ?? '';
  const attrs = review.spec?.resourceAttributes ?? {};
  let rules: { user: string; verbs: string[]; namespaces: string[] }[] = [];
  try {
    rules = policyPath ? (JSON.parse(readFileSync(policyPath, 'utf8')) as typeof rules) : [];
  } catch {
    rules = [];
  }
  const allowed = attrs.resource === 'pods' && rules.some((r) => r.user === user && r.verbs.includes(attrs.verb ?? '') && r.namespaces.includes(attrs.namespace ?? ''));
  const status = allowed ? { allowed: true, reason: `RBAC: allowed by the test policy` } : { allowed: false, reason: '' };
  record.status = 201;
  res.writeHead(201, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: review.spec ?? {}, status }));
}
