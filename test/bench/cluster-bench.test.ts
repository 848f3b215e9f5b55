/**
 * The cluster benchmark, small (500 Pods on 25 nodes) and with the server in-process: the figures
 * that could go wrong without anyone noticing (a lost Pod, a relist storm, a diagnosis that costs
 * more than one API request, seed data the engine does not recognize). No timing or memory
 * assertions: those depend on the machine; `npm run bench:cluster` reports them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatReport, formatSummary, measureCluster, reportRows, type ClusterFigures } from '../../bench/cluster-measure.ts';
import { startBenchServer, type BenchServer } from '../../bench/cluster-seed.ts';
import { RESOURCE_NAMES } from '../../src/cluster/resources.ts';

const PODS = 500;
const NODES = 25;

let dir: string;
let bench: BenchServer;
let figures: ClusterFigures;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'podwhy-bench-test-'));
  bench = await startBenchServer({ pods: PODS, nodes: NODES, failingRatio: 0.04, kubeconfigPath: join(dir, 'kubeconfig') });
  figures = await measureCluster({
    target: { kubeconfigPath: bench.kubeconfigPath, requestCounts: async () => bench.requestCounts() },
    expectedPods: bench.seed.pods,
    failing: bench.seed.failing,
    healthySample: 20,
    steadyIdleMs: 0,
  });
});

afterAll(async () => {
  await bench?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('bench:cluster, small', () => {
  it('seeds Pods with managedFields of a real API server\'s size and a few percent failing', () => {
    const { seed } = bench;

    expect(seed.pods).toBe(PODS);
    expect(seed.nodes).toBe(NODES);
    expect(seed.podManagedFieldsBytes).toBeGreaterThanOrEqual(2048);
    expect(seed.podManagedFieldsBytes).toBeLessThanOrEqual(4096);
    expect(seed.failing.length).toBe(PODS * 0.04);
    expect(new Set(seed.failing.map((f) => f.kind))).toEqual(new Set(['crash-exit-1', 'oom-crash', 'image-not-found', 'readiness-503']));
  });

  it('has every Pod in the cache after sync', () => {
    expect(figures.cachedPods).toBe(PODS);
    expect(figures.cachedObjects['pods']).toBe(PODS);
    expect(figures.cachedObjects['nodes']).toBe(NODES);
  });

  it('lists each resource scope exactly once: no relist storm', () => {
    const pages = RESOURCE_NAMES.reduce((sum, r) => sum + Math.max(1, Math.ceil((figures.cachedObjects[r] ?? 0) / figures.pageSize)), 0);

    expect(figures.scopes).toBe(RESOURCE_NAMES.length);
    expect(figures.listsPerScope).toEqual(Object.fromEntries(RESOURCE_NAMES.map((r) => [r, 1])));
    expect(figures.listPages).toBe(pages);
    expect(figures.watches).toBe(RESOURCE_NAMES.length);
  });

  it('spends at most one API request per diagnosis, and only log reads, cold and steady', () => {
    const { cold, steady } = figures.passes;
    const readinessPods = bench.seed.failing.filter((f) => f.kind === 'readiness-503').length;

    expect(cold.requestsPerDiagnosis).toBeLessThanOrEqual(1);
    expect(steady.requestsPerDiagnosis).toBeLessThanOrEqual(1);
    expect([cold.listsAndWatches, steady.listsAndWatches]).toEqual([0, 0]);
    // Crashed containers' previous logs never change, so the steady pass re-reads only the
    // current logs of Pods failing their readiness probe.
    expect(steady.serverRequests).toBe(readinessPods);
    expect(cold.serverRequests).toBeGreaterThan(steady.serverRequests);
    expect([cold.collectorRequests, steady.collectorRequests]).toEqual([cold.serverRequests, steady.serverRequests]);
  });

  it('diagnoses every failing Pod with its scenario and leaves the healthy ones alone', () => {
    const { cold, steady } = figures.passes;

    expect(cold).toMatchObject({ failing: bench.seed.failing.length, failingMatched: bench.seed.failing.length, failingMismatches: [], healthy: 20, healthyFlagged: 0 });
    expect(steady).toMatchObject({ failingMatched: bench.seed.failing.length, healthyFlagged: 0 });
  });

  it('reports finite numbers and a table with a verdict for every target', () => {
    const numbers = [
      figures.syncMs,
      figures.syncCpuMs,
      ...Object.values(figures.memory).filter((v) => typeof v === 'number'),
      figures.eventLoop.p50Ms,
      figures.eventLoop.p99Ms,
      figures.passes.cold.msPerDiagnosis,
      figures.naive?.heapMb,
      figures.naive?.managedFieldsMb,
      figures.naive?.cacheSavingPct,
    ];
    const verdicts = reportRows(figures).filter((r) => r.target !== '' && r.verdict !== '');

    expect(numbers.every((n) => typeof n === 'number' && Number.isFinite(n))).toBe(true);
    expect(figures.naive?.managedFieldsMb).toBeGreaterThan(0);
    expect(verdicts.map((r) => r.metric)).toEqual(expect.arrayContaining(['time to sync (start → waitForSync)', 'RSS after sync']));
    expect(formatReport(figures)).toContain('API requests per diagnosis, steady');
    expect(formatSummary(figures, NODES)).toMatch(/^500 Pods on 25 nodes: sync \d+\.\d s \(CPU \d+\.\d s\); RSS after sync \/ steady \d+ \/ \d+ MB, as the agent compacts \d+ \/ \d+ MB; .*; 20\/20 failing diagnosed right, 0\/20 healthy flagged; load [\d.]+–[\d.]+$/);
  });
});
