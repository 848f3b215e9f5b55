/**
 * deploy/Dockerfile and .dockerignore, without a container engine (none runs here): the build context holds what
 * the COPY lines need and no secret, test or checkout state; the image's ENTRYPOINT is the file the build writes.
 * `node bench/dockerfile-steps.ts` runs the steps themselves (npm ci, the build, the ENTRYPOINT).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildContext, dockerIgnores, parseDockerfile, readDockerignore, type Instruction } from '../../bench/dockerfile-steps.ts';

const REPO = join(import.meta.dirname, '..', '..');
const instructions = parseDockerfile(readFileSync(join(REPO, 'deploy', 'Dockerfile'), 'utf8'));
const patterns = readDockerignore(readFileSync(join(REPO, '.dockerignore'), 'utf8'));
const stages = instructions.reduce<Instruction[][]>((all, instruction) => (instruction.kind === 'FROM' ? [...all, [instruction]] : (all.at(-1)?.push(instruction), all)), []);
const runtime = stages.at(-1) ?? [];
const find = <K extends Instruction['kind']>(stage: Instruction[], kind: K) => stage.filter((instruction): instruction is Extract<Instruction, { kind: K }> => instruction.kind === kind);

describe('.dockerignore', () => {
  it('keeps out .git, node_modules, tests, fixtures, docs, a .env, a kubeconfig and logs', () => {
    const outside = ['.git/config', 'node_modules/zod/package.json', 'test/config.test.ts', 'test/fixtures/k8s/x.yaml', 'docs/install.md', '.env', 'src/.env.local', 'kubeconfig', 'deploy/kubernetes/slack-secret.yaml', 'npm-debug.log', 'dist/src/cli/main.js', 'src/demo/demo.ts', 'src/slack-emulator/server.ts'];

    expect(outside.filter((path) => !dockerIgnores(patterns, path))).toEqual([]);
  });

  it('lets in every file the Dockerfile copies from the context, and only those', () => {
    const copied = instructions.flatMap((instruction) => (instruction.kind === 'COPY' && !instruction.from ? instruction.sources : []));

    const context = buildContext(REPO, patterns);

    expect(copied.filter((source) => !context.some((file) => file === source || file.startsWith(`${source}/`)))).toEqual([]);
    expect(context.filter((file) => !copied.some((source) => file === source || file.startsWith(`${source}/`)))).toEqual([]);
    expect(context).toEqual(expect.arrayContaining(['src/cli/main.ts', 'handlers/index.ts', 'tsconfig.build.json']));
  });
});

describe('deploy/Dockerfile', () => {
  it('builds with npm run build and ships only dist/ and the production dependencies', () => {
    const build = stages[0] ?? [];

    expect(stages).toHaveLength(2);
    expect(find(build, 'RUN').map((step) => step.command)).toContain('npm run build');
    expect(find(runtime, 'RUN').map((step) => step.command)).toEqual(['npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force']);
    expect(find(runtime, 'COPY').map((step) => [step.from, ...step.sources])).toEqual([[undefined, 'package.json', 'package-lock.json'], ['build', '/build/dist']]);
  });

  it('starts the file the build writes, with the package.json the CLI reads its version from three levels up', () => {
    const tsconfig = readFileSync(join(REPO, 'tsconfig.build.json'), 'utf8');
    const [entrypoint] = find(runtime, 'ENTRYPOINT');

    expect(tsconfig).toMatch(/"outDir": "dist"/);
    expect(tsconfig).toMatch(/"rootDir": "\."/);
    expect(entrypoint?.argv.at(-1)).toBe('dist/src/cli/main.js');
    expect(find(runtime, 'WORKDIR').map((step) => step.path)).toEqual(['/app']);
    expect(find(runtime, 'USER').map((step) => step.text)).toEqual(['1000:1000']);
  });

  it('pins the base image to the Node that package-lock.json pins for development', () => {
    const lock = JSON.parse(readFileSync(join(REPO, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string }> };
    const images = find(instructions, 'FROM').map((step) => step.image);

    expect(new Set(images)).toEqual(new Set([`node:${lock.packages['node_modules/node']?.version ?? '?'}-bookworm-slim`]));
  });
});
