import { pino, type Logger } from 'pino';
import { PodwhyError } from '../errors.ts';
import {
  assertCluster,
  backoffDelay,
  DEFAULT_RETRY,
  isUnrecoverable,
  type DiagnoseProcessor,
  type DiagnosisQueue,
  type EnqueueResult,
  type QueueCounts,
  type RetrySettings,
  type WorkerOptions,
} from './diagnosis-queue.ts';
import { dedupIdOf, isUrgent, parseDiagnoseJob, queueNameFor, type DiagnoseJob } from './jobs.ts';

export interface InProcessQueueOptions {
  cluster: string;
  retry?: Partial<RetrySettings>;
  /** How long close() lets active jobs finish before aborting their signals. */
  closeTimeoutMs?: number;
  log?: Logger;
  /** Jitter source; tests pass a constant. */
  random?: () => number;
}

interface Entry {
  id: string;
  urgent: boolean;
  dedupId: string;
  /** Serialized like BullMQ job data, so the worker side parses it again and shares no object with the producer. */
  data: string;
  attemptsMade: number;
  timer?: NodeJS.Timeout;
}

/**
 * The single-process default (no REDIS_URL): same contract as the BullMQ queue, kept in memory.
 * Jobs are lost when the process exits; the informer's initial LIST re-discovers failures on start.
 */
export class InProcessDiagnosisQueue implements DiagnosisQueue {
  readonly cluster: string;
  readonly name: string;
  readonly #retry: RetrySettings;
  readonly #closeTimeoutMs: number;
  readonly #log: Logger;
  readonly #random: () => number;
  /** Commands and re-diagnoses: a person is waiting for them, so they run before watch jobs. */
  readonly #urgent: Entry[] = [];
  readonly #waiting: Entry[] = [];
  readonly #delayed = new Set<Entry>();
  readonly #active = new Map<Entry, { done: Promise<void>; controller: AbortController }>();
  readonly #byDedupId = new Map<string, Entry>();
  #completed = 0;
  #failed = 0;
  #sequence = 0;
  #processor: DiagnoseProcessor | undefined;
  #concurrency = 1;
  #closed = false;

  constructor(options: InProcessQueueOptions) {
    this.name = queueNameFor(options.cluster);
    this.cluster = options.cluster;
    this.#retry = { ...DEFAULT_RETRY, ...options.retry };
    this.#closeTimeoutMs = options.closeTimeoutMs ?? 10_000;
    this.#log = (options.log ?? pino({ level: 'silent' })).child({ component: 'queue', queue: this.name });
    this.#random = options.random ?? Math.random;
  }

  async enqueue(job: DiagnoseJob): Promise<EnqueueResult> {
    if (this.#closed) throw new PodwhyError('bad-input', `Queue ${this.name} is closed`);
    const parsed = parseDiagnoseJob(job);
    assertCluster(parsed, this.cluster);
    const dedupId = dedupIdOf(parsed);
    if (this.#byDedupId.has(dedupId)) return 'deduplicated';
    this.#sequence += 1;
    const entry: Entry = {
      id: `${dedupId}-${this.#sequence}`,
      urgent: isUrgent(parsed),
      dedupId,
      data: JSON.stringify(parsed),
      attemptsMade: 0,
    };
    this.#byDedupId.set(dedupId, entry);
    (entry.urgent ? this.#urgent : this.#waiting).push(entry);
    this.#pump();
    return 'queued';
  }

  async startWorkers(processor: DiagnoseProcessor, options: WorkerOptions = {}): Promise<void> {
    if (this.#processor) throw new PodwhyError('bad-input', `Workers of ${this.name} are already started`);
    this.#processor = processor;
    this.#concurrency = Math.max(1, options.concurrency ?? 1);
    this.#pump();
  }

  async depth(): Promise<number> {
    return this.#urgent.length + this.#waiting.length + this.#delayed.size;
  }

  async counts(): Promise<QueueCounts> {
    return {
      waiting: this.#urgent.length + this.#waiting.length,
      active: this.#active.size,
      delayed: this.#delayed.size,
      completed: this.#completed,
      failed: this.#failed,
    };
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const entry of this.#delayed) clearTimeout(entry.timer);
    this.#delayed.clear();
    const running = [...this.#active.values()];
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.#closeTimeoutMs);
    });
    const outcome = await Promise.race([Promise.all(running.map((r) => r.done)), timedOut]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      for (const r of running) r.controller.abort(new Error('queue closed'));
      await Promise.all(running.map((r) => r.done));
    }
  }

  #pump(): void {
    const processor = this.#processor;
    if (!processor) return;
    while (!this.#closed && this.#active.size < this.#concurrency) {
      const entry = this.#urgent.shift() ?? this.#waiting.shift();
      if (!entry) return;
      const controller = new AbortController();
      const done = this.#run(entry, processor, controller.signal).finally(() => {
        this.#active.delete(entry);
        this.#pump();
      });
      this.#active.set(entry, { done, controller });
    }
  }

  async #run(entry: Entry, processor: DiagnoseProcessor, signal: AbortSignal): Promise<void> {
    try {
      const job = parseDiagnoseJob(JSON.parse(entry.data));
      assertCluster(job, this.cluster);
      await processor(job, { attempt: entry.attemptsMade + 1, jobId: entry.id, signal });
      this.#completed += 1;
      this.#byDedupId.delete(entry.dedupId);
    } catch (error) {
      entry.attemptsMade += 1;
      const unrecoverable = isUnrecoverable(error);
      if (unrecoverable || entry.attemptsMade >= this.#retry.attempts || this.#closed) {
        this.#failed += 1;
        this.#byDedupId.delete(entry.dedupId);
        this.#log.warn({ jobId: entry.id, attemptsMade: entry.attemptsMade, unrecoverable, err: error }, 'Diagnosis job failed');
        return;
      }
      const delay = backoffDelay(entry.attemptsMade, this.#retry, this.#random);
      this.#log.debug({ jobId: entry.id, attemptsMade: entry.attemptsMade, delay, err: error }, 'Diagnosis job will be retried');
      this.#delayed.add(entry);
      entry.timer = setTimeout(() => {
        this.#delayed.delete(entry);
        (entry.urgent ? this.#urgent : this.#waiting).push(entry);
        this.#pump();
      }, delay);
    }
  }
}
