/**
 * Engine throughput on one core: diagnoses per second and per-call latency percentiles over the
 * whole fixture corpus (every scenario, cause and healthy case), each snapshot diagnosed in turn.
 * Baseline: a structuredClone of the same snapshot, i.e. what merely touching the data costs,
 * printed as a ratio so the figure means something on any machine. Also counts, over one pass, the answers that
 * came from the engine's last-resort rule and those that are settling (younger than their alert threshold).
 *
 *   npm run bench:engine            (default 3 s measured after 1 s warm-up)
 *   npm run bench:engine -- 10      (seconds to measure)
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseKubectlDump } from '../src/cluster/kubectl-dump.ts';
import { buildSnapshots, classifyObjects } from '../src/cluster/snapshot.ts';
import type { Snapshot } from '../src/contract/snapshot.ts';
import { diagnose } from '../src/diagnosis/engine.ts';

const FIXTURES = join(import.meta.dirname, '..', 'test', 'fixtures', 'k8s');
const OBSERVED_AT = '2026-11-20T12:00:00Z';
const seconds = Number(process.argv[2] ?? 3);

function loadCorpus(): Snapshot[] {
  const snapshots: Snapshot[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.(ya?ml|json)$/.test(entry.name)) {
        try {
          snapshots.push(...buildSnapshots(classifyObjects(parseKubectlDump(readFileSync(full, 'utf8'))), OBSERVED_AT));
        } catch (error) {
          console.error(`skipping ${relative(FIXTURES, full)}: ${(error as Error).message}`);
        }
      }
    }
  };
  walk(FIXTURES);
  return snapshots;
}

function measure(label: string, snapshots: Snapshot[], work: (s: Snapshot) => unknown, durationMs: number) {
  const latencies: number[] = [];
  let found = 0;
  let i = 0;
  const warmEnd = performance.now() + 1000;
  while (performance.now() < warmEnd) work(snapshots[i++ % snapshots.length]!);
  const start = performance.now();
  const end = start + durationMs;
  i = 0;
  while (performance.now() < end) {
    const t0 = performance.now();
    const result = work(snapshots[i++ % snapshots.length]!);
    latencies.push(performance.now() - t0);
    if (result) found++;
  }
  const elapsed = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))]!;
  return { label, calls: latencies.length, perSecond: latencies.length / elapsed, p50: pct(0.5), p99: pct(0.99), max: latencies.at(-1)!, found };
}

const corpus = loadCorpus();
if (corpus.length === 0) throw new Error('no fixtures found');
const engine = measure('engine.diagnose', corpus, (s) => diagnose(s), seconds * 1000);
const baseline = measure('structuredClone (baseline)', corpus, (s) => structuredClone(s), Math.min(seconds, 2) * 1000);

console.log(`corpus: ${corpus.length} snapshots from test/fixtures/k8s (node ${process.version}, one core, ${seconds}s measured)`);
for (const r of [engine, baseline]) {
  console.log(
    `${r.label.padEnd(28)} ${Math.round(r.perSecond).toLocaleString('en-US').padStart(10)} calls/s   ` +
      `p50 ${(r.p50 * 1000).toFixed(1)} µs   p99 ${(r.p99 * 1000).toFixed(1)} µs   max ${(r.max * 1000).toFixed(0)} µs`,
  );
}
console.log(`engine vs baseline: ${(engine.perSecond / baseline.perSecond).toFixed(2)}x the clone rate; ` +
  `${Math.round((engine.found / engine.calls) * 100)}% of calls produced a diagnosis`);
// One pass over the corpus: how many answers came from the last-resort rule (no detector recognised the message)
// and how many were settling (younger than their alert threshold); both should stay rare and explained.
const answers = corpus.map((s) => diagnose(s)).filter((d) => d !== null);
const lastResorts = answers.filter((d) => d.lastResort).length;
const settling = answers.filter((d) => d.settling).length;
console.log(`answers over one pass: ${answers.length} diagnoses for ${corpus.length} snapshots; last-resort ${lastResorts}; settling ${settling}`);
console.log(`targets: >= 20,000 diagnoses/s ${engine.perSecond >= 20000 ? 'MET' : 'MISSED'}; p99 < 0.5 ms ${engine.p99 < 0.5 ? 'MET' : 'MISSED'}`);
