import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as upstream from '../../src/contract/upstream.ts';

const ROOT = join(import.meta.dirname, '..', '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

describe('upstream strings', () => {
  it('defines each string once', () => {
    const values = Object.values(upstream);

    expect(values.filter((v, i) => values.indexOf(v) !== i)).toEqual([]);
  });

  it('is where the engine and the simulator get them: neither defines its own constant with the same text', () => {
    const known = new Set<string>(Object.values(upstream));
    const files = [...sourceFiles(join(ROOT, 'src', 'diagnosis')), ...sourceFiles(join(ROOT, 'src', 'sim'))];

    const redefined = files.flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/const ([A-Z][A-Z0-9_]*) = '([^'\n]*)';/g)]
        .filter((m) => known.has(m[2] ?? ''))
        .map((m) => `${relative(ROOT, file)}: ${m[1]} = '${m[2]}'`),
    );

    expect(redefined).toEqual([]);
  });
});
