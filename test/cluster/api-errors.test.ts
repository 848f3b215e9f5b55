import { ApiException } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { toPodwhyError } from '../../src/cluster/api-errors.ts';

describe('toPodwhyError', () => {
  it('leaves an unknown failure as api-error', () => {
    const error = toPodwhyError(new Error('boom'), { verb: 'list', resource: 'pods', server: 'https://x' });

    expect(error.code).toBe('api-error');
    expect(error.message).toBe('cannot list pods cluster-wide: boom');
  });

  it('keeps the Retry-After of a 429 (seconds) for the informer\'s back-off', () => {
    const info = { verb: 'list', resource: 'pods', server: 'https://x' };
    const asked = toPodwhyError(new ApiException(429, 'Unknown API Status Code!', 'Too many requests, please try again later.\n', { 'retry-after': '7' }), info);
    const silent = toPodwhyError(new ApiException(429, 'Unknown API Status Code!', '', {}), info);

    expect(asked.details).toMatchObject({ status: 429, retryAfterSeconds: 7 });
    expect(silent.details.retryAfterSeconds).toBeUndefined();
  });
});
