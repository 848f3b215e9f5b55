/**
 * docs/configuration.md, generated from the zod schema in src/config.ts: each key's type and limits from
 * z.toJSONSchema (the input side: what the environment variable may hold), its default, and its .describe() text.
 * `npm run docs:config` writes the file; test/config-reference.test.ts fails when it is out of date.
 */
import { writeFileSync } from 'node:fs';
import { z } from 'zod';
import { Config, loadConfig } from './config.ts';

interface KeySchema {
  type?: string;
  description?: string;
  default?: unknown;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  pattern?: string;
  format?: string;
}

/** The `docs/configuration.md` text. */
export function renderConfigReference(): string {
  const schema = z.toJSONSchema(Config, { io: 'input', unrepresentable: 'any' }) as { properties: Record<string, KeySchema> };
  // Output-side defaults, for the keys whose input schema cannot carry one (a stringbool's default is a boolean).
  const defaults = loadConfig({}) as Record<string, unknown>;
  const rows = Object.entries(schema.properties).map(([key, property]) => {
    if (!property.description) throw new Error(`src/config.ts: ${key} has no .describe() text`);
    return `| \`${key}\` | ${cell(typeOf(property, defaults[key]))} | ${defaultOf(property, defaults[key])} | ${cell(property.description)} |`;
  });
  return `# Configuration

<!-- Generated from src/config.ts by \`npm run docs:config\`: edit the schema's .describe() texts, not this file. -->

podwhy reads its configuration from environment variables only (in Kubernetes: the ConfigMap and the Slack Secret of
\`deploy/kubernetes\`; locally: the environment, \`.env.example\` lists every key). Every key is optional: the
defaults run one process against your kubeconfig, with alerts on the console. An empty value (\`KEY=\`) means unset.
The whole configuration is checked at start-up, and a bad value stops podwhy with every problem listed, one line
each ([troubleshooting.md](troubleshooting.md#configuration)).

| key | type | default | what it does |
|---|---|---|---|
${rows.join('\n')}

## Keys that go together

- \`SLACK_BOT_TOKEN\` turns Slack on, and Slack then needs a way to reach podwhy: \`SLACK_APP_TOKEN\` (Socket Mode) or
  \`SLACK_SIGNING_SECRET\` (HTTP mode). With both, Socket Mode is used. \`SLACK_APP_TOKEN\` or \`SLACK_SIGNING_SECRET\`
  without \`SLACK_BOT_TOKEN\` is an error.
- \`podwhy worker\` and \`podwhy gateway\` need \`REDIS_URL\`; \`podwhy gateway\` also needs the Slack keys and
  \`ACTION_SIGNING_KEY\`.
- \`ACTIONS_ENABLED=true\` offers the fixes; \`ACTION_POLICY\` (or \`ACTION_AUTHORIZATION=kubernetes\`) decides who may
  click them. With the default empty policy nobody may.
`;
}

function typeOf(property: KeySchema, fallback: unknown): string {
  if (typeof fallback === 'boolean') return '`true` or `false`';
  if (property.enum) return `one of ${property.enum.map((value) => `\`${String(value)}\``).join(', ')}`;
  if (property.type === 'integer') return `whole number, ${String(property.minimum)}–${String(property.maximum)}`;
  if (property.format === 'uri') return 'URL';
  if (Array.isArray(fallback) || fallback instanceof Map) return 'comma-separated list';
  if (property.pattern) return `text matching \`${property.pattern}\``;
  if (property.minLength !== undefined) return `text, at least ${String(property.minLength)} characters`;
  return 'text';
}

function defaultOf(property: KeySchema, fallback: unknown): string {
  const value = property.default ?? (typeof fallback === 'boolean' ? fallback : undefined);
  if (value === undefined) return '(unset)';
  if (value === '') return '(empty)';
  return `\`${String(value)}\``;
}

/** A Markdown table cell: a `|` would end it. */
function cell(text: string): string {
  return text.replaceAll('|', '\\|');
}

if (import.meta.main) {
  const target = new URL('../docs/configuration.md', import.meta.url);
  writeFileSync(target, renderConfigReference());
  console.log(`wrote ${target.pathname}`);
}
