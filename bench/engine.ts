/**
 * Engine throughput on one core: diagnoses per second and per-call latency percentiles, for two inputs:
 *   (a) fixtures — the whole fixture corpus (every scenario, cause and healthy case), each snapshot in turn;
 *   (b) cluster mix — what a cluster actually holds: 95% healthy Pods (the healthy/ fixtures the engine is silent
 *       on) and 5% failing ones (every failing fixture in turn), 2,000 snapshots.
 * Baseline: a structuredClone of the same snapshots, i.e. what merely touching the data costs, printed as a ratio
 * so the figure means something on any machine. Each figure is the best of `rounds` rounds (the machine may be
 * shared), with the CPU time of the process beside the wall clock. Also counts, over one pass of the corpus, the
 * answers from the engine's last-resort rule and those that are settling (younger than their alert threshold).
 *
 *   npm run bench:engine                (3 s measured per round after 1 s warm-up, best of 3 rounds)
 *   npm run bench:engine -- 10 5        (seconds to measure, rounds)
 */
import { readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, relative } from 'node:path';
import { parseKubectlDump } from '../src/cluster/kubectl-dump.ts';
import { buildSnapshots, classifyObjects } from '../src/cluster/snapshot.ts';
import type { Snapshot } from '../src/contract/snapshot.ts';
import { diagnose } from '../src/diagnosis/engine.ts';

const FIXTURES = join(import.meta.dirname, '..', 'test', 'fixtures', 'k8s');
const OBSERVED_AT = '2026-11-20T12:00:00Z';
const seconds = Number(process.argv[2] ?? 3);
const rounds = Number(process.argv[3] ?? 3);
const MIX_SIZE = 2000;
const MIX_FAILING_SHARE = 0.05;

interface Fixture {
  dir: string;
  snapshots: Snapshot[];
}

function loadCorpus(): Fixture[] {
  const fixtures: Fixture[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.(ya?ml|json)$/.test(entry.name)) {
        try {
          const snapshots = buildSnapshots(classifyObjects(parseKubectlDump(readFileSync(full, 'utf8'))), OBSERVED_AT);
          fixtures.push({ dir: relative(FIXTURES, full).split('/')[0]!, snapshots });
        } catch (error) {
          console.error(`skipping ${relative(FIXTURES, full)}: ${(error as Error).message}`);
        }
      }
    }
  };
  walk(FIXTURES);
  return fixtures;
}

/**
 * 95% healthy, 5% failing, interleaved: every 20th snapshot is the next failing one. Healthy means a Pod from the
 * healthy/ fixtures the engine says nothing about (running, old restarts, completed init, recovered node...).
 */
function clusterMix(fixtures: Fixture[]): Snapshot[] {
  const healthy = fixtures
    .filter((f) => f.dir === 'healthy')
    .flatMap((f) => f.snapshots)
    .filter((s) => s.kind === 'Pod' && diagnose(s) === null);
  const failing = fixtures.filter((f) => f.dir !== 'healthy').flatMap((f) => f.snapshots).filter((s) => diagnose(s) !== null);
  const every = Math.round(1 / MIX_FAILING_SHARE);
  const mix: Snapshot[] = [];
  for (let i = 0, h = 0, f = 0; i < MIX_SIZE; i++) {
    mix.push(i % every === every - 1 ? failing[f++ % failing.length]! : healthy[h++ % healthy.length]!);
  }
  return mix;
}

interface Result {
  calls: number;
  perSecond: number;
  perCpuSecond: number;
  p50: number;
  p99: number;
  found: number;
}

function measureOnce(snapshots: Snapshot[], work: (s: Snapshot) => unknown, durationMs: number): Result {
  const latencies = new Float64Array(Math.max(1, Math.ceil(durationMs * 2000)));
  let calls = 0;
  let found = 0;
  let i = 0;
  const warmEnd = performance.now() + Math.min(1000, durationMs);
  while (performance.now() < warmEnd) work(snapshots[i++ % snapshots.length]!);
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  const end = start + durationMs;
  i = 0;
  while (performance.now() < end && calls < latencies.length) {
    const t0 = performance.now();
    const result = work(snapshots[i++ % snapshots.length]!);
    latencies[calls++] = performance.now() - t0;
    if (result) found++;
  }
  const elapsed = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const sorted = latencies.subarray(0, calls).sort();
  const pct = (p: number) => sorted[Math.min(calls - 1, Math.floor(calls * p))]!;
  return { calls, perSecond: calls / elapsed, perCpuSecond: calls / ((cpu.user + cpu.system) / 1e6), p50: pct(0.5), p99: pct(0.99), found };
}

