import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { parseKubectlDump } from '../../src/cluster/kubectl-dump.ts';
import { buildSnapshots, classifyObjects } from '../../src/cluster/snapshot.ts';
import type { ContainerStatus } from '../../src/contract/k8s.ts';
import type { PodSnapshot, Snapshot } from '../../src/contract/snapshot.ts';

export const FIXTURE_ROOT = join(import.meta.dirname, '..', 'fixtures', 'k8s');
/** Every fixture was "taken" at this moment; their timestamps are written relative to it. */
export const FIXTURE_NOW = '2026-11-20T12:00:00Z';

/** Loads a fixture (kubectl YAML/JSON) the way the CLI loads a dump, observed at FIXTURE_NOW. */
export function loadFixture(path: string, observedAt: string = FIXTURE_NOW): Snapshot[] {
  const file = path.startsWith('/') ? path : join(FIXTURE_ROOT, path);
  return buildSnapshots(classifyObjects(parseKubectlDump(readFileSync(file, 'utf8'))), observedAt);
}

export interface FixtureFile {
  /** Path below test/fixtures/k8s, with forward slashes. */
  path: string;
  /** `scenario.cause` for test/fixtures/k8s/<scenario>/<cause>/*.yaml; null for healthy/ fixtures. */
  expectedCause: string | null;
}

export function listFixtures(): FixtureFile[] {
  const files: FixtureFile[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.(ya?ml|json)$/.test(entry.name)) {
        const path = relative(FIXTURE_ROOT, full).split(sep).join('/');
        const parts = path.split('/');
        files.push({ path, expectedCause: parts[0] === 'healthy' ? null : `${parts[0]}.${parts[1]}` });
      }
    }
  };
  walk(FIXTURE_ROOT);
  return files.sort((a, b) => a.path.localeCompare(b.path));
}

/** The fixture's Pod snapshot, freshly parsed (tests may change it). */
export function podSnapshot(path: string, observedAt?: string): PodSnapshot {
  const snapshot = loadFixture(path, observedAt).find((s): s is PodSnapshot => s.kind === 'Pod');
  if (!snapshot) throw new Error(`${path} has no Pod`);
  return snapshot;
}

/** A container's status in a snapshot, for tests that edit it. */
export function containerStatus(snapshot: PodSnapshot, name: string): ContainerStatus {
  const status = snapshot.pod.status?.containerStatuses?.find((s) => s.name === name);
  if (!status) throw new Error(`no status for ${name}`);
  return status;
}
