import { describe, expect, it } from 'vitest';
import {
  actionOfSlackActionId,
  decodeActionValue,
  encodeActionValue,
  MAX_ACTION_VALUE_LENGTH,
  slackActionId,
  tryEncodeActionValue,
  type ActionTarget,
} from '../../src/slack/action-value.ts';

const TARGET: ActionTarget = {
  cluster: 'prod',
  namespace: 'shop',
  kind: 'Pod',
  name: 'web-7d9f8b6c5-x2x9k',
  uid: '0a1b2c3d-eeee-4f00-a111-222233334401',
  action: 'show-logs',
  issuedAt: 1_795_176_000_000,
  incidentId: 'prod/shop/Deployment/web/container-exit.immediate',
};

function tampered(change: (value: Record<string, unknown>) => void): string {
  const value = JSON.parse(encodeActionValue(TARGET)) as Record<string, unknown>;
  change(value);
  return JSON.stringify(value);
}

describe('action values', () => {
  it('round-trip through encode and decode', () => {
    const encoded = encodeActionValue(TARGET);

    expect(decodeActionValue(encoded)).toEqual({ ok: true, value: { v: 1, ...TARGET } });
  });

  it('round-trip without an incident id', () => {
    const { incidentId: _incidentId, ...target } = TARGET;

    expect(decodeActionValue(encodeActionValue(target))).toEqual({ ok: true, value: { v: 1, ...target } });
  });

  it('are compact, and stay under 2,000 characters for the longest names Kubernetes allows', () => {
    const longest: ActionTarget = {
      ...TARGET,
      cluster: 'c'.repeat(63),
      namespace: 'n'.repeat(63),
      kind: 'K'.repeat(63),
      name: 'p'.repeat(253),
      uid: 'u'.repeat(128),
      incidentId: `${'c'.repeat(63)}/${'n'.repeat(63)}/${'K'.repeat(63)}/${'p'.repeat(253)}/container-create.security-policy`,
    };

    expect(encodeActionValue(TARGET).length).toBeLessThan(300);
    expect(encodeActionValue(longest, () => 's'.repeat(256)).length).toBeLessThanOrEqual(MAX_ACTION_VALUE_LENGTH);
  });

  it.each<[string, string]>([
    ['an unknown key', tampered((v) => (v['force'] = true))],
    ['a missing uid', tampered((v) => delete v['uid'])],
    ['an unknown action', tampered((v) => (v['action'] = 'delete-namespace'))],
    ['another version', tampered((v) => (v['v'] = 2))],
    ['a number as a string', tampered((v) => (v['issuedAt'] = '1795176000000'))],
    ['a fractional time', tampered((v) => (v['issuedAt'] = 1.5))],
    ['a name no Pod can have', tampered((v) => (v['name'] = 'web`<!channel>`'))],
    ['a namespace with a slash', tampered((v) => (v['namespace'] = 'shop/../kube-system'))],
    ['a cluster with a colon', tampered((v) => (v['cluster'] = 'prod:1'))],
    ['an incident id with a colon', tampered((v) => (v['incidentId'] = 'prod:shop'))],
    ['an array', JSON.stringify([TARGET])],
    ['JSON null', 'null'],
    ['not JSON', '{"v":1,'],
    ['an oversized value', JSON.stringify({ ...TARGET, v: 1, pad: 'x'.repeat(2_000) })],
  ])('are rejected when tampered with: %s', (_what, raw) => {
    expect(decodeActionValue(raw)).toMatchObject({ ok: false, error: expect.any(String) });
  });

  it('reject a value that is not a string', () => {
    expect(decodeActionValue(undefined)).toEqual({ ok: false, error: 'value is not a string' });
    expect(decodeActionValue({ v: 1 })).toEqual({ ok: false, error: 'value is not a string' });
  });

  it('refuse to encode a target Kubernetes could not name, and tryEncode answers null instead', () => {
    const bad = { ...TARGET, name: 'Web_1' };

    expect(() => encodeActionValue(bad)).toThrow();
    expect(tryEncodeActionValue(bad)).toBeNull();
    expect(tryEncodeActionValue({ ...TARGET, uid: '' })).toBeNull();
  });
});

describe('the signing seam', () => {
  const sign = (canonical: string) => `sig${canonical.length}`;
  const verify = (canonical: string, signature: string) => signature === sign(canonical);

  it('signs the canonical unsigned encoding and carries the signature', () => {
    const encoded = encodeActionValue(TARGET, sign);

    expect(JSON.parse(encoded).sig).toBe(sign(encodeActionValue(TARGET)));
    expect(decodeActionValue(encoded, verify)).toMatchObject({ ok: true, value: { sig: sign(encodeActionValue(TARGET)) } });
  });

  it('with a verifier, rejects an unsigned value and a value changed after signing', () => {
    const signed = JSON.parse(encodeActionValue(TARGET, sign)) as Record<string, unknown>;

    expect(decodeActionValue(encodeActionValue(TARGET), verify)).toEqual({ ok: false, error: 'value signature is missing or wrong' });
    expect(decodeActionValue(JSON.stringify({ ...signed, name: 'web-other-pod-name' }), verify)).toEqual({ ok: false, error: 'value signature is missing or wrong' });
  });
});

describe('action ids', () => {
  it('are podwhy.<action> and map back', () => {
    expect(slackActionId('show-logs')).toBe('podwhy.show-logs');
    expect(slackActionId('rediagnose')).toBe('podwhy.rediagnose');
    expect(actionOfSlackActionId('podwhy.rediagnose')).toBe('rediagnose');
    expect(actionOfSlackActionId('podwhy.drop-table')).toBeNull();
    expect(actionOfSlackActionId('rediagnose')).toBeNull();
  });
});
