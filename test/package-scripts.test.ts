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

  it('has no build step: Node 24 runs the TypeScript sources as they are', () => {
    expect(scripts.build).toBeUndefined();
  });
});
