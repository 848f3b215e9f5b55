/**
 * A list+watch informer that keeps going: one per resource type (and per namespace when the agent
 * is limited to some namespaces).
 *
 * Why our own loop instead of wrapping client-node's `makeInformer`/`ListWatch` (read in
 * node_modules/@kubernetes/client-node/dist/cache.js and watch.js, v2.0.1):
 * - ListWatch stops for good on any error but 410 and expects the caller to `start()` again, which
 *   re-LISTs from scratch (its `start()` keeps the RV, but a failed LIST or watch leaves it in an
 *   unknown state; #795, #494, #1933 are the field reports). We want: keep the RV, back off, re-watch.
 * - It never sends `allowWatchBookmarks`, so a quiet, selective watch can age past etcd's ~5 min
 *   history and force full re-LISTs (PLATFORM.md §2.2); bookmarks also give us the heartbeat our
 *   watchdog needs (the apiserver's cacher sends one about every minute: `defaultBookmarkFrequency
 *   = time.Minute`, kubernetes staging/src/k8s.io/apiserver/pkg/storage/cacher/cacher.go, and one
 *   2 s before a watch's deadline, which a quiet watch relies on: see quietWatchTimeoutSeconds).
 * - Its cache is keyed by namespace/name, not uid (a re-created StatefulSet Pod would overwrite the
 *   old one's state), it cannot page the LIST (`limit`/`continue`), and it cannot strip fields
 *   before storing (no transform hook).
 * - Every reconnect after `start()` replays `update` for all objects (#301).
 * So this module runs LIST (paged) → WATCH from the list's RV with bookmarks, through a
 * `ListerWatcher` whose client-node implementation (src/cluster/client-node-cluster.ts) sends LISTs with
 * client-node's KubeConfig auth, TLS and HTTP library (decoding items as plain JSON) and watches
 * with client-node's `Watch` class. On a dropped watch it re-watches from the last RV
 * (no LIST); only 410 Gone re-LISTs. Failures back off (capped, jittered), so there is at most one
 * LIST request per back-off step; a later LIST page that fails transiently is asked for again with
 * its continue token after that step, not the whole LIST started over. A watchdog independent of
 * connect events re-establishes a watch that has delivered neither an event nor a bookmark for
 * `watchdogSilenceMs` (#364, #958, #596). With a `retention` (Events) the store keeps only recent
 * objects, a bound per group (store-retention.ts).
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { isPodwhyError } from '../../errors.ts';
import { Backoff, sleep, type BackoffOptions } from './backoff.ts';
import { RetainedKeys, type StoreRetention } from './store-retention.ts';

/** One page of a LIST. */
export interface ListPage {
  items: unknown[];
  resourceVersion: string;
  /** Continue token of the next page, when there is one. */
  continue?: string;
}

export interface ListRequest {
  limit?: number;
  continue?: string;
  /** Aborts the request (stop() must not wait for a hung LIST). */
  signal?: AbortSignal;
  /**
   * When set, the lister may hand each item to it as soon as the item is decoded, instead of
   * returning it in the page's `items`: the informer then slims an object while its decoded form
   * is still young garbage for V8, rather than after the whole page (see ListDecoder).
   */
  onItem?: (raw: unknown) => void;
  /**
   * When set, the lister may call it as soon as the page's head (kind, metadata) has been read,
   * before its items: with the next page's continue token the informer asks for that page while
   * this one is still being decoded (the API server writes `metadata` before `items`).
   */
  onHead?: (head: { resourceVersion: string; continue?: string }) => void;
  /** Items keep their managedFields (the lister otherwise drops them while decoding): for bench:cluster's naive baseline. */
  keepManagedFields?: boolean;
}

export interface WatchRequest {
  resourceVersion: string;
  allowWatchBookmarks: boolean;
  /** Server-side timeout: the API server ends the watch cleanly after this long. */
  timeoutSeconds?: number;
  /** Client-side backstop: abort if the connection is silent this long (the watchdog normally fires first). */
  clientTimeoutMs?: number;
}

export interface WatchHandle {
  abort(): void;
}

/**
 * How an informer reaches the API server for one resource (and scope). Implementations map errors
 * to PodwhyError (410 → code `gone`).
 */
