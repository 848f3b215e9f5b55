import { describe, expect, it } from 'vitest';
import { classifyPullError } from '../../src/diagnosis/scenarios/image-pull-errors.ts';

// classifyPullError scans once for any marker before it tries them in order; the scan must never hide a marker the
// lower-cased comparison finds, whatever the case or the Unicode in the message.
describe('classifyPullError', () => {
  it.each([
    ['Failed to pull image "shop/api:1.4": rpc error: code = Unknown desc = failed to pull and unpack image: 429 Too Many Requests - Server message: toomanyrequests: You have reached your pull rate limit.', 'throttled'],
    ['FAILED TO PULL IMAGE "SHOP/API:1.4": 429 TOO MANY REQUESTS', 'throttled'],
    ['Failed to pull image "x": dial tcp: lookup registry.example.com: No Such Host', 'network'],
    ['Failed to pull image "x": Get "https://r.example.com/v2/": net/http: TLS HANDSHAKE TIMEOUT', 'network'],
    // The Kelvin sign lower-cases to k: "un\u212Anown" is "unknown" to toLowerCase(), so to the scan too.
    ['Failed to pull image "x": manifest un\u212Anown', 'not-found'],
  ])('%s → %s', (message, cause) => {
    expect(classifyPullError(message)).toBe(cause);
  });

  it('names no cause for messages without a marker', () => {
    expect(classifyPullError('Back-off pulling image "shop/api:1.4"')).toBeNull();
    expect(classifyPullError('')).toBeNull();
    expect(classifyPullError(undefined)).toBeNull();
  });
});
