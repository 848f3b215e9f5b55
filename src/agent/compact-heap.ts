/**
 * Memory-reducing collections at the moments V8 does not run one by itself. The initial LIST decodes
 * every object of the cluster and keeps a slim copy (docs/architecture.md, "The informer cache at
 * scale"): what it decoded is garbage by the end, ~120 MB at 150,000 Pods, in pages V8 keeps
 * committed; a burst of diagnoses leaves the same behind (~100 MB after 9,000 at 150,000 Pods). V8
 * hands pooled pages back to the OS only in a memory-reducing collection, and measured with
 * `npm run bench:cluster` it does not start one in an agent that then sits watching: RSS 10 s
 * after a burst is what it was right after it. So the agent compacts once its cache has synced, and
 * afterwards when RSS has grown by `thresholdBytes` since the last compaction, at most once per
 * `minIntervalMs`: one pause (~0.5 s at 150,000 Pods, printed by bench:cluster) for ~100 MB handed
 * back. RSS alone, not RSS beyond the heap in use: heapUsed counts garbage until V8 collects it, so
 * that difference hid the growth whenever a burst's garbage was still uncollected. Growth that is
 * live data (a bigger cluster) costs one compaction and becomes the new baseline. The collection needs `--expose-gc` (deploy/Dockerfile
 * passes it); without it nothing happens.
 */
import { performance } from 'node:perf_hooks';

interface GcOptions {
  type: 'major';
  execution: 'sync';
  flavor: 'last-resort';
}

export interface HeapCompaction {
  rssBeforeMb: number;
  rssAfterMb: number;
  pauseMs: number;
}

type Gc = (options?: GcOptions) => void;

function gcFunction(): Gc | undefined {
  const gc = (globalThis as { gc?: Gc }).gc;
  return typeof gc === 'function' ? gc : undefined;
}

/** One memory-reducing collection now; null without --expose-gc. */
export function compactHeapOnce(): HeapCompaction | null {
  const gc = gcFunction();
  if (!gc) return null;
  const rssBefore = process.memoryUsage.rss();
  const started = performance.now();
  gc({ type: 'major', execution: 'sync', flavor: 'last-resort' });
  const pauseMs = performance.now() - started;
  return { rssBeforeMb: mb(rssBefore), rssAfterMb: mb(process.memoryUsage.rss()), pauseMs: Math.round(pauseMs) };
}


export interface HeapCompactorOptions {
  /** Compact when RSS has grown this much since the last compaction (default 64 MiB). */
  thresholdBytes?: number;
  /** At most one compaction this often (default 5 min): each is a pause. */
  minIntervalMs?: number;
  now?: () => number;
}

export class HeapCompactor {
  readonly #threshold: number;
  readonly #minInterval: number;
  readonly #now: () => number;
  #baseline = process.memoryUsage.rss();
  #last = Number.NEGATIVE_INFINITY;

  constructor(options: HeapCompactorOptions = {}) {
    this.#threshold = options.thresholdBytes ?? 64 * 1024 * 1024;
    this.#minInterval = options.minIntervalMs ?? 5 * 60_000;
    this.#now = options.now ?? Date.now;
  }

  /** Compacts now (after the initial sync) and takes what is left beyond the heap as the new baseline. */
  compact(): HeapCompaction | null {
    const compaction = compactHeapOnce();
    if (compaction) {
      this.#last = this.#now();
      this.#baseline = process.memoryUsage.rss();
    }
    return compaction;
  }

  /** Compacts when RSS grew past the threshold and the last compaction is old enough. */
  check(): HeapCompaction | null {
    if (this.#now() - this.#last < this.#minInterval) return null;
    if (process.memoryUsage.rss() - this.#baseline < this.#threshold) return null;
    return this.compact();
  }
}

function mb(bytes: number): number {
  return Math.round(bytes / 1024 / 1024);
}
