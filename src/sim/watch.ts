/**
 * Watches of the fake API server: every open watch stream, what each one is sent when the store
 * changes, bookmarks, timeouts, and the watch faults (dropped, stalled) tests inject.
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
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { boolParam, intParam, JSON_TYPE } from './http-io.ts';
import { apiVersionOf, type ResourceInfo } from './resources.ts';
import type { RequestRecord } from './routing.ts';
import { parseFieldSelector, parseLabelSelector } from './selectors.ts';
import { badRequest, SimApiError, type Status } from './status.ts';
import type { KubeObject, ObjectStore, StoreChange } from './store.ts';
import { toTable } from './tables.ts';

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

export interface WatchHubOptions {
  store: ObjectStore;
  /** Clock for the ages in Table watch events. */
  clock: () => Date;
  /** How often a watch with allowWatchBookmarks=true gets a BOOKMARK. */
  bookmarkIntervalMs: number;
}

/** Every open watch of one server; the server feeds it each store change (fanOut). */
export class WatchHub {
  private readonly watchers = new Set<Watcher>();
  private stalled = false;
  private readonly store: ObjectStore;
  private readonly clock: () => Date;
  private readonly bookmarkIntervalMs: number;

  constructor(options: WatchHubOptions) {
    this.store = options.store;
    this.clock = options.clock;
    this.bookmarkIntervalMs = options.bookmarkIntervalMs;
  }

  /** Watches currently open (stalled ones included). */
  get size(): number {
    return this.watchers.size;
  }

  /** Opens a watch stream on `res` for a list or single-object watch request. */
  serve(
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
    const bookmark = (): void =>
      this.writeEvent(watcher, { type: 'BOOKMARK', object: { kind: r.kind, apiVersion: apiVersionOf(r), metadata: { resourceVersion: this.store.resourceVersion } } });
    if (allowBookmarks) watcher.timers.push(setInterval(bookmark, this.bookmarkIntervalMs));
    if (timeoutSeconds !== undefined && timeoutSeconds > 0) {
      // The cacher also bookmarks a watch 2 s before its deadline, so that the client re-watches from
      // a current RV. source: staging/src/k8s.io/apiserver/pkg/storage/cacher/cache_watcher.go (nextBookmarkTime)
      if (allowBookmarks && timeoutSeconds > 2) watcher.timers.push(setTimeout(bookmark, (timeoutSeconds - 2) * 1000));
      watcher.timers.push(setTimeout(() => this.closeWatcher(watcher, false, true), timeoutSeconds * 1000));
    }
  }

  /** Sends a store change to every watch of its resource. */
  fanOut(change: StoreChange): void {
    for (const w of this.watchers) if (w.resource.resource === change.resource) this.deliver(w, change);
  }

  /** Ends every open watch: cleanly, or by destroying its socket (`abrupt`). Returns how many. */
  dropAll(abrupt: boolean): number {
    const all = [...this.watchers];
    for (const w of all) this.closeWatcher(w, abrupt, !abrupt);
    return all.length;
  }

  /** Silences every open and new watch (`on`), or lets new ones work again and, with `resume`, the silenced ones too. */
  stall(on: boolean, resume: boolean): void {
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
}
