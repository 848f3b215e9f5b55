import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_KEYS } from '../src/config.ts';
import { renderConfigReference } from '../src/config-reference.ts';

describe('docs/configuration.md', () => {
  it('is what `npm run docs:config` generates from src/config.ts (run it after changing the schema)', () => {
    const text = readFileSync(join(import.meta.dirname, '..', 'docs', 'configuration.md'), 'utf8');

    expect(text).toBe(renderConfigReference());
  });

  it('has one row per schema key, each with a type, a default and a description', () => {
    const rows = renderConfigReference().split('\n').filter((line) => /^\| `[A-Z_]+` \|/.test(line));

    expect(rows.map((row) => /^\| `([A-Z_]+)`/.exec(row)?.[1])).toEqual(CONFIG_KEYS);
    for (const row of rows) expect(row.split(' | ').map((part) => part.trim()).filter((part) => part.length > 2)).toHaveLength(4);
  });

  it('takes the type, the limits and the default from the schema', () => {
    const row = (key: string) => renderConfigReference().split('\n').find((line) => line.startsWith(`| \`${key}\` |`));

    expect(row('HTTP_PORT')).toMatch(/^\| `HTTP_PORT` \| whole number, 0–65535 \| `9464` \| Port of/);
    expect(row('ACTIONS_ENABLED')).toMatch(/^\| `ACTIONS_ENABLED` \| `true` or `false` \| `false` \|/);
    expect(row('LOG_LEVEL')).toContain('one of `fatal`, `error`, `warn`, `info`, `debug`, `trace`, `silent` | `info`');
    expect(row('REDIS_URL')).toMatch(/^\| `REDIS_URL` \| URL \| \(unset\) \|/);
    expect(row('WATCH_NAMESPACES')).toMatch(/^\| `WATCH_NAMESPACES` \| comma-separated list \| \(empty\) \|/);
  });
});
