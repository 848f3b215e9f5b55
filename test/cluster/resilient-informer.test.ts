import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { objectKey } from '../../src/cluster/cache-indexes.ts';
import { slimObject } from '../../src/cluster/slim.ts';
import { ClientNodeCluster } from '../../src/cluster/client-node-cluster.ts';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from '../../src/cluster/watch/backoff.ts';
import { DEFAULT_INFORMER_TIMINGS, ResilientInformer, type InformerTimings, type ListerWatcher } from '../../src/cluster/watch/resilient-informer.ts';
import { isPodwhyError } from '../../src/errors.ts';
import { startFakeApiServer, type FakeApiServer } from '../../src/sim/api-server.ts';
import { ObjectStore, type KubeObject } from '../../src/sim/store.ts';
import { readyPod, sleepMs, waitFor } from './helpers.ts';

type Cached = NonNullable<ReturnType<typeof slimObject>>;

// Production timings scaled down ~100×: back-off 1 s → 30 s becomes 50 ms → 400 ms, the 50 s
// watchdog becomes 500 ms. The code paths are the same; only the numbers change.
const BACKOFF: BackoffOptions = { initialMs: 50, maxMs: 400, factor: 2, jitter: 0 };
const FAST: Partial<InformerTimings> = { backoff: BACKOFF, watchdogSilenceMs: 500, watchdogCheckMs: 25, minHealthyWatchMs: 150, pageSize: 500 };
/** Bookmarks every 100 ms keep a healthy, quiet watch from looking silent to the 500 ms watchdog. */
const BOOKMARK_MS = 100;

interface Harness {
  server: FakeApiServer;
  cluster: ClientNodeCluster;
  informer: ResilientInformer<Cached>;
  changes: string[];
  errors: unknown[];
}

let harness: Harness | undefined;

afterEach(async () => {
  await harness?.informer.stop();
  await harness?.server.close();
  harness = undefined;
});

/** An informer of Pods (of `namespace`, else all) on a fresh fake API server with `pods` in shop, or on `server` as it is. */
async function setUp(
  options: { timings?: Partial<InformerTimings>; pods?: KubeObject[]; start?: boolean; serverDown?: boolean; server?: FakeApiServer; namespace?: string } = {},
): Promise<Harness> {
  const server = options.server ?? (await startFakeApiServer({ tls: true, bookmarkIntervalMs: BOOKMARK_MS }));
  if (!options.server) server.store.ensureNamespace('shop');
  for (const pod of options.pods ?? []) server.store.create(pod);
  const kc = new KubeConfig();
  kc.loadFromString(server.kubeconfigYaml());
  const cluster = new ClientNodeCluster(kc);
  const changes: string[] = [];
  const errors: unknown[] = [];
  const informer = new ResilientInformer<Cached>({
    source: cluster.listerWatcher('pods', options.namespace),
    transform: (raw) => slimObject('pods', raw),
    keyOf: objectKey,
    resourceVersionOf: (o) => o.metadata.resourceVersion,
    handler: {
      add: (o) => changes.push(`add ${o.metadata.name}`),
      update: (o) => changes.push(`update ${o.metadata.name}`),
      delete: (o) => changes.push(`delete ${o.metadata.name}`),
    },
    timings: { ...FAST, ...options.timings },
    onError: (error) => errors.push(error),
  });
  harness = { server, cluster, informer, changes, errors };
  if (options.serverDown) await server.faults.goDown();
  if (options.start !== false) informer.start();
  if (options.start !== false && !options.serverDown) await informer.waitForSync(5_000);
  return harness;
}

const lists = (server: FakeApiServer): number => server.countRequests({ verb: 'list', resource: 'pods' });
const watches = (server: FakeApiServer): number => server.countRequests({ verb: 'watch', resource: 'pods' });
const names = (informer: ResilientInformer<Cached>): string[] => informer.list().map((o) => o.metadata.name).sort();

/** How many attempts at most fit in `windowMs` when each failure waits the next back-off step. */
function maxAttemptsWithin(windowMs: number, options: BackoffOptions): number {
  let elapsed = 0;
  let attempts = 1;
  for (let step = 0; ; step++) {
    elapsed += backoffDelay(options, step) * (1 - options.jitter);
    if (elapsed > windowMs) return attempts;
    attempts++;
  }
}

