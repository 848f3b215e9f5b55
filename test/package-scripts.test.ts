import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const REPO = join(import.meta.dirname, '..');
const scripts = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;

describe('package.json scripts', () => {
  it('name only files that exist (npm run build once pointed at a tsconfig.build.json that did not)', () => {
    const missing = Object.entries(scripts).flatMap(([name, command]) =>
      [...command.matchAll(/(?:^|\s)((?:src|bench|test|bin)\/[^\s]+|tsconfig[^\s]*\.json)/g)]
        .map((match) => match[1]!)
        .filter((path) => !existsSync(join(REPO, path)))
        .map((path) => `${name}: ${path}`),
    );

    expect(missing).toEqual([]);
  });

  it('builds only for the package: prepack compiles a fresh dist/, the checkout runs the sources as they are', () => {
    const packageJson = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { files: string[]; bin: Record<string, string> };

    expect(scripts.prepack).toBe('npm run build');
    expect(scripts.build).toMatch(/^rm -rf dist && tsc -p tsconfig\.build\.json$/);
    expect(scripts.podwhy).toContain('src/cli/main.ts');
    expect(packageJson.files).toEqual(expect.arrayContaining(['bin/', 'dist/']));
    expect(Object.values(packageJson.bin).every((path) => packageJson.files.some((entry) => path.startsWith(entry)))).toBe(true);
  });
});
