import type { DiagnoseProcessor, DiagnosisQueue, EnqueueResult, QueueCounts, WorkerOptions } from './diagnosis-queue.ts';
import type { DiagnoseJob } from './jobs.ts';

/**
 * The diagnosis queue of one shard of a cluster (docs/architecture.md, "Sharding one large cluster"): several agents
 * of one cluster, each watching its own namespaces, share one Redis. A watch job names a Pod by uid, which only the
 * informer caches of its own shard hold (another shard's worker would find no such Pod and take it for gone), so
 * watch jobs go to the shard's queue (`podwhy-diagnose-<cluster>.shard-<id>`). Jobs from the Slack gateway (commands,
 * re-diagnoses, one-click fixes) go to the cluster's queue as before, which every shard also consumes: the gateway
 * knows clusters, not shards.
 */
export class ShardedDiagnosisQueue implements DiagnosisQueue {
  readonly cluster: string;
  readonly name: string;
  readonly #shard: DiagnosisQueue;
  readonly #cluster: DiagnosisQueue;

  /** `shard`: this shard's own queue; `cluster`: the cluster's queue the gateway feeds. */
  constructor(queues: { shard: DiagnosisQueue; cluster: DiagnosisQueue }) {
    this.#shard = queues.shard;
    this.#cluster = queues.cluster;
    this.cluster = queues.shard.cluster;
    this.name = queues.shard.name;
  }

  enqueue(job: DiagnoseJob): Promise<EnqueueResult> {
    return (job.trigger === 'watch' ? this.#shard : this.#cluster).enqueue(job);
  }

  async startWorkers(processor: DiagnoseProcessor, options?: WorkerOptions): Promise<void> {
    await this.#shard.startWorkers(processor, options);
    await this.#cluster.startWorkers(processor, options);
  }

  async depth(): Promise<number> {
    const [shard, cluster] = await Promise.all([this.#shard.depth(), this.#cluster.depth()]);
    return shard + cluster;
  }

  async counts(): Promise<QueueCounts> {
    const [shard, cluster] = await Promise.all([this.#shard.counts(), this.#cluster.counts()]);
    return {
      waiting: shard.waiting + cluster.waiting,
      active: shard.active + cluster.active,
      delayed: shard.delayed + cluster.delayed,
      completed: shard.completed + cluster.completed,
      failed: shard.failed + cluster.failed,
    };
  }

  async close(): Promise<void> {
    await Promise.all([this.#shard.close(), this.#cluster.close()]);
  }
}
