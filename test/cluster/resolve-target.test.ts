import { describe, expect, it } from 'vitest';
import { closestNames, editDistance, parseTarget, resolveTarget, type ResolveScope } from '../../src/cluster/resolve-target.ts';
import type { Pod, Workload } from '../../src/contract/k8s.ts';
import { isPodwhyError } from '../../src/errors.ts';

function pod(name: string, ownerUid?: string): Pod {
  return {
    metadata: { name, namespace: 'shop', uid: `uid-${name}`, ownerReferences: ownerUid ? [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'x', uid: ownerUid, controller: true }] : undefined },
    spec: { containers: [{ name: 'app' }] },
  };
}

function workload(kind: string, name: string): Workload {
  return { kind, metadata: { name, namespace: 'shop', uid: `uid-${kind}-${name}` } };
}

const pods = [pod('checkout-7d9f8c-abcde', 'rs-checkout'), pod('checkout-7d9f8c-fghij', 'rs-checkout'), pod('web-0'), pod('web-1'), pod('cart-5f6d7-zzzzz')];
const workloads = [workload('Deployment', 'checkout'), workload('StatefulSet', 'web'), workload('Job', 'migrate')];

const scope: ResolveScope = {
  pods,
  workloads,
  podsOfWorkload: (w) => (w.metadata.name === 'checkout' ? pods.slice(0, 2) : w.metadata.name === 'web' ? pods.slice(2, 4) : []),
};

describe('parseTarget', () => {
  it('uses the context namespace for a bare name', () => {
    const spec = parseTarget('web-0', { defaultNamespace: 'team-a' });

    expect(spec).toEqual({ namespace: 'team-a', name: 'web-0' });
  });

  it('prefers -n over the context namespace', () => {
    const spec = parseTarget('web-0', { namespace: 'shop', defaultNamespace: 'team-a' });

    expect(spec).toEqual({ namespace: 'shop', name: 'web-0' });
  });

  it('reads ns/name as namespace and name', () => {
    const spec = parseTarget('shop/web-0', { defaultNamespace: 'default' });

    expect(spec).toEqual({ namespace: 'shop', name: 'web-0' });
  });

  it('reads kind/name with kubectl kind aliases', () => {
    expect(parseTarget('deploy/checkout', { defaultNamespace: 'shop' })).toEqual({ namespace: 'shop', name: 'checkout', kind: 'Deployment' });
    expect(parseTarget('sts/web', { defaultNamespace: 'shop' })).toEqual({ namespace: 'shop', name: 'web', kind: 'StatefulSet' });
    expect(parseTarget('shop/job/migrate', { defaultNamespace: 'x' })).toEqual({ namespace: 'shop', name: 'migrate', kind: 'Job' });
  });

  it('rejects ns/name that contradicts -n', () => {
    const attempt = () => parseTarget('shop/web-0', { namespace: 'other', defaultNamespace: 'default' });

    expect(attempt).toThrow(/names namespace shop but -n says other/);
  });

  it('rejects what cannot be a Kubernetes name', () => {
    let error: unknown;

    try {
      parseTarget('Web_0', { defaultNamespace: 'default' });
    } catch (e) {
      error = e;
    }

    expect(isPodwhyError(error, 'bad-input')).toBe(true);
  });
});

describe('resolveTarget', () => {
  it('finds a Pod by exact name', () => {
    const resolution = resolveTarget({ namespace: 'shop', name: 'web-1' }, scope);

    expect(resolution).toMatchObject({ kind: 'pod', pod: { metadata: { name: 'web-1' } } });
  });

  it('takes a Deployment name to its Pods', () => {
    const resolution = resolveTarget({ namespace: 'shop', name: 'checkout' }, scope);

    expect(resolution.kind).toBe('workload');
    if (resolution.kind !== 'workload') return;
    expect(resolution.workload.kind).toBe('Deployment');
    expect(resolution.pods.map((p) => p.metadata.name)).toEqual(['checkout-7d9f8c-abcde', 'checkout-7d9f8c-fghij']);
  });

  it('takes a StatefulSet name to its Pods', () => {
    const resolution = resolveTarget({ namespace: 'shop', name: 'web' }, scope);

    expect(resolution).toMatchObject({ kind: 'workload', workload: { kind: 'StatefulSet' } });
  });

  it('treats a unique Pod-name prefix as that Pod', () => {
    const resolution = resolveTarget({ namespace: 'shop', name: 'cart' }, scope);

    expect(resolution).toMatchObject({ kind: 'pod', pod: { metadata: { name: 'cart-5f6d7-zzzzz' } } });
  });

  it('returns every Pod matching a shared prefix, sorted', () => {
    const resolution = resolveTarget({ namespace: 'shop', name: 'checkout-7d9f8c' }, scope);

    expect(resolution.kind).toBe('prefix');
    if (resolution.kind !== 'prefix') return;
    expect(resolution.pods.map((p) => p.metadata.name)).toEqual(['checkout-7d9f8c-abcde', 'checkout-7d9f8c-fghij']);
  });

  it('suggests the closest names when nothing matches', () => {
    const resolution = resolveTarget({ namespace: 'shop', name: 'web-2' }, scope);

    expect(resolution).toEqual({ kind: 'not-found', suggestions: ['web-0', 'web-1', 'statefulset/web'] });
  });

  it('looks only at the named kind when one is given', () => {
    const resolution = resolveTarget({ namespace: 'shop', name: 'checkout', kind: 'StatefulSet' }, scope);

    expect(resolution).toEqual({ kind: 'not-found', suggestions: [] });
  });
});

describe('closestNames', () => {
  it('ranks by edit distance and drops far names', () => {
    const names = closestNames('chekout', ['checkout', 'cart', 'checkouts', 'payments']);

    expect(names).toEqual(['checkout', 'checkouts']);
  });

  it('includes names that contain the query', () => {
    const names = closestNames('api', ['orders-api-5d8f', 'web']);

    expect(names).toEqual(['orders-api-5d8f']);
  });

  it('computes the Levenshtein distance', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('web-0', 'web-0')).toBe(0);
  });
});
