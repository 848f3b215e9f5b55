import { describe, expect, it } from 'vitest';
import { DEFAULT_ENGINE_SETTINGS } from '../../../src/contract/settings.ts';
import { diagnose } from '../../../src/diagnosis/engine.ts';
import { readinessProbe } from '../../../src/diagnosis/scenarios/readiness-probe.ts';
import { containerStatus, podSnapshot } from '../../support/fixtures.ts';

const PORT = 'readiness-probe/failed/port-not-exposed.yaml';
const HTTP_503 = 'readiness-probe/failed/http-503-dependency.yaml';

describe('readiness-probe detector', () => {
  it.each([
    [PORT, /checkout of Pod checkout-84d7f6c9b5-zt6qn has not been Ready for 7m because its readiness probe fails \(connection refused on 10\.244\.2\.15:8081\); it probes port 8081, which the container does not expose/],
    [HTTP_503, /gateway of Pod gateway-6d5f4c3b2-h7j9l has not been Ready for 15m because its readiness probe fails \(HTTP 503 from \/health\/ready\); Services send it no traffic/],
  ] as const)('%s is readiness-probe.failed', (path, summary) => {
    const snapshot = podSnapshot(path);

    const finding = readinessProbe.detect(snapshot, DEFAULT_ENGINE_SETTINGS);

    expect(finding).toMatchObject({ scenario: 'readiness-probe', cause: 'failed', otherCauses: [] });
    expect(finding?.summary).toMatch(summary);
  });

  it('gives the probe event, the probe and the undeclared port as evidence', () => {
    const snapshot = podSnapshot(PORT);

    const finding = readinessProbe.detect(snapshot, DEFAULT_ENGINE_SETTINGS);

    expect(finding?.evidence).toContainEqual({
      kind: 'event',
      object: 'Pod/checkout-84d7f6c9b5-zt6qn',
      type: 'Warning',
      reason: 'Unhealthy',
      message: 'Readiness probe failed: Get "http://10.244.2.15:8081/ready": dial tcp 10.244.2.15:8081: connect: connection refused',
      count: 42,
      ageSeconds: 5,
    });
    expect(finding?.evidence).toContainEqual({
      kind: 'spec',
      field: 'spec.containers[checkout].readinessProbe.httpGet.port',
      value: '8081',
      note: 'container checkout declares port 8080 (http)',
    });
    expect(finding?.remediation).toContainEqual({ text: 'Change spec.containers[checkout].readinessProbe.httpGet.port from 8081 to 8080 (the port the app listens on).' });
  });

  it('offers restart-pod, show-logs and rediagnose', () => {
    const snapshot = podSnapshot(HTTP_503);

    const finding = readinessProbe.detect(snapshot, DEFAULT_ENGINE_SETTINGS);

    expect(finding?.actions.map((a) => a.action)).toEqual(['show-logs', 'restart-pod', 'rediagnose']);
  });

  it('says when the node is under pressure', () => {
    const snapshot = podSnapshot(HTTP_503);
    snapshot.node?.status?.conditions?.push({ type: 'PIDPressure', status: 'True', reason: 'KubeletHasInsufficientPID' });

    const finding = readinessProbe.detect(snapshot, DEFAULT_ENGINE_SETTINGS);

    expect(finding?.evidence).toContainEqual({ kind: 'node', node: 'node-a', detail: 'PIDPressure=True' });
  });

  it('counts the not-Ready time from the last transition, not from the container start', () => {
    const snapshot = podSnapshot(HTTP_503, '2026-11-20T11:45:50Z');

    expect(readinessProbe.detect(snapshot, DEFAULT_ENGINE_SETTINGS)).toMatchObject({ settling: { state: 'NotReady', forSeconds: 50 } });
  });

  it('answers 8 s into a normal start-up, after a refused first probe, as settling', () => {
    const snapshot = podSnapshot('healthy/probe-not-ready-startup.yaml');

    expect(readinessProbe.detect(snapshot, DEFAULT_ENGINE_SETTINGS)).toMatchObject({ cause: 'failed', settling: { state: 'NotReady', forSeconds: 8, alertAfterSeconds: 60 } });
  });

  it('stays silent once the container is Ready again', () => {
    const snapshot = podSnapshot(HTTP_503);
    containerStatus(snapshot, 'gateway').ready = true;
    for (const condition of snapshot.pod.status?.conditions ?? []) {
      if (condition.type === 'Ready' || condition.type === 'ContainersReady') condition.status = 'True';
    }

    expect(readinessProbe.detect(snapshot, DEFAULT_ENGINE_SETTINGS)).toBeNull();
  });

  it('stays silent without readiness probe failures to explain the not-Ready state', () => {
    const snapshot = podSnapshot(PORT);
    snapshot.events = [];

    expect(readinessProbe.detect(snapshot, DEFAULT_ENGINE_SETTINGS)).toBeNull();
  });

  it('stays silent on a healthy Pod', () => {
    const snapshot = podSnapshot('healthy/running-deployment-pod.yaml');

    expect(readinessProbe.detect(snapshot, DEFAULT_ENGINE_SETTINGS)).toBeNull();
  });

  it('is what the engine reports for a running Pod that never becomes Ready', () => {
    const snapshot = podSnapshot(PORT);

    expect(diagnose(snapshot)?.cause).toBe('readiness-probe.failed');
  });
});
