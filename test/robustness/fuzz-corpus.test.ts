import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseKubectlDump } from '../../src/cluster/kubectl-dump.ts';
import { buildSnapshots, classifyObjects } from '../../src/cluster/snapshot.ts';
import type { Diagnosis } from '../../src/contract/diagnosis.ts';
import { diagnoseAll } from '../../src/diagnosis/engine.ts';
import { FIXTURE_NOW, FIXTURE_ROOT, listFixtures } from '../support/fixtures.ts';
import { contractViolations, MAX_TEXT_LINE } from './diagnosis-contract.ts';
import { createRng } from '../../src/sim/kit/ids.ts';
import { mutate, MUTATION_KINDS, type AppliedMutation } from './mutations.ts';

// A seeded mutation fuzzer over the fixture corpus (PLATFORM.md §6 item 12: hostile or oversized cluster
// data). Every fixture gets RUNS_PER_FIXTURE mutated copies (1–3 mutations each, the first cycling through
// every kind); classifying, snapshotting and diagnosing them must not throw, and every diagnosis must keep
// the contract (diagnosis-contract.ts). ~120 fixtures × 30 runs take a few seconds on 2 cores.
// Replay a failure: PODWHY_FUZZ_SEED=<base seed> npx vitest run test/robustness/fuzz-corpus.test.ts -t '<fixture>'
const BASE_SEED = Number(process.env.PODWHY_FUZZ_SEED ?? 20261120);
const RUNS_PER_FIXTURE = Number(process.env.PODWHY_FUZZ_RUNS ?? 30);

const fixtures = listFixtures().map((f) => ({
  path: f.path,
  objects: parseKubectlDump(readFileSync(join(FIXTURE_ROOT, f.path), 'utf8')),
}));

/** FNV-1a of the fixture path, so each fixture's seeds differ but do not depend on the corpus order. */
function pathHash(path: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < path.length; i++) hash = Math.imul(hash ^ path.charCodeAt(i), 0x01000193) >>> 0;
  return hash;
}

interface FuzzCase {
  seed: number;
  mutations: AppliedMutation[];
  problems: string[];
}

function runCase(objects: readonly unknown[], seed: number, run: number): FuzzCase {
  const random = createRng(seed).next;
  const copy = structuredClone(objects) as unknown[];
  const mutations: AppliedMutation[] = [];
  const count = 1 + Math.floor(random() * 3);
  for (let k = 0; k < count; k++) {
    const kind = k === 0 ? MUTATION_KINDS[run % MUTATION_KINDS.length]! : MUTATION_KINDS[Math.floor(random() * MUTATION_KINDS.length)]!;
    const applied = mutate(copy, kind, random);
    if (applied) mutations.push(applied);
  }
  let diagnoses: Diagnosis[];
  try {
    diagnoses = diagnoseAll(buildSnapshots(classifyObjects(copy), FIXTURE_NOW));
  } catch (error) {
    return { seed, mutations, problems: [`threw ${(error as Error).stack?.split('\n').slice(0, 3).join(' | ')}`] };
  }
  return { seed, mutations, problems: contractViolations(diagnoses) };
}

function describeFailure(path: string, c: FuzzCase): string {
  const mutations = c.mutations.map((m) => `${m.kind} at ${m.path}`).join('; ');
  return `${path} seed ${c.seed} (base PODWHY_FUZZ_SEED=${BASE_SEED}) after [${mutations}]: ${c.problems.slice(0, 3).join(' / ')}`;
}

describe('mutation fuzzer over the fixture corpus', () => {
  it.each(fixtures.map((f) => [f.path, f.objects] as const))('%s: mutated copies diagnose without throwing and keep the contract', (path, objects) => {
    const seeds = Array.from({ length: RUNS_PER_FIXTURE }, (_, run) => ((BASE_SEED ^ pathHash(path)) + run * 0x9e3779b9) >>> 0);

    const failures = seeds.map((seed, run) => runCase(objects, seed, run)).filter((c) => c.problems.length > 0);

    expect(failures.map((c) => describeFailure(path, c))).toEqual([]);
  });

  it('applies the same mutations for the same seed, so a failure can be replayed', () => {
    const objects = fixtures[0]!.objects;

    const first = MUTATION_KINDS.map((kind) => mutate(structuredClone(objects) as unknown[], kind, createRng(7).next));
    const second = MUTATION_KINDS.map((kind) => mutate(structuredClone(objects) as unknown[], kind, createRng(7).next));

    expect(second).toEqual(first);
  });

  it('reaches every mutation kind somewhere in the corpus', () => {
    const reached = new Set<string>();

    for (const { objects } of fixtures) {
      for (const kind of MUTATION_KINDS) if (mutate(structuredClone(objects) as unknown[], kind, createRng(1).next)) reached.add(kind);
    }

    expect([...reached].sort()).toEqual([...MUTATION_KINDS].sort());
  });

  it('grows a Pod to 200 containers with matching specs and statuses', () => {
    const pod = { kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c' }] }, status: { containerStatuses: [{ name: 'c' }] } };

    mutate([pod], 'many-containers', createRng(1).next);

    expect(pod.spec.containers).toHaveLength(200);
    expect(pod.status.containerStatuses.map((s) => s.name)).toEqual(pod.spec.containers.map((c) => c.name));
  });
});

describe('the diagnosis contract check', () => {
  const valid: Diagnosis = {
    subject: { kind: 'Pod', namespace: 'shop', name: 'web-1', uid: 'u1' },
    scenario: 'oom',
    cause: 'oom.container-limit',
    otherCauses: [],
    summary: 'Container app of Pod web-1 is OOM-killed at its 512Mi limit.',
    evidence: [{ kind: 'status', field: 'status.containerStatuses[app].lastState.terminated.reason', value: 'OOMKilled' }],
    remediation: [{ text: 'Raise spec.containers[app].resources.limits.memory.' }],
    actions: [{ action: 'rediagnose', reason: 'check again after the change' }],
  };

  it('accepts a well-formed diagnosis', () => {
    const problems = contractViolations([valid]);

    expect(problems).toEqual([]);
  });

  it.each([
    ['a cause of another scenario', { cause: 'evicted.memory' }, /not a cause of oom/],
    ['the cause repeated in otherCauses', { otherCauses: ['oom.container-limit'] }, /repeats the cause/],
    ['an empty summary', { summary: ' ' }, /summary must be a non-empty string/],
    ['NaN in the summary', { summary: 'exit code NaN' }, /shows "NaN"/],
    ['an object in a template', { summary: 'limit [object Object]' }, /shows "\[object Object\]"/],
    ['an event count that is not a number', { evidence: [{ kind: 'event', object: 'Pod/p', type: 'Warning', reason: 'X', message: 'm', count: Number.NaN, ageSeconds: null }] }, /finite count/],
    ['a remediation without text', { remediation: [{ text: '' }] }, /remediation .* is malformed/],
    ['an unknown action', { actions: [{ action: 'reboot-node', reason: 'x' }] }, /action .* is malformed/],
  ])('rejects %s', (_name, change, problem) => {
    const broken = { ...valid, ...change } as unknown as Diagnosis;

    const problems = contractViolations([broken]);

    expect(problems.join('\n')).toMatch(problem);
  });

  it('clips a 50 KB value to one bounded text line', () => {
    const long = { ...valid, evidence: [{ kind: 'status' as const, field: 'status.message', value: 'x'.repeat(50_000) }] };

    const problems = contractViolations([long]);

    expect(problems).toEqual([]);
    expect(MAX_TEXT_LINE).toBeLessThanOrEqual(2_000);
  });
});
