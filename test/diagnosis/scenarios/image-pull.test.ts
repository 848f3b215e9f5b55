import { describe, expect, it } from 'vitest';
import type { KubeEvent } from '../../../src/contract/k8s.ts';
import { DEFAULT_ENGINE_SETTINGS } from '../../../src/contract/settings.ts';
import type { PodSnapshot } from '../../../src/contract/snapshot.ts';
import { diagnose } from '../../../src/diagnosis/engine.ts';
import { classifyPullError, parseImageRef } from '../../../src/diagnosis/scenarios/image-pull-errors.ts';
import { imagePull } from '../../../src/diagnosis/scenarios/image-pull.ts';
import { podSnapshot } from '../../support/fixtures.ts';

function detect(snapshot: PodSnapshot) {
  return imagePull.detect(snapshot, DEFAULT_ENGINE_SETTINGS);
}

function firstStatus(snapshot: PodSnapshot) {
  const status = snapshot.pod.status?.containerStatuses?.[0];
  if (!status) throw new Error('fixture has no container status');
  return status;
}

describe('image-pull detector', () => {
  it.each([
    ['image-pull/not-found/containerd-wrong-tag.yaml', 'not-found', 'docker.io/library/nginx:1.277: not found'],
    ['image-pull/not-found/crio-manifest-unknown.yaml', 'not-found', 'manifest unknown'],
    ['image-pull/not-found/init-container-image-pull-backoff.yaml', 'not-found', 'orders-migrate:v2.3.1: not found'],
    ['image-pull/not-found/invalid-image-name.yaml', 'not-found', 'invalid reference format'],
    ['image-pull/unauthorized/containerd-dockerhub-denied-wrong-account.yaml', 'unauthorized', 'insufficient_scope: authorization failed'],
    ['image-pull/throttled/kubelet-pull-qps-older-spelling.yaml', 'throttled', 'pull QPS exceeded.'],
    ['image-pull/unauthorized/containerd-401-wrong-secret.yaml', 'unauthorized', '401 Unauthorized'],
    ['image-pull/network/containerd-dns-no-such-host.yaml', 'network', 'no such host'],
    ['image-pull/network/crio-connection-refused.yaml', 'network', 'connect: connection refused'],
    ['image-pull/timeout/large-image-context-canceled.yaml', 'timeout', 'context canceled'],
    ['image-pull/timeout/context-deadline-exceeded.yaml', 'timeout', 'context deadline exceeded'],
    ['image-pull/throttled/dockerhub-rate-limit.yaml', 'throttled', 'toomanyrequests'],
    ['image-pull/throttled/kubelet-pull-qps.yaml', 'throttled', 'pull QPS exceeded'],
  ] as const)('diagnoses %s as %s from the runtime error', (path, cause, errorText) => {
    const snapshot = podSnapshot(path);

    const finding = detect(snapshot);

    expect(finding).toMatchObject({ scenario: 'image-pull', cause, otherCauses: [] });
    const pullError = finding?.evidence.find(
      (e) => (e.kind === 'event' && e.message.includes(errorText)) || (e.kind === 'status' && e.value.includes(errorText)),
    );
    expect(pullError).toBeDefined();
    expect(finding?.evidence).toContainEqual(expect.objectContaining({ kind: 'spec', field: expect.stringMatching(/\.image$/) }));
    expect(finding?.evidence).toContainEqual(expect.objectContaining({ kind: 'spec', field: 'spec.imagePullSecrets' }));
  });

  it('reports the waiting state, the image, the failed-pull event with its count and age, and the back-off', () => {
    const snapshot = podSnapshot('image-pull/not-found/containerd-wrong-tag.yaml');

    const finding = detect(snapshot);

    expect(finding?.summary).toBe(
      'Container web cannot start: image "nginx:1.277" does not exist in registry docker.io, so its name, tag or registry is wrong (ImagePullBackOff, 6 failed pulls).',
    );
    expect(finding?.evidence).toEqual(
      expect.arrayContaining([
        { kind: 'status', field: 'status.containerStatuses[web].state.waiting.reason', value: 'ImagePullBackOff' },
        { kind: 'spec', field: 'spec.containers[web].image', value: 'nginx:1.277', note: 'registry docker.io, repository library/nginx, tag 1.277' },
        expect.objectContaining({ kind: 'spec', field: 'spec.imagePullSecrets', value: '(not set)' }),
        expect.objectContaining({ kind: 'event', reason: 'Failed', type: 'Warning', count: 6, ageSeconds: 169 }),
        expect.objectContaining({ kind: 'event', reason: 'BackOff', message: 'Back-off pulling image "nginx:1.277"', count: 41 }),
      ]),
    );
    expect(finding?.remediation[0]?.command).toBe('kubectl -n shop set image deployment/web web=nginx:<existing-tag>');
  });

  it('names the init container whose image is missing (Init:ImagePullBackOff is image-pull, not init)', () => {
    const snapshot = podSnapshot('image-pull/not-found/init-container-image-pull-backoff.yaml');

    const diagnosis = diagnose(snapshot);

    expect(diagnosis?.cause).toBe('image-pull.not-found');
    expect(diagnosis?.summary).toMatch(/^Init container migrate cannot start/);
    expect(diagnosis?.evidence).toContainEqual({ kind: 'status', field: 'status.initContainerStatuses[migrate].state.waiting.reason', value: 'ImagePullBackOff' });
  });

  it('gives the exact kubectl create secret docker-registry command when the Pod has no imagePullSecrets', () => {
    // A private registry (not a public one, whose denials are ambiguous) answering 401 to a Pod without credentials.
    const snapshot = podSnapshot('image-pull/unauthorized/containerd-401-wrong-secret.yaml');
    delete snapshot.pod.spec.imagePullSecrets;

    const finding = detect(snapshot);

    expect(finding?.summary).toContain('registry harbor.example.com denies access and the Pod has no imagePullSecrets');
    expect(finding?.remediation.map((r) => r.command)).toEqual(
      expect.arrayContaining([
        'kubectl -n finance create secret docker-registry harbor-example-com-pull --docker-server=harbor.example.com --docker-username=<user> --docker-password=<token>',
        'kubectl -n finance patch serviceaccount default -p \'{"imagePullSecrets":[{"name":"harbor-example-com-pull"}]}\'',
      ]),
    );
  });

  it.each([
    ['image-pull/not-found/containerd-dockerhub-denied-no-pull-secret.yaml', 'acme/payments:3.2.0'],
    ['image-pull/not-found/dockershim-pull-access-denied-wrong-repo.yaml', 'pf/kubelet-csr-approver:0.1.0'],
  ])('reads a public registry\'s "pull access denied" without pull credentials as not-found first, unauthorized second (%s)', (path, image) => {
    const finding = detect(podSnapshot(path));

    expect(finding).toMatchObject({ cause: 'not-found', otherCauses: ['unauthorized'] });
    expect(finding?.summary).toContain('podwhy cannot tell which');
    expect(finding?.remediation[0]?.command).toBe(`docker manifest inspect ${image}`);
  });

  it('keeps unauthorized first for the same answer when the Pod sends pull credentials', () => {
    const finding = detect(podSnapshot('image-pull/unauthorized/containerd-dockerhub-denied-wrong-account.yaml'));

    expect(finding).toMatchObject({ cause: 'unauthorized', otherCauses: [] });
  });

  it("puts the kubelet's own pull limit behind the registry errors it interrupts", () => {
    const finding = detect(podSnapshot('image-pull/network/registry-timeouts-with-kubelet-qps-refusals.yaml'));

    expect(finding).toMatchObject({ cause: 'network', otherCauses: ['throttled'] });
  });

  it('points at the rejected secret when the Pod already sends imagePullSecrets', () => {
    const snapshot = podSnapshot('image-pull/unauthorized/containerd-401-wrong-secret.yaml');

    const finding = detect(snapshot);

    expect(finding?.summary).toContain("rejects the Pod's imagePullSecrets (harbor-robot)");
    expect(finding?.evidence).toContainEqual({ kind: 'spec', field: 'spec.imagePullSecrets', value: 'harbor-robot', note: undefined });
    expect(finding?.remediation[0]?.command).toBe("kubectl -n finance get secret harbor-robot -o jsonpath='{.data.\\.dockerconfigjson}' | base64 -d");
  });

  it('checks DNS and egress from the node to the registry host parsed from the image, port included', () => {
    const snapshot = podSnapshot('image-pull/network/crio-connection-refused.yaml');

    const finding = detect(snapshot);

    expect(finding?.summary).toContain('node node-e cannot reach registry registry.example.com:5000');
    expect(finding?.remediation[0]).toMatchObject({
      text: expect.stringContaining('to registry.example.com:5000 ('),
      command: "kubectl debug node/node-e -it --image=busybox:1.36 -- sh -c 'nslookup registry.example.com && wget -S --spider https://registry.example.com:5000/v2/'",
    });
  });

  it('tells the kubelet pull QPS limit apart from a registry rate limit', () => {
    const qps = detect(podSnapshot('image-pull/throttled/kubelet-pull-qps.yaml'));
    const hub = detect(podSnapshot('image-pull/throttled/dockerhub-rate-limit.yaml'));

    expect(qps?.remediation[0]?.text).toContain('registryPullQPS');
    expect(hub?.remediation[0]?.text).toContain('registry mirror');
    expect(hub?.summary).toContain('rate-limiting pulls');
  });

  it('suggests raising the pull deadline or pre-pulling for a timeout', () => {
    const finding = detect(podSnapshot('image-pull/timeout/large-image-context-canceled.yaml'));

    expect(finding?.remediation.map((r) => r.text).join(' ')).toMatch(/image_pull_progress_timeout.*Pre-pull/s);
    expect(finding?.actions.map((a) => a.action)).toEqual(['restart-pod', 'rediagnose']);
  });

  it('reads ErrImageNeverPull as not-found and points at imagePullPolicy', () => {
    const snapshot = structuredClone(podSnapshot('image-pull/not-found/containerd-wrong-tag.yaml'));
    const status = firstStatus(snapshot);
    // source: kubernetes pkg/kubelet/images/image_manager.go ("Container image %q is not present with pull policy of Never")
    status.state = { waiting: { reason: 'ErrImageNeverPull', message: 'Container image "nginx:1.277" is not present with pull policy of Never' } };
    snapshot.events = [];

    const finding = detect(snapshot);

    expect(finding).toMatchObject({ cause: 'not-found', summary: expect.stringContaining('imagePullPolicy is Never') });
    expect(finding?.remediation[0]?.text).toContain('imagePullPolicy is Never');
  });

  it('reads RegistryUnavailable as network', () => {
    const snapshot = structuredClone(podSnapshot('image-pull/network/crio-connection-refused.yaml'));
    // source: kubernetes pkg/kubelet/images/image_manager.go evalCRIPullErr ("image pull failed for %s because the registry is unavailable%s")
    firstStatus(snapshot).state = {
      waiting: { reason: 'RegistryUnavailable', message: 'image pull failed for registry.example.com:5000/tools/agent:1.9 because the registry is unavailable' },
    };

    expect(detect(snapshot)?.cause).toBe('network');
  });

  it('lists other causes seen in earlier failed pulls of the same container', () => {
    const snapshot = structuredClone(podSnapshot('image-pull/throttled/dockerhub-rate-limit.yaml'));
    const older: KubeEvent = {
      ...structuredClone(snapshot.events[0] as KubeEvent),
      metadata: { name: 'cache-7c8d9e6f5-m3n4b.9', namespace: 'shop' },
      message: 'Failed to pull image "redis:7.4": rpc error: code = Unknown desc = failed to pull and unpack image "docker.io/library/redis:7.4": failed to resolve reference "docker.io/library/redis:7.4": failed to do request: Head "https://registry-1.docker.io/v2/library/redis/manifests/7.4": dial tcp 54.236.113.205:443: i/o timeout',
      count: 1,
      firstTimestamp: '2026-11-20T11:42:10Z',
      lastTimestamp: '2026-11-20T11:42:10Z',
    };
    snapshot.events.push(older);

    const finding = detect(snapshot);

    expect(finding).toMatchObject({ cause: 'throttled', otherCauses: ['network'] });
  });

  it('stays silent on ContainerCreating with only a Pulling event (a healthy transient)', () => {
    const snapshot = podSnapshot('healthy/image-pull-pulling-5s.yaml');

    expect(detect(snapshot)).toBeNull();
  });

  it('answers a single failed pull of a young Pod as settling, and definitively after the second', () => {
    const once = podSnapshot('healthy/image-pull-first-failure.yaml');
    const twice = structuredClone(once);
    const failed = twice.events.find((e) => e.reason === 'Failed');
    if (!failed) throw new Error('fixture has no Failed event');
    failed.count = 2;
    failed.lastTimestamp = '2026-11-20T11:59:58Z';

    expect(detect(once)).toMatchObject({ cause: 'network', settling: { state: 'ErrImagePull', forSeconds: 8, alertAfterSeconds: 120 } });
    expect(detect(twice)).toMatchObject({ cause: 'network', summary: expect.stringContaining('2 failed pulls') });
    expect(detect(twice)).not.toHaveProperty('settling');
  });

  it('speaks on a single recorded failure when the pull has been failing longer than stuckCreatingAfterSeconds', () => {
    const snapshot = structuredClone(podSnapshot('healthy/image-pull-first-failure.yaml'));
    const failed = snapshot.events.find((e) => e.reason === 'Failed');
    if (!failed) throw new Error('fixture has no Failed event');
    failed.firstTimestamp = '2026-11-20T11:50:00Z';

    expect(detect(snapshot)?.cause).toBe('network');
    expect(detect(snapshot)).not.toHaveProperty('settling');
  });

  it('does not count or quote failed-pull events older than eventStaleSeconds', () => {
    const snapshot = structuredClone(podSnapshot('image-pull/not-found/crio-manifest-unknown.yaml'));
    for (const e of snapshot.events) {
      e.firstTimestamp = '2026-11-20T09:00:00Z';
      e.lastTimestamp = '2026-11-20T09:30:00Z';
    }

    const finding = detect(snapshot);

    // Still stuck (ErrImagePull for 8 minutes, the waiting message says why), but the stale events are not evidence.
    expect(finding).toMatchObject({ cause: 'not-found', summary: expect.stringContaining('(ErrImagePull).') });
    expect(finding?.evidence.filter((e) => e.kind === 'event')).toEqual([]);
  });

  it('falls back to the waiting state when the dump has no events and the Pod has been stuck for long', () => {
    const snapshot = structuredClone(podSnapshot('image-pull/network/containerd-dns-no-such-host.yaml'));
    snapshot.events = [];

    const finding = detect(snapshot);

    expect(finding).toMatchObject({ cause: 'network', summary: expect.stringContaining('(ImagePullBackOff).') });
  });

  it('stays silent on a Pod being deleted, a finished Pod, and a workload subject', () => {
    const deleting = structuredClone(podSnapshot('image-pull/not-found/containerd-wrong-tag.yaml'));
    deleting.pod.metadata.deletionTimestamp = '2026-11-20T12:00:30Z';
    const failed = structuredClone(podSnapshot('image-pull/not-found/containerd-wrong-tag.yaml'));
    if (failed.pod.status) failed.pod.status.phase = 'Failed';

    expect(detect(deleting)).toBeNull();
    expect(detect(failed)).toBeNull();
    expect(imagePull.detect({ kind: 'Workload', observedAt: '2026-11-20T12:00:00Z', workload: { kind: 'ReplicaSet', metadata: { name: 'web' } }, owners: [], events: [], nodes: [], quotas: [] }, DEFAULT_ENGINE_SETTINGS)).toBeNull();
  });

  it('stays silent on a healthy running Pod', () => {
    expect(detect(podSnapshot('healthy/running-deployment-pod.yaml'))).toBeNull();
  });
});

