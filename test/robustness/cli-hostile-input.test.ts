import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.ts';
import { MAX_DUMP_CHARS, MAX_NESTING_DEPTH, parseKubectlDump } from '../../src/cluster/kubectl-dump.ts';
import { captureIo } from '../support/cli.ts';
import { FIXTURE_NOW, FIXTURE_ROOT } from '../support/fixtures.ts';
import { createRng } from '../../src/sim/kit/ids.ts';

// `podwhy diagnose` on input nobody should feed it (PLATFORM.md §6 item 12): it must answer with exit 0,
// or exit 2 and a one-line error, quickly, and never let an exception escape (exit 1) or hang.

interface Run {
  code: number;
  out: string;
  err: string;
  ms: number;
}

async function diagnose(stdin: string, args: string[] = []): Promise<Run> {
  const io = captureIo({ stdin });
  const started = performance.now();
  const code = await runCli(['diagnose', '-f', '-', '--now', FIXTURE_NOW, ...args], io);
  return { code, out: io.out, err: io.err, ms: performance.now() - started };
}

function fixtureText(path: string): string {
  return readFileSync(join(FIXTURE_ROOT, path), 'utf8');
}

function fixturePod(path: string): Record<string, unknown> {
  const pod = parseKubectlDump(fixtureText(path)).find((o) => o.kind === 'Pod');
  if (!pod) throw new Error(`${path} holds no Pod`);
  return pod;
}

/** A one-line `podwhy diagnose: …` message and nothing on stdout. */
function expectCleanRefusal(run: Run, message: RegExp): void {
  expect({ code: run.code, out: run.out, lines: run.err.trimEnd().split('\n').length }).toEqual({ code: 2, out: '', lines: 1 });
  expect(run.err).toMatch(/^podwhy diagnose: /);
  expect(run.err).toMatch(message);
}

const TERMINAL_ESCAPE = '\u001b]0;pwned\u0007\u001b[2J';

describe('podwhy diagnose on oversized input', () => {
  it('diagnoses a 20 MB JSON List of Pods in seconds', async () => {
    const templates = [
      fixturePod('oom/container-limit/jvm-heap-over-limit.yaml'),
      fixturePod('healthy/running-deployment-pod.yaml'),
      fixturePod('image-pull/not-found/containerd-wrong-tag.yaml'),
    ];
    const items: unknown[] = [];
    let bytes = 0;
    for (let i = 0; bytes < 20 * 2 ** 20; i++) {
      const pod = structuredClone(templates[i % templates.length]!) as { metadata: Record<string, unknown> };
      pod.metadata = { ...pod.metadata, name: `${String(pod.metadata.name)}-${i}`, uid: `uid-${i}` };
      const text = JSON.stringify(pod);
      bytes += text.length;
      items.push(pod);
    }
    const input = JSON.stringify({ apiVersion: 'v1', kind: 'List', items });
    const rssBefore = process.memoryUsage().rss;

    const run = await diagnose(input, ['-o', 'json']);

    expect(run.code).toBe(0);
    const diagnoses = (JSON.parse(run.out) as { diagnoses: { cause: string }[] }).diagnoses;
    expect(diagnoses).toHaveLength(items.filter((_, i) => i % templates.length !== 1).length);
    expect(new Set(diagnoses.map((d) => d.cause))).toEqual(new Set(['oom.container-limit', 'image-pull.not-found']));
    expect(run.ms).toBeLessThan(20_000);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(1.5 * 2 ** 30);
  }, 60_000);

  it('answers a Pod with 200 containers and a 50 KB event message with bounded text', async () => {
    const pod = fixturePod('oom/container-limit/jvm-heap-over-limit.yaml') as { spec: { containers: { name: string }[] }; status: { containerStatuses: { name: string }[] } };
    const [container] = pod.spec.containers;
    const [status] = pod.status.containerStatuses;
    pod.spec.containers = Array.from({ length: 200 }, (_, i) => ({ ...container!, name: `api-${i}` }));
    pod.status.containerStatuses = Array.from({ length: 200 }, (_, i) => ({ ...status!, name: `api-${i}` }));
    const event = {
      apiVersion: 'v1', kind: 'Event', metadata: { name: 'e', namespace: 'shop' },
      involvedObject: { kind: 'Pod', name: (pod as unknown as { metadata: { name: string } }).metadata.name, namespace: 'shop' },
      reason: 'BackOff', type: 'Warning', count: 3, lastTimestamp: '2026-11-20T11:59:00Z',
      message: `Back-off restarting failed container api-0 in pod x ${'y'.repeat(50 * 1024)}`,
    };

    const run = await diagnose(JSON.stringify({ kind: 'List', items: [pod, event] }));

    expect(run.code).toBe(0);
    expect(run.out).toContain('oom.container-limit');
    expect(Math.max(...run.out.split('\n').map((line) => line.length))).toBeLessThanOrEqual(2_000);
    expect(run.ms).toBeLessThan(5_000);
  });
});

