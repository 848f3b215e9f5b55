/**
 * Errors podwhy explains to a person. `code` is stable (handlers and the CLI map it to a message
 * or an exit code); `message` is specific: which pod, which namespace, which verb on which resource.
 */
export const ERROR_CODES = [
  'bad-input',
  'pod-not-found',
  'namespace-not-found',
  'forbidden',
  'api-unreachable',
  'api-error',
  'conflict',
  'gone',
  'redis-unavailable',
  'redis-misconfigured',
  'config-invalid',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export class PodwhyError extends Error {
  override name = 'PodwhyError';
  readonly code: ErrorCode;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.details = details;
  }
}

export function isPodwhyError(error: unknown, code?: ErrorCode): error is PodwhyError {
  return error instanceof PodwhyError && (code === undefined || error.code === code);
}