describe('classifyPullError', () => {
  it.each([
    ['docker.io/library/nginx:1.277: not found', 'not-found'],
    ['reading manifest 2.14.0 in quay.io/acme/billing-api: manifest unknown', 'not-found'],
    ['pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed', 'unauthorized'],
    ['unexpected status from HEAD request to https://ghcr.io/v2/acme/app/manifests/1.0: 403 Forbidden', 'unauthorized'],
    ['reading manifest latest in quay.io/foo/bar: unauthorized: access to the requested resource is not authorized', 'unauthorized'],
    ['dial tcp: lookup registry.corp.example.com on 127.0.0.53:53: no such host', 'network'],
    ['dial tcp 54.236.113.205:443: i/o timeout', 'network'],
    ['read tcp 10.0.3.7:51234->10.20.0.20:443: read: connection reset by peer', 'network'],
    ['rpc error: code = Unknown desc = context deadline exceeded', 'timeout'],
    ['429 Too Many Requests - Server message: toomanyrequests: You have reached your pull rate limit.', 'throttled'],
    ['pull QPS exceeded.', 'throttled'],
  ] as const)('reads %j as %s', (message, cause) => {
    expect(classifyPullError(message)).toBe(cause);
  });

  it('finds no cause in a bare back-off message', () => {
    expect(classifyPullError('Back-off pulling image "nginx:1.277"')).toBeNull();
  });
});

describe('parseImageRef', () => {
  it.each([
    ['nginx:1.27', { registry: 'docker.io', repository: 'library/nginx', tag: '1.27', digest: null }],
    ['acme/payments:3.2.0', { registry: 'docker.io', repository: 'acme/payments', tag: '3.2.0', digest: null }],
    ['registry.example.com:5000/tools/agent:1.9', { registry: 'registry.example.com:5000', repository: 'tools/agent', tag: '1.9', digest: null }],
    ['localhost/app@sha256:abc', { registry: 'localhost', repository: 'app', tag: null, digest: 'sha256:abc' }],
    ['quay.io/acme/api', { registry: 'quay.io', repository: 'acme/api', tag: null, digest: null }],
  ] as const)('splits %s', (image, expected) => {
    expect(parseImageRef(image)).toEqual(expected);
  });
});
