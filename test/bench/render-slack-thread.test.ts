import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderSlackThread } from '../../bench/render-slack-thread.ts';

describe('bench/render-slack-thread.ts', () => {
  it('prints the parent message and the diagnosis reply, and the README shows exactly that output', async () => {
    const readme = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8');

    const text = await renderSlackThread();

    expect(text).toMatch(/^#alerts\n│ == 🔴 .*Deployment\/worker ==\n/);
    expect(text).toContain('└─ thread reply');
    expect(text).toContain('`dependency.secret`');
    expect(readme).toContain(`\`\`\`\n${text}\`\`\``);
  });
});
