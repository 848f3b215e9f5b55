import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runCli } from '../../src/cli/main.ts';
import { captureIo } from '../support/cli.ts';
import { FIXTURE_NOW, FIXTURE_ROOT, listFixtures } from '../support/fixtures.ts';

const REPO = join(import.meta.dirname, '..', '..');
const sample = listFixtures().find((f) => f.expectedCause !== null);

describe('podwhy command-line conventions', () => {
  it.each([['diagnose'], ['why'], ['agent'], ['worker'], ['sim']])('%s answers --help and -h with its usage and options, exit 0', async (command) => {
    for (const flag of ['--help', '-h']) {
      const io = captureIo();

      const code = await runCli([command, flag], io);

      expect(code).toBe(0);
      expect(io.out).toMatch(new RegExp(`^usage: podwhy ${command} `));
      expect(io.out).toContain('-h, --help');
      expect(io.err).toBe('');
    }
  });

  it('answers --help after other arguments too, without running the command', async () => {
    const io = captureIo();

    const code = await runCli(['why', 'web-1', '-n', 'shop', '--help'], io);

    expect(code).toBe(0);
    expect(io.out).toMatch(/^usage: podwhy why /);
  });

  it('prints the version of package.json', async () => {
    const io = captureIo();
    const { version } = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string };

    const code = await runCli(['--version'], io);

    expect(code).toBe(0);
    expect(io.out).toBe(`podwhy ${version}\n`);
  });

  it("says in its own words what is wrong with the arguments, never Node's '--' hint", async () => {
    const cases: [string[], RegExp][] = [
      [['why', '--bogus', 'web-1'], /^podwhy why: unknown option --bogus \(podwhy why --help lists the options\)$/m],
      [['why', 'web-1', '-n'], /^podwhy why: -n \/ --namespace needs a value$/m],
      [['diagnose', '-f', '-', 'extra'], /^podwhy diagnose: unexpected argument extra/m],
      [['agent', '--colour'], /^podwhy agent: unknown option --colour/m],
    ];
    for (const [argv, expected] of cases) {
      const io = captureIo();

      const code = await runCli(argv, io);

      expect(code).toBe(2);
      expect(io.err).toMatch(expected);
      expect(io.err).not.toMatch(/after '--'|positional argument/);
    }
  });

  it.skipIf(!sample)('prints -o yaml as the JSON contract in YAML', async () => {
    const asJson = captureIo();
    const asYaml = captureIo();

    await runCli(['diagnose', '-f', join(FIXTURE_ROOT, sample!.path), '-o', 'json', '--now', FIXTURE_NOW], asJson);
    const code = await runCli(['diagnose', '-f', join(FIXTURE_ROOT, sample!.path), '-o', 'yaml', '--now', FIXTURE_NOW], asYaml);

    expect(code).toBe(0);
    expect(parse(asYaml.out)).toEqual(JSON.parse(asJson.out));
    expect(asYaml.out.startsWith('diagnoses:\n')).toBe(true);
  });

  it.skipIf(!sample)('says so when -n names a namespace the dump has no Pods in', async () => {
    const io = captureIo();

    const code = await runCli(['diagnose', '-f', join(FIXTURE_ROOT, sample!.path), '-n', 'no-such-namespace', '--now', FIXTURE_NOW], io);

    expect(code).toBe(2);
    expect(io.out).toBe('');
    expect(io.err).toMatch(/^podwhy diagnose: no Pods or workloads in namespace no-such-namespace in the input \(namespaces in it: [a-z0-9-]+/);
  });
});
