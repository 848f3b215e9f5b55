/**
 * The npm package (`npm i -g podwhy`, `npx podwhy`), quickly: a staged copy of this checkout, built with
 * tsconfig.build.json (transpileModule), packed by the real `npm pack`, unpacked as node_modules/podwhy — where
 * Node refuses to strip types — with only the production dependencies, and run through its bin links.
 * `node bench/package-install.ts` does the slow rest: prepack's tsc build and `npm ci --omit=dev`.
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linkProductionDependencies, pack, pathWithNode24, REPO, runBin, stageCheckout, transpileBuild, unpackAsDependency, unresolvedImports, type Packed } from '../../bench/package-install.ts';
import { runCli } from '../../src/cli/main.ts';
import { captureIo } from '../support/cli.ts';
import { FIXTURE_NOW, FIXTURE_ROOT } from '../support/fixtures.ts';

const { version } = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string };
const FIXTURE = join(FIXTURE_ROOT, 'container-create', 'bad-command', 'containerd-empty-command.yaml');

let dir: string;
let packed: Packed;
let bins: string;
let packageDir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'podwhy-package-test-'));
  const checkout = stageCheckout(dir);
  transpileBuild(checkout);
  packed = await pack(checkout, dir, { scripts: false });
  const app = join(dir, 'app');
  bins = await unpackAsDependency(packed.tarball, app);
  packageDir = join(app, 'node_modules', 'podwhy');
  linkProductionDependencies(app);
}, 120_000);

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('npm pack', () => {
  it('packs the bins, the build and the README, and nothing else: no sources, tests, fixtures or secrets', () => {
    const paths = packed.files.map((file) => file.path);

    expect(paths).toEqual(expect.arrayContaining(['package.json', 'README.md', 'bin/podwhy', 'bin/kubectl-podwhy', 'dist/src/cli/main.js', 'dist/src/config.js', 'dist/handlers/index.js']));
    expect(paths.filter((path) => !/^(bin\/|dist\/(src|handlers)\/.+\.js$|README\.md$|package\.json$)/.test(path))).toEqual([]);
    expect(paths.filter((path) => /(^|\/)\.env|\.log$|^src\/|(^|\/)(test|fixtures|node_modules)\/|\.ts$|dist\/src\/(demo|slack-emulator)\//.test(path))).toEqual([]);
  });

  it('leaves no import the installed package cannot resolve, also in the modules commands load lazily', () => {
    expect(unresolvedImports(packageDir, packed.files)).toEqual([]);
  });
});

describe('the installed package', () => {
  it('answers --version from both bins', async () => {
    const podwhy = await runBin(join(bins, 'podwhy'), ['--version']);
    const plugin = await runBin(join(bins, 'kubectl-podwhy'), ['--version']);

    expect([podwhy.status, podwhy.stdout, podwhy.stderr]).toEqual([0, `podwhy ${version}\n`, '']);
    expect([plugin.status, plugin.stdout]).toEqual([0, `podwhy ${version}\n`]);
  });

  it('diagnoses a dump exactly as the sources do', async () => {
    const args = ['diagnose', '-f', FIXTURE, '-o', 'json', '--now', FIXTURE_NOW];
    const io = captureIo();
    const expectedStatus = await runCli(args, io);

    const installed = await runBin(join(bins, 'podwhy'), args);

    expect(installed.status).toBe(expectedStatus);
    expect(JSON.parse(installed.stdout)).toEqual(JSON.parse(io.out));
    expect(installed.stdout).toContain('container-create.bad-command');
  });

  it('says it needs Node 24 when the node on PATH is older, instead of failing partway', async () => {
    const fakeBin = join(dir, 'old-node');
    mkdirSync(fakeBin);
    writeFileSync(join(fakeBin, 'node'), '#!/bin/sh\ncase "$1" in -p) echo 20 ;; --version) echo v20.19.0 ;; *) exit 99 ;; esac\n');
    chmodSync(join(fakeBin, 'node'), 0o755);

    const result = await runBin(join(bins, 'podwhy'), ['--version'], `${fakeBin}:${pathWithNode24()}`);

    expect(result.status).toBe(1);
    expect(result.stderr).toBe('podwhy needs Node 24 or newer; `node` is v20.19.0\n');
  });
});
