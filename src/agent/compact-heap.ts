/**
 * One memory-reducing collection once the cache has synced. The initial LIST decodes every object
 * of the cluster and keeps a slim copy (docs/architecture.md, "The informer cache at scale"): what
 * it decoded is garbage by the end, ~120 MB at 150,000 Pods, in pages V8 keeps committed. V8 hands
 * pooled pages back to the OS only in a memory-reducing collection, which its memory reducer starts
 * after a burst of allocation; an agent that then sits watching allocates too little for that, so
 * it would keep the pages (measured by `npm run bench:cluster`: RSS after sync vs after a
 * memory-reducing GC). The collection needs `--expose-gc` (deploy/Dockerfile passes it); without
 * it this does nothing. It costs one pause, once, before the agent starts handling alerts.
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

export function compactHeapOnce(): HeapCompaction | null {
  const gc = (globalThis as { gc?: (options?: GcOptions) => void }).gc;
  if (typeof gc !== 'function') return null;
  const rssBefore = process.memoryUsage.rss();
  const started = performance.now();
  gc({ type: 'major', execution: 'sync', flavor: 'last-resort' });
  const pauseMs = performance.now() - started;
  const mb = (bytes: number): number => Math.round(bytes / 1024 / 1024);
  return { rssBeforeMb: mb(rssBefore), rssAfterMb: mb(process.memoryUsage.rss()), pauseMs: Math.round(pauseMs) };
}
