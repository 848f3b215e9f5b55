// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-restricted-syntax': ['error', { selector: 'TSEnumDeclaration', message: 'Use `as const` objects and unions, not enums.' }],
    },
  },
  {
    files: ['src/**/*.ts', 'handlers/**/*.ts'],
    ignores: ['src/config.ts'],
    rules: {
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Only src/config.ts reads process.env.' }],
    },
  },
  {
    // The engine is pure: snapshot in, diagnosis out. It may import only the contract.
    files: ['src/diagnosis/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          {
            group: ['**/cluster/**', '**/queue/**', '**/incidents/**', '**/notify/**', '**/render/**', '**/agent/**', '**/cli/**', '**/slack/**', '**/actions/**', '**/sim/**', '**/handlers/**'],
            message: 'The engine imports only src/contract.',
          },
          { group: ['@kubernetes/*', '@slack/*', 'bullmq', 'ioredis', 'node:*'], message: 'The engine does no I/O.' },
        ],
      }],
      // The engine's only clock is snapshot.observedAt: Date.parse on strings is fine, reading the time is not.
      'no-restricted-properties': ['error',
        { object: 'Date', property: 'now', message: 'Use snapshot.observedAt.' },
        { object: 'process', property: 'env', message: 'Only src/config.ts reads process.env.' }],
      'no-restricted-syntax': ['error',
        { selector: 'NewExpression[callee.name="Date"][arguments.length=0]', message: 'Use snapshot.observedAt.' },
        { selector: 'TSEnumDeclaration', message: 'Use `as const` objects and unions, not enums.' }],
    },
  },
  {
    // The Slack renderers are pure: plain data in, Block Kit out. Slack's types are welcome, its runtime is not.
    files: ['src/slack/render/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        patterns: [
          { group: ['**/cluster/**', '**/queue/**', '**/actions/**', '**/sim/**', '**/handlers/**', '**/incidents/**', '**/notify/**', '**/agent/**', '**/cli/**', '**/log.ts', '**/config.ts', '**/metrics.ts'], message: 'The renderers take plain data (src/contract) and do no I/O.' },
          { group: ['@kubernetes/*', 'bullmq', 'ioredis', 'pino', 'prom-client', 'node:*'], message: 'The renderers do no I/O.' },
          { group: ['@slack/*'], allowTypeImports: true, message: 'Only type imports from Slack packages: no client, no Bolt at runtime.' },
        ],
      }],
      // No clock: times come in as arguments.
      'no-restricted-properties': ['error',
        { object: 'Date', property: 'now', message: 'Pass the time in.' },
        { object: 'process', property: 'env', message: 'Only src/config.ts reads process.env.' }],
      'no-restricted-syntax': ['error',
        { selector: 'NewExpression[callee.name="Date"][arguments.length=0]', message: 'Pass the time in.' },
        { selector: 'TSEnumDeclaration', message: 'Use `as const` objects and unions, not enums.' }],
    },
  },
  {
    // The simulator stands in for a cluster: it knows Kubernetes, not podwhy's engine. What both need
    // (quantities, upstream strings) lives in src/contract, so a detector bug cannot shape the fake cluster.
    files: ['src/sim/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ group: ['**/diagnosis/**', '**/diagnosis'], message: 'src/sim does not import the engine; share through src/contract.' }],
      }],
    },
  },
  {
    // The renderers are pure: plain data in, text (or Block Kit) out. They sit beside every stage and import none.
    files: ['src/render/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        patterns: [
          {
            group: ['**/cluster/**', '**/queue/**', '**/incidents/**', '**/notify/**', '**/agent/**', '**/cli/**', '**/diagnosis/**', '**/sim/**', '**/slack/**', '**/actions/**', '**/handlers/**'],
            message: 'Renderers import only src/contract and each other.',
          },
          { group: ['@kubernetes/*', 'bullmq', 'ioredis', 'pino', 'node:*'], message: 'Renderers do no I/O.' },
          // Block Kit's shapes (KnownBlock from @slack/types) are types; the Slack client is I/O.
          { group: ['@slack/*'], allowTypeImports: true, message: 'Renderers do no I/O: import only types from @slack/*.' },
        ],
      }],
      'no-restricted-properties': ['error',
        { object: 'Date', property: 'now', message: 'Renderers take the time they show as data.' },
        { object: 'process', property: 'env', message: 'Only src/config.ts reads process.env.' }],
    },
  },
);