export interface ListerWatcher {
  /** For messages: `pods`, `pods in namespace shop`. */
  readonly description: string;
  list(request: ListRequest): Promise<ListPage>;
  /**
   * Starts a watch. `onEvent` gets each event's type (ADDED, MODIFIED, DELETED, BOOKMARK, ERROR)
   * and object; `onDone` is called once when the watch ends (null: closed by the server).
   */
  watch(request: WatchRequest, onEvent: (type: string, object: unknown) => void, onDone: (error: unknown) => void): Promise<WatchHandle>;
}

export interface InformerHandler<T> {
  /** `stored` is what the informer keeps of the object (ResilientInformerOptions.store; else the object). */
  add?(object: T, stored: unknown): void;
  /** No previous state: nothing reads it, and with a `store` form it would be rebuilt for every update. */
  update?(object: T, stored: unknown): void;
  /** The object's last known state. */
  delete?(object: T): void;
  /** A LIST finished and the store mirrors the server again. */
  synced?(): void;
}

export interface InformerTimings {
  backoff: Partial<BackoffOptions>;
  /**
   * A watch that delivers neither an event nor a bookmark for this long is presumed dead and is
   * re-established from the last RV (one WATCH request, no LIST). 50 s: below the apiserver's
   * one-minute bookmark period, so a stall is caught and re-established within 60 s (PLATFORM.md
   * §6 test 3). A quiet watch asks for `quietWatchTimeoutSeconds`, so that the server's bookmark
   * before the watch's deadline arrives first.
   */
  watchdogSilenceMs: number;
  /** How often the watchdog looks. */
  watchdogCheckMs: number;
  /** The server-side watch timeout is drawn from this range, as client-go does (5–10 min), so watches do not expire together. */
  watchTimeoutSeconds: readonly [number, number];
  /**
   * The server-side timeout of a watch after one that delivered no object (or went silent): a quiet
   * watch. The apiserver bookmarks a watch every minute and 2 s before its deadline
   * (staging/src/k8s.io/apiserver/pkg/storage/cacher/cache_watcher.go nextBookmarkTime). With
   * the 5–10 min timeouts a quiet watch got no bookmark before the 50 s watchdog tore it down, every
   * time: one WATCH per 50 s that never moved its RV, so on a busy cluster its re-watch from the
   * LIST's RV eventually met 410 and a full re-LIST (what bookmarks exist to prevent, PLATFORM.md
   * §2.1). 45 s: the server's bookmark at ~43 s keeps it alive and its RV current, the server ends it
   * at 45 s, and the informer watches again from there: about the WATCHes the watchdog cost, none
   * of them a failure. A watch that delivers objects goes back to `watchTimeoutSeconds`.
   */
  quietWatchTimeoutSeconds: number;
  /** A watch that ends sooner than this without delivering anything is a failure and backs off. */
  minHealthyWatchMs: number;
  /** LIST page size (`limit`); continue tokens page through the rest (PLATFORM.md §2.1). */
  pageSize: number;
  /**
   * How many times in a row a later page of a LIST is retried with its continue token after a
   * transient failure (5xx, 429, a reset connection, a timeout), each after the next back-off step,
   * before the whole LIST is given up and started over. 5: the default back-off waits 1+2+4+8+16 =
   * 31 s for them, well inside the ~5 minutes a continue token lives (PLATFORM.md §2.1), so the
   * retries are not wasted on a token that has expired meanwhile (that one answers 410, which
   * restarts the LIST at once).
   */
  pageRetryLimit: number;
}

export const DEFAULT_INFORMER_TIMINGS: InformerTimings = {
  backoff: {},
  watchdogSilenceMs: 50_000,
  watchdogCheckMs: 5_000,
  watchTimeoutSeconds: [300, 600],
  quietWatchTimeoutSeconds: 45,
  minHealthyWatchMs: 1_000,
  // client-go's reflector pages by 500. Decoded the generated client's way (a whole page as one
  // string, then typed copies) a page of 500 Pods was one 150–400 ms turn. Now a page is decoded
  // and slimmed item by item in shared 4 ms slices (ListDecoder, yieldIfSpent) and its size barely
  // shows in `npm run bench:cluster` (10,000 Pods: 100 → 155 requests, 2.6 s; 250 → 66, 2.3 s;
  // 500 → 37, 2.1 s; RSS and lag alike). 250 halves a page's response for the API server to build
  // (~1.7 MB of Pods with managedFields) for a few more requests.
  pageSize: 250,
  pageRetryLimit: 5,
};

