import { describe, expect, it } from 'vitest';
import { DEFAULT_ENGINE_SETTINGS } from '../../../src/contract/settings.ts';
import { diagnose } from '../../../src/diagnosis/engine.ts';
import { oom } from '../../../src/diagnosis/scenarios/oom.ts';
import { jvmHeap } from '../../../src/diagnosis/scenarios/oom-jvm.ts';
import { containerStatus, podSnapshot } from '../../support/fixtures.ts';

const JVM = 'oom/container-limit/jvm-heap-over-limit.yaml';
const STATEFULSET = 'oom/container-limit/statefulset-limit-running-again.yaml';
const JOB = 'oom/container-limit/job-pod-oomkilled.yaml';
const SYSTEM_OOM = 'oom/node-pressure/system-oom-no-limit.yaml';
const OVERCOMMIT = 'oom/node-pressure/burstable-overcommit.yaml';
const GiB = 2 ** 30;
const MiB = 2 ** 20;

describe('oom detector', () => {
  it.each([
    [JVM, 'container-limit', /OOMKilled \(exit 137\) after 52s at its 768Mi memory limit: the JVM heap is 1Gi \(-Xmx1g\)/],
    [STATEFULSET, 'container-limit', /consumer of Pod ingest-0 was OOMKilled \(exit 137\) after 4m at its 256Mi memory limit; 7 restarts/],
    [JOB, 'container-limit', /report of Pod report-20261120-7xk2q was OOMKilled \(exit 137\) after 6m at its 1Gi memory limit/],
    [SYSTEM_OOM, 'node-pressure', /node node-d ran out of memory \(the kubelet reported a system OOM, victim process python3; the node reports MemoryPressure=True\) — it has no memory limit/],
    [OVERCOMMIT, 'node-pressure', /node node-e ran out of memory \(the kubelet reported a system OOM, victim process java\) — not its own 4Gi limit/],
  ] as const)('%s is oom.%s', (path, cause, summary) => {
    const snapshot = podSnapshot(path);

    const finding = oom.detect(snapshot, DEFAULT_ENGINE_SETTINGS);

    expect(finding).toMatchObject({ scenario: 'oom', cause, otherCauses: [] });
    expect(finding?.summary).toMatch(summary);
    expect(finding?.evidence).toContainEqual(expect.objectContaining({ kind: 'exit-code', exitCode: 137, reason: 'OOMKilled' }));
  });

  it('names the JVM option, where it is set, and the numbers when the heap is larger than the limit', () => {
    const snapshot = podSnapshot(JVM);

    const finding = oom.detect(snapshot, DEFAULT_ENGINE_SETTINGS);

    expect(finding?.evidence).toContainEqual({
      kind: 'spec',
      field: 'spec.containers[api].env[JAVA_TOOL_OPTIONS]',
      value: '-Xmx1g -XX:+UseG1GC',
      note: '-Xmx1g gives a 1Gi heap, ≥ the 768Mi limit on its own',
    });
    expect(finding?.remediation[0]?.text).toContain('replace -Xmx1g in spec.containers[api].env[JAVA_TOOL_OPTIONS] with -XX:MaxRAMPercentage=75');
    expect(finding?.remediation).toContainEqual(
      expect.objectContaining({ command: 'kubectl -n shop set resources deployment/orders-api -c api --limits=memory=1152Mi' }),
    );
  });

  it('flags a MaxRAMPercentage heap whose typical non-heap overhead pushes it over the limit', () => {
    const snapshot = podSnapshot(STATEFULSET);
    const container = snapshot.pod.spec.containers[0];
    if (!container?.resources?.limits) throw new Error('fixture changed');
    container.resources.limits.memory = '1Gi';
    container.command = ['java', '-XX:MaxRAMPercentage=90', '-jar', '/app/consumer.jar'];

    const finding = oom.detect(snapshot, DEFAULT_ENGINE_SETTINGS);

    expect(finding).toMatchObject({ cause: 'container-limit' });
    expect(finding?.evidence).toContainEqual(
      expect.objectContaining({ kind: 'spec', field: 'spec.containers[consumer].command', note: expect.stringContaining('-XX:MaxRAMPercentage=90 gives a 921.6Mi heap') }),
    );
  });

  it('uses the SystemOOM event and MemoryPressure as node evidence', () => {
    const snapshot = podSnapshot(SYSTEM_OOM);

    const finding = oom.detect(snapshot, DEFAULT_ENGINE_SETTINGS);

    expect(finding?.evidence).toContainEqual(
      expect.objectContaining({ kind: 'event', object: 'Node/node-d', reason: 'SystemOOM', message: 'System OOM encountered, victim process: python3, pid: 48213', count: 1 }),
    );
    expect(finding?.evidence).toContainEqual({ kind: 'node', node: 'node-d', detail: 'MemoryPressure=True (KubeletHasInsufficientMemory): kubelet has insufficient memory available' });
    expect(finding?.evidence).toContainEqual(expect.objectContaining({ kind: 'spec', field: 'spec.containers[runner].resources.limits.memory', value: 'not set' }));
  });

  it('points at the request below the limit when a Burstable container is killed by a node OOM', () => {
    const snapshot = podSnapshot(OVERCOMMIT);

    const finding = oom.detect(snapshot, DEFAULT_ENGINE_SETTINGS);

    expect(finding?.evidence).toContainEqual(
      expect.objectContaining({ kind: 'spec', field: 'spec.containers[indexer].resources.requests.memory', value: '512Mi', note: expect.stringContaining('reserves only 512Mi') }),
    );
    expect(finding?.remediation[0]).toEqual({
      text: expect.stringContaining('requests.memory equal to its limit (4Gi)'),
      command: 'kubectl -n search set resources deployment/search-indexer -c indexer --requests=memory=4Gi',
    });
    expect(finding?.evidence.some((e) => e.kind === 'spec' && e.field.includes('JAVA_TOOL_OPTIONS'))).toBe(false);
  });

  it('ignores a SystemOOM on the node long before the container died', () => {
    const snapshot = podSnapshot(OVERCOMMIT);
    const event = snapshot.events.find((e) => e.reason === 'SystemOOM');
    if (!event) throw new Error('fixture changed');
    event.firstTimestamp = '2026-11-20T11:10:00Z';
    event.lastTimestamp = '2026-11-20T11:12:00Z';

    const finding = oom.detect(snapshot, DEFAULT_ENGINE_SETTINGS);

    expect(finding).toMatchObject({ cause: 'container-limit', otherCauses: [] });
  });

  it('keeps container-limit primary but lists node-pressure when the node also reports MemoryPressure', () => {
    const snapshot = podSnapshot(STATEFULSET);
    const pressure = snapshot.node?.status?.conditions?.find((c) => c.type === 'MemoryPressure');
    if (!pressure) throw new Error('fixture changed');
    pressure.status = 'True';
    pressure.reason = 'KubeletHasInsufficientMemory';

    const finding = oom.detect(snapshot, DEFAULT_ENGINE_SETTINGS);

    expect(finding).toMatchObject({ cause: 'container-limit', otherCauses: ['node-pressure'] });
  });

  it('makes a heap above the limit primary even when the node also had a system OOM', () => {
    const snapshot = podSnapshot(OVERCOMMIT);
    const container = snapshot.pod.spec.containers[0];
    if (!container?.env) throw new Error('fixture changed');
    container.env = [{ name: 'JAVA_TOOL_OPTIONS', value: '-Xmx5g' }];

    const finding = oom.detect(snapshot, DEFAULT_ENGINE_SETTINGS);

    expect(finding).toMatchObject({ cause: 'container-limit', otherCauses: ['node-pressure'] });
  });

  it('stays silent on a liveness kill with exit 137 and reason Error', () => {
    const snapshot = podSnapshot('liveness-probe/failed/wrong-port-refused-137.yaml');

    expect(oom.detect(snapshot, DEFAULT_ENGINE_SETTINGS)).toBeNull();
  });

  it('stays silent on a 137 from a forced stop (reason Error)', () => {
    const snapshot = podSnapshot('container-exit/after-running/force-kill-137.yaml');

    expect(oom.detect(snapshot, DEFAULT_ENGINE_SETTINGS)).toBeNull();
  });

  it('stays silent on an OOM kill three hours ago on a Pod that is Ready now', () => {
    const snapshot = podSnapshot('healthy/oom-old-restart-ready.yaml');

    expect(oom.detect(snapshot, DEFAULT_ENGINE_SETTINGS)).toBeNull();
  });

  it('treats an OOMKilled lastState as history once the container has run longer than recentRestartSeconds', () => {
    const snapshot = podSnapshot(STATEFULSET, '2026-11-20T12:30:00Z');

    expect(oom.detect(snapshot, DEFAULT_ENGINE_SETTINGS)).toBeNull();
  });

  it('stays silent on a healthy Pod', () => {
    const snapshot = podSnapshot('healthy/running-deployment-pod.yaml');

    expect(oom.detect(snapshot, DEFAULT_ENGINE_SETTINGS)).toBeNull();
  });

  it('wins over container-exit and liveness-probe in the engine for an OOMKilled container', () => {
    const snapshot = podSnapshot(JVM);

    const diagnosis = diagnose(snapshot);

    expect(diagnosis?.cause).toBe('oom.container-limit');
  });

  it('stays silent when the OOM kill was hours ago and the container has run since', () => {
    const snapshot = podSnapshot(JVM);
    const status = containerStatus(snapshot, 'api');
    status.state = { running: { startedAt: '2026-11-20T08:00:00Z' } };
    status.ready = true;
    if (status.lastState?.terminated) status.lastState.terminated.finishedAt = '2026-11-20T07:59:59Z';

    expect(oom.detect(snapshot, DEFAULT_ENGINE_SETTINGS)).toBeNull();
  });
});

