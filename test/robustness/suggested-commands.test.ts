import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseKubectlDump } from '../../src/cluster/kubectl-dump.ts';
import { buildSnapshots, classifyObjects } from '../../src/cluster/snapshot.ts';
import { isRecord } from '../../src/contract/is-record.ts';
import type { Diagnosis } from '../../src/contract/diagnosis.ts';
import { shellQuote } from '../../src/contract/shell-quote.ts';
import { diagnoseAll } from '../../src/diagnosis/engine.ts';
import { FIXTURE_NOW, FIXTURE_ROOT, listFixtures } from '../support/fixtures.ts';

// Suggested commands are copied into a terminal. Every fixture is diagnosed twice: as it is, and with every name in
// it (Pods, namespaces, containers, nodes, owners, claims, ConfigMaps, Secrets, …) given a hostile suffix. Each
// suggested command of both runs goes through a real bash whose every external command only records its argv
// (PATH is empty; command_not_found_handle prints the words it was given). The hostile run must give the same
// argv as the plain one once the suffix is taken out of each word: the suffix stayed inside the word it belongs to,
// and nothing it carries ($(…), `…`, ;, *, a newline) ran or split a word.

/**
 * Suffixes a dump can give a name: command substitution, quotes, operators, globs, spaces; a newline, a backslash,
 * a tab, braces, a comment. No `"`: kubelet messages quote names with it (`configmap "x" not found`), and a name
 * holding one changes what the engine reads from them; shellQuote's own test covers it.
 */
const HOSTILE_SUFFIXES = [" $(touch pwned)'q';`id`*&|x", '\n$(id) \\ ~\t{a,b}#'];

/** Keys whose values are not names (and must keep their meaning for the engine to read the object). */
const NOT_NAMES = new Set(['kind', 'apiVersion', 'uid', 'reason', 'type', 'status', 'phase', 'effect', 'operator', 'resourceVersion']);
/** Keys whose string values are names of something another object or message may mention. */
const NAME_KEYS = new Set(['name', 'namespace', 'nodeName', 'claimName', 'secretName', 'serviceAccountName', 'serviceAccount', 'host']);

function collectNames(value: unknown, names: Set<string>): void {
  if (Array.isArray(value)) for (const item of value) collectNames(item, names);
  else if (isRecord(value)) {
    for (const [key, item] of Object.entries(value)) {
      if (typeof item === 'string' && NAME_KEYS.has(key) && /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/.test(item) && item.length > 2) names.add(item);
      else collectNames(item, names);
    }
  }
}

/** Every whole-word occurrence of a name, in every string of the dump (messages too), gets the suffix. */
function withHostileNames(objects: unknown, names: readonly string[], suffix: string): unknown {
  const sorted = [...names].sort((a, b) => b.length - a.length).map((n) => n.replace(/[.]/g, '\\.'));
  const pattern = new RegExp(`(?<![A-Za-z0-9-])(${sorted.join('|')})(?![A-Za-z0-9-])`, 'g');
  const walk = (value: unknown, key: string): unknown => {
    if (typeof value === 'string') return NOT_NAMES.has(key) ? value : value.replace(pattern, (name) => `${name}${suffix}`);
    if (Array.isArray(value)) return value.map((item) => walk(item, key));
    if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([k, item]) => [k, walk(item, k)]));
    return value;
  };
  return walk(objects, '');
}

function diagnoseObjects(objects: unknown): Diagnosis[] {
  return diagnoseAll(buildSnapshots(classifyObjects(objects as unknown[]), FIXTURE_NOW));
}

