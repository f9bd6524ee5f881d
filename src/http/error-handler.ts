/**
 * The one place where errors become HTTP responses in Close's shapes:
 * - 400 validation: `{"errors": [...], "field-errors": {"path": "message"}}`
 * - 400 malformed JSON: `{"error": "The request contains invalid JSON."}`
 * - everything else: `{"error": "..."}`; a 500 never carries internals, only the request id.
 * - the database connection lost (PostgreSQL restarting): 503 with `Retry-After: 1`.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import pg from 'pg';
import { isConnectionLost } from '../db/connection-lost.ts';
import { SluiceError } from '../errors.ts';
import { ajvErrorsToFieldErrors } from './validation.ts';

export const INVALID_JSON_MESSAGE = 'The request contains invalid JSON.';

/** The response body for `error`, in Close's shape. */
export function closeErrorBody(error: SluiceError): Record<string, unknown> {
  if (error.code === 'validation') {
    return { errors: [...error.errors], 'field-errors': { ...error.fieldErrors } };
  }
  if (error.code === 'invalid_json') return { error: INVALID_JSON_MESSAGE };
  if (error.code === 'rate_limited') return { error: { message: error.message, rate_reset: error.rateReset } };
  return { error: error.message };
}

/**
 * PostgreSQL refusals caused by the request's own data: class 22 (data exceptions: a value out of
 * range, bad encoding, invalid text for a type), 54000 (a value or array too large), 54001 (an
 * expression nested too deeply), and a statement cancelled by `statement_timeout` (57014). Input
 * checks should stop these earlier; mapping them here keeps a check that was missed a 400, not a 500.
 */
function databaseInputError(error: unknown): SluiceError | undefined {
  if (!(error instanceof pg.DatabaseError) || typeof error.code !== 'string') return undefined;
  const code = error.code;
  if (code.startsWith('22') || code === '54000' || code === '54001') {
    // PostgreSQL's own message may quote stored values the caller did not send: it is logged, and
    // the caller gets the SQLSTATE only.
    const message = `A value in the request cannot be stored or compared (PostgreSQL ${code}).`;
    return new SluiceError('validation', message, { errors: [message], cause: error });
  }
  if (code === '57014' && /statement timeout/i.test(error.message)) {
    const message = 'The request took longer than the database statement time limit (DB_STATEMENT_TIMEOUT_MS); narrow it and try again.';
    return new SluiceError('validation', message, { errors: [message], cause: error });
  }
  return undefined;
}

function toSluiceError(error: FastifyError): SluiceError | undefined {
  if (error instanceof SluiceError) return error;
  const database = databaseInputError(error);
  if (database) return database;
  if (error.validation) {
    return new SluiceError('validation', 'Invalid input.', {
      fieldErrors: ajvErrorsToFieldErrors(error.validation as never),
    });
  }
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new SluiceError('invalid_json', INVALID_JSON_MESSAGE);
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new SluiceError('payload_too_large', 'The request body is too large.');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new SluiceError('validation', 'Unsupported Content-Type; send application/json.', {
        errors: ['Unsupported Content-Type; send application/json.'],
      });
  }
  if (error instanceof SyntaxError && error.statusCode === 400) {
    return new SluiceError('invalid_json', INVALID_JSON_MESSAGE);
  }
  return undefined;
}

/** Sends `error` in Close's shape, with `Retry-After` when it is a rate limit. */
export function sendCloseError(reply: FastifyReply, error: SluiceError): FastifyReply {
  if (error.code === 'rate_limited' && error.rateReset !== undefined && !reply.hasHeader('retry-after')) {
    reply.header('retry-after', String(Math.max(1, Math.ceil(error.rateReset))));
  }
  return reply.status(error.status).send(closeErrorBody(error));
}

/** Installs the error and not-found handlers on `app`. */
export function installErrorHandling(
  app: FastifyInstance,
  options: {
    /** Runs first; an error it returns (a 401 or 429 of authentication) is answered instead. */
    readonly before?: (request: FastifyRequest, reply: FastifyReply) => Promise<SluiceError | undefined>;
  } = {},
): void {
  app.setErrorHandler(async (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const refusal = await options.before?.(request, reply);
    if (refusal) return sendCloseError(reply, refusal);
    const known = toSluiceError(error);
    if (known) {
      if (known.status >= 500) request.log.error({ err: error }, 'request failed');
      else if (known.cause instanceof pg.DatabaseError) request.log.warn({ err: known.cause }, 'database refused a value of the request');
      return sendCloseError(reply, known);
    }
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      return reply.status(error.statusCode).send({ error: error.message });
    }
    if (isConnectionLost(error)) {
      // PostgreSQL restarting or unreachable: not a bug of this request, and worth retrying.
      request.log.warn({ err: error }, 'database unavailable');
      return reply.status(503).header('retry-after', '1').send({ error: 'The database is unavailable; try again shortly.' });
    }
    request.log.error({ err: error }, 'unhandled error');
    return reply.status(500).send({ error: `Internal server error (request ${request.id}).` });
  });
  app.setNotFoundHandler((request, reply) => {
    reply.status(404).send({ error: 'The requested URL was not found on the server.' });
  });
}
