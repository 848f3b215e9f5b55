/**
 * compactHeapOnce (src/agent/compact-heap.ts) in real Node processes: with --expose-gc it runs a
 * memory-reducing collection that hands a big heap's garbage pages back (RSS falls); without the flag
 * it does nothing and says so (null).
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const NODE = process.execPath;
const MODULE = join(import.meta.dirname, '../../src/agent/compact-heap.ts');
/** Builds ~200 MB of small objects, drops them, then compacts and prints the result. */
const SCRIPT = `
  const { compactHeapOnce } = await import(${JSON.stringify(MODULE)});
  let garbage = [];
  for (let i = 0; i < 1_500_000; i++) garbage.push({ name: 'pod-' + i, uid: String(i * 7919), labels: { app: 'a' + (i % 1000) } });
  garbage = null;
  console.log(JSON.stringify(compactHeapOnce()));
`;

function run(flags: string[]): unknown {
  const out = execFileSync(NODE, [...flags, '--disable-warning=ExperimentalWarning', '--input-type=module', '-e', SCRIPT], { encoding: 'utf8' });
  return JSON.parse(out.trim()) as unknown;
}

describe('compactHeapOnce', () => {
  it('hands the garbage of a big heap back to the OS when the process runs with --expose-gc', () => {
    const result = run(['--expose-gc', '--max-semi-space-size=8']) as { rssBeforeMb: number; rssAfterMb: number; pauseMs: number };
    expect(result).not.toBeNull();
    expect(result.rssBeforeMb).toBeGreaterThan(150);
    expect(result.rssAfterMb).toBeLessThan(result.rssBeforeMb - 50);
    expect(result.pauseMs).toBeGreaterThanOrEqual(0);
  });

  it('does nothing without --expose-gc', () => {
    expect(run([])).toBeNull();
  });
});
