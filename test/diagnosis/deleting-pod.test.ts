import { describe, expect, it } from 'vitest';
import { diagnoseAll } from '../../src/diagnosis/engine.ts';
import { FIXTURE_NOW, listFixtures, loadFixture } from '../support/fixtures.ts';

// A container of a Pod being deleted was asked to stop: its exit 0 is the clean stop, and "the main process has
// nothing to do in the foreground" (the reading of exit 0 for a long-running container) would send a reader after a
// bug that is not there. Every fixture, with each Pod marked for deletion 10 s ago, must not say it.
const NOTHING_TO_DO = /nothing to do/;

describe('a Pod being deleted', () => {
  const fixtures = listFixtures();

  it('is never told its container "has nothing to do" for exiting 0, in any fixture', () => {
    const deletedAt = new Date(Date.parse(FIXTURE_NOW) - 10_000).toISOString();
    const said: string[] = [];
    let saidWhileRunning = 0;
    for (const f of fixtures) {
      saidWhileRunning += diagnoseAll(loadFixture(f.path)).filter((d) => NOTHING_TO_DO.test(JSON.stringify(d))).length;
      const snapshots = loadFixture(f.path);
      for (const s of snapshots) if (s.kind === 'Pod') s.pod.metadata.deletionTimestamp ??= deletedAt;
      for (const d of diagnoseAll(snapshots)) if (NOTHING_TO_DO.test(JSON.stringify(d))) said.push(`${f.path}: ${d.cause}`);
    }

    expect(saidWhileRunning).toBeGreaterThan(0); // the reading exists, for Pods not being deleted
    expect(said).toEqual([]);
  });
});
