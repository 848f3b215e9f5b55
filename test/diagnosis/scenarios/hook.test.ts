import { describe, expect, it } from 'vitest';
import type { KubeEvent } from '../../../src/contract/k8s.ts';
import { DEFAULT_ENGINE_SETTINGS } from '../../../src/contract/settings.ts';
import type { PodSnapshot } from '../../../src/contract/snapshot.ts';
import { describeHandler, hook } from '../../../src/diagnosis/scenarios/hook.ts';
import { podSnapshot } from '../../support/fixtures.ts';

function detect(snapshot: PodSnapshot) {
  return hook.detect(snapshot, DEFAULT_ENGINE_SETTINGS);
}

function event(snapshot: PodSnapshot, reason: string): KubeEvent {
  const found = snapshot.events.find((e) => e.reason === reason);
  if (!found) throw new Error(`no ${reason} event`);
  return found;
}

describe('hook detector', () => {
  it.each([
    ['hook/post-start/exec-register-crashloop.yaml', 'post-start', 'FailedPostStartHook', 'spec.containers[catalog].lifecycle.postStart', 'exec [/bin/sh -c /opt/catalog/register.sh]'],
    ['hook/post-start/http-warmup-connection-refused.yaml', 'post-start', 'FailedPostStartHook', 'spec.containers[api].lifecycle.postStart', 'httpGet http://:8080/warmup'],
    ['hook/pre-stop/exec-drain-fails-while-terminating.yaml', 'pre-stop', 'FailedPreStopHook', 'spec.containers[worker].lifecycle.preStop', 'exec [/bin/sh -c /usr/local/bin/drain --timeout 45s]'],
    ['hook/pre-stop/http-shutdown-after-image-change.yaml', 'pre-stop', 'FailedPreStopHook', 'spec.containers[gateway].lifecycle.preStop', 'httpGet http://:8081/shutdown'],
  ] as const)('diagnoses %s as %s with the event and the hook definition', (path, cause, reason, field, handler) => {
    const snapshot = podSnapshot(path);

    const finding = detect(snapshot);

    expect(finding).toMatchObject({ scenario: 'hook', cause, otherCauses: [] });
    expect(finding?.evidence[0]).toMatchObject({ kind: 'event', reason, type: 'Warning' });
    expect(finding?.evidence).toContainEqual({ kind: 'spec', field, value: handler });
  });

  it('shows what the postStart kill did to the container: restarts, exit code, Killing event', () => {
    const snapshot = podSnapshot('hook/post-start/exec-register-crashloop.yaml');

    const finding = detect(snapshot);

    expect(finding?.summary).toBe(
      'The postStart hook of container catalog (exec [/bin/sh -c /opt/catalog/register.sh]) fails, so the kubelet kills the container right after each start (5 restarts).',
    );
    expect(finding?.evidence).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'event', reason: 'FailedPostStartHook', message: 'PostStartHook failed', count: 6, ageSeconds: 149 }),
        { kind: 'status', field: 'status.containerStatuses[catalog].restartCount', value: '5' },
        expect.objectContaining({ kind: 'exit-code', container: 'catalog', exitCode: 143, reason: 'Error', meaning: expect.stringContaining('stopped by the kubelet after the postStart hook failed') }),
        expect.objectContaining({ kind: 'event', reason: 'Killing', message: 'FailedPostStartHook' }),
      ]),
    );
    expect(finding?.remediation[0]?.command).toBe('kubectl -n shop exec catalog-8d9e0f1a2-k5l6m -c catalog -- /bin/sh -c /opt/catalog/register.sh');
    expect(finding?.actions.map((a) => a.action)).toEqual(['show-logs', 'rediagnose']);
  });

  it('quotes the handler error carried by the PostStartHookError waiting message', () => {
    const snapshot = podSnapshot('hook/post-start/http-warmup-connection-refused.yaml');

    const finding = detect(snapshot);

    expect(finding?.summary).toContain('fails: Get "http://10.244.1.17:8080/warmup": dial tcp 10.244.1.17:8080: connect: connection refused, so the kubelet kills');
    expect(finding?.evidence).toContainEqual({ kind: 'status', field: 'status.containerStatuses[api].state.waiting.reason', value: 'PostStartHookError' });
    expect(finding?.remediation[0]?.text).toContain('before the app listens');
  });

  it('diagnoses PostStartHookError from the status alone when the events are gone', () => {
    const snapshot = podSnapshot('hook/post-start/http-warmup-connection-refused.yaml');
    snapshot.events = [];

    expect(detect(snapshot)?.cause).toBe('post-start');
  });

  it('summarises a failed preStop exec with its exit code and stderr, once', () => {
    const snapshot = podSnapshot('hook/pre-stop/exec-drain-fails-while-terminating.yaml');

    const finding = detect(snapshot);

    expect(finding?.summary).toBe(
      "The preStop hook of container worker (exec [/bin/sh -c /usr/local/bin/drain --timeout 45s]) failed 14s ago while the Pod was being deleted: command '/bin/sh -c /usr/local/bin/drain --timeout 45s' exited with 1: drain: cannot reach broker at 127.0.0.1:5672: connection refused, so its graceful-shutdown step did not run before the container was stopped.",
    );
    expect(finding?.evidence).toContainEqual({ kind: 'status', field: 'metadata.deletionTimestamp', value: '2026-11-20T12:00:45Z' });
    expect(finding?.remediation[0]?.text).toContain('ran and exited 1');
  });

  it('suggests checking the binary when the preStop command cannot be executed (exit 127)', () => {
    const snapshot = podSnapshot('hook/pre-stop/exec-drain-fails-while-terminating.yaml');
    const failed = event(snapshot, 'FailedPreStopHook');
    failed.message = failed.message?.replace(/exited with 1: [^,]*/, 'exited with 127: /bin/sh: /usr/local/bin/drain: not found\n');

    const finding = detect(snapshot);

    expect(finding?.remediation[0]).toMatchObject({ text: expect.stringContaining('exists and is executable'), command: 'kubectl -n jobs exec queue-worker-5f6a7b8c9-h2j3k -c worker -- ls -l /bin/sh' });
  });

  it('reports a recent preStop failure on a Pod that is running again', () => {
    const snapshot = podSnapshot('hook/pre-stop/http-shutdown-after-image-change.yaml');

    const finding = detect(snapshot);

    expect(finding?.summary).toMatch(/^The preStop hook of container gateway \(httpGet http:\/\/:8081\/shutdown\) failed 3m ago: Get /);
    expect(finding?.evidence).toContainEqual(expect.objectContaining({ kind: 'event', reason: 'Killing', message: 'Container gateway definition changed, will be restarted' }));
  });

  it('stays silent on a preStop failure older than eventStaleSeconds', () => {
    const snapshot = podSnapshot('hook/pre-stop/http-shutdown-after-image-change.yaml');
    for (const e of snapshot.events) {
      e.firstTimestamp = '2026-11-20T09:00:00Z';
      e.lastTimestamp = '2026-11-20T09:00:00Z';
    }

    expect(detect(snapshot)).toBeNull();
  });

  it('leaves a preStop failure during a liveness kill to the liveness-probe detector', () => {
    const snapshot = podSnapshot('hook/pre-stop/http-shutdown-after-image-change.yaml');
    // source: kubernetes pkg/kubelet/kuberuntime/kuberuntime_manager.go computePodActions ("Container %s failed liveness probe" + ", will be restarted")
    event(snapshot, 'Killing').message = 'Container gateway failed liveness probe, will be restarted';

    expect(detect(snapshot)).toBeNull();
  });

  it('stays silent on an old postStart failure of a Pod that has been Ready for hours', () => {
    expect(detect(podSnapshot('healthy/hook-old-poststart-failure.yaml'))).toBeNull();
  });

  it('treats a recent postStart failure as history once the container has been up and ready for recentRestartSeconds', () => {
    const recovered = podSnapshot('healthy/hook-old-poststart-failure.yaml');
    for (const e of recovered.events) e.lastTimestamp = '2026-11-20T11:40:05Z';
    const status = recovered.pod.status?.containerStatuses?.[0];
    if (status?.state) status.state = { running: { startedAt: '2026-11-20T11:41:00Z' } };
    const justRestarted = structuredClone(recovered);
    const restarted = justRestarted.pod.status?.containerStatuses?.[0];
    if (restarted?.state) restarted.state = { running: { startedAt: '2026-11-20T11:58:00Z' } };

    expect(detect(recovered)).toBeNull();
    expect(detect(justRestarted)?.cause).toBe('post-start');
  });

  it('puts post-start first and lists pre-stop as another cause when both hooks fail', () => {
    const snapshot = podSnapshot('hook/post-start/exec-register-crashloop.yaml');
    const spec = snapshot.pod.spec.containers[0];
    if (spec?.lifecycle) spec.lifecycle.preStop = { exec: { command: ['/opt/catalog/deregister.sh'] } };
    snapshot.events.push({
      ...structuredClone(event(snapshot, 'FailedPostStartHook')),
      metadata: { name: 'catalog-8d9e0f1a2-k5l6m.9', namespace: 'shop' },
      reason: 'FailedPreStopHook',
      message: 'Exec lifecycle hook ([/opt/catalog/deregister.sh]) for Container "catalog" in Pod "catalog-8d9e0f1a2-k5l6m_shop(88bb1c52-0b0e-4a6e-9a51-1f0f5b7c2e01)" failed - error: command \'/opt/catalog/deregister.sh\' exited with 1: , message: ""',
      count: 1,
    });

    const finding = detect(snapshot);

    expect(finding).toMatchObject({ cause: 'post-start', otherCauses: ['pre-stop'] });
    expect(finding?.evidence).toContainEqual(expect.objectContaining({ kind: 'event', reason: 'FailedPreStopHook' }));
  });

  it('finds the container from the handler message when the event has no fieldPath', () => {
    const snapshot = podSnapshot('hook/pre-stop/http-shutdown-after-image-change.yaml');
    delete event(snapshot, 'FailedPreStopHook').involvedObject.fieldPath;

    expect(detect(snapshot)).toMatchObject({ cause: 'pre-stop', summary: expect.stringContaining('container gateway') });
  });

  it('stays silent on a healthy Pod without hook events', () => {
    expect(detect(podSnapshot('healthy/running-deployment-pod.yaml'))).toBeNull();
  });
});

describe('describeHandler', () => {
  it.each([
    [{ exec: { command: ['/bin/sh', '-c', 'sleep 5'] } }, 'exec [/bin/sh -c sleep 5]'],
    [{ httpGet: { path: '/warmup', port: 8080 } }, 'httpGet http://:8080/warmup'],
    [{ httpGet: { port: 'admin', scheme: 'HTTPS' } }, 'httpGet https://:admin/'],
    [{ sleep: { seconds: 10 } }, 'sleep 10s'],
    [undefined, 'a hook that is no longer in the spec'],
  ])('describes %j', (handler, text) => {
    expect(describeHandler(handler)).toBe(text);
  });
});