describe('podwhy diagnose on hostile input', () => {
  const depth = 10_000;

  it.each([
    ['arrays nested 10,000 deep (JSON)', '['.repeat(depth) + ']'.repeat(depth)],
    ['objects nested 10,000 deep (JSON)', '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)],
    ['a Pod with a field nested 10,000 deep (JSON)', `{"kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"c"}],"x":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}}`],
    ['flow sequences nested 10,000 deep (YAML)', `kind: Pod\nmetadata: {name: p}\nx: ${'['.repeat(depth)}${']'.repeat(depth)}\n`],
    ['block mappings nested 2,000 deep (YAML)', `${Array.from({ length: 2_000 }, (_, i) => `${' '.repeat(i)}a:`).join('\n')} 1\n`],
  ])('refuses %s with exit 2 instead of overflowing the stack', async (_name, input) => {
    const run = await diagnose(input);

    expectCleanRefusal(run, /nests (deeper than|too deeply)/);
    expect(run.ms).toBeLessThan(5_000);
  });

  it('refuses 20 MB of nested arrays while scanning, before any parser builds them: fast, in bounded memory', async () => {
    const half = 10 * 2 ** 20;
    const input = '['.repeat(half) + ']'.repeat(half);
    const rssBefore = process.memoryUsage().rss;

    const run = await diagnose(input);

    expectCleanRefusal(run, /^podwhy diagnose: input nests deeper than 256 levels; no Kubernetes object does$/m);
    // Parsing first took 8.5 s and 1.1 GB here.
    expect(run.ms).toBeLessThan(1_500);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(200 * 2 ** 20);
  });

  it('refuses a file larger than the limit without reading it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'podwhy-big-dump-'));
    const file = join(dir, 'huge.json');
    // Sparse: the size is there, the disk blocks are not.
    writeFileSync(file, '');
    truncateSync(file, MAX_DUMP_CHARS + 1);
    const io = captureIo();
    const started = performance.now();

    const code = await runCli(['diagnose', '-f', file], io);

    rmSync(dir, { recursive: true, force: true });
    expect(code).toBe(2);
    expect(io.err).toMatch(/^podwhy diagnose: input is larger than 256 MB; diagnose one namespace or a few objects at a time\n$/);
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('accepts nesting up to the limit of what a Kubernetes object could need', async () => {
    const deep = `${'{"a":'.repeat(MAX_NESTING_DEPTH - 4)}1${'}'.repeat(MAX_NESTING_DEPTH - 4)}`;

    const run = await diagnose(`{"kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"c"}]},"x":${deep}}`);

    expect(run.code).toBe(0);
  });

  it('refuses a YAML "billion laughs" alias bomb quickly', async () => {
    const levels = ['l0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
    for (let i = 1; i < 10; i++) levels.push(`l${i}: &a${i} [${Array.from({ length: 10 }, () => `*a${i - 1}`).join(', ')}]`);
    const bomb = `apiVersion: v1\nkind: Pod\nmetadata: {name: laughs, namespace: default}\nspec:\n  containers: [{name: c}]\n${levels.join('\n')}\n`;

    const run = await diagnose(bomb);

    expectCleanRefusal(run, /YAML aliases expand beyond 100 references/);
    expect(run.ms).toBeLessThan(2_000);
  });

  it('still reads YAML that uses a few anchors and aliases', async () => {
    const yaml = 'kind: Pod\nmetadata: {name: p, namespace: default, labels: &l {app: web}}\nspec:\n  nodeSelector: *l\n  containers: [{name: c}]\nstatus: {phase: Running}\n';

    const run = await diagnose(yaml);

    expect(run).toMatchObject({ code: 0, err: '', out: 'No problems found in 1 Pod.\n' });
  });

  it.each([
    ['bytes with NULs', (bytes: Buffer) => bytes, /NUL characters/],
    ['bytes without NULs', (bytes: Buffer) => bytes.map((b) => (b === 0 ? 1 : b)), /^podwhy diagnose: (no Kubernetes objects|invalid (YAML|JSON))/],
    ['JSON-looking garbage', (bytes: Buffer) => Buffer.concat([Buffer.from('{"kind":'), bytes.map((b) => (b === 0 ? 1 : b))]), /^podwhy diagnose: invalid JSON/],
  ])('refuses binary garbage (%s) with a one-line error', async (_name, shape, message) => {
    const random = createRng(1337).next;
    const bytes = shape(Buffer.from(Array.from({ length: 64 * 1024 }, () => Math.floor(random() * 256))));

    const run = await diagnose(bytes.toString('utf8'));

    expectCleanRefusal(run, message);
    // eslint-disable-next-line no-control-regex -- the error must not carry the garbage's control characters
    expect(run.err.trimEnd()).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
  });

  it.each([
    ['UTF-16LE', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(fixtureText('healthy/running-deployment-pod.yaml'), 'utf16le')])],
    ['UTF-16BE', Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(fixtureText('healthy/running-deployment-pod.yaml'), 'utf16le').swap16()])],
  ])('names a %s file (what PowerShell ">" writes) as the problem', async (_name, bytes) => {
    const run = await diagnose(bytes.toString('utf8'));

    expectCleanRefusal(run, /UTF-16/);
  });

  it('reads a UTF-8 file that starts with a byte-order mark', async () => {
    const run = await diagnose(`\ufeff${fixtureText('healthy/running-deployment-pod.yaml')}`);

    expect(run.code).toBe(0);
    expect(run.out).toMatch(/^No problems found/);
  });

  it.each([
    ['an empty List', '{"apiVersion":"v1","kind":"List","items":[]}', /no Kubernetes objects found/],
    ['objects with kind but no metadata', '{"kind":"Pod","spec":{}}\n{"kind":"Event","reason":"x"}', /no Kubernetes objects found/],
    ['metadata that is null, a list or a string', '[{"kind":"Pod","metadata":null},{"kind":"Pod","metadata":[]},{"kind":"Pod","metadata":"x"}]', /no Kubernetes objects found/],
    ['a Pod without a name', '{"kind":"Pod","metadata":{"namespace":"default"},"spec":{"containers":[]}}', /no Kubernetes objects podwhy reads/],
    ['a JSON string', '"kind: Pod"', /no Kubernetes objects found/],
    ['only whitespace', ' \n\t\r\n ', /input is empty/],
    ['JSON whose error would quote a terminal escape', `{"kind":"Pod",\n${TERMINAL_ESCAPE}}`, /invalid JSON/],
  ])('refuses %s with exit 2 and one line', async (_name, input, message) => {
    const run = await diagnose(input);

    expectCleanRefusal(run, message);
    expect(run.err).not.toContain('\u001b');
  });

  it('drops YAML .nan and .inf numbers instead of printing NaN or Infinity', async () => {
    const yaml = fixtureText('oom/container-limit/jvm-heap-over-limit.yaml')
      .replace('restartCount: 5', 'restartCount: .nan')
      .replace('exitCode: 137', 'exitCode: .inf');

    const text = await diagnose(yaml);
    const json = await diagnose(yaml, ['-o', 'json']);

    expect([text.code, json.code]).toEqual([0, 0]);
    expect(`${text.out}${json.out}`).not.toMatch(/NaN|Infinity|undefined/);
  });

  it('keeps fields of the wrong type away from the detectors', async () => {
    const pod = {
      kind: 'Pod',
      metadata: { name: 'odd', namespace: 'default', ownerReferences: 'not-a-list', labels: ['x'] },
      spec: { containers: 'app', initContainers: [null, 7, { image: 'no-name' }], volumes: { a: 1 } },
      status: { phase: 'Running', containerStatuses: [{ name: 'app', restartCount: '5', state: { terminated: { exitCode: '137' } } }], conditions: [null] },
    };

    const run = await diagnose(JSON.stringify(pod), ['-o', 'json']);

    expect(run).toMatchObject({ code: 0, err: '' });
    expect(JSON.parse(run.out)).toEqual({ diagnoses: [] });
  });

  it('does not let __proto__ keys reach the engine objects', async () => {
    const input = '{"kind":"Pod","metadata":{"name":"p","namespace":"default","__proto__":{"deletionTimestamp":"2026-11-20T10:00:00Z","finalizers":["x"]}},"spec":{"containers":[{"name":"c"}]},"status":{"phase":"Running"}}';

    const run = await diagnose(input, ['-o', 'json']);

    expect(run.code).toBe(0);
    expect(JSON.parse(run.out)).toEqual({ diagnoses: [] });
    expect(({} as Record<string, unknown>).finalizers).toBeUndefined();
  });

  it('prints cluster strings with terminal escapes and bidi overrides neutralized', async () => {
    const yaml = fixtureText('oom/container-limit/jvm-heap-over-limit.yaml').replace(
      'name: orders-api-6b8f7c9d4-k2m7p\n',
      // YAML double-quoted escapes: \u202E (RTL override), \e (ESC), \a (BEL).
      'name: "orders-api-\\u202Egnp.exe\\u202C-\\e]0;pwned\\a\\e[2J"\n',
    );

    const run = await diagnose(yaml);

    expect(run.code).toBe(0);
    expect(run.out).toContain('oom.container-limit');
    expect(run.out).toContain('Pod shop/orders-api-\uFFFDgnp.exe\uFFFD-\uFFFD]0;pwned\uFFFD\uFFFD[2J');
    // eslint-disable-next-line no-control-regex -- no control character may reach the terminal
    expect(run.out).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
  });
});
