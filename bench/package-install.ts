/**
 * The npm package, end to end: pack this checkout the way `npm publish` would, install the tarball, run it.
 * Node refuses to strip types from files under node_modules, so an installed podwhy runs the JavaScript of
 * `npm run build` (dist/); this checks that the tarball holds what that needs and nothing else, and that it runs.
 *
 *   node bench/package-install.ts            prepack's real build (tsc, type-checked), then the Dockerfile's
 *                                            production install (npm ci --omit=dev --offline) of the unpacked
 *                                            tarball; about a minute, most of it tsc and npm ci
 *   node bench/package-install.ts --global   also `npm install -g --prefix <tmp> <tarball>` (needs the registry:
 *                                            a global install resolves versions, and the npm cache that `npm ci`
 *                                            fills holds tarballs, not the registry's version lists)
 *
 * test/deploy/package.test.ts runs the quick version: the same staging and packing, dist/ from transpileModule,
 * the dependencies linked from this checkout instead of installed.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { promisify } from 'node:util';
import ts from 'typescript';

export const REPO = join(import.meta.dirname, '..');
/** The Node 24 that `npm ci` installs (devDependency "node"): first on PATH, as it is for a user with Node 24. */
export const NODE24_BIN = join(REPO, 'node_modules', 'node', 'bin');

const run = promisify(execFile);

export interface PackedFile {
  path: string;
  size: number;
}

export interface Packed {
  tarball: string;
  /** Compressed size in bytes. */
  size: number;
  unpackedSize: number;
  files: PackedFile[];
}

/** Never copied into the staged checkout: what a fresh clone would not have (paths from the checkout's root). */
const NOT_STAGED = new Set(['node_modules', '.git', 'dist', 'coverage', 'bench/results']);

/**
 * A copy of this checkout in `dir` as a fresh clone with a careless developer's leftovers: a `.env` holding a
 * secret and an old `npm-debug.log`, which the package must not pick up. node_modules is a link (tsc needs the
 * type packages).
 */
export function stageCheckout(dir: string): string {
  const checkout = join(dir, 'checkout');
  cpSync(REPO, checkout, { recursive: true, filter: (source) => !NOT_STAGED.has(relative(REPO, source)) && !source.endsWith('.log') });
  writeFileSync(join(checkout, '.env'), 'SLACK_BOT_TOKEN=xoxb-staged-secret\n');
  writeFileSync(join(checkout, 'npm-debug.log'), 'staged leftover\n');
  symlinkSync(join(REPO, 'node_modules'), join(checkout, 'node_modules'));
  return checkout;
}

/**
 * dist/ as `npm run build` writes it, file by file with ts.transpileModule and tsconfig.build.json's options:
 * several times faster than tsc, which also type-checks (npm run typecheck does that). The project compiles
 * with isolatedModules and verbatimModuleSyntax, so each file's output depends on that file alone, and it is the
 * same bytes as tsc's (compared when this was written). `module` is ESNext because transpileModule cannot see
 * package.json's "type": "module", which makes tsc's nodenext emit ES modules.
 */
export function transpileBuild(checkout: string): number {
  const config = ts.getParsedCommandLineOfConfigFile(join(checkout, 'tsconfig.build.json'), {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
      throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
    },
  });
  if (!config) throw new Error('tsconfig.build.json could not be read');
  const { rootDir, outDir } = config.options;
  if (!rootDir || !outDir) throw new Error('tsconfig.build.json names no rootDir or outDir');
  const options = { ...config.options, module: ts.ModuleKind.ESNext };
  for (const file of config.fileNames) {
    const { outputText } = ts.transpileModule(readFileSync(file, 'utf8'), { compilerOptions: options, fileName: file });
    const target = join(outDir, relative(rootDir, file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, outputText);
  }
  return config.fileNames.length;
}

/**
 * `npm pack` of the checkout into `destination`. With `scripts`, prepack runs (npm run build: tsc); without,
 * dist/ must already be there.
 */
export async function pack(checkout: string, destination: string, { scripts }: { scripts: boolean }): Promise<Packed> {
  const args = ['pack', '--json', '--pack-destination', destination, ...(scripts ? [] : ['--ignore-scripts'])];
  const { stdout } = await run('npm', args, { cwd: checkout, env: { ...process.env, PATH: pathWithNode24() }, maxBuffer: 64 * 1024 * 1024, timeout: 300_000 });
  // prepack's own output (tsc, npm run's banner) comes before the JSON on stdout.
  const [report] = JSON.parse(stdout.slice(stdout.indexOf('[\n'))) as { filename: string; size: number; unpackedSize: number; files: PackedFile[] }[];
  if (!report) throw new Error(`npm pack reported nothing: ${stdout}`);
  return { tarball: join(destination, report.filename), size: report.size, unpackedSize: report.unpackedSize, files: report.files };
}

/** Unpacks the tarball to `<app>/node_modules/podwhy` and links its bins to `<app>/node_modules/.bin`, as npm does. */
export async function unpackAsDependency(tarball: string, app: string): Promise<string> {
  const packageDir = join(app, 'node_modules', 'podwhy');
  mkdirSync(packageDir, { recursive: true });
  await run('tar', ['-xzf', tarball, '-C', packageDir, '--strip-components=1']);
  const bins = join(app, 'node_modules', '.bin');
  mkdirSync(bins, { recursive: true });
  const { bin } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { bin: Record<string, string> };
  for (const [name, path] of Object.entries(bin)) symlinkSync(join('..', 'podwhy', path), join(bins, name));
  return bins;
}

