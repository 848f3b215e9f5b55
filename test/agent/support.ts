/**
 * Harness for the end-to-end alert tests (issue 4): a simulated cluster (ObjectStore + scenario kit)
 * behind the fake API server on 127.0.0.1, the real agent (startAgent: real client-node informers,
 * real queue — in-process or BullMQ on the real Redis at 127.0.0.1:6379 — real incident manager and
 * store), and a capturing Notifier in place of Slack. Nothing is mocked.
 *
 * Time: ONE createSimClock is shared by the store, the kit and the agent (`now`), as in src/demo/demo.ts.
 * It runs with real time (an interval adds the real time that passed) and tests jump it forward with
 * sim.advance() / clock.advance(). The kit wraps clocks it does not know (clockFor), so the same
 * `clock.now` function must be passed to both the store and the kit.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { loadConfig } from '../../src/config.ts';
import { createLogger, type Logger } from '../../src/log.ts';
import { loadKubeconfig } from '../../src/cluster/kubeconfig.ts';
import { parseKubectlDump } from '../../src/cluster/kubectl-dump.ts';
import type { ClusterCache } from '../../src/cluster/cache.ts';
import { eventRetention } from '../../src/cluster/event-retention.ts';
import type { CachedObject } from '../../src/cluster/slim.ts';
import type { KubeEvent } from '../../src/contract/k8s.ts';
import { RESOURCES, type ResourceName } from '../../src/cluster/resources.ts';
import { ObjectStore, type KubeObject } from '../../src/sim/store.ts';
import { startFakeApiServer, type FakeApiServer } from '../../src/sim/api-server.ts';
import { createClusterSimulator, createSimClock, type ClusterSimulator, type NodeSpec, type SimClock } from '../../src/sim/kit/cluster-simulator.ts';
import { followRealTime } from '../../src/sim/kit/clock.ts';
import { startAgent, type AgentDeps, type AgentMode, type RunningAgent } from '../../src/agent/agent.ts';
import type { Incident, NotifyCommand, PostedMessage } from '../../src/contract/incident.ts';
import type { Notifier } from '../../src/notify/notifier.ts';
import type { NotifyQueue } from '../../src/queue/notify-queue.ts';
import type { Diagnosis } from '../../src/contract/diagnosis.ts';
import { FIXTURE_NOW, FIXTURE_ROOT } from '../support/fixtures.ts';

export const REDIS_HOST = '127.0.0.1';
export const REDIS_PORT = 6379;
export const REDIS_URL = `redis://${REDIS_HOST}:${REDIS_PORT}`;

export type QueueMode = 'in-process' | 'bullmq';
export const QUEUE_MODES: readonly QueueMode[] = ['in-process', 'bullmq'];

/** A REDIS_PREFIX of its own for one test file: every key the file creates (queues and incidents) starts with it. */
export function uniquePrefix(file: string): string {
  return `podwhy-e2e-${file}-${randomUUID().slice(0, 8)}`;
}

/**
 * Deletes every key under `prefix` (BullMQ keys are `<prefix>:<queue>:…`, incident keys `<prefix>:<cluster>:…`),
 * then checks that none came back: a worker or connection still writing after its agent stopped would show here.
 */
export async function deleteRedisKeys(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL);
  redis.on('error', () => undefined);
  const scan = async (): Promise<string[]> => {
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      found.push(...keys);
    } while (cursor !== '0');
    return found;
  };
  try {
    const keys = await scan();
    if (keys.length > 0) await redis.del(...keys);
    await sleep(100);
    const left = await scan();
    if (left.length > 0) throw new Error(`keys under ${prefix} were written after the agents stopped: ${left.slice(0, 5).join(', ')}`);
  } finally {
    await redis.quit();
  }
}

// ---------- the capturing notifier ----------

export interface Delivered {
  command: NotifyCommand;
  /** What deliver() returned (opens and new digests only). */
  posted: PostedMessage | undefined;
  /** The sim clock when it was delivered. */
  atMs: number;
}

/**
 * Records every NotifyCommand (deep-copied, as Slack would hold the text it got) and answers opens and
 * new digests with a Slack-like `{channel, ts}`. `name` keeps the ts of two notifiers (two agents) apart.
 */
