/**
 * deploy/Dockerfile's steps without a container engine (none runs where podwhy is developed and tested): each
 * stage's filesystem is a directory, COPY takes from a build context filtered by .dockerignore (or from an earlier
 * stage), RUN runs in the stage's WORKDIR with its ENV, and the image's ENTRYPOINT + arguments run at the end.
 * What it cannot check is the base image itself (its Node and user 1000); everything the Dockerfile adds, it does.
 *
 *   node bench/dockerfile-steps.ts     about a minute: two `npm ci` from the npm cache (offline) and a tsc build
 *
 * npm runs offline against a copy of the npm cache, since the final stage's `npm cache clean --force` would
 * otherwise empty the real one. test/deploy/dockerfile.test.ts checks the same parse and context quickly.
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, normalize, relative } from 'node:path';
import { promisify } from 'node:util';
import { NODE24_BIN, REPO } from './package-install.ts';

const run = promisify(execFile);

export type Instruction =
  | { kind: 'FROM'; image: string; name: string | undefined }
  | { kind: 'WORKDIR'; path: string }
  | { kind: 'COPY'; from: string | undefined; sources: string[]; destination: string }
  | { kind: 'RUN'; command: string }
  | { kind: 'ENV'; name: string; value: string }
  | { kind: 'ENTRYPOINT'; argv: string[] }
  | { kind: 'CMD'; argv: string[] }
  | { kind: 'USER'; text: string }
  | { kind: 'EXPOSE'; text: string };

/** The instructions of a Dockerfile, continuation lines joined and comments dropped. */
export function parseDockerfile(text: string): Instruction[] {
  const logical = text.replace(/\\\n/g, ' ').split('\n').map((line) => line.trim()).filter((line) => line !== '' && !line.startsWith('#'));
  return logical.map((line): Instruction => {
    const [keyword = '', ...rest] = line.split(/\s+/);
    const args = line.slice(keyword.length).trim();
    switch (keyword.toUpperCase()) {
      case 'FROM':
        return { kind: 'FROM', image: rest[0]!, name: /^as$/i.test(rest[1] ?? '') ? rest[2] : undefined };
      case 'WORKDIR':
        return { kind: 'WORKDIR', path: args };
      case 'COPY': {
        const from = rest.find((word) => word.startsWith('--from='))?.slice('--from='.length);
        const paths = rest.filter((word) => !word.startsWith('--'));
        return { kind: 'COPY', from, sources: paths.slice(0, -1), destination: paths.at(-1)! };
      }
      case 'RUN':
        return { kind: 'RUN', command: args };
      case 'ENV': {
        const [name = '', ...value] = args.split('=');
        return { kind: 'ENV', name, value: value.join('=') };
      }
      case 'ENTRYPOINT':
        return { kind: 'ENTRYPOINT', argv: JSON.parse(args) as string[] };
      case 'CMD':
        return { kind: 'CMD', argv: JSON.parse(args) as string[] };
      case 'USER':
        return { kind: 'USER', text: args };
      case 'EXPOSE':
        return { kind: 'EXPOSE', text: args };
      default:
        throw new Error(`Dockerfile instruction this runner does not know: ${line}`);
    }
  });
}

/**
 * Whether .dockerignore keeps `path` (relative to the context) out: the last pattern that matches the path or one
 * of its parent directories decides, `!` patterns admit. Docker's rules, minus its escape characters (unused).
 */
export function dockerIgnores(patterns: string[], path: string): boolean {
  const parts = path.split('/');
  const prefixes = parts.map((_, index) => parts.slice(0, index + 1).join('/'));
  let ignored = false;
  for (const raw of patterns) {
    const admit = raw.startsWith('!');
    const pattern = normalize(admit ? raw.slice(1) : raw).replace(/\/$/, '');
    const matcher = globRegExp(pattern);
    if (prefixes.some((prefix) => matcher.test(prefix))) ignored = !admit;
  }
  return ignored;
}

/**
 * Docker's pattern syntax (Go's filepath.Match plus `**`) as a RegExp. Not path.matchesGlob: its `*` skips names
 * that start with a dot, Docker's does not (`*` must keep `.git` and `.env` out).
 */