const workDir = mkdtempSync(join(tmpdir(), 'podwhy-commands-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

/**
 * The argv of every external command each shell command line would run, without running any of them.
 * Placeholders for the reader (`<node-name>`) are made words first, as a reader would fill them in.
 */
let runs = 0;
function argvsOf(commands: readonly string[]): string[][][] {
  const out = join(workDir, `run-${runs++}`);
  mkdirSync(out);
  const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: out, OUT: out };
  const lines = [
    'exec 1>/dev/null 2>/dev/null',
    'cd "$OUT"',
    'PATH=/nonexistent',
    // Each process of a pipeline appends to its own file: they run at the same time. Words end in \x1f, argvs in \x1e.
    `command_not_found_handle() { local w; for w in "$@"; do printf '%s\\x1f' "$w"; done >>"$OUT/argv.$I.$BASHPID"; printf '\\x1e' >>"$OUT/argv.$I.$BASHPID"; return 0; }`,
  ];
  commands.forEach((command, i) => {
    env[`CMD_${i}`] = command.replace(/<([a-z][a-z-]*)>/g, '__$1__');
    lines.push(`I=${i}; eval "$CMD_${i}" </dev/null`);
  });
  const run = spawnSync('bash', ['--norc', '--noprofile', '-c', lines.join('\n')], { env, encoding: 'utf8', timeout: 20_000 });
  expect(run.error).toBeUndefined();
  const files = readdirSync(out);
  return commands.map((_, i) =>
    files
      .filter((file) => file.startsWith(`argv.${i}.`))
      .flatMap((file) => readFileSync(join(out, file), 'utf8').split('\x1e').slice(0, -1).map((record) => record.split('\x1f').slice(0, -1)))
      .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
  );
}

function commandsOf(diagnoses: readonly Diagnosis[]): string[] {
  return diagnoses.flatMap((d) => d.remediation.flatMap((r) => (r.command ? [r.command] : [])));
}

describe('shellQuote', () => {
  it.each([
    ['web-7d9f-abcde', 'web-7d9f-abcde'],
    ['kube-system', 'kube-system'],
    ['registry.example.com:5000/team/app@sha256:ab', 'registry.example.com:5000/team/app@sha256:ab'],
    ['', "''"],
    ['a b', "'a b'"],
    ["it's", "'it'\\''s'"],
    ['$(rm -rf /)', "'$(rm -rf /)'"],
    ['*', "'*'"],
    ['~root', "'~root'"],
  ])('%j → %s', (word, quoted) => {
    expect(shellQuote(word)).toBe(quoted);
  });

  it('gives bash back the exact word, whatever it holds', () => {
    const words = ['plain', '', ' lead and trail ', "'", "''''", '"\\$`!*?[a]{b,c}~;&|<>()#\n\t\r', '\u00e9\u202e', '-n'];
    const argvs = argvsOf([`printargs ${words.map(shellQuote).join(" ")}`]);
    expect(argvs).toEqual([[['printargs', ...words]]]);
  });
});

describe('suggested commands keep every cluster-sourced name one literal word', () => {
  const fixtures = listFixtures();
  const compared: string[] = [];
  let hostileWords = 0;

  it.each(fixtures.map((f) => [f.path] as const))('%s', (path) => {
    const objects = parseKubectlDump(readFileSync(join(FIXTURE_ROOT, path), 'utf8'));
    const names = new Set<string>();
    collectNames(objects, names);
    const plain = diagnoseObjects(objects);
    const plainCommands = commandsOf(plain);
    if (plainCommands.length === 0 || names.size === 0) return;
    const expected = argvsOf(plainCommands);

    for (const suffix of HOSTILE_SUFFIXES) {
      const hostile = diagnoseObjects(withHostileNames(objects, [...names], suffix));
      // A suffix can change what a message parser reads (a `"` inside `configmap "x" not found`); compare only
      // the diagnoses that stayed the same, which is almost all of them.
      if (hostile.map((d) => d.cause).join() !== plain.map((d) => d.cause).join()) continue;
      const hostileCommands = commandsOf(hostile);
      if (hostileCommands.length !== plainCommands.length) continue;
      const jsonSuffix = JSON.stringify(suffix).slice(1, -1);
      const strip = (word: string) => word.split(suffix).join('').split(jsonSuffix).join('');
      const actual = argvsOf(hostileCommands);
      hostileWords += actual.flat(2).filter((word) => word.includes(suffix) || word.includes(jsonSuffix)).length;
      const restored = actual.map((argvs) => argvs.map((argv) => argv.map(strip)));
      expect(restored, `${path} with names ending ${JSON.stringify(suffix)}:\n${hostileCommands.join('\n')}`).toEqual(expected);
      compared.push(`${path} ${JSON.stringify(suffix)}`);
    }
  });

  it('compared most fixtures, with hostile names inside the commands', () => {
    expect(compared.length).toBeGreaterThan(fixtures.length);
    expect(hostileWords).toBeGreaterThan(100);
  });
});