describe('jvmHeap', () => {
  it('reads -Xmx from the command line', () => {
    const heap = jvmHeap({ name: 'app', command: ['java', '-Xmx512m', '-jar', 'app.jar'] }, 'spec.containers[app]', GiB);

    expect(heap).toMatchObject({ heapBytes: 512 * MiB, flags: '-Xmx512m', field: 'spec.containers[app].command', verdict: 'fits' });
  });

  it('lets _JAVA_OPTIONS override JAVA_TOOL_OPTIONS', () => {
    const container = {
      name: 'app',
      env: [
        { name: '_JAVA_OPTIONS', value: '-Xmx2g' },
        { name: 'JAVA_TOOL_OPTIONS', value: '-Xmx256m' },
      ],
    };

    const heap = jvmHeap(container, 'spec.containers[app]', GiB);

    expect(heap).toMatchObject({ heapBytes: 2 * GiB, field: 'spec.containers[app].env[_JAVA_OPTIONS]', verdict: 'heap-over-limit' });
  });

  it('sizes the heap from -XX:MaxRAM (25% by default) when it replaces the container limit', () => {
    const heap = jvmHeap({ name: 'app', args: ['-XX:MaxRAM=8g', '-jar', 'app.jar'] }, 'spec.containers[app]', 2 * GiB);

    expect(heap).toMatchObject({ heapBytes: 2 * GiB, flags: '-XX:MaxRAM=8g', verdict: 'heap-over-limit' });
  });

  it('accepts a 75% MaxRAMPercentage heap in a 1Gi limit', () => {
    const heap = jvmHeap({ name: 'app', env: [{ name: 'JAVA_OPTS', value: '-XX:MaxRAMPercentage=75.0' }] }, 'spec.containers[app]', GiB);

    expect(heap).toMatchObject({ heapBytes: 0.75 * GiB, verdict: 'fits' });
  });

  it('returns null when no heap option is set', () => {
    expect(jvmHeap({ name: 'app', command: ['java', '-jar', 'app.jar'] }, 'spec.containers[app]', GiB)).toBeNull();
  });
});

describe('oom: the system OOM killer behind a plain exit 137', () => {
  const PATH = 'oom/node-pressure/system-oom-137-error-ready-again.yaml';

  it('reads exit 137 with reason Error next to a SystemOOM on the node as oom.node-pressure, even with the Pod Ready again', () => {
    const diagnosis = diagnose(podSnapshot(PATH));

    expect(diagnosis?.cause).toBe('oom.node-pressure');
    expect(diagnosis?.summary).toContain("was killed by the kernel's system OOM killer (exit 137, reason Error");
    expect(diagnosis?.evidence).toContainEqual(expect.objectContaining({ kind: 'event', reason: 'SystemOOM', object: 'Node/node-e' }));
  });

  it('leaves a 137 to the other detectors when no SystemOOM coincides with it', () => {
    const snapshot = podSnapshot(PATH);
    snapshot.events = snapshot.events.map((e) => ({ ...e, firstTimestamp: '2026-11-20T10:00:00Z', lastTimestamp: '2026-11-20T10:00:00Z' }));

    expect(diagnose(snapshot)?.scenario).not.toBe('oom');
  });
});