describe('ResilientInformer: list and watch', () => {
  it('lists every page, then watches with bookmarks from the list\'s resourceVersion', async () => {
    const pods = ['a', 'b', 'c', 'd', 'e'].map((n) => readyPod('shop', n));

    const { server, informer } = await setUp({ pods, timings: { pageSize: 2 } });

    expect(names(informer)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(lists(server)).toBe(3);
    expect(informer.stats()).toMatchObject({ lists: 1, listRequests: 3, hasSynced: true });
    const watch = await waitFor(() => server.requests.find((r) => r.verb === 'watch'), 'the watch request');
    expect(new URLSearchParams(watch.query).get('allowWatchBookmarks')).toBe('true');
    expect(new URLSearchParams(watch.query).get('resourceVersion')).toBe(informer.stats().resourceVersion);
  });

  it('applies adds, updates and deletes from the watch, keyed by uid', async () => {
    const { server, informer, changes } = await setUp({ pods: [readyPod('shop', 'a')] });

    server.store.create(readyPod('shop', 'b', { uid: 'uid-b' }));
    await waitFor(() => informer.get('uid-b'), 'b added');
    const stored = structuredClone(server.store.get('pods', 'shop', 'b')) as KubeObject;
    stored.metadata.labels = { tier: 'web' };
    server.store.update(stored);
    await waitFor(() => informer.get('uid-b')?.metadata.labels?.tier === 'web', 'b updated');
    server.store.delete('pods', 'shop', 'b', { gracePeriodSeconds: 0 });
    await waitFor(() => !informer.get('uid-b'), 'b deleted');

    // A Pod bound to a node is first marked (deletionTimestamp: one more update), then removed.
    expect(changes.slice(0, 3)).toEqual(['add a', 'add b', 'update b']);
    expect(changes.at(-1)).toBe('delete b');
    expect(new Set(changes.slice(3, -1))).toEqual(new Set(changes.length > 4 ? ['update b'] : []));
    expect(lists(server)).toBe(1);
  });

  it('caches list objects and watch objects in one shape, both with the API server\'s RFC 3339 strings', async () => {
    const listed = readyPod('shop', 'listed', { uid: 'uid-l', creationTimestamp: '2026-11-20T11:35:00Z' });
    const { server, cluster, informer } = await setUp({ pods: [listed] });
    const rawPage = await cluster.listerWatcher('pods', 'shop').list({});

    server.store.create(readyPod('shop', 'watched', { uid: 'uid-w', creationTimestamp: '2026-11-20T11:35:00Z' }));
    const watched = await waitFor(() => informer.get('uid-w'), 'the watched pod');
    const fromList = informer.get('uid-l');

    // LIST pages are decoded as plain JSON, like watch events (not into the generated client's Dates).
    expect((rawPage.items[0] as { metadata: { creationTimestamp: unknown } }).metadata.creationTimestamp).toBe('2026-11-20T11:35:00Z');
    expect(fromList?.metadata.creationTimestamp).toBe('2026-11-20T11:35:00Z');
    expect(watched.metadata.creationTimestamp).toBe('2026-11-20T11:35:00Z');
    expect((fromList?.status as { containerStatuses: unknown }).containerStatuses).toEqual(
      (watched.status as { containerStatuses: unknown }).containerStatuses,
    );
  });
});

describe('ResilientInformer: faults', () => {
  it('resumes a dropped watch from its resourceVersion, without a LIST', async () => {
    const { server, informer } = await setUp({ pods: [readyPod('shop', 'a')] });
    const watchesBefore = watches(server);

    server.faults.dropAllWatches();
    server.store.create(readyPod('shop', 'b'));
    await waitFor(() => names(informer).includes('b'), 'b after a clean drop');
    server.faults.dropAllWatches({ abrupt: true });
    server.store.create(readyPod('shop', 'c'));
    await waitFor(() => names(informer).includes('c'), 'c after a connection reset');

    expect(lists(server)).toBe(1);
    expect(watches(server) - watchesBefore).toBeGreaterThanOrEqual(2);
    const resumed = server.requests.filter((r) => r.verb === 'watch').slice(1);
    expect(resumed.every((r) => Number(new URLSearchParams(r.query).get('resourceVersion')) > 0)).toBe(true);
  });

  it('lets bookmarks keep a quiet, healthy watch alive (the watchdog stays quiet)', async () => {
    const { server, informer } = await setUp({ pods: [readyPod('shop', 'a')] });

    await sleepMs(1_500);

    expect(informer.stats().watchdogRestarts).toBe(0);
    expect(watches(server)).toBe(1);
  });

  it('re-establishes a silent (half-open) watch through the watchdog, without a LIST', async () => {
    const { server, informer } = await setUp({ pods: [readyPod('shop', 'a')] });
    server.faults.stallWatches(true);
    server.store.create(readyPod('shop', 'b'));
    await sleepMs(100);
    const stalledAt = Date.now();

    server.faults.stallWatches(false); // the old connection stays silent, like a half-open TCP connection
    await waitFor(() => names(informer).includes('b'), 'b after the watchdog fired', 3_000);

    expect(Date.now() - stalledAt).toBeLessThan(1_500);
    expect(informer.stats().watchdogRestarts).toBeGreaterThanOrEqual(1);
    expect(lists(server)).toBe(1);
  });

  it('does not storm a server that keeps every watch silent: one WATCH per watchdog period', async () => {
    const { server, informer } = await setUp({ pods: [readyPod('shop', 'a')] });
    const before = watches(server);

    server.faults.stallWatches(true);
    await sleepMs(1_600);

    // 1.6 s of silence with a 500 ms watchdog: about three re-watches, never a LIST.
    expect(watches(server) - before).toBeLessThanOrEqual(4);
    expect(watches(server) - before).toBeGreaterThanOrEqual(2);
    expect(informer.stats().watchdogRestarts).toBeGreaterThanOrEqual(2);
    expect(lists(server)).toBe(1);
  });

  it('re-lists exactly once after 410 Gone and reconciles what changed meanwhile', async () => {
    const { server, informer, changes } = await setUp({ pods: ['a', 'b', 'c'].map((n) => readyPod('shop', n)) });
    server.faults.stallWatches(true);
    server.store.delete('pods', 'shop', 'a', { gracePeriodSeconds: 0 });
    server.store.create(readyPod('shop', 'd'));
    server.store.compact();

    server.faults.stallWatches(false);
    await waitFor(() => names(informer).join() === 'b,c,d', 'the relisted state', 3_000);
    await sleepMs(300);

    expect(lists(server)).toBe(2);
    expect(informer.stats()).toMatchObject({ lists: 2, relistsAfterGone: 1 });
    // Listed objects are applied as they are decoded; what the LIST no longer has is deleted after its last page.
    expect(changes.slice(3)).toEqual(['add d', 'delete a']);
  });


  it('rides out the API server being down: backs off, then resumes the watch with no LIST', async () => {
    const { server, cluster, informer, errors } = await setUp({ pods: [readyPod('shop', 'a')] });
    const attemptsBefore = cluster.requests.total({ verb: 'watch' });
    const DOWN_MS = 1_500; // stands for 60 s at production timings

    await server.faults.goDown();
    server.store.create(readyPod('shop', 'b'));
    await sleepMs(DOWN_MS);
    const attemptsWhileDown = cluster.requests.total({ verb: 'watch' }) - attemptsBefore;
    await server.faults.comeUp();
    await waitFor(() => names(informer).includes('b'), 'b after the server came back', 3_000);

    expect(attemptsWhileDown).toBeGreaterThanOrEqual(3);
    expect(attemptsWhileDown).toBeLessThanOrEqual(maxAttemptsWithin(DOWN_MS, BACKOFF) + 1);
    expect(lists(server)).toBe(1);
    expect(cluster.requests.total({ verb: 'list' })).toBe(1);
    const unreachable = errors.find((e) => isPodwhyError(e, 'api-unreachable'));
    expect(unreachable).toBeDefined();
    expect((unreachable as Error).message).toContain(server.url);
  });

  it('after an outage longer than the watch history, re-lists exactly once', async () => {
    const { server, informer } = await setUp({ pods: ['a', 'b'].map((n) => readyPod('shop', n)) });

    await server.faults.goDown();
    server.store.delete('pods', 'shop', 'a', { gracePeriodSeconds: 0 });
    server.store.create(readyPod('shop', 'c'));
    server.store.compact();
    await sleepMs(600);
    await server.faults.comeUp();
    await waitFor(() => names(informer).join() === 'b,c', 'the relisted state', 3_000);
    await sleepMs(300);

    expect(lists(server)).toBe(2);
    expect(informer.stats().relistsAfterGone).toBe(1);
  });

  it('starting while the server is down sends one LIST per back-off step', async () => {
    const { server, cluster, informer } = await setUp({ pods: [readyPod('shop', 'a')], serverDown: true });

    await sleepMs(1_000);
    await server.faults.comeUp();
    await informer.waitForSync(3_000);

    const attempts = cluster.requests.total({ verb: 'list' });
    expect(attempts).toBe(informer.stats().backoffSteps + 1);
    expect(attempts).toBeLessThanOrEqual(maxAttemptsWithin(1_000, BACKOFF) + 1);
    expect(lists(server)).toBe(1);
    expect(names(informer)).toEqual(['a']);
  });

  it('reports a forbidden LIST with its verb and resource, and retries with back-off', async () => {
    const { server, informer, errors } = await setUp({ pods: [readyPod('shop', 'a')], start: false });
    server.faults.failNext(403, { times: 2, match: (r) => r.verb === 'list' && r.resource === 'pods' });

    informer.start();
    await informer.waitForSync(3_000);

    expect(lists(server)).toBe(3);
    expect(informer.stats().backoffSteps).toBe(2);
    expect(isPodwhyError(errors[0], 'forbidden')).toBe(true);
    expect((errors[0] as Error).message).toMatch(/cannot list pods cluster-wide/);
    expect((errors[0] as Error).message).toContain('cannot list resource "pods"');
  });

  it('stops cleanly: no open watch and no request after stop()', async () => {
    const { server, informer } = await setUp({ pods: [readyPod('shop', 'a')] });
    await waitFor(() => server.activeWatches() === 1, 'the watch');

    await informer.stop();
    const requests = server.requests.length;
    await sleepMs(600);

    expect(server.activeWatches()).toBe(0);
    expect(server.requests.length).toBe(requests);
    expect(informer.stats().state).toBe('stopped');
  });
});

describe('ResilientInformer: a later LIST page that fails', () => {
  /** Ten Pods in five pages of two. */
  const TEN = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'];
  const PAGED: Partial<InformerTimings> = { pageSize: 2 };
  const listRequests = (server: FakeApiServer) => server.requests.filter((r) => r.verb === 'list' && r.resource === 'pods');
  const continueOf = (r: { query: string }) => new URLSearchParams(r.query).get('continue');
  /** Matches the pods LISTs from the `from`-th on (1-based). */
  function fromListRequest(from: number): (r: { verb: string; resource?: string }) => boolean {
    let seen = 0;
    return (r) => r.verb === 'list' && r.resource === 'pods' && ++seen >= from;
  }

  it.each([
    [503, undefined],
    [500, undefined],
    [429, 1],
  ] as const)('asks for the page again with the same continue token after HTTP %s (Retry-After %s), not for the LIST from page 1', async (status, retryAfterSeconds) => {
    const { server, informer } = await setUp({ pods: TEN.map((n) => readyPod('shop', n)), timings: PAGED, start: false });
    server.faults.failNext(status, { match: fromListRequest(3), retryAfterSeconds });

    informer.start();
    await informer.waitForSync(3_000);

    const sent = listRequests(server);
    expect(sent.map((r) => r.status)).toEqual([200, 200, status, 200, 200, 200]);
    expect(continueOf(sent[3]!)).toBe(continueOf(sent[2]!));
    expect(continueOf(sent[3]!)).toBeTruthy();
    expect(sent.filter((r) => !continueOf(r))).toHaveLength(1);
    // The back-off's first step here is 50 ms; a server that asked for a second gets it, up to the back-off's cap (400 ms).
    const waited = sent[3]!.at.getTime() - sent[2]!.at.getTime();
    expect(waited).toBeGreaterThanOrEqual(retryAfterSeconds ? Math.min(retryAfterSeconds * 1_000, BACKOFF.maxMs) - 20 : BACKOFF.initialMs - 10);
    expect(informer.stats()).toMatchObject({ lists: 1, listRequests: 6, pageRetries: 1, backoffSteps: 1, objects: 10 });
    expect(names(informer)).toEqual(TEN);
  });

  it('gives the LIST up after pageRetryLimit retries of one page, then lists from page 1 again', async () => {
    const { server, informer } = await setUp({ pods: TEN.map((n) => readyPod('shop', n)), timings: { ...PAGED, pageRetryLimit: 2 }, start: false });
    server.faults.failNext(503, { times: 3, match: fromListRequest(3) });

    informer.start();
    await informer.waitForSync(3_000);

    // Pages 1–2, page 3 three times (the first try and two retries), then the whole LIST: five pages.
    const sent = listRequests(server);
    expect(sent.map((r) => r.status)).toEqual([200, 200, 503, 503, 503, 200, 200, 200, 200, 200]);
    expect(sent.filter((r) => !continueOf(r))).toHaveLength(2);
    expect(informer.stats()).toMatchObject({ lists: 2, listRequests: 10, pageRetries: 2, backoffSteps: 3, objects: 10 });
    expect(names(informer)).toEqual(TEN);
  });

  it('does not retry a page the server refuses for good (403): the LIST starts over after the back-off', async () => {
    const { server, informer } = await setUp({ pods: TEN.map((n) => readyPod('shop', n)), timings: PAGED, start: false });
    server.faults.failNext(403, { match: fromListRequest(3) });

    informer.start();
    await informer.waitForSync(3_000);

    expect(listRequests(server).map((r) => r.status)).toEqual([200, 200, 403, 200, 200, 200, 200, 200]);
    expect(informer.stats()).toMatchObject({ lists: 2, pageRetries: 0, backoffSteps: 1 });
  });

  it('starts the LIST over from page 1 (once, at once) when the continue token has expired (410)', async () => {
    const { server, informer } = await setUp({ pods: TEN.map((n) => readyPod('shop', n)), timings: PAGED, start: false });
    const atThirdPage = fromListRequest(3);
    let compacted = false;
    // Between pages 2 and 3 a Pod is created and the history compacted: page 3's token is too old.
    server.faults.failNext(500, {
      match: (r) => {
        if (!compacted && atThirdPage(r)) {
          compacted = true;
          server.store.create(readyPod('shop', 'k'));
          server.store.compact();
        }
        return false;
      },
    });

    informer.start();
    await informer.waitForSync(3_000);

    // Pages 1–2, page 3 answered 410, then eleven Pods in six pages.
    const sent = listRequests(server);
    expect(sent.map((r) => r.status)).toEqual([200, 200, 410, 200, 200, 200, 200, 200, 200]);
    expect(informer.stats()).toMatchObject({ lists: 1, listRequests: 9, pageRetries: 0, backoffSteps: 0, objects: 11 });
    expect(names(informer)).toEqual([...TEN, 'k']);
  });

  it('stops at once while waiting to retry a page', async () => {
    const { server, informer } = await setUp({
      pods: TEN.map((n) => readyPod('shop', n)),
      timings: { ...PAGED, backoff: { ...BACKOFF, initialMs: 10_000 } },
      start: false,
    });
    server.faults.failNext(503, { match: fromListRequest(2) });
    informer.start();
    await waitFor(() => informer.stats().pageRetries === 1, 'the page retry to wait');
    const started = Date.now();

    await informer.stop();
    await sleepMs(100);

    expect(Date.now() - started).toBeLessThan(500);
    expect(listRequests(server)).toHaveLength(2);
    expect(informer.hasSynced).toBe(false);
  });
});

describe('ResilientInformer: a quiet watch', () => {
  // Production has a 50 s watchdog, 45 s quiet watches and the apiserver's bookmarks every 60 s and 2 s
  // before a watch's deadline. Here: a 2.5 s watchdog, 3 s quiet watches (bookmark at 1 s), and the
  // server's periodic bookmarks still every 60 s, i.e. never within the test.
  const QUIET: Partial<InformerTimings> = { watchdogSilenceMs: 2_500, watchdogCheckMs: 50, quietWatchTimeoutSeconds: 3 };

  async function quietSetUp(timings: Partial<InformerTimings>): Promise<Harness> {
    // The server keeps 40 changes of history (etcd keeps ~5 minutes').
    const store = new ObjectStore({ historyLimit: 40 });
    const server = await startFakeApiServer({ tls: true, store });
    store.ensureNamespace('quiet');
    store.ensureNamespace('busy');
    store.create(readyPod('quiet', 'q0'));
    return setUp({ server, namespace: 'quiet', timings });
  }

  /** Pods come and go in another namespace: the history moves on while the quiet watch hears nothing. */
  async function churnElsewhere(server: FakeApiServer, ms: number): Promise<void> {
    const until = Date.now() + ms;
    for (let i = 0; Date.now() < until; i++) {
      server.store.create(readyPod('busy', `b${i}`));
      await sleepMs(100);
    }
  }

  it('keeps its resourceVersion current with the bookmark before its deadline: no watchdog restart, no re-LIST', async () => {
    const { server, informer, errors } = await quietSetUp(QUIET);
    const listedAt = Number(informer.stats().resourceVersion);

    await churnElsewhere(server, 7_000);
    server.store.create(readyPod('quiet', 'q1'));
    await waitFor(() => names(informer).includes('q1'), 'q1 on the quiet watch', 3_000);

    const timeouts = server.requests.filter((r) => r.verb === 'watch').map((r) => new URLSearchParams(r.query).get('timeoutSeconds'));
    expect(timeouts.length).toBeGreaterThanOrEqual(3);
    expect(new Set(timeouts)).toEqual(new Set(['3']));
    expect(informer.stats()).toMatchObject({ lists: 1, relistsAfterGone: 0, watchdogRestarts: 0, backoffSteps: 0 });
    expect(Number(informer.stats().resourceVersion)).toBeGreaterThan(listedAt + 40);
    expect(errors).toEqual([]);
  });

  it('goes back to the long timeout once its watch delivers objects', async () => {
    const { server, informer } = await quietSetUp(QUIET);
    await waitFor(() => watches(server) === 1, 'the first watch');

    server.store.create(readyPod('quiet', 'q1'));
    await waitFor(() => watches(server) === 2, 'the second watch', 5_000);

    const timeouts = server.requests.filter((r) => r.verb === 'watch').map((r) => Number(new URLSearchParams(r.query).get('timeoutSeconds')));
    expect(timeouts[0]).toBe(3);
    expect(timeouts[1]).toBeGreaterThanOrEqual(300);
    expect(informer.stats()).toMatchObject({ lists: 1, watchdogRestarts: 0 });
  });
});

describe('ResilientInformer: stop during a hung LIST', () => {
  it('returns at once instead of waiting for the LIST\'s timeout', async () => {
    const { server, informer } = await setUp({ pods: [readyPod('shop', 'a')], start: false });
    server.faults.setLatency(5_000);
    informer.start();
    await waitFor(() => lists(server) === 1, 'the LIST to be in flight');
    const started = Date.now();

    await informer.stop();

    expect(Date.now() - started).toBeLessThan(500);
    expect(informer.hasSynced).toBe(false);
  });
});

describe('ResilientInformer: a big LIST does not hold the event loop', () => {
  /** A source with one page of `n` objects and a watch that stays open; no API server needed for the loop itself. */
  function onePage(n: number): ListerWatcher {
    const items = Array.from({ length: n }, (_, i) => ({ metadata: { name: `p${i}`, uid: `u${i}`, resourceVersion: '1' } }));
    return {
      description: 'one page',
      list: () => Promise.resolve({ items, resourceVersion: '1' }),
      watch: () => Promise.resolve({ abort: () => undefined }),
    };
  }

  function busy(ms: number): void {
    const until = performance.now() + ms;
    while (performance.now() < until) {
      // stands for decoding and slimming a large object
    }
  }

  it.each([
    ['slimming a page', 'transform'],
    ['applying the LIST to the store and handlers', 'add'],
  ] as const)('lets a timer run while %s', async (_, slow) => {
    let done = 0;
    let doneWhenTimerRan = -1;
    const informer = new ResilientInformer<{ metadata: { name: string; uid: string; resourceVersion: string } }>({
      source: onePage(40),
      transform: (raw) => {
        if (slow === 'transform') {
          busy(2);
          if (++done === 1) setTimeout(() => (doneWhenTimerRan = done), 0);
        }
        return raw as { metadata: { name: string; uid: string; resourceVersion: string } };
      },
      keyOf: (o) => o.metadata.uid,
      resourceVersionOf: (o) => o.metadata.resourceVersion,
      handler: {
        add: () => {
          if (slow !== 'add') return;
          busy(2);
          if (++done === 1) setTimeout(() => (doneWhenTimerRan = done), 0);
        },
      },
      timings: FAST,
    });

    informer.start();
    await informer.waitForSync(5_000);
    await informer.stop();

    // 40 × 2 ms of work in 4 ms slices: the timer runs after a slice or two, not after all 40.
    expect(informer.list()).toHaveLength(40);
    expect(doneWhenTimerRan).toBeGreaterThan(0);
    expect(doneWhenTimerRan).toBeLessThan(40);
  });

  it('shares one time slice among informers: a turn does one slice of their work, not one per informer', async () => {
    let done = 0;
    const doneAtTimer: number[] = [];
    const informers = ['a', 'b'].map((name) => new ResilientInformer<{ metadata: { uid: string; resourceVersion: string } }>({
      source: { ...onePage(30), description: name },
      transform: (raw) => {
        busy(1);
        done++;
        const object = raw as { metadata: { uid: string; resourceVersion: string } };
        return { metadata: { ...object.metadata, uid: `${name}-${object.metadata.uid}` } };
      },
      keyOf: (o) => o.metadata.uid,
      resourceVersionOf: (o) => o.metadata.resourceVersion,
      timings: FAST,
    }));
    let ticking = true;
    const tick = (): void => {
      doneAtTimer.push(done);
      if (ticking) setTimeout(tick, 0);
    };
    setTimeout(tick, 0);

    for (const informer of informers) informer.start();
    await Promise.all(informers.map((i) => i.waitForSync(5_000)));
    ticking = false;
    await Promise.all(informers.map((i) => i.stop()));

    // 60 items of 1 ms in 4 ms slices: 4 items between two timer callbacks with one slice per
    // turn, 8 if each informer had its own.
    const between = doneAtTimer.slice(1).map((n, i) => n - (doneAtTimer[i] as number));
    expect(done).toBe(60);
    expect(Math.max(...between)).toBeLessThanOrEqual(6);
  });

  it('pages LISTs by at most 250 objects by default', () => {
    expect(DEFAULT_INFORMER_TIMINGS.pageSize).toBeLessThanOrEqual(250);
  });
});

describe('back-off defaults', () => {
  it('match client-node and client-go: 1 s doubling to a 30 s cap', () => {
    const delays = Array.from({ length: 7 }, (_, step) => backoffDelay(DEFAULT_BACKOFF, step));

    expect(delays).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000]);
  });
});

