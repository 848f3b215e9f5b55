import { describe, expect, it } from 'vitest';
import { ALL_CAUSE_IDS } from '../../src/contract/scenarios.ts';
import { diagnoseAll } from '../../src/diagnosis/engine.ts';
import { listFixtures, loadFixture } from '../support/fixtures.ts';

// The fixture corpus is the engine's acceptance test: the directory a fixture lives in names the one
// diagnosis it must produce (test/fixtures/k8s/<scenario>/<cause>/), and healthy/ fixtures must stay silent.
const fixtures = listFixtures();
const failing = fixtures.filter((f) => f.expectedCause !== null);
const healthy = fixtures.filter((f) => f.expectedCause === null);

describe('fixture corpus', () => {
  it.each(failing.map((f) => [f.path, f.expectedCause] as const))('%s is diagnosed as %s, and only that', (path, expected) => {
    const diagnoses = diagnoseAll(loadFixture(path));

    expect(diagnoses.map((d) => d.cause)).toEqual([expected]);
  });

  it.each(healthy.map((f) => [f.path] as const))('%s stays silent', (path) => {
    const diagnoses = diagnoseAll(loadFixture(path));

    expect(diagnoses).toEqual([]);
  });

  it('has at least two fixtures for every cause id', () => {
    const counts = new Map<string, number>();
    for (const f of failing) counts.set(f.expectedCause ?? '', (counts.get(f.expectedCause ?? '') ?? 0) + 1);

    const thin = ALL_CAUSE_IDS.filter((id) => (counts.get(id) ?? 0) < 2);

    expect(thin).toEqual([]);
  });

  it('names only real cause ids in its directories', () => {
    const unknownIds = failing.map((f) => f.expectedCause).filter((id) => !ALL_CAUSE_IDS.includes(id as never));

    expect(unknownIds).toEqual([]);
  });
});
