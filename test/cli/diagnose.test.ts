import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.ts';
import { ALL_CAUSE_IDS } from '../../src/contract/scenarios.ts';
import { captureIo } from '../support/cli.ts';
import { FIXTURE_NOW, FIXTURE_ROOT, listFixtures } from '../support/fixtures.ts';

const REPO = join(import.meta.dirname, '..', '..');
const failing = listFixtures().filter((f) => f.expectedCause !== null);
const healthyPod = { path: 'healthy/running-deployment-pod.yaml' };
const sample = failing[0];
const fixturePath = (path: string) => join(FIXTURE_ROOT, path);

describe('podwhy diagnose', () => {
  it.skipIf(!sample)('prints exactly the JSON contract for a failing fixture', async () => {
    const io = captureIo();

    const code = await runCli(['diagnose', '-f', fixturePath(sample!.path), '-o', 'json', '--now', FIXTURE_NOW], io);

    expect(code).toBe(0);
    const output = JSON.parse(io.out) as { diagnoses: Record<string, unknown>[] };
    expect(Object.keys(output)).toEqual(['diagnoses']);
    const [first] = output.diagnoses;
    expect(Object.keys(first!)).toEqual(['subject', 'scenario', 'cause', 'otherCauses', 'summary', 'evidence', 'remediation', 'actions']);
    expect(Object.keys(first!.subject as object)).toEqual(['kind', 'namespace', 'name', 'uid']);
    expect(first!.cause).toBe(sample!.expectedCause);
    expect(String(first!.cause).startsWith(`${String(first!.scenario)}.`)).toBe(true);
    for (const other of first!.otherCauses as string[]) expect(ALL_CAUSE_IDS).toContain(other);
  });

  it.skipIf(!sample)('prints readable text with the cause, the summary and the evidence', async () => {
    const io = captureIo();

    const code = await runCli(['diagnose', '-f', fixturePath(sample!.path), '--now', FIXTURE_NOW], io);

    expect(code).toBe(0);
    expect(io.out).toContain(sample!.expectedCause!);
    expect(io.out).toContain('Evidence:');
    expect(io.out).toContain('What to do:');
  });

  it('reads standard input with -f - and says when nothing is wrong', async () => {
    const io = captureIo({ stdin: readFileSync(fixturePath(healthyPod.path), 'utf8') });

    const code = await runCli(['diagnose', '-f', '-', '--now', FIXTURE_NOW], io);

    expect(code).toBe(0);
    expect(io.out).toMatch(/^No problems found in \d+ Pods?/);
  });

  it('reads a JSON List the way kubectl prints it, items without kind included', async () => {
    const list = {
      apiVersion: 'v1',
      kind: 'PodList',
      items: [{ metadata: { name: 'lonely', namespace: 'default', uid: 'u1' }, spec: { containers: [{ name: 'c' }] }, status: { phase: 'Running' } }],
    };
    const io = captureIo({ stdin: JSON.stringify(list) });

    const code = await runCli(['diagnose', '-f', '-', '-o', 'json'], io);

    expect(code).toBe(0);
    expect(JSON.parse(io.out)).toEqual({ diagnoses: [] });
  });

  it.each([
    ['bad JSON', ['-f', '-'], '{"kind": "Pod", ', /invalid JSON/],
    ['bad YAML', ['-f', '-'], 'kind: Pod\n  metadata: [\n', /invalid YAML/],
    ['no Kubernetes objects', ['-f', '-'], '{"hello": "world"}', /no Kubernetes objects/],
    ['an unknown option', ['-f', '-', '--colour'], '', /unknown option --colour \(podwhy diagnose --help lists the options\)/],
    ['an unknown output format', ['-f', '-', '-o', 'xml'], '', /unknown output format "xml"/],
    ['a bad --now', ['-f', '-', '--now', 'yesterday'], '', /--now "yesterday" is not an ISO-8601 time/],
    ['a missing file', ['-f', '/nonexistent/dump.json'], '', /no such file: \/nonexistent\/dump.json/],
    ['a missing -f', [], '', /missing -f FILE/],
  ])('exits 2 with a one-line error on %s', async (_name, args, stdin, message) => {
    const io = captureIo({ stdin });

    const code = await runCli(['diagnose', ...args], io);

    expect(code).toBe(2);
    expect(io.out).toBe('');
    expect(io.err.split('\n')[0]).toMatch(message);
  });

  it('says which Pods exist when --pod names none of them', async () => {
    const io = captureIo();

    const code = await runCli(['diagnose', '-f', fixturePath(healthyPod.path), '--pod', 'nope'], io);

    expect(code).toBe(2);
    expect(io.err).toMatch(/no Pod named nope in the input \(Pods in it: /);
  });

  it('runs as ./bin/podwhy from the repository root on Node 24', async () => {
    const run = promisify(execFile);

    const { stdout } = await run(join(REPO, 'bin', 'podwhy'), ['diagnose', '-f', fixturePath(healthyPod.path), '-o', 'json'], { cwd: REPO });

    expect(JSON.parse(stdout)).toEqual({ diagnoses: [] });
  });
});

describe('podwhy diagnose: what the dump lacks', () => {
  const PATH = 'container-create/bad-command/containerd-empty-command.yaml';

  it('says after the answer that the dump holds no Events and no Nodes, and how to export them', async () => {
    const io = captureIo();

    const code = await runCli(['diagnose', '-f', fixturePath(PATH), '--now', FIXTURE_NOW], io);

    expect(code).toBe(0);
    expect(io.out).toContain('container-create.bad-command');
    expect(io.out.trimEnd().split('\n').at(-1)).toBe(
      'Note: the input holds no Events and no Nodes, so what only they record (probe kills, image pull errors, mount failures, scheduling reasons, system OOM kills; a lost or NotReady node, node pressure) cannot be seen. Export them with the Pods: kubectl get pods,events,nodes -n jobs -o json > dump.json',
    );
  });

  it('keeps the JSON on stdout bare and puts the note on stderr', async () => {
    const io = captureIo();

    await runCli(['diagnose', '-f', fixturePath(PATH), '-o', 'json', '--now', FIXTURE_NOW], io);

    expect(Object.keys(JSON.parse(io.out))).toEqual(['diagnoses']);
    expect(io.err).toMatch(/^Note: the input holds no Events and no Nodes/);
  });

  it('says nothing about a healthy Pod', async () => {
    const io = captureIo({ stdin: readFileSync(fixturePath(healthyPod.path), 'utf8') });

    await runCli(['diagnose', '-f', '-', '--now', FIXTURE_NOW], io);

    expect(io.out).not.toContain('Note:');
  });
});
