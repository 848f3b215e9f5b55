import { describe, expect, it } from 'vitest';
import type { Candidate } from '../../src/cluster/candidates.ts';
import { Stabilizer } from '../../src/cluster/stabilizer.ts';

function setup(holds: () => boolean) {
  let now = 0;
  const due: Candidate[] = [];
  const recovered: Candidate[] = [];
  const stabilizer = new Stabilizer({
    now: () => now,
    recheck: (c) => (holds() ? c : null),
    onRecovered: (c) => recovered.push(c),
    refreshMs: 60_000,
  });
  const candidate = (dueAtMs: number, hint: Candidate['hint'] = 'crash'): Candidate => ({
    subject: { kind: 'Pod', objectKind: 'Pod', namespace: 'ns', name: 'p', uid: 'u1' },
    hint,
    since: new Date(0).toISOString(),
    dueAtMs,
  });
  const tick = () => void due.push(...stabilizer.tick());
  return { stabilizer, tick, due, recovered, candidate, advance: (ms: number) => { now += ms; } };
}

describe('Stabilizer', () => {
  it('hands a candidate on only after its window, and only if it still holds', () => {
    let holding = true;
    const t = setup(() => holding);
    t.stabilizer.offer(t.candidate(60_000));

    t.advance(59_000);
    t.tick();
    expect(t.due).toHaveLength(0);

    t.advance(1_000);
    t.tick();
    expect(t.due).toHaveLength(1);

    holding = false;
    t.advance(60_000);
    t.tick();
    expect(t.due).toHaveLength(1);
    expect(t.recovered).toHaveLength(1);
  });

  it('keeps a transient that recovers inside its window silent', () => {
    let holding = true;
    const t = setup(() => holding);
    t.stabilizer.offer(t.candidate(60_000));
    t.advance(30_000);

    holding = false;
    t.advance(30_000);
    t.tick();

    expect(t.due).toHaveLength(0);
    expect(t.recovered).toHaveLength(0);
    expect(t.stabilizer.size).toBe(0);
  });

  it('hands on a flapping candidate at most once per refresh interval', () => {
    const t = setup(() => true);
    t.stabilizer.offer(t.candidate(0));

    for (let i = 0; i < 120; i++) {
      t.stabilizer.offer(t.candidate(i * 1000, i % 2 ? 'crash' : 'restarted'));
      t.tick();
      t.advance(1_000);
    }

    expect(t.due).toHaveLength(2);
  });

  it('reports recovery on withdraw only for candidates that were handed on', () => {
    const t = setup(() => true);
    t.stabilizer.offer(t.candidate(10_000));
    t.stabilizer.withdraw('Pod', 'u1');
    expect(t.recovered).toHaveLength(0);

    t.stabilizer.offer(t.candidate(0));
    t.tick();
    t.stabilizer.withdraw('Pod', 'u1');
    expect(t.recovered).toHaveLength(1);
  });

  it('lets a state without a timestamp of its own come due, though each recheck reads "since now"', () => {
    let now = 0;
    const due: Candidate[] = [];
    const fresh = (): Candidate => ({
      subject: { kind: 'Pod', objectKind: 'Pod', namespace: 'ns', name: 'p', uid: 'u2' },
      hint: 'image-pull',
      since: new Date(now).toISOString(),
      dueAtMs: now + 20_000,
    });
    const stabilizer = new Stabilizer({ now: () => now, recheck: fresh, refreshMs: 60_000 });
    stabilizer.offer(fresh());

    for (let i = 0; i < 25; i++) {
      now += 1_000;
      due.push(...stabilizer.tick());
    }

    expect(due).toHaveLength(1);
    expect(due[0]!.since).toBe(new Date(0).toISOString());
  });
});
