/**
 * Speed work on the engine must not change one byte of its output. This diagnoses every fixture snapshot, at
 * several observation moments and with and without its events, logs and nodes, with the working tree's engine and
 * with the engine of a git ref (exported to a temp dir), and reports every diagnosis whose JSON differs.
 *
 *   node bench/engine-equivalence.ts            (compares with HEAD)
 *   node bench/engine-equivalence.ts 3aa0156    (compares with that commit)
 *
 * The fixture corpus test (test/diagnosis/corpus.test.ts) checks causes; this checks every field, for the cases
 * the corpus and its variants reach, so a refactor of the hot path can be proven output-neutral.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Diagnosis } from '../src/contract/diagnosis.ts';
import { DEFAULT_ENGINE_SETTINGS, type EngineSettings } from '../src/contract/settings.ts';
import type { Snapshot } from '../src/contract/snapshot.ts';
import { diagnose } from '../src/diagnosis/engine.ts';
import { listFixtures, loadFixture } from '../test/support/fixtures.ts';

type Diagnose = (snapshot: Snapshot, settings?: EngineSettings) => Diagnosis | null;

const ref = process.argv[2] ?? 'HEAD';
const root = join(import.meta.dirname, '..');

/** Every moment matters: the engine's thresholds (settling, stale events, overdue termination) flip with age. */
const MOMENTS = ['2026-11-20T11:59:00Z', '2026-11-20T12:00:00Z', '2026-11-20T12:00:45Z', '2026-11-20T12:03:00Z', '2026-11-20T12:15:00Z', '2026-11-20T14:00:00Z', '2026-11-22T12:00:00Z'];
const TIGHT: EngineSettings = Object.fromEntries(Object.keys(DEFAULT_ENGINE_SETTINGS).map((k) => [k, 5])) as unknown as EngineSettings;

function variants(snapshot: Snapshot): Snapshot[] {
  const out: Snapshot[] = [snapshot, { ...snapshot, events: [] }, { ...snapshot, nodes: [], quotas: [] }];
  if (snapshot.kind === 'Pod') {
    out.push({ ...snapshot, logs: [] }, { ...snapshot, node: undefined, pvcs: [], owners: [] });
    // Reversed event order: detectors must not depend on the order the collector listed events in.
    out.push({ ...snapshot, events: [...snapshot.events].reverse() });
  }
  return out;
}

function cases(): { label: string; snapshot: Snapshot; settings: EngineSettings }[] {
  const all: { label: string; snapshot: Snapshot; settings: EngineSettings }[] = [];
  for (const fixture of listFixtures()) {
    for (const moment of MOMENTS) {
      loadFixture(fixture.path, moment).forEach((snapshot, index) => {
        variants(snapshot).forEach((variant, v) => {
          all.push({ label: `${fixture.path}#${index} @${moment} v${v}`, snapshot: variant, settings: DEFAULT_ENGINE_SETTINGS });
          if (v === 0) all.push({ label: `${fixture.path}#${index} @${moment} tight`, snapshot: variant, settings: TIGHT });
        });
      });
    }
  }
  return all;
}

async function engineAt(commit: string): Promise<Diagnose> {
  const dir = mkdtempSync(join(tmpdir(), 'podwhy-engine-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  const archive = execFileSync('git', ['-C', root, 'archive', commit, 'src'], { maxBuffer: 1 << 28 });
  execFileSync('tar', ['-x', '-C', dir], { input: archive });
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  const module = (await import(pathToFileURL(join(dir, 'src', 'diagnosis', 'engine.ts')).href)) as { diagnose: Diagnose };
  return module.diagnose;
}

const before = await engineAt(ref);
const all = cases();
let differing = 0;
let answered = 0;
for (const { label, snapshot, settings } of all) {
  // Each engine gets its own copy, so a detector that mutated its input could not hide behind the other.
  const expected = JSON.stringify(before(structuredClone(snapshot), settings));
  const actual = JSON.stringify(diagnose(structuredClone(snapshot), settings));
  if (expected !== 'null') answered++;
  if (expected !== actual) {
    differing++;
    if (differing <= 10) console.log(`DIFFERS ${label}\n  ${ref}: ${expected}\n  now: ${actual}`);
  }
}
console.log(`${all.length} cases (${answered} answered) compared with ${ref}: ${differing === 0 ? 'all byte-identical' : `${differing} differ`}`);
process.exitCode = differing === 0 ? 0 : 1;