/**
 * The production dependencies for an unpacked package without a registry: each top-level package that
 * package-lock.json does not mark dev-only, linked from this checkout's node_modules. A devDependency the built
 * code imported would be missing, as it would be after `npm install podwhy`.
 */
export function linkProductionDependencies(app: string): string[] {
  const lock = JSON.parse(readFileSync(join(REPO, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
  const names = Object.entries(lock.packages)
    .filter(([path, entry]) => path.startsWith('node_modules/') && !path.slice('node_modules/'.length).includes('node_modules/') && !entry.dev)
    .map(([path]) => path.slice('node_modules/'.length));
  for (const name of names) {
    const link = join(app, 'node_modules', name);
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(join(REPO, 'node_modules', name), link);
  }
  return names;
}

/** The Dockerfile's production install, in the unpacked package: npm ci --omit=dev from the npm cache. */
export async function installProductionDependencies(packageDir: string): Promise<void> {
  writeFileSync(join(packageDir, 'package-lock.json'), readFileSync(join(REPO, 'package-lock.json')));
  await run('npm', ['ci', '--omit=dev', '--ignore-scripts', '--offline', '--no-audit', '--no-fund'], { cwd: packageDir, timeout: 300_000 });
}

export function pathWithNode24(...first: string[]): string {
  return [...first, NODE24_BIN, process.env.PATH ?? ''].join(':');
}

/** Runs an installed bin with Node 24 first on PATH; resolves with its exit status and output. */
export function runBin(bin: string, args: string[], path: string = pathWithNode24()): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(bin, args, { encoding: 'utf8', timeout: 60_000, env: { ...process.env, PATH: path } }, (error, stdout, stderr) => {
      resolve({ status: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

/**
 * Relative imports in the packed JavaScript that name no packed file (a `.ts` left unrewritten, a module left
 * out of the build), and bare imports of packages that are not production dependencies. Covers the modules the
 * commands load lazily (agent, gateway, sim), which --version and diagnose never reach.
 */
export function unresolvedImports(packageDir: string, files: PackedFile[]): string[] {
  const packed = new Set(files.map((file) => file.path));
  const { dependencies } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  const problems: string[] = [];
  for (const file of files.filter((entry) => entry.path.endsWith('.js'))) {
    const text = readFileSync(join(packageDir, file.path), 'utf8');
    for (const match of text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?\bfrom\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)|(?:^|\n)import\s*['"]([^'"]+)['"]/g)) {
      const specifier = match[1] ?? match[2] ?? match[3] ?? '';
      if (specifier.startsWith('.')) {
        const target = relative(packageDir, join(packageDir, dirname(file.path), specifier));
        if (!packed.has(target)) problems.push(`${file.path}: ${specifier}`);
      } else if (!specifier.startsWith('node:')) {
        const name = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!;
        if (!(name in dependencies)) problems.push(`${file.path}: ${specifier} (not a dependency)`);
      }
    }
  }
  return problems;
}

async function main(): Promise<void> {
  const global = process.argv.includes('--global');
  const dir = mkdtempSync(join(tmpdir(), 'podwhy-package-'));
  try {
    const started = performance.now();
    const seconds = () => `${((performance.now() - started) / 1000).toFixed(1)} s`;
    const checkout = stageCheckout(dir);
    const packed = await pack(checkout, dir, { scripts: true });
    console.log(`npm pack (prepack: npm run build): ${packed.files.length} files, ${packed.size} bytes (${packed.unpackedSize} unpacked) [${seconds()}]`);
    const app = join(dir, 'app');
    const bins = await unpackAsDependency(packed.tarball, app);
    const packageDir = join(app, 'node_modules', 'podwhy');
    const problems = unresolvedImports(packageDir, packed.files);
    if (problems.length > 0) throw new Error(`imports the package cannot resolve:\n${problems.join('\n')}`);
    await installProductionDependencies(packageDir);
    console.log(`npm ci --omit=dev --offline in the unpacked package: ${readdirSync(join(packageDir, 'node_modules')).length} top-level entries [${seconds()}]`);
    const fixture = join(REPO, 'test', 'fixtures', 'k8s', 'container-create', 'bad-command', 'containerd-empty-command.yaml');
    for (const [bin, args] of [['podwhy', ['--version']], ['kubectl-podwhy', ['--version']], ['podwhy', ['diagnose', '-f', fixture]]] as const) {
      const result = await runBin(join(bins, bin), [...args]);
      if (result.status !== 0) throw new Error(`${bin} ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
      console.log(`$ ${bin} ${args.join(' ')}\n${result.stdout.trimEnd()}`);
    }
    if (global) {
      const prefix = join(dir, 'global');
      await run('npm', ['install', '-g', '--prefix', prefix, packed.tarball, '--no-audit', '--no-fund'], { timeout: 600_000 });
      const result = await runBin(join(prefix, 'bin', 'podwhy'), ['diagnose', '-f', fixture]);
      if (result.status !== 0) throw new Error(`npm install -g: podwhy diagnose exited ${result.status}: ${result.stderr}`);
      console.log(`npm install -g --prefix ${prefix}: podwhy diagnose ran [${seconds()}]`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) await main();
