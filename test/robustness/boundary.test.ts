import { describe, expect, it } from 'vitest';
import { DumpError } from '../../src/cluster/kubectl-dump.ts';
import { conformObject, normalizeObject } from '../../src/cluster/normalize.ts';
import { classifyObjects } from '../../src/cluster/snapshot.ts';
import { MAX_TEXT_LINE, toTextLine } from '../../src/render/text.ts';

// The two edges where untrusted cluster data is tamed: conformObject on the way in (a dump's objects get
// the types src/contract/k8s.ts promises the engine) and toTextLine on the way out (one safe, bounded line).

describe('normalizeObject', () => {
  it('ignores a "__proto__" key instead of letting it set the prototype of the copy', () => {
    const parsed: unknown = JSON.parse('{"metadata":{"name":"p","__proto__":{"deletionTimestamp":"2026-11-20T10:00:00Z","finalizers":["x"]}}}');

    const object = normalizeObject<{ metadata: Record<string, unknown> }>(parsed);

    expect(Object.getPrototypeOf(object.metadata)).toBe(Object.prototype);
    expect([object.metadata.deletionTimestamp, object.metadata.finalizers]).toEqual([undefined, undefined]);
  });
});

describe('conformObject', () => {
  it('drops fields of the wrong type and keeps the ones the contract does not declare', () => {
    const pod = {
      kind: 'Pod',
      metadata: { name: 'web-1', namespace: 7, labels: { app: 'web', tier: 3 }, finalizers: ['a', null, 'b'] },
      spec: { nodeName: ['n1'], containers: [{ name: 'app', image: 42, args: ['--port', 8080] }], hostNetwork: true },
      status: { phase: 'Running', podIP: '10.0.0.1' },
    };

    const conformed = conformObject('Pod', pod);

    expect(conformed).toEqual({
      kind: 'Pod',
      metadata: { name: 'web-1', labels: { app: 'web' }, finalizers: ['a', 'b'] },
      spec: { containers: [{ name: 'app', args: ['--port'] }], hostNetwork: true },
      status: { phase: 'Running', podIP: '10.0.0.1' },
    });
  });

  it('drops list elements that cannot be their shape, and shapes missing a required field', () => {
    const pod = {
      metadata: { name: 'web-1', ownerReferences: [{ kind: 'ReplicaSet', name: 'web' }, null] },
      spec: { containers: [null, { image: 'nameless' }, { name: 'app' }] },
      status: {
        conditions: [{ type: 'Ready' }, { type: 'Ready', status: 'False' }],
        containerStatuses: [{ name: 'app', state: { terminated: { reason: 'OOMKilled' }, waiting: 'CrashLoopBackOff' } }],
      },
    };

    const conformed = conformObject('Pod', pod);

    expect(conformed).toEqual({
      metadata: { name: 'web-1', ownerReferences: [] },
      spec: { containers: [{ name: 'app' }] },
      status: {
        conditions: [{ type: 'Ready', status: 'False' }],
        containerStatuses: [{ name: 'app', state: {}, ready: false, restartCount: 0 }],
      },
    });
  });

  it('drops numbers that are not API integers', () => {
    const pod = {
      metadata: { name: 'web-1' },
      spec: { containers: [{ name: 'app', livenessProbe: { periodSeconds: 1e308, failureThreshold: Number.NaN, timeoutSeconds: 0.5, initialDelaySeconds: -5 } }] },
    };

    const conformed = conformObject('Pod', pod) as { spec: { containers: { livenessProbe: unknown }[] } };

    expect(conformed.spec.containers[0]?.livenessProbe).toEqual({ initialDelaySeconds: -5 });
  });

  it('reads hand-written numeric quantities as quantity strings', () => {
    const node = { metadata: { name: 'n1' }, status: { allocatable: { cpu: 4, memory: '16Gi', 'nvidia.com/gpu': Number.POSITIVE_INFINITY } } };

    const conformed = conformObject('Node', node) as { status: { allocatable: unknown } };

    expect(conformed.status.allocatable).toEqual({ cpu: '4', memory: '16Gi' });
  });

  it('refuses an unnamed Pod but keeps an Event whose own name is missing', () => {
    const pod = conformObject('Pod', { metadata: { namespace: 'shop' }, spec: {} });
    const event = conformObject('Event', { metadata: 'x', involvedObject: { kind: 'Pod', name: 'web-1', uid: 5 }, reason: 'BackOff' });

    expect(pod).toBeNull();
    expect(event).toEqual({ metadata: { name: '' }, involvedObject: { kind: 'Pod', name: 'web-1' }, reason: 'BackOff' });
  });

  it('drops what it must from a copy, leaving the object it was given as it was', () => {
    const pod = { metadata: { name: 'web-1' }, spec: { containers: [{ name: 'app', ports: [{ containerPort: 'http' }] }, 7] } };
    const before = structuredClone(pod);

    const conformed = conformObject('Pod', pod);

    expect(conformed).toEqual({ metadata: { name: 'web-1' }, spec: { containers: [{ name: 'app', ports: [] }] } });
    expect(pod).toEqual(before);
  });

  it('is applied by classifyObjects, which skips what cannot be conformed', () => {
    const set = classifyObjects([
      { kind: 'Pod', metadata: { namespace: 'shop' } },
      { kind: 'Pod', metadata: { name: 'web-1' }, spec: { containers: 'app' } },
      { kind: 'ConfigMap', metadata: { name: 'ignored' } },
    ]);

    expect(set.pods).toEqual([{ kind: 'Pod', metadata: { name: 'web-1' }, spec: { containers: [] } }]);
  });
});

describe('toTextLine', () => {
  it('keeps an ordinary line as it is', () => {
    expect(toTextLine('event Warning BackOff on Pod/web-1 (x3, 2m ago): Back-off restarting failed container')).toBe(
      'event Warning BackOff on Pod/web-1 (x3, 2m ago): Back-off restarting failed container',
    );
  });

  it('puts a multi-line message on one line', () => {
    expect(toTextLine('MountVolume.SetUp failed\nOutput: mount failed\r\nexit status 32')).toBe('MountVolume.SetUp failed Output: mount failed exit status 32');
  });

  it('neutralizes terminal escapes and bidi overrides', () => {
    const line = toTextLine('pod \u001b]0;pwned\u0007\u001b[2J web-\u202Egnp.exe\u202C');

    expect(line).toBe('pod \uFFFD]0;pwned\uFFFD\uFFFD[2J web-\uFFFDgnp.exe\uFFFD');
  });

  it('clips to the line budget, keeping the start and never half a surrogate pair', () => {
    const emoji = `${'a'.repeat(MAX_TEXT_LINE - 2)}😀${'b'.repeat(100)}`;

    const plain = toTextLine(`Error: ${'x'.repeat(50 * 1024)}`);
    const clipped = toTextLine(emoji);

    expect(plain).toHaveLength(MAX_TEXT_LINE);
    expect(plain.startsWith('Error: xxx')).toBe(true);
    expect(plain.endsWith('…')).toBe(true);
    expect(clipped).toBe(`${'a'.repeat(MAX_TEXT_LINE - 2)}…`);
  });
});

describe('DumpError', () => {
  it('keeps its message on one line, without control characters', () => {
    const error = new DumpError('invalid JSON: Unexpected token \u001b in "{\n\u001b[2J"');

    expect(error.message).toBe('invalid JSON: Unexpected token   in "{ [2J"');
  });
});
