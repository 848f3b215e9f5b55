import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatDiagnoses } from '../../src/cli/format.ts';
import { DEFAULT_LOG_LIMITS, toLogLines } from '../../src/cluster/collector.ts';
import { parseKubectlDump } from '../../src/cluster/kubectl-dump.ts';
import { buildSnapshots, classifyObjects } from '../../src/cluster/snapshot.ts';
import type { Diagnosis } from '../../src/contract/diagnosis.ts';
import { isRecord } from '../../src/contract/is-record.ts';
import type { PodSnapshot } from '../../src/contract/snapshot.ts';
import { diagnose, diagnoseAll } from '../../src/diagnosis/engine.ts';
import { FIXTURE_NOW, FIXTURE_ROOT, listFixtures, loadFixture } from '../support/fixtures.ts';

// Diagnoses are posted to chat and printed to terminals: they may cite env var NAMES, never their values
// (PLATFORM.md §5, §6 item 12). Logs reach the engine through the collector, which redacts them
// (src/cluster/collector.ts toLogLines → redactSecrets); the engine quotes what it is given.

/** Values that look like credentials, each in the form it would take in a Pod spec. */
const SECRET_ENV = [
  { name: 'SLACK_BOT_TOKEN', value: 'xoxb-2718281828-3141592653-AbCdEfGhIjKlMnOpQrStUvWx' },
  { name: 'AWS_ACCESS_KEY_ID', value: 'AKIAIOSFODNN7EXAMPLE' },
  { name: 'AWS_SECRET_ACCESS_KEY', value: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' },
  { name: 'DB_PASSWORD', value: 'hunter2-Pa55w0rd-db' },
  { name: 'APP_CONFIG', value: '{"password": "json-s3cret-value", "user": "app"}' },
  { name: 'DATABASE_URL', value: 'postgres://app:pg-s3cret-pw@db.shop.svc:5432/app' },
] as const;
/** A JVM option variable the OOM detector reads: its -X flags may be cited, its -D properties not. */
const JVM_SECRET = '-Djavax.net.ssl.keyStorePassword=keystore-s3cret';
const SECRET_VALUES = [...SECRET_ENV.map((e) => e.value), 'json-s3cret-value', 'pg-s3cret-pw', 'keystore-s3cret'];

interface EnvVar {
  name: string;
  value?: string;
}

interface ContainerLike {
  env?: EnvVar[];
}

/** Every container spec in the objects: Pods' and pod templates' (Deployments, ReplicaSets, Jobs, CronJobs). */
function containerSpecs(value: unknown, out: ContainerLike[] = []): ContainerLike[] {
  if (Array.isArray(value)) for (const item of value) containerSpecs(item, out);
  else if (isRecord(value)) {
    for (const [key, item] of Object.entries(value)) {
      if ((key === 'containers' || key === 'initContainers') && Array.isArray(item)) out.push(...item.filter(isRecord));
      else containerSpecs(item, out);
    }
  }
  return out;
}

function withSecretEnv(objects: Record<string, unknown>[]): Record<string, unknown>[] {
  const copy = structuredClone(objects);
  for (const container of containerSpecs(copy)) {
    const env = [...(container.env ?? [])];
    const jvm = env.find((e) => e.name === 'JAVA_TOOL_OPTIONS');
    if (jvm) jvm.value = `${jvm.value ?? ''} ${JVM_SECRET}`;
    else env.push({ name: 'JAVA_TOOL_OPTIONS', value: `-XX:+UseG1GC ${JVM_SECRET}` });
    container.env = [...env, ...SECRET_ENV];
  }
  return copy;
}

function rendered(diagnoses: readonly Diagnosis[]): string {
  return `${formatDiagnoses(diagnoses, 'text', { pods: 1, workloads: 0 })}\n${formatDiagnoses(diagnoses, 'json')}`;
}

function leakedSecrets(output: string): string[] {
  return SECRET_VALUES.filter((secret) => output.includes(secret));
}

const failing = listFixtures().filter((f) => f.expectedCause !== null);

describe('env values in diagnoses', () => {
  it.each(failing.map((f) => [f.path, f.expectedCause] as const))('%s: the diagnosis quotes no env value', (path, expected) => {
    const objects = withSecretEnv(parseKubectlDump(readFileSync(join(FIXTURE_ROOT, path), 'utf8')));

    const diagnoses = diagnoseAll(buildSnapshots(classifyObjects(objects), FIXTURE_NOW));

    expect(diagnoses.map((d) => d.cause)).toEqual([expected]);
    expect(leakedSecrets(rendered(diagnoses))).toEqual([]);
  });

  it('still cites the JVM heap flag and the variable it is set in', () => {
    const path = 'oom/container-limit/jvm-heap-over-limit.yaml';
    const objects = withSecretEnv(parseKubectlDump(readFileSync(join(FIXTURE_ROOT, path), 'utf8')));

    const [diagnosis] = diagnoseAll(buildSnapshots(classifyObjects(objects), FIXTURE_NOW));

    expect(diagnosis?.evidence).toContainEqual(
      expect.objectContaining({ kind: 'spec', field: 'spec.containers[api].env[JAVA_TOOL_OPTIONS]', value: '-Xmx1g -XX:+UseG1GC' }),
    );
  });
});

describe('log lines in diagnoses', () => {
  const path = 'container-exit/immediate/exit-1-config-error.yaml';
  const podSnapshot = () => {
    const snapshot = loadFixture(path).find((s): s is PodSnapshot => s.kind === 'Pod');
    if (!snapshot) throw new Error(`${path} holds no Pod`);
    return snapshot;
  };

  it.each([
    ['a Slack token', `Error: slack auth failed for token ${SECRET_ENV[0].value}`],
    ['an AWS access key', `FATAL could not assume role with key ${SECRET_ENV[1].value}`],
    ['a password assignment', `Error: connect failed: password=${SECRET_ENV[3].value} rejected`],
    ['a JSON password', `ERROR bad config ${SECRET_ENV[4].value}`],
    ['a bearer token', 'Error: upstream said 401 for Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhcHAifQ.c2lnbmF0dXJlLXNlY3JldA'],
  ])('quotes the crash log redacted when it holds %s', (_name, secretLine) => {
    const snapshot = podSnapshot();
    const container = snapshot.pod.spec.containers[0]!.name;
    const raw = ['starting app v1.4.2', 'loading /etc/app/config.yaml', secretLine].join('\n');
    snapshot.logs = [{ container, previous: true, lines: toLogLines(raw) }];

    const diagnosis = diagnose(snapshot);

    const log = diagnosis?.evidence.find((e) => e.kind === 'log');
    expect(log).toMatchObject({ kind: 'log', container, line: expect.stringContaining('[redacted]') });
    expect(leakedSecrets(rendered(diagnosis ? [diagnosis] : []))).toEqual([]);
    expect(rendered(diagnosis ? [diagnosis] : [])).not.toContain('c2lnbmF0dXJlLXNlY3JldA');
  });

  it('clips a 50 KB log line before it reaches the engine', () => {
    const lines = toLogLines(`Error: ${'x'.repeat(50 * 1024)}\n`);

    expect(lines).toHaveLength(1);
    expect(lines[0]!.length).toBeLessThanOrEqual(DEFAULT_LOG_LIMITS.maxLineLength + 1);
  });
});
