/**
 * compact-heap.ts in real Node processes: with --expose-gc a memory-reducing collection hands a big
 * heap's garbage pages back (RSS falls); the HeapCompactor compacts after a burst only once the pages
 * V8 keeps have grown past its threshold, and not more often than its interval; without the flag
 * nothing happens.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const MODULE = join(import.meta.dirname, '../../src/agent/compact-heap.ts');
/** Builds ~200 MB of small objects and drops them (a burst's garbage). */
const BURST = `const burst = () => { let garbage = []; for (let i = 0; i < 1_500_000; i++) garbage.push({ name: 'pod-' + i, uid: String(i * 7919), labels: { app: 'a' + (i % 1000) } }); garbage = null; };`;

function run(flags: string[], body: string): unknown {
  const script = `const m = await import(${JSON.stringify(MODULE)}); ${BURST} ${body}`;
  const out = execFileSync(process.execPath, [...flags, '--disable-warning=ExperimentalWarning', '--input-type=module', '-e', script], { encoding: 'utf8' });
  return JSON.parse(out.trim()) as unknown;
}

const GC_FLAGS = ['--expose-gc', '--max-semi-space-size=8'];

describe('compact-heap', () => {
  it('compactHeapOnce hands the garbage of a big heap back to the OS when the process runs with --expose-gc', () => {
    const result = run(GC_FLAGS, 'burst(); console.log(JSON.stringify(m.compactHeapOnce()));') as { rssBeforeMb: number; rssAfterMb: number; pauseMs: number };
    expect(result.rssBeforeMb).toBeGreaterThan(150);
    expect(result.rssAfterMb).toBeLessThan(result.rssBeforeMb - 50);
    expect(result.pauseMs).toBeGreaterThanOrEqual(0);
  });

  it('HeapCompactor.check compacts after a burst past its threshold, not before one, and not twice within its interval', () => {
    const result = run(
      GC_FLAGS,
      `let t = 0; const c = new m.HeapCompactor({ thresholdBytes: 32 * 1024 * 1024, minIntervalMs: 1000, now: () => t });
       const first = c.compact();
       t = 5000; const quiet = c.check();
       burst(); globalThis.gc(); t = 10000; const afterBurst = c.check();
       burst(); globalThis.gc(); t = 10500; const tooSoon = c.check();
       console.log(JSON.stringify({ first: first !== null, quiet, afterBurst, tooSoon }));`,
    ) as { first: boolean; quiet: unknown; afterBurst: { rssBeforeMb: number; rssAfterMb: number } | null; tooSoon: unknown };
    expect(result.first).toBe(true);
    expect(result.quiet).toBeNull();
    expect(result.afterBurst).not.toBeNull();
    expect(result.afterBurst!.rssAfterMb).toBeLessThan(result.afterBurst!.rssBeforeMb);
    expect(result.tooSoon).toBeNull();
  });

  it('does nothing without --expose-gc', () => {
    expect(run([], 'burst(); const c = new m.HeapCompactor({ thresholdBytes: 0, minIntervalMs: 0 }); console.log(JSON.stringify([m.compactHeapOnce(), c.compact(), c.check()]));')).toEqual([null, null, null]);
  });
});
