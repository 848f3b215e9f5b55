import { describe, expect, it } from 'vitest';
import { actionSigning, generateSigningKey } from '../../src/slack/action-signing.ts';
import { decodeActionValue, encodeActionValue, type ActionTarget } from '../../src/slack/action-value.ts';

const TARGET: ActionTarget = {
  cluster: 'prod',
  namespace: 'shop',
  kind: 'Pod',
  name: 'web-0',
  uid: '0a1b2c3d-eeee-4f00-a111-222233334401',
  action: 'force-delete',
  issuedAt: 1_795_176_000_000,
};
const signing = actionSigning('test-key-0123456789-0123456789-abcdef');

function tampered(change: (value: Record<string, unknown>) => void): string {
  const value = JSON.parse(encodeActionValue(TARGET, signing.sign)) as Record<string, unknown>;
  change(value);
  return JSON.stringify(value);
}

describe('signed action values (HMAC-SHA256)', () => {
  it('verify what they signed', () => {
    const encoded = encodeActionValue(TARGET, signing.sign);

    expect(JSON.parse(encoded)).toHaveProperty('sig');
    expect(decodeActionValue(encoded, signing.verify)).toEqual({ ok: true, value: expect.objectContaining({ ...TARGET, v: 1 }) });
  });

  it.each([
    ['namespace', (v: Record<string, unknown>) => void (v['namespace'] = 'kube-system')],
    ['uid', (v: Record<string, unknown>) => void (v['uid'] = '0a1b2c3d-eeee-4f00-a111-222233334499')],
    ['action', (v: Record<string, unknown>) => void (v['action'] = 'remove-finalizer')],
    ['issuedAt', (v: Record<string, unknown>) => void (v['issuedAt'] = Number(v['issuedAt']) + 3_600_000)],
    ['signature', (v: Record<string, unknown>) => void (v['sig'] = String(v['sig']).replace(/^./, (c) => (c === 'A' ? 'B' : 'A')))],
    ['signature (removed)', (v: Record<string, unknown>) => void delete v['sig']],
  ])('refuse a value whose %s was changed', (_field, change) => {
    expect(decodeActionValue(tampered(change), signing.verify)).toEqual({ ok: false, error: 'value signature is missing or wrong' });
  });

  it('refuse a value signed with another key', () => {
    const other = actionSigning(generateSigningKey());

    expect(decodeActionValue(encodeActionValue(TARGET, other.sign), signing.verify).ok).toBe(false);
  });

  it('generate distinct 256-bit keys', () => {
    const [a, b] = [generateSigningKey(), generateSigningKey()];

    expect(a).not.toBe(b);
    expect(Buffer.from(a, 'base64url')).toHaveLength(32);
  });
});
