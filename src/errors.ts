/**
 * The one error type. Handlers throw it; `src/http/error-handler.ts` is the only place that turns it
 * (and everything else) into Close's error bodies.
 */

export type ErrorCode =
  | 'validation'
  | 'invalid_json'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'method_not_allowed'
  | 'payload_too_large'
  | 'rate_limited'
  | 'conflict'
  | 'internal';

const STATUS: Record<ErrorCode, number> = {
  validation: 400,
  invalid_json: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  payload_too_large: 413,
  rate_limited: 429,
  conflict: 409,
  internal: 500,
};

export class SluiceError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  /** JSON path of the offending input (`contacts[0].emails[1].email`) to message. */
  readonly fieldErrors: Readonly<Record<string, string>>;
  /** Messages not tied to one field. */
  readonly errors: readonly string[];
  /** Seconds until a rate-limited caller may retry. */
  readonly rateReset: number | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options: { fieldErrors?: Record<string, string>; errors?: string[]; cause?: unknown; rateReset?: number } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'SluiceError';
    this.code = code;
    this.status = STATUS[code];
    this.fieldErrors = options.fieldErrors ?? {};
    this.errors = options.errors ?? [];
    this.rateReset = options.rateReset;
  }
}

/** A 400 naming one field: `fieldError('status_id', 'Unknown lead status.')`. */
export function fieldError(path: string, message: string): SluiceError {
  return new SluiceError('validation', message, { fieldErrors: { [path]: message } });
}

/** A 400 naming several fields at once. */
export function fieldErrors(errors: Record<string, string>): SluiceError {
  return new SluiceError('validation', Object.values(errors)[0] ?? 'Invalid input.', { fieldErrors: errors });
}

/** A 400 not tied to one field. */
export function badRequest(message: string): SluiceError {
  return new SluiceError('validation', message, { errors: [message] });
}

/** A 404 for an object of `what` that is unknown (or belongs to another organization). */
export function notFound(what = 'object'): SluiceError {
  return new SluiceError('not_found', `The requested ${what} was not found.`);
}