describe('ResilientInformer: the next LIST page is asked for while this one is decoded', () => {
  it('requests page N+1 once page N\'s head has named its token, before page N is done, and lists each page once', async () => {
    const store = new ObjectStore();
    store.ensureNamespace('shop');
    const names = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
    for (const n of names) store.create(readyPod('shop', n));
    const server = await startFakeApiServer({ tls: true, store });
    const kc = new KubeConfig();
    kc.loadFromString(server.kubeconfigYaml());
    const real = new ClientNodeCluster(kc).listerWatcher('pods');
    // The real lister, with each page held back 150 ms after it is decoded (a slow page to apply): the
    // informer must not wait for it before asking for the next.
    const log: string[] = [];
    let pageNo = 0;
    const slowPages: ListerWatcher = {
      description: real.description,
      watch: (request, onEvent, onDone) => real.watch(request, onEvent, onDone),
      async list(request) {
        const n = ++pageNo;
        log.push(`ask ${n}`);
        const page = await real.list(request);
        await sleepMs(150);
        log.push(`done ${n}`);
        return page;
      },
    };
    const informer = new ResilientInformer<Cached>({
      source: slowPages,
      transform: (raw) => slimObject('pods', raw),
      keyOf: objectKey,
      resourceVersionOf: (o) => o.metadata.resourceVersion,
      timings: { ...FAST, pageSize: 2 },
    });
    try {
      informer.start();
      await informer.waitForSync(5_000);
      expect(informer.list().map((p) => p.metadata.name).sort()).toEqual(names);
      expect(server.countRequests({ verb: 'list', resource: 'pods' })).toBe(4);
      expect(informer.stats()).toMatchObject({ lists: 1, listRequests: 4 });
      // Page 2 is asked for before page 1 is done, and so on; never two pages ahead.
      expect(log.indexOf('ask 2')).toBeLessThan(log.indexOf('done 1'));
      expect(log.indexOf('ask 3')).toBeLessThan(log.indexOf('done 2'));
      expect(log.indexOf('ask 3')).toBeGreaterThan(log.indexOf('done 1'));
    } finally {
      await informer.stop();
      await server.close();
    }
  });
});