function globRegExp(pattern: string): RegExp {
  const source = pattern
    .split(/(\*\*\/?|\*|\?)/)
    .map((part) => (part.startsWith('**') ? '(?:.*/)?' + (part.endsWith('/') ? '' : '.*') : part === '*' ? '[^/]*' : part === '?' ? '[^/]' : part.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`);
}

export function readDockerignore(text: string): string[] {
  return text.split('\n').map((line) => line.trim()).filter((line) => line !== '' && !line.startsWith('#'));
}

/** Every file of the checkout that .dockerignore lets into the build context (node_modules and .git never looked into). */
export function buildContext(root: string, patterns: string[]): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
      const path = dir === '' ? entry.name : `${dir}/${entry.name}`;
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules' && entry.name !== '.git') walk(path);
      } else if (!dockerIgnores(patterns, path)) {
        files.push(path);
      }
    }
  };
  walk('');
  return files;
}

/**
 * A private npm cache for the steps: the index copied (npm appends to it), the content hard-linked (written once
 * under its hash, never changed), so neither npm ci nor `npm cache clean --force` touches the real cache.
 */
async function privateNpmCache(dir: string): Promise<string> {
  const source = join(process.env.npm_config_cache ?? join(homedir(), '.npm'), '_cacache');
  const cache = join(dir, 'npm-cache');
  mkdirSync(join(cache, '_cacache'), { recursive: true });
  cpSync(join(source, 'index-v5'), join(cache, '_cacache', 'index-v5'), { recursive: true });
  await run('cp', ['-al', join(source, 'content-v2'), join(cache, '_cacache', 'content-v2')]);
  return cache;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'podwhy-dockerfile-'));
  const started = performance.now();
  const log = (text: string) => console.log(`[${((performance.now() - started) / 1000).toFixed(1)} s] ${text}`);
  try {
    const instructions = parseDockerfile(readFileSync(join(REPO, 'deploy', 'Dockerfile'), 'utf8'));
    const patterns = readDockerignore(readFileSync(join(REPO, '.dockerignore'), 'utf8'));
    const context = join(dir, 'context');
    const contextFiles = buildContext(REPO, patterns);
    for (const file of contextFiles) {
      mkdirSync(dirname(join(context, file)), { recursive: true });
      cpSync(join(REPO, file), join(context, file));
    }
    log(`build context: ${contextFiles.length} files`);
    const cache = await privateNpmCache(dir);
    const stages = new Map<string, string>();
    let root = '';
    let workdir = '/';
    let env: Record<string, string> = {};
    let entrypoint: string[] = [];
    let cmd: string[] = [];
    const inStage = (path: string) => join(root, path.startsWith('/') ? path : join(workdir, path));
    for (const [index, instruction] of instructions.entries()) {
      switch (instruction.kind) {
        case 'FROM':
          root = join(dir, `stage-${index}`);
          mkdirSync(root, { recursive: true });
          if (instruction.name) stages.set(instruction.name, root);
          [workdir, env, entrypoint, cmd] = ['/', {}, [], []];
          break;
        case 'WORKDIR':
          workdir = instruction.path;
          mkdirSync(inStage('.'), { recursive: true });
          break;
        case 'COPY':
          for (const source of instruction.sources) {
            const from = instruction.from ? join(stages.get(instruction.from) ?? '', source) : join(context, source);
            if (!existsSync(from)) throw new Error(`COPY ${source}: not in the ${instruction.from ? `stage ${instruction.from}` : 'build context (.dockerignore?)'}`);
            const to = instruction.destination.endsWith('/') && !lstatSync(from).isDirectory() ? join(inStage(instruction.destination), source.split('/').at(-1)!) : inStage(instruction.destination);
            cpSync(from, to, { recursive: true });
          }
          break;
        case 'RUN':
          log(`RUN ${instruction.command}`);
          await run('/bin/sh', ['-c', instruction.command], {
            cwd: inStage('.'),
            env: { ...process.env, ...env, PATH: `${NODE24_BIN}:${process.env.PATH ?? ''}`, npm_config_cache: cache, npm_config_offline: 'true' },
            maxBuffer: 64 * 1024 * 1024,
          });
          break;
        case 'ENV':
          env[instruction.name] = instruction.value;
          break;
        case 'ENTRYPOINT':
          entrypoint = instruction.argv;
          break;
        case 'CMD':
          cmd = instruction.argv;
          break;
        default:
          break;
      }
    }
    const image = inStage('.');
    log(`image /app: ${readdirSync(image).join(', ')}; ${readdirSync(join(image, 'node_modules')).length} entries in node_modules`);
    const fixture = join(REPO, 'test', 'fixtures', 'k8s', 'container-create', 'bad-command', 'containerd-empty-command.yaml');
    for (const args of [['--version'], ['diagnose', '-f', fixture], cmd.concat('--help')]) {
      const [program = '', ...rest] = [...entrypoint, ...args];
      const { stdout, stderr } = await run(program === 'node' ? join(NODE24_BIN, 'node') : program, rest, { cwd: image, env: { ...process.env, ...env } });
      log(`ENTRYPOINT ${args.join(' ')}:\n${stdout.trimEnd()}${stderr ? `\n(stderr) ${stderr.trimEnd()}` : ''}`);
    }
    const sources = [...readdirSync(image, { recursive: true, encoding: 'utf8' })].filter((path) => !path.startsWith('node_modules') && /\.ts$|(^|\/)test\//.test(path));
    if (sources.length > 0) throw new Error(`the image holds sources or tests: ${sources.join(', ')}`);
    log(`nothing but dist/, package.json, package-lock.json and node_modules: ${relative(dir, image)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) await main();
