/**
 * HMAC-SHA256 over a button value's canonical encoding (action-value.ts), with a server key: a value changed in
 * transit (another namespace, uid or action) or made up by hand no longer matches its `sig` and is refused before
 * anything else is looked at (docs/architecture.md, "Button click"). node:crypto is the kept library here; the
 * comparison is constant-time (timingSafeEqual) so the check leaks nothing about the right signature.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ActionValueSigner, ActionValueVerifier } from './action-value.ts';

/** Signs and verifies button values with one key. */
export interface ActionSigning {
  sign: ActionValueSigner;
  verify: ActionValueVerifier;
}

/** 256 bits, as base64url: what a generated key holds, and the least ACTION_SIGNING_KEY should. */
export const SIGNING_KEY_BYTES = 32;

export function actionSigning(key: string): ActionSigning {
  if (key.length < 16) throw new RangeError('an action signing key has at least 16 characters');
  const mac = (canonical: string): Buffer => createHmac('sha256', key).update(canonical, 'utf8').digest();
  return {
    sign: (canonical) => mac(canonical).toString('base64url'),
    verify(canonical, signature) {
      const expected = mac(canonical);
      const given = Buffer.from(signature, 'base64url');
      return given.length === expected.length && timingSafeEqual(given, expected);
    },
  };
}

/** A fresh random key: single-process mode without ACTION_SIGNING_KEY (buttons from before a restart stop working). */
export function generateSigningKey(): string {
  return randomBytes(SIGNING_KEY_BYTES).toString('base64url');
}
