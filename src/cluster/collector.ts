/**
 * SnapshotCollector: builds the engine's snapshot for one Pod (or pod-less workload) from the
 * ClusterCache, and asks the API server only for what the cache cannot have:
 * - the log tail of a crashed, exited or probe-failing container (one `get pods/log`, bounded in
 *   lines and bytes, remembered per container instance so a re-diagnosis costs nothing), and
 * - the Pod itself when its namespace is not watched (one GET).
 * In steady state that is at most one request per diagnosis, and none for most.
 * The change context (the owning Deployment's latest rollout) comes from the cached ReplicaSets
 * through snapshot.ts `rolloutContext`.
 */
import { redactSecrets } from '../contract/redact.ts';
import type { ContainerStatus, Node, Pod } from '../contract/k8s.ts';
import type { ContainerLogTail, PodSnapshot, WorkloadSnapshot } from '../contract/snapshot.ts';
import type { ClusterCache } from './cache.ts';
import type { ClusterReader } from './ports.ts';
import { buildPodSnapshot, buildSnapshots } from './snapshot.ts';

export type CollectRef = { namespace: string; name: string } | { uid: string };
export type WorkloadRef = { uid: string } | { kind: string; namespace: string; name: string };

export interface LogTailLimits {
  /** `tailLines`: how many of the last lines to ask for. */
  lines: number;
  /** `limitBytes`: the server stops after this many bytes. */
  bytes: number;
  /** Longer lines are clipped (a 50 KB line must not reach a chat message). */
  maxLineLength: number;
}

export const DEFAULT_LOG_LIMITS: LogTailLimits = { lines: 50, bytes: 16 * 1024, maxLineLength: 500 };

export interface CollectorOptions {
  cache: ClusterCache;
  reader: ClusterReader;
  /** The wall clock: snapshots are observed at now(). */
  now?: () => Date;
  logLimits?: Partial<LogTailLimits>;
  /**
   * Remembered log tails (per container instance), least recently used dropped beyond this many
   * bytes of log text (default 16 MiB: ~5,000 crash-looping containers' 50-line tails of 60-byte lines).
   */
  logCacheBytes?: number;
  /** Told about failures the collector works around (a log it could not read). */
  onError?(error: unknown, context: { what: 'log' | 'get'; namespace: string; name: string }): void;
}

export interface CollectorStats {
  collections: number;
  /** API requests this collector sent (GETs and log reads). */
  requests: number;
  podGets: number;
  logReads: number;
  logCacheHits: number;
  logErrors: number;
}

export interface CollectOptions {
  /** Fetch the log tail for crash, exit and probe cases (default true). */
  withLogs?: boolean;
}

export class SnapshotCollector {
  readonly #cache: ClusterCache;
  readonly #reader: ClusterReader;
  readonly #now: () => Date;
  readonly #limits: LogTailLimits;
  readonly #logCacheBytes: number;
  /** Immutable log tails by `uid/container/previous/restartCount`, least recently used first. */
  readonly #logCache = new Map<string, ContainerLogTail>();
  #logCacheUsed = 0;
  readonly #onError: CollectorOptions['onError'];
  readonly #stats: CollectorStats = { collections: 0, requests: 0, podGets: 0, logReads: 0, logCacheHits: 0, logErrors: 0 };

  constructor(options: CollectorOptions) {
    this.#cache = options.cache;
    this.#reader = options.reader;
    this.#now = options.now ?? (() => new Date());
    this.#limits = { ...DEFAULT_LOG_LIMITS, ...options.logLimits };
    this.#logCacheBytes = options.logCacheBytes ?? DEFAULT_LOG_CACHE_BYTES;
    this.#onError = options.onError;
  }

