import type { DiagnoseProcessor, DiagnosisQueue, EnqueueResult, QueueCounts, WorkerOptions } from './diagnosis-queue.ts';
import type { DiagnoseJob } from './jobs.ts';
import { SHARD_HEARTBEAT_MS, type ShardRegistry } from './shard-registry.ts';

/**
 * The diagnosis queue of one shard of a cluster (docs/architecture.md, "Sharding one large cluster"): several agents
 * of one cluster, each watching its own namespaces, share one Redis. A watch job names a Pod by uid, which only the
 * informer caches of its own shard hold (another shard's worker would find no such Pod and take it for gone), so
 * watch jobs go to the shard's queue (`podwhy-diagnose-<cluster>.shard-<id>`). Jobs from the Slack gateway (commands,
 * re-diagnoses, one-click fixes) go to the cluster's queue as before, which every shard also consumes: the gateway
 * knows clusters, not shards. A shard that takes one naming a namespace it does not watch forwards it (`forward`)
 * to the queue of a shard that does, found in the shard registry (shard-registry.ts).
 */
export interface ShardedQueueOptions {
  /** This shard: its id (jobs.ts shardOf), its namespaces and its own queue. */
  shard: { id: string; namespaces: readonly string[]; queue: DiagnosisQueue };
  /** The cluster's queue the gateway feeds. */
  cluster: DiagnosisQueue;
  registry: ShardRegistry;
  /** A producer onto another shard's queue (its workers are never started here). */
  openShardQueue(shard: string): Promise<DiagnosisQueue>;
  /** Called last by close() (the registry's connection). */
  onClose?(): Promise<void>;
  heartbeatMs?: number;
}

export class ShardedDiagnosisQueue implements DiagnosisQueue {
  readonly cluster: string;
  readonly name: string;
  readonly registry: ShardRegistry;
  readonly #o: ShardedQueueOptions;
  /** Producers onto other shards' queues, opened on first use. */
  readonly #others = new Map<string, Promise<DiagnosisQueue>>();
  #heartbeat: NodeJS.Timeout | undefined;

  constructor(options: ShardedQueueOptions) {
    this.#o = options;
    this.registry = options.registry;
    this.cluster = options.shard.queue.cluster;
    this.name = options.shard.queue.name;
  }

  /** Enters this shard in the registry, and keeps its entry fresh until close(). */
  async announce(): Promise<void> {
    const { registry, shard } = this.#o;
    await registry.announce(shard.id, shard.namespaces);
    this.#heartbeat = setInterval(() => void registry.announce(shard.id, shard.namespaces).catch(() => undefined), this.#o.heartbeatMs ?? SHARD_HEARTBEAT_MS);
    this.#heartbeat.unref();
  }

  enqueue(job: DiagnoseJob): Promise<EnqueueResult> {
    return (job.trigger === 'watch' ? this.#o.shard.queue : this.#o.cluster).enqueue(job);
  }

  /**
   * Hands a job naming a namespace this shard does not watch to the queue of a live shard that watches it. False when
   * no such shard is registered (the job is then answered here, as an unsharded agent would).
   */
  async forward(job: DiagnoseJob): Promise<boolean> {
    if (job.namespace === undefined) return false;
    const target = await this.#o.registry.shardWatching(job.namespace, this.#o.shard.id);
    if (target === undefined) return false;
    let queue = this.#others.get(target);
    if (!queue) {
      queue = this.#o.openShardQueue(target);
      this.#others.set(target, queue);
      queue.catch(() => this.#others.delete(target));
    }
    await (await queue).enqueue(job);
    return true;
  }

  async startWorkers(processor: DiagnoseProcessor, options?: WorkerOptions): Promise<void> {
    await this.#o.shard.queue.startWorkers(processor, options);
    await this.#o.cluster.startWorkers(processor, options);
  }

  async depth(): Promise<number> {
    const [shard, cluster] = await Promise.all([this.#o.shard.queue.depth(), this.#o.cluster.depth()]);
    return shard + cluster;
  }

  async counts(): Promise<QueueCounts> {
    const [shard, cluster] = await Promise.all([this.#o.shard.queue.counts(), this.#o.cluster.counts()]);
    return {
      waiting: shard.waiting + cluster.waiting,
      active: shard.active + cluster.active,
      delayed: shard.delayed + cluster.delayed,
      completed: shard.completed + cluster.completed,
      failed: shard.failed + cluster.failed,
    };
  }

  async close(): Promise<void> {
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    this.#heartbeat = undefined;
    const others = [...this.#others.values()].map((queue) => queue.then((q) => q.close(), () => undefined));
    await Promise.all([this.#o.shard.queue.close(), this.#o.cluster.close(), ...others]);
    await this.#o.onClose?.();
  }
}