export class CapturingNotifier implements Notifier {
  readonly delivered: Delivered[] = [];
  readonly #now: () => number;
  readonly #base: number;
  #sequence = 0;

  constructor(options: { now: () => number; base?: number }) {
    this.#now = options.now;
    this.#base = options.base ?? 1_800_000_000;
  }

  async deliver(command: NotifyCommand): Promise<PostedMessage | void> {
    const isNew = command.type === 'open' || (command.type === 'digest' && !command.target);
    let posted: PostedMessage | undefined;
    if (isNew) {
      this.#sequence += 1;
      const channel = command.type === 'digest' ? command.digest.channel : command.incident.channel;
      posted = { channel, ts: `${this.#base}.${String(this.#sequence).padStart(6, '0')}` };
    }
    this.delivered.push({ command: structuredClone(command), posted, atMs: this.#now() });
    return posted;
  }

  of<T extends NotifyCommand['type']>(type: T): Extract<NotifyCommand, { type: T }>[] {
    return this.delivered.map((d) => d.command).filter((c): c is Extract<NotifyCommand, { type: T }> => c.type === type);
  }

  get opens(): Extract<NotifyCommand, { type: 'open' }>[] {
    return this.of('open');
  }

  get updates(): Extract<NotifyCommand, { type: 'update' }>[] {
    return this.of('update');
  }

  /** Where the opens landed. */
  postedMessages(): PostedMessage[] {
    return this.delivered.flatMap((d) => (d.posted ? [d.posted] : []));
  }

  /** Counts by command type, e.g. `{ open: 1, update: 3 }`. */
  summary(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const { command } of this.delivered) counts[command.type] = (counts[command.type] ?? 0) + 1;
    return counts;
  }
}

// ---------- the simulated cluster ----------

export interface SimCluster {
  clock: SimClock;
  store: ObjectStore;
  server: FakeApiServer;
  sim: ClusterSimulator;
  kubeconfigPath: string;
  close(): Promise<void>;
}

export interface SimClusterOptions {
  nodes?: number | NodeSpec[];
  seed?: number;
  /** The fake API server answers SubjectAccessReviews from this JSON file (src/sim/api-server.ts). */
  accessReviewPolicyPath?: string;
}

/** Store + fake API server + kit on one sim clock that follows real time (as in the demo). */
export async function startSimCluster(options: SimClusterOptions = {}): Promise<SimCluster> {
  const clock = createSimClock(Date.now());
  const stopRealTime = followRealTime(clock);
  const store = new ObjectStore({ now: clock.now });
  const server = await startFakeApiServer({ store, bookmarkIntervalMs: 5_000, ...(options.accessReviewPolicyPath !== undefined && { accessReviewPolicyPath: options.accessReviewPolicyPath }) });
  const dir = mkdtempSync(join(tmpdir(), 'podwhy-e2e-'));
  const kubeconfigPath = server.writeKubeconfig(join(dir, 'kubeconfig'));
  const sim = createClusterSimulator({ store, now: clock.now, nodes: options.nodes ?? 3, seed: options.seed ?? 1 });
  return {
    clock,
    store,
    server,
    sim,
    kubeconfigPath,
    async close() {
      stopRealTime();
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// ---------- the agent ----------

export interface TestAgentOptions {
  queue: QueueMode;
  /** Unique per test file; with `queue: 'bullmq'` every key lands under it. */
  redisPrefix: string;
  cluster: string;
  /** Defaults to a CapturingNotifier on the sim clock. */
  notifier?: CapturingNotifier;
  /** Hand notify commands to this queue instead (another process delivers them); `notifier` then gets none. */
  notifyQueue?: NotifyQueue;
  mode?: AgentMode;
  /** Another Redis URL (the outage proxy). */
  redisUrl?: string;
  /** Extra config entries (strings, as in the environment). */
  env?: Record<string, string>;
  deps?: Partial<Pick<AgentDeps, 'windows' | 'incidentSettings' | 'tickMs' | 'refreshMs' | 'queueOptions' | 'informerTimings'>>;
}

export interface TestAgent {
  agent: RunningAgent;
  notifier: CapturingNotifier;
  diagnoses: Diagnosis[];
  /** warn-and-above log lines (JSON), to look at when something goes wrong. */
  logs: string[];
  log: Logger;
  stop(): Promise<void>;
}

/**
 * Short windows for tests, in SIM seconds: STABILIZE_SECONDS 10 (transients of 5 s stay silent; tests
 * jump the clock past it where they wait for it), resolve after 5 s, tick every 50 ms.
 */
export const TEST_ENV: Record<string, string> = {
  STABILIZE_SECONDS: '10',
  RESOLVE_AFTER_SECONDS: '5',
  STORM_THRESHOLD_PER_MINUTE: '50',
  WORKER_CONCURRENCY: '8',
  HTTP_PORT: '0',
  LOG_LEVEL: 'warn',
};

export async function startTestAgent(cluster: SimCluster, options: TestAgentOptions): Promise<TestAgent> {
  const { clock } = cluster;
  const logs: string[] = [];
  const log = createLogger({
    level: 'warn',
    destination: new Writable({
      write(chunk: Buffer, _encoding, done) {
        logs.push(chunk.toString('utf8'));
        done();
      },
    }),
  });
  const config = loadConfig({
    ...TEST_ENV,
    CLUSTER_NAME: options.cluster,
    REDIS_PREFIX: options.redisPrefix,
    ...(options.queue === 'bullmq' ? { REDIS_URL: options.redisUrl ?? REDIS_URL } : {}),
    ...options.env,
  });
  const notifier = options.notifier ?? new CapturingNotifier({ now: clock.nowMs });
  const diagnoses: Diagnosis[] = [];
  const agent = await startAgent({
    config,
    log,
    ...(options.notifyQueue ? { notifyQueue: options.notifyQueue } : { notifier }),
    mode: options.mode ?? 'agent',
    kubeconfig: loadKubeconfig({ path: cluster.kubeconfigPath }),
    now: () => clock.nowMs(),
    withoutHttp: true,
    tickMs: 50,
    ...(options.queue === 'bullmq' ? { queueOptions: { drainDelaySeconds: 1 } } : {}),
    ...options.deps,
    onDiagnosis: (diagnosis) => void diagnoses.push(diagnosis),
  });
  return { agent, notifier, diagnoses, logs, log, stop: () => agent.stop({ timeoutMs: 5_000 }) };
}

// ---------- waiting ----------

/** Polls `probe` (sync or async) until it returns something truthy; fails naming `what`. */
export async function waitFor<T>(
  probe: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  what: string,
  timeoutMs = 10_000,
  intervalMs = 20,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * The cache's objects of one resource type, as uid → resourceVersion (test-sized caches: copies are cheap).
 * Workload kinds share one table, so they are told apart by kind.
 */
function cachedVersions(cache: ClusterCache, resource: ResourceName, storeNamespaces: readonly string[], keepsEvent: (event: KubeEvent) => boolean): Map<string, string | undefined> {
  const versions = (objects: readonly { metadata: { uid?: string; name: string; resourceVersion?: string } }[]) =>
    new Map(objects.map((o) => [o.metadata.uid ?? o.metadata.name, o.metadata.resourceVersion]));
  switch (resource) {
    case 'pods':
      return versions(cache.pods());
    case 'nodes':
      return versions(cache.nodes());
    case 'events':
      return versions(cache.objectSet().events.filter(keepsEvent));
    case 'resourcequotas':
      return versions(cache.objectSet().quotas);
    case 'persistentvolumeclaims':
      return versions(cache.objectSet().pvcs);
    case 'namespaces':
      return versions(storeNamespaces.flatMap((name) => cache.namespace(name) ?? []));
    default:
      return versions(cache.workloads().filter((w) => w.kind === RESOURCES[resource].kind));
  }
}

/**
 * The informer cache holds exactly the store's objects, at the same resourceVersions, for EVERY type it
 * watches (in its namespaces). Each type has its own watch stream: a Pod-less test (a workload whose only
 * trace is its FailedCreate event, a ResourceQuota) has nothing in Pods or Nodes to wait for, so checking
 * those alone let settle() return before the StatefulSet, its event or the quota had arrived.
 */
export function cacheCaughtUp(store: ObjectStore, cache: ClusterCache): boolean {
  const storeNamespaces = store.list('namespaces').items.map((n) => n.metadata.name ?? '');
  // The cache keeps only the Events within the engine's window (event-retention.ts; the agent ages them on
  // the store's clock); one that has just aged out may linger until the next sweep.
  const retention = eventRetention(() => store.now().getTime());
  const keepsEvent = (event: unknown): boolean => !(retention.lastSeenOf(event as CachedObject) < retention.now() - retention.maxAgeMs);
  for (const resource of cache.resources) {
    const scoped = RESOURCES[resource].namespaced && cache.namespaces.length > 0;
    const items = store.list(resource).items.filter((o) => (!scoped || cache.namespaces.includes(o.metadata.namespace ?? '')) && (resource !== 'events' || keepsEvent(o)));
    const cached = cachedVersions(cache, resource, storeNamespaces, keepsEvent);
    if (cached.size !== items.length) return false;
    for (const object of items) {
      if (cached.get(object.metadata.uid ?? object.metadata.name ?? '') !== object.metadata.resourceVersion) return false;
    }
  }
  return true;
}

async function queueIdle(agent: RunningAgent): Promise<boolean> {
  const counts = await agent.queue.counts();
  return counts.waiting + counts.active + counts.delayed === 0;
}

/**
 * Lets the agent finish reacting to what the cluster did: the cache catches up with the store, one
 * tick hands on what is due, the queue drains (seen idle three polls in a row, so an enqueue still on
 * its way to Redis is not missed), and a last tick delivers what the records made due.
 */
export async function settle(cluster: SimCluster, agent: RunningAgent, timeoutMs = 15_000): Promise<void> {
  await waitFor(() => cacheCaughtUp(cluster.store, agent.cache), 'the informer cache to catch up with the store', timeoutMs, 2);
  await agent.tick();
  let idleInARow = 0;
  await waitFor(
    async () => {
      idleInARow = (await queueIdle(agent)) ? idleInARow + 1 : 0;
      return idleInARow >= 3;
    },
    'the diagnosis queue to drain',
    timeoutMs,
    3,
  );
  await agent.tick();
}

/** The open incidents of the agent's cluster. */
export async function openIncidents(agent: RunningAgent): Promise<Incident[]> {
  return agent.incidents.listOpen(agent.cluster);
}

/** How many failing Pods an incident lists. */
export function failingPods(incident: Incident): number {
  return Object.values(incident.pods).filter((p) => p.state === 'failing').length;
}

// ---------- transients from the healthy fixtures ----------

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

function shiftTimestamps<T>(value: T, offsetMs: number): T {
  if (typeof value === 'string' && TIMESTAMP.test(value)) return new Date(Date.parse(value) + offsetMs).toISOString().replace('.000Z', 'Z') as T;
  if (Array.isArray(value)) return value.map((v: unknown) => shiftTimestamps(v, offsetMs)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shiftTimestamps(v, offsetMs)])) as T;
  }
  return value;
}

/**
 * Creates the objects of a corpus fixture (test/fixtures/k8s/…, upstream strings cited there) in the
 * store, with every timestamp moved so that the fixture's "now" is the sim clock's now. Nodes the
 * cluster already has are skipped, and so are kinds `only` refuses (to plant the rest later).
 */
export function plantFixture(cluster: SimCluster, path: string, only: (kind: string) => boolean = () => true): KubeObject[] {
  const offset = cluster.clock.nowMs() - Date.parse(FIXTURE_NOW);
  const objects = parseKubectlDump(readFileSync(join(FIXTURE_ROOT, path), 'utf8')).map((o) => shiftTimestamps(o, offset) as unknown as KubeObject);
  const created: KubeObject[] = [];
  for (const object of objects) {
    if (!only(object.kind ?? '')) continue;
    if (object.metadata.namespace) cluster.store.ensureNamespace(object.metadata.namespace);
    if (object.kind === 'Node' && cluster.store.get('nodes', undefined, object.metadata.name ?? '')) continue;
    created.push(cluster.store.create(object));
  }
  return created;
}

// ---------- a Redis outage ----------

export { RedisOutageProxy } from '../support/redis-outage-proxy.ts';

// ---------- child processes ----------

export { linesOf } from '../support/child-lines.ts';