export type InformerState = 'idle' | 'listing' | 'watching' | 'backing-off' | 'stopped';

export interface InformerStats {
  state: InformerState;
  resourceVersion: string;
  hasSynced: boolean;
  objects: number;
  /** Full LISTs started (each may take several pages). */
  lists: number;
  /** LIST requests sent (pages). */
  listRequests: number;
  /** WATCH requests sent. */
  watches: number;
  /** LISTs caused by 410 Gone. */
  relistsAfterGone: number;
  /** Later LIST pages sent again with the same continue token after a transient failure (instead of starting the LIST over). */
  pageRetries: number;
  /** Objects not kept, or dropped, for being older than the retention window (a LIST counts its old objects each time). */
  droppedAsOld: number;
  /** Objects not kept, or dropped, because their group held the retention's bound of newer ones. */
  droppedOverBound: number;
  /** Watches the watchdog re-established. */
  watchdogRestarts: number;
  /** Back-off steps taken. */
  backoffSteps: number;
  errors: number;
  lastError: unknown;
}

export type InformerErrorPhase = 'list' | 'watch' | 'handler' | 'transform';

export interface ResilientInformerOptions<T> {
  source: ListerWatcher;
  /** Normalizes and slims a raw object (Date → string, managedFields dropped); null skips it. */
  transform(raw: unknown): T | null;
  /** The store key: the object's uid (a re-created object of the same name is a different object). */
  keyOf(object: T): string;
  resourceVersionOf(object: T): string | undefined;
  /**
   * How the store keeps objects, when not as they are: the cache keeps Pods and workloads as shapes
   * and leaves (shaped.ts), and the informer's store must hold that same compact record, not the
   * object, or the object stays alive. `versionOf` reads a stored record's resourceVersion without
   * restoring it.
   */
  store?: StoredForm<T>;
  handler?: InformerHandler<T>;
  /** Keep only recent objects, a bound per group (for Events); absent: keep everything the server has. */
  retention?: StoreRetention<T>;
  timings?: Partial<InformerTimings>;
  /** Called on each failure; `retryInMs` is the back-off before the next attempt (0: immediate). */
  onError?(error: unknown, context: { phase: InformerErrorPhase; retryInMs: number; source: string }): void;
  random?: () => number;
  /** Monotonic clock in ms (tests may inject one). */
  clock?: () => number;
}

export interface StoredForm<T> {
  keep(object: T): unknown;
  restore(stored: unknown): T;
  versionOf(stored: unknown): string | undefined;
}

interface WatchOutcome {
  /** ADDED, MODIFIED and DELETED events delivered (bookmarks not counted). */
  objectEvents: number;
  gone: boolean;
  stalled: boolean;
  error: unknown;
  healthy: boolean;
}