  stats(): CollectorStats {
    return { ...this.#stats };
  }

  /**
   * The snapshot of one Pod, or null when it does not exist. By uid: from the cache only. By name:
   * from the cache when the namespace is watched and synced, else one GET.
   */
  async collect(ref: CollectRef, options: CollectOptions = {}): Promise<PodSnapshot | null> {
    this.#stats.collections++;
    const pod = await this.#findPod(ref);
    if (!pod) return null;
    return this.snapshotOf(pod, options);
  }

  /** The snapshot of a Pod already in hand (e.g. one of a workload's Pods). */
  async snapshotOf(pod: Pod, options: CollectOptions = {}): Promise<PodSnapshot> {
    const observedAt = this.#now().toISOString();
    const uid = pod.metadata.uid ?? '';
    const logs = options.withLogs === false ? [] : await this.#logsFor(pod, observedAt);
    return buildPodSnapshot(this.#cache.podObjectSet(pod), pod, observedAt, { logs: new Map([[uid, logs]]) });
  }

  /**
   * The snapshot of a pod-creating workload (ReplicaSet, StatefulSet, DaemonSet, Job), for
   * failures that leave no Pod (quota or admission FailedCreate); null when it is not cached or is
   * not of a pod-creating kind.
   */
  async collectWorkload(ref: WorkloadRef): Promise<WorkloadSnapshot | null> {
    this.#stats.collections++;
    const workload = 'uid' in ref ? this.#cache.workload(ref.uid) : this.#cache.workloadByName(ref.kind, ref.namespace, ref.name);
    if (!workload) return null;
    const observedAt = this.#now().toISOString();
    const snapshots = buildSnapshots(this.#cache.workloadObjectSet(workload), observedAt);
    return (
      snapshots.find((s): s is WorkloadSnapshot => s.kind === 'Workload' && s.workload.metadata.uid === workload.metadata.uid && s.workload.kind === workload.kind) ??
      null
    );
  }

  async #findPod(ref: CollectRef): Promise<Pod | null> {
    if ('uid' in ref) return this.#cache.pod(ref.uid) ?? null;
    const cached = this.#cache.podByName(ref.namespace, ref.name);
    if (cached) return cached;
    if (this.#cache.watchesNamespace(ref.namespace) && this.#cache.hasSynced) return null;
    this.#stats.requests++;
    this.#stats.podGets++;
    return this.#reader.getPod(ref);
  }

  async #logsFor(pod: Pod, observedAt: string): Promise<ContainerLogTail[]> {
    const node = pod.spec.nodeName ? this.#cache.node(pod.spec.nodeName) : undefined;
    const candidate = logCandidate(pod, observedAt, node);
    if (!candidate) return [];
    const key = `${pod.metadata.uid ?? ''}/${candidate.container}/${candidate.previous}/${candidate.restartCount}`;
    const remembered = this.#logCache.get(key);
    if (remembered) {
      this.#stats.logCacheHits++;
      // Most recently used goes last (Map keeps insertion order).
      this.#logCache.delete(key);
      this.#logCache.set(key, remembered);
      return [remembered];
    }
    const namespace = pod.metadata.namespace ?? 'default';
    this.#stats.requests++;
    this.#stats.logReads++;
    let text: string;
    try {
      text = await this.#reader.readLogTail({ namespace, name: pod.metadata.name }, candidate.container, {
        previous: candidate.previous,
        tailLines: this.#limits.lines,
        limitBytes: this.#limits.bytes,
      });
    } catch (error) {
      // No log is no reason to fail the diagnosis (RBAC without pods/log, a container that never ran).
      this.#stats.logErrors++;
      this.#onError?.(error, { what: 'log', namespace, name: pod.metadata.name });
      return [];
    }
    const tail: ContainerLogTail = { container: candidate.container, previous: candidate.previous, lines: toLogLines(text, this.#limits) };
    if (candidate.immutable) this.#remember(key, tail);
    return [tail];
  }

  /**
   * Bounded by bytes, not entries: an entry bound sized for a small cluster (it was 1,000 tails)
   * turned over on a large one, where a steady pass diagnoses more crashed containers than it held,
   * each diagnosis evicting the tail the next one needed (150,000 Pods, 4,050 crash tails: 0.40
   * requests per diagnosis; remembered by bytes, 0.05, the probe-failing Pods whose log is live).
   * Tails of deleted Pods or earlier restarts are never asked for again and age out at the front.
   */
  #remember(key: string, tail: ContainerLogTail): void {
    const old = this.#logCache.get(key);
    if (old) {
      this.#logCache.delete(key);
      this.#logCacheUsed -= tailBytes(old);
    }
    this.#logCache.set(key, tail);
    this.#logCacheUsed += tailBytes(tail);
    for (const [oldestKey, oldest] of this.#logCache) {
      if (this.#logCacheUsed <= this.#logCacheBytes || oldestKey === key) break;
      this.#logCache.delete(oldestKey);
      this.#logCacheUsed -= tailBytes(oldest);
    }
  }

  /** Log tails remembered and the bytes of their text. */
  logCacheUsage(): { tails: number; bytes: number } {
    return { tails: this.#logCache.size, bytes: this.#logCacheUsed };
  }
}

/** 16 MiB of remembered log text. */
export const DEFAULT_LOG_CACHE_BYTES = 16 * 1024 * 1024;

/** What a tail's text costs (UTF-16 code units ≈ bytes for log text; V8 keeps ASCII one byte per character), plus its key and array. */
function tailBytes(tail: ContainerLogTail): number {
  let n = 200;
  for (const line of tail.lines) n += line.length + 16;
  return n;
}

// source: kubernetes pkg/kubelet/container/sync_result.go (ErrCrashLoopBackOff = errors.New("CrashLoopBackOff"))
const CRASH_LOOP_BACK_OFF = 'CrashLoopBackOff';
/** A container running but not Ready for this long may be failing a probe: its current log may say why. */
const PROBE_SUSPECT_AFTER_SECONDS = 30;

export interface LogCandidate {
  container: string;
  /** Read the previous instance's log (`--previous`). */
  previous: boolean;
  restartCount: number;
  /** The log cannot change any more (a previous or terminated instance): safe to remember. */
  immutable: boolean;
}

/**
 * Which container's log could explain this Pod's trouble, if any: a container waiting after a
 * crash (previous instance), one that terminated non-zero and is not restarted (current instance),
 * or one running but not Ready for a while with a probe (current instance). Ready containers,
 * containers that never ran and Pods on a node that is not Ready (the kubelet would not answer)
 * get none. At most one container, the most telling, so a diagnosis costs at most one request.
 */
export function logCandidate(pod: Pod, observedAt: string, node?: Node): LogCandidate | null {
  if (node && node.status?.conditions?.some((c) => c.type === 'Ready' && c.status !== 'True')) return null;
  const specs = [...(pod.spec.initContainers ?? []), ...pod.spec.containers];
  const statuses: ContainerStatus[] = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  let best: { candidate: LogCandidate; score: number } | undefined;
  const consider = (candidate: LogCandidate, score: number): void => {
    if (!best || score > best.score || (score === best.score && candidate.restartCount > best.candidate.restartCount)) best = { candidate, score };
  };
  for (const status of statuses) {
    const base = { container: status.name, restartCount: status.restartCount };
    if (status.ready && status.state?.running) continue;
    if (status.state?.waiting && status.lastState?.terminated) {
      consider({ ...base, previous: true, immutable: true }, status.state.waiting.reason === CRASH_LOOP_BACK_OFF ? 4 : 3);
      continue;
    }
    const terminated = status.state?.terminated;
    if (terminated && terminated.exitCode !== 0) {
      consider({ ...base, previous: false, immutable: true }, 3);
      continue;
    }
    const running = status.state?.running;
    const spec = specs.find((c) => c.name === status.name);
    const hasProbe = Boolean(spec?.readinessProbe || spec?.livenessProbe || spec?.startupProbe);
    if (running && !status.ready && hasProbe && running.startedAt) {
      const ranFor = (Date.parse(observedAt) - Date.parse(running.startedAt)) / 1000;
      if (ranFor >= PROBE_SUSPECT_AFTER_SECONDS) consider({ ...base, previous: false, immutable: false }, status.restartCount > 0 ? 2 : 1);
    }
  }
  return best?.candidate ?? null;
}

/**
 * Splits a log tail into at most `lines` lines, each clipped to `maxLineLength`, with obvious
 * secrets masked: logs travel into diagnoses and chat, which must carry no credentials.
 */
export function toLogLines(text: string, limits: Pick<LogTailLimits, 'lines' | 'maxLineLength'> = DEFAULT_LOG_LIMITS): string[] {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines.slice(-limits.lines).map((line) => {
    const masked = redactSecrets(line);
    return masked.length > limits.maxLineLength ? `${masked.slice(0, limits.maxLineLength)}…` : masked;
  });
}

/** Re-exported: the rule lives in the contract, shared with the engine. */
export { redactSecrets } from '../contract/redact.ts';