/** Best round by wall-clock rate: on a shared machine the slower rounds measure the neighbours, not the engine. */
function measure(snapshots: Snapshot[], work: (s: Snapshot) => unknown, durationMs: number): Result {
  let best: Result | null = null;
  for (let r = 0; r < rounds; r++) {
    const result = measureOnce(snapshots, work, durationMs);
    if (!best || result.perSecond > best.perSecond) best = result;
  }
  return best!;
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const line = (label: string, r: Result) =>
  `  ${label.padEnd(16)} ${fmt(r.perSecond).padStart(9)} /s   (${fmt(r.perCpuSecond).padStart(9)} per CPU-s)   p50 ${(r.p50 * 1000).toFixed(1)} µs   p99 ${(r.p99 * 1000).toFixed(1)} µs`;

const fixtures = loadCorpus();
const corpus = fixtures.flatMap((f) => f.snapshots);
if (corpus.length === 0) throw new Error('no fixtures found');
const mix = clusterMix(fixtures);
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');

console.log(`node ${process.version}, one core, ${seconds}s measured per round, best of ${rounds}; load average before: ${load()}`);
const figures: Record<string, Result> = {};
for (const [name, snapshots, label] of [
  ['fixtures', corpus, `(a) fixtures: ${corpus.length} snapshots from test/fixtures/k8s`],
  ['mix', mix, `(b) cluster mix: ${mix.length} snapshots, ${100 - MIX_FAILING_SHARE * 100}% healthy Pods + ${MIX_FAILING_SHARE * 100}% failing`],
] as const) {
  const engine = measure(snapshots, (s) => diagnose(s), seconds * 1000);
  const baseline = measure(snapshots, (s) => structuredClone(s), Math.min(seconds, 2) * 1000);
  figures[name] = engine;
  console.log(label);
  console.log(line('engine.diagnose', engine));
  console.log(line('structuredClone', baseline));
  console.log(
    `  engine = ${(engine.perSecond / baseline.perSecond).toFixed(2)}x the clone rate ` +
      `(${(engine.perCpuSecond / baseline.perCpuSecond).toFixed(2)}x per CPU-s); ${Math.round((engine.found / engine.calls) * 100)}% of calls produced a diagnosis`,
  );
}
console.log(`load average after: ${load()}`);
// One pass over the corpus: how many answers came from the last-resort rule (no detector recognised the message)
// and how many were settling (younger than their alert threshold); both should stay rare and explained.
const answers = corpus.map((s) => diagnose(s)).filter((d) => d !== null);
const lastResorts = answers.filter((d) => d.lastResort).length;
const settling = answers.filter((d) => d.settling).length;
console.log(`answers over one pass: ${answers.length} diagnoses for ${corpus.length} snapshots; last-resort ${lastResorts}; settling ${settling}`);
const fixtureRate = figures.fixtures!;
const mixRate = figures.mix!;
const met = (ok: boolean) => (ok ? 'MET' : 'MISSED');
// The wall-clock rate measures the neighbours too on a shared machine; the CPU-second rate is the engine's own.
console.log(
  `targets: cluster mix >= 100,000 diagnoses/s ${met(mixRate.perSecond >= 100000)} (wall), ${met(mixRate.perCpuSecond >= 100000)} (per CPU-s); ` +
    `fixtures >= 100,000/s ${met(fixtureRate.perSecond >= 100000)} (wall), ${met(fixtureRate.perCpuSecond >= 100000)} (per CPU-s); ` +
    `fixtures p99 < 0.5 ms ${met(fixtureRate.p99 < 0.5)}`,
);
