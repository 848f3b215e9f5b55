import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const REPO = join(import.meta.dirname, '..');
const doc = readFileSync(join(REPO, 'docs', 'troubleshooting.md'), 'utf8');

/** Every line of the ```log blocks: the messages the page quotes (```text blocks are examples, not checked). */
function quotedMessages(markdown: string): string[] {
  return [...markdown.matchAll(/^( *)```log\n([\s\S]*?)^\1```$/gm)].flatMap(([, indent = '', body = '']) =>
    body.split('\n').map((line) => line.slice(indent.length)).filter((line) => line.trim() !== ''),
  );
}

function sourceFiles(dir: string): { path: string; text: string }[] {
  return readdirSync(join(REPO, dir), { recursive: true, encoding: 'utf8' })
    .filter((path) => path.endsWith('.ts'))
    .map((path) => ({ path: `${dir}/${path}`, text: readFileSync(join(REPO, dir, path), 'utf8') }));
}

/**
 * Where a quoted message comes from: a file of src/ or handlers/ holding every verbatim part of it (the text
 * between its `<…>` placeholders, which stand for template expressions), or null.
 */
function originOf(message: string, files: { path: string; text: string }[]): string | null {
  const parts = message.split(/<[^<>]*>/).filter((part) => part !== '');
  return files.find((file) => parts.every((part) => file.text.includes(part)))?.path ?? null;
}

describe('docs/troubleshooting.md', () => {
  const files = [...sourceFiles('src'), ...sourceFiles('handlers')].filter((file) => !file.path.startsWith('src/slack-emulator/') && !file.path.startsWith('src/sim/'));
  const messages = quotedMessages(doc);

  it('quotes the messages of every area the issue names', () => {
    expect(messages.length).toBeGreaterThan(50);
    for (const heading of ['## Configuration', '## The Kubernetes API server', '## Redis', '## Slack', '## One-click fixes refused']) expect(doc).toContain(`\n${heading}\n`);
  });

  it('quotes only messages that podwhy\'s code says, word for word', () => {
    const missing = messages.filter((message) => originOf(message, files) === null);

    expect(missing).toEqual([]);
  });

  it('would notice a message reworded in the code', () => {
    expect(originOf('Redis at <host>:<port> is unavailable (connection <status>)', files)).toBe('src/queue/redis-connection.ts');
    expect(originOf('Redis at <host>:<port> is down (connection <status>)', files)).toBeNull();
  });

  it('links to files and sections that exist', () => {
    for (const [, target = ''] of doc.matchAll(/\]\(([^)#]+)(?:#[^)]*)?\)/g)) expect(readdirSync(join(REPO, 'docs'))).toContain(target);
  });
});