export class ResilientInformer<T> {
  readonly source: ListerWatcher;
  readonly timings: InformerTimings;
  readonly #options: ResilientInformerOptions<T>;
  /** Objects by key, as `store` keeps them (else as they are). */
  readonly #store = new Map<string, unknown>();
  readonly #form: StoredForm<T>;
  readonly #backoff: Backoff;
  readonly #clock: () => number;
  readonly #random: () => number;
  #stopController = new AbortController();
  #loop: Promise<void> | undefined;
  #abortWatch: (() => void) | undefined;
  #rv = '';
  /** A watch has worked (delivered something or lasted) since the last LIST. */
  #healthySinceList = false;
  /** The last watch delivered no object or went silent: the next one asks for quietWatchTimeoutSeconds. */
  #quiet = true;
  #syncWaiters: (() => void)[] = [];
  readonly #retention: StoreRetention<T> | undefined;
  /** What the store holds, by group, when there is a retention. */
  readonly #retained: RetainedKeys | undefined;
  #sweepTimer: ReturnType<typeof setInterval> | undefined;
  #sweeping = false;
  readonly #stats: InformerStats = {
    state: 'idle',
    resourceVersion: '',
    hasSynced: false,
    objects: 0,
    lists: 0,
    listRequests: 0,
    watches: 0,
    relistsAfterGone: 0,
    pageRetries: 0,
    droppedAsOld: 0,
    droppedOverBound: 0,
    watchdogRestarts: 0,
    backoffSteps: 0,
    errors: 0,
    lastError: undefined,
  };

  constructor(options: ResilientInformerOptions<T>) {
    this.#options = options;
    this.source = options.source;
    this.timings = { ...DEFAULT_INFORMER_TIMINGS, ...options.timings };
    this.#random = options.random ?? Math.random;
    this.#backoff = new Backoff(this.timings.backoff, this.#random);
    this.#clock = options.clock ?? (() => performance.now());
    this.#form = options.store ?? { keep: (o) => o, restore: (stored) => stored as T, versionOf: (stored) => options.resourceVersionOf(stored as T) };
    this.#retention = options.retention;
    this.#retained = options.retention ? new RetainedKeys(options.retention.maxPerGroup) : undefined;
  }

  get hasSynced(): boolean {
    return this.#stats.hasSynced;
  }

  get(key: string): T | undefined {
    const stored = this.#store.get(key);
    return stored === undefined ? undefined : this.#form.restore(stored);
  }

  list(): T[] {
    return [...this.#store.values()].map((stored) => this.#form.restore(stored));
  }

  stats(): InformerStats {
    return { ...this.#stats, resourceVersion: this.#rv, objects: this.#store.size };
  }

  /** Starts the loop (idempotent). */
  start(): void {
    if (this.#loop) return;
    this.#stopController = new AbortController();
    this.#stats.state = 'idle';
    if (this.#retention) {
      this.#sweepTimer = setInterval(() => void this.sweep(), this.#retention.sweepEveryMs);
      this.#sweepTimer.unref();
    }
    this.#loop = this.#run().finally(() => {
      this.#stats.state = 'stopped';
      clearInterval(this.#sweepTimer);
    });
  }

  /**
   * Drops what has aged past the retention window (called every `sweepEveryMs`): the API server
   * deletes an expired Event, but a watch that was down or re-established past that moment never
   * hears of it, and a relist is rare. Yields between drops, as a LIST does.
   */
  async sweep(): Promise<void> {
    const retention = this.#retention;
    const retained = this.#retained;
    if (!retention || !retained || this.#sweeping) return;
    this.#sweeping = true;
    try {
      for (const key of retained.seenBefore(retention.now() - retention.maxAgeMs)) {
        const object = this.get(key);
        // Seen again meanwhile (the watch delivered a newer version): keep it.
        if (object && !this.#isTooOld(object)) continue;
        this.#stats.droppedAsOld++;
        this.#drop(key);
        await yieldIfSpent();
      }
    } finally {
      this.#sweeping = false;
    }
  }

  /** Stops watching and waits for the loop to end; the store keeps its last contents. */
  async stop(): Promise<void> {
    this.#stopController.abort();
    clearInterval(this.#sweepTimer);
    this.#abortWatch?.();
    const loop = this.#loop;
    this.#loop = undefined;
    await loop;
    for (const wake of this.#syncWaiters.splice(0)) wake();
  }

  /**
   * Resolves once the first LIST has completed. Rejects after `timeoutMs` (with the last error,
   * e.g. a PodwhyError `forbidden` or `api-unreachable`, when there was one).
   */
  waitForSync(timeoutMs = 60_000): Promise<void> {
    if (this.#stats.hasSynced) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#syncWaiters = this.#syncWaiters.filter((w) => w !== wake);
        const last = this.#stats.lastError;
        reject(last instanceof Error ? last : new Error(`${this.source.description}: not synced after ${timeoutMs} ms`));
      }, timeoutMs);
      const wake = (): void => {
        clearTimeout(timer);
        if (this.#stats.hasSynced) resolve();
        else reject(new Error(`${this.source.description}: stopped before it synced`));
      };
      this.#syncWaiters.push(wake);
    });
  }

  get #stopped(): boolean {
    return this.#stopController.signal.aborted;
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      if (!this.#rv) {
        this.#stats.state = 'listing';
        try {
          await this.#relist();
        } catch (error) {
          if (this.#stopped) break;
          await this.#fail('list', error);
          continue;
        }
        if (this.#stopped) break;
      }
      this.#stats.state = 'watching';
      const outcome = await this.#watchOnce();
      if (this.#stopped) break;
      this.#quiet = outcome.objectEvents === 0 || outcome.stalled;
      if (outcome.healthy) {
        this.#backoff.reset();
        this.#healthySinceList = true;
      }
      if (outcome.gone) {
        // 410: our RV fell out of the server's history; only a LIST can resync. Right away when a
        // watch has worked since the last LIST; after a back-off step when the RV of a fresh LIST
        // is already gone (a server that compacts faster than we list must not get a LIST storm).
        this.#rv = '';
        this.#stats.relistsAfterGone++;
        if (!this.#healthySinceList) await this.#fail('watch', outcome.error ?? new Error(`${this.source.description}: 410 Gone for the RV of a fresh LIST`));
        continue;
      }
      if (outcome.stalled) {
        // The silence itself throttled us; re-watch from the same RV at once (one WATCH, no LIST).
        this.#stats.watchdogRestarts++;
        this.#report('watch', new Error(`${this.source.description}: no event or bookmark for ${this.timings.watchdogSilenceMs} ms`), 0);
        continue;
      }
      if (!outcome.healthy) await this.#fail('watch', outcome.error ?? new Error(`${this.source.description}: watch closed at once`));
      else if (outcome.error) this.#report('watch', outcome.error, 0);
    }
  }

  async #fail(phase: InformerErrorPhase, error: unknown): Promise<void> {
    // A server that said how long to wait (429, Retry-After) is not asked sooner; the cap still holds.
    const asked = isPodwhyError(error) && typeof error.details.retryAfterSeconds === 'number' ? error.details.retryAfterSeconds * 1000 : 0;
    const delay = Math.max(this.#backoff.next(), Math.min(asked, this.#backoff.options.maxMs));
    this.#stats.backoffSteps++;
    this.#stats.state = 'backing-off';
    this.#report(phase, error, delay);
    await sleep(delay, this.#stopController.signal);
  }

  #report(phase: InformerErrorPhase, error: unknown, retryInMs: number): void {
    this.#stats.errors++;
    this.#stats.lastError = error;
    try {
      this.#options.onError?.(error, { phase, retryInMs, source: this.source.description });
    } catch {
      // A failing error callback must not stop the informer.
    }
  }

  /**
   * LIST all pages, applying each object as it is decoded (add, or update when its RV changed; with
   * a retention, not when it is too old, and the group's bound holds as it goes), then delete what
   * the LIST no longer has. Applying as we go rather than after the last page: a LIST of 150,000
   * Pods would otherwise hold every decoded object until the end (~2 KB each as objects, where the
   * store keeps ~0.6 KB shaped, shaped.ts), which was most of the agent's peak memory. Readers may
   * see part of a relist applied, as they do in client-go, whose DeltaFIFO hands a Replace to the
   * indexer one delta at a time; no watch event can interleave, the watch starts after this
   * returns. A LIST that fails for good leaves what it applied (newer states) and deletes nothing.
   */
  async #relist(): Promise<void> {
    this.#stats.lists++;
    const seen = new Set<string>();
    let resourceVersion: string;
    let token: string | undefined;
    let restarted = false;
    /** Failures in a row of the page at `token`. */
    let pageFailures = 0;
    /** Bumped when the LIST starts over: a page of the abandoned LIST still being decoded is ignored. */
    let generation = 0;
    const keep = (raw: unknown, of = generation): void => {
      if (of !== generation) return;
      const object = this.#transform(raw);
      if (!object) return;
      if (this.#isTooOld(object)) {
        // Not seen: if an older version is stored, the end of the LIST deletes it.
        this.#stats.droppedAsOld++;
        return;
      }
      const key = this.#options.keyOf(object);
      seen.add(key);
      const old = this.#store.get(key);
      // Unchanged objects (same RV) raise nothing: a relist does not replay `update` for everything (#301).
      if (old === undefined || this.#form.versionOf(old) !== this.#options.resourceVersionOf(object)) this.#put(key, object, old);
    };
    // One page ahead: the next page is asked for as soon as the current page's head names its token
    // (ListRequest.onHead), so the API server builds page N+1 while page N is decoded and applied,
    // instead of each page waiting for the one before to end. At most two requests of one LIST are
    // in flight, well inside the API server's priority-and-fairness seats (PLATFORM.md §2.1).
    interface PageRequest {
      readonly token: string | undefined;
      readonly page: Promise<ListPage>;
      /** The continue token its head named, once read. */
      next?: string;
    }
    let current: PageRequest;
    let ahead: PageRequest | undefined;
    const askAhead = (next: string): void => {
      if (ahead || this.#stopped) return;
      ahead = request(next);
    };
    const request = (pageToken: string | undefined): PageRequest => {
      this.#stats.listRequests++;
      const of = generation;
      const asked: { token: string | undefined; page: Promise<ListPage>; next?: string } = { token: pageToken, page: Promise.resolve({ items: [], resourceVersion: '' }) };
      asked.page = this.source.list({
        limit: this.timings.pageSize,
        continue: pageToken,
        signal: this.#stopController.signal,
        onItem: (raw) => keep(raw, of),
        onHead: (head) => {
          if (!head.continue) return;
          asked.next = head.continue;
          if (asked === current) askAhead(head.continue);
        },
      });
      // A page asked for ahead may fail before anyone awaits it; its error is handled when (if) it is.
      asked.page.catch(() => undefined);
      return asked;
    };
    current = request(undefined);
    // A loop with `continue`, not do…while: a `continue` there would test `token`, and the restart
    // below (token cleared) would end the LIST with an empty store instead of listing page 1 again.
    for (;;) {
      let page: ListPage;
      try {
        page = await current.page;
      } catch (error) {
        if (this.#stopped) return;
        // A continue token expires after ~5 min with 410 (PLATFORM.md §2.1): start over once.
        if (token && !restarted && isPodwhyError(error, 'gone')) {
          restarted = true;
          token = undefined;
          pageFailures = 0;
          seen.clear();
          generation++;
          ahead = undefined;
          current = request(undefined);
          continue;
        }
        // A later page that failed transiently is asked for again with the same token: the pages
        // before it stay valid (they are one snapshot at the first page's RV), and starting over
        // would re-read up to ~600 pages at 150,000 Pods. Items the failed page delivered before it
        // broke are already applied; the retry delivers them again at the same RV (no change).
        if (token && pageFailures < this.timings.pageRetryLimit && isTransientListFailure(error)) {
          pageFailures++;
          this.#stats.pageRetries++;
          await this.#fail('list', error);
          if (this.#stopped) return;
          this.#stats.state = 'listing';
          current = request(token);
          continue;
        }
        throw error;
      }
      pageFailures = 0;
      if (this.#stopped) return;
      for (const raw of page.items) {
        keep(raw);
        await yieldIfSpent();
      }
      resourceVersion = page.resourceVersion;
      token = page.continue || undefined;
      if (this.#stopped) return;
      if (!token) break;
      if (ahead?.token === token) {
        current = ahead;
        ahead = undefined;
        if (current.next) askAhead(current.next);
      } else {
        ahead = undefined;
        current = request(token);
      }
    }
    await this.#deleteUnseen(seen);
    this.#rv = resourceVersion;
    this.#healthySinceList = false;
    if (!this.#stats.hasSynced) {
      this.#stats.hasSynced = true;
      for (const wake of this.#syncWaiters.splice(0)) wake();
    }
    this.#call(() => this.#options.handler?.synced?.());
  }

  /** After a complete LIST: deletes what it did not list, a time slice per turn (yieldIfSpent). */
  async #deleteUnseen(seen: ReadonlySet<string>): Promise<void> {
    // Deleting the current entry while iterating a Map is well defined (the iteration goes on).
    for (const key of this.#store.keys()) {
      if (seen.has(key)) continue;
      this.#drop(key);
      await yieldIfSpent();
    }
  }

  /** Stores an added or changed object and tells the handler; with a retention, drops what its group holds beyond the bound. */
  #put(key: string, object: T, old: unknown): void {
    const handler = this.#options.handler;
    const stored = this.#form.keep(object);
    this.#store.set(key, stored);
    if (old !== undefined) this.#call(() => handler?.update?.(object, stored));
    else this.#call(() => handler?.add?.(object, stored));
    if (!this.#retained) return;
    const over = this.#track(this.#retained, key, object);
    if (over === undefined) return;
    this.#stats.droppedOverBound++;
    this.#drop(over);
  }

  /** Removes an object from the store and tells the handler (with its last known state). */
  #drop(key: string): void {
    this.#retained?.remove(key);
    const stored = this.#store.get(key);
    // Not stored (any more): a sweep may have dropped it while a relist was being applied.
    if (stored === undefined || !this.#store.delete(key)) return;
    const object = this.#form.restore(stored);
    this.#call(() => this.#options.handler?.delete?.(object));
  }

  #track(retained: RetainedKeys, key: string, object: T): string | undefined {
    const retention = this.#retention as StoreRetention<T>;
    return retained.add(key, retention.groupOf(object), retention.lastSeenOf(object));
  }

  #isTooOld(object: T): boolean {
    const retention = this.#retention;
    return retention !== undefined && retention.lastSeenOf(object) < retention.now() - retention.maxAgeMs;
  }

  #watchOnce(): Promise<WatchOutcome> {
    const { watchdogSilenceMs, watchdogCheckMs, minHealthyWatchMs, watchTimeoutSeconds, quietWatchTimeoutSeconds } = this.timings;
    return new Promise((resolve) => {
      const started = this.#clock();
      let lastActivity = started;
      let delivered = 0;
      let objectEvents = 0;
      let gone = false;
      let finished = false;
      let handle: WatchHandle | undefined;
      const finish = (result: { stalled?: boolean; error?: unknown }): void => {
        if (finished) return;
        finished = true;
        clearInterval(watchdog);
        this.#abortWatch = undefined;
        handle?.abort();
        const error = result.error ?? null;
        resolve({
          objectEvents,
          gone: gone || isPodwhyError(error, 'gone'),
          stalled: result.stalled === true,
          error,
          healthy: delivered > 0 || this.#clock() - started >= minHealthyWatchMs,
        });
      };
      const watchdog = setInterval(() => {
        if (this.#clock() - lastActivity >= watchdogSilenceMs) finish({ stalled: true });
      }, watchdogCheckMs);
      watchdog.unref();
      this.#abortWatch = () => finish({});
      const [min, max] = watchTimeoutSeconds;
      this.#stats.watches++;
      const onEvent = (type: string, object: unknown): void => {
        if (finished) return;
        lastActivity = this.#clock();
        const result = this.#applyEvent(type, object);
        if (result === 'gone') {
          gone = true;
          finish({});
        } else if (result instanceof Error) {
          // The server ends the watch after an ERROR event; do not wait for it.
          finish({ error: result });
        } else {
          delivered++;
          if (type === 'ADDED' || type === 'MODIFIED' || type === 'DELETED') objectEvents++;
        }
      };
      this.source
        .watch(
          {
            resourceVersion: this.#rv,
            allowWatchBookmarks: true,
            timeoutSeconds: this.#quiet ? quietWatchTimeoutSeconds : Math.round(min + (max - min) * this.#random()),
            clientTimeoutMs: watchdogSilenceMs * 2 + watchdogCheckMs,
          },
          onEvent,
          (error) => finish({ error }),
        )
        .then(
          (h) => {
            handle = h;
            // The watchdog or stop() may have given up on this attempt before the response arrived.
            if (finished) h.abort();
          },
          (error: unknown) => finish({ error }),
        );
    });
  }

  /** Applies one watch event; 'gone' for a 410 ERROR event, an Error for any other ERROR event. */
  #applyEvent(type: string, raw: unknown): 'ok' | 'gone' | Error {
    if (type === 'ERROR') {
      const status = isObject(raw) ? raw : {};
      if (status.code === 410) return 'gone';
      const error = new Error(`${this.source.description}: watch error ${String(status.code ?? '')} ${String(status.message ?? '')}`.trim());
      return Object.assign(error, { statusCode: status.code, status: raw });
    }
    if (type === 'BOOKMARK') {
      const rv = resourceVersionOfRaw(raw);
      if (rv) this.#rv = rv;
      return 'ok';
    }
    if (type !== 'ADDED' && type !== 'MODIFIED' && type !== 'DELETED') return 'ok';
    const object = this.#transform(raw);
    if (!object) return 'ok';
    const key = this.#options.keyOf(object);
    const old = this.#store.get(key);
    if (type === 'DELETED') {
      this.#retained?.remove(key);
      this.#store.delete(key);
      this.#call(() => this.#options.handler?.delete?.(object));
    } else if (this.#isTooOld(object)) {
      this.#stats.droppedAsOld++;
      this.#drop(key);
    } else if (old === undefined || this.#form.versionOf(old) !== this.#options.resourceVersionOf(object)) {
      this.#put(key, object, old);
    }
    const rv = this.#options.resourceVersionOf(object);
    if (rv) this.#rv = rv;
    return 'ok';
  }

  #transform(raw: unknown): T | null {
    try {
      return this.#options.transform(raw);
    } catch (error) {
      this.#report('transform', error, 0);
      return null;
    }
  }

  #call(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.#report('handler', error, 0);
    }
  }
}

/** Work the informers may do in one event-loop turn (PLATFORM.md §6 test 4: lag p99 < 100 ms). */
const SLICE_MS = 4;
let sliceStart = performance.now();
const sliceWaiters: (() => void)[] = [];
let grantScheduled = false;
const NO_WAIT = Promise.resolve();

function scheduleGrant(): void {
  if (grantScheduled) return;
  grantScheduled = true;
  setImmediate(grantSlice);
}

function grantSlice(): void {
  grantScheduled = false;
  const next = sliceWaiters.shift();
  if (!next) return;
  sliceStart = performance.now();
  if (sliceWaiters.length > 0) scheduleGrant();
  next();
}

/**
 * Long loops (a LIST body being decoded, a page's items being slimmed, a LIST applied to the store)
 * call this between steps. It resolves at once while the current slice of SLICE_MS lasts; after
 * that the caller queues, and each event-loop turn (setImmediate) hands a fresh slice to the next
 * one in line. The slice is shared by every informer of the process: with eleven informers listing
 * at once, a turn still does one slice of their work, not eleven, so timers, watches and Slack's
 * 3 s acks wait at most a few ms for a big LIST.
 */
export function yieldIfSpent(): Promise<void> {
  if (performance.now() - sliceStart < SLICE_MS) return NO_WAIT;
  return new Promise((resolve) => {
    sliceWaiters.push(resolve);
    scheduleGrant();
  });
}

/**
 * LISTs every page once (no watch): for one-shot readers such as `podwhy why`. Same paging and
 * errors as the informer's LIST.
 */
export async function listAll(source: ListerWatcher, pageSize = DEFAULT_INFORMER_TIMINGS.pageSize): Promise<{ items: unknown[]; resourceVersion: string }> {
  const items: unknown[] = [];
  let token: string | undefined;
  let page: ListPage;
  do {
    page = await source.list({ limit: pageSize, continue: token });
    for (const item of page.items) items.push(item);
    token = page.continue || undefined;
    if (token) await nextTurn();
  } while (token);
  return { items, resourceVersion: page.resourceVersion };
}

/**
 * Whether asking for the same page again may work: an unreachable or overloaded server (5xx, 429,
 * a reset connection, a timeout) or an unmapped failure. Not: an RBAC denial, a rejected request
 * (400 for a malformed continue token, 404) or 410, which the same token would get again.
 */
function isTransientListFailure(error: unknown): boolean {
  if (!isPodwhyError(error)) return true;
  if (error.code === 'api-unreachable') return true;
  if (error.code !== 'api-error') return false;
  const status = error.details.status;
  return typeof status !== 'number' || status === 429 || status >= 500;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function resourceVersionOfRaw(raw: unknown): string | undefined {
  if (!isObject(raw) || !isObject(raw.metadata)) return undefined;
  const rv = raw.metadata.resourceVersion;
  return typeof rv === 'string' && rv.length > 0 ? rv : undefined;
}
