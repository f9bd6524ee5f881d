/**
 * The one place where errors become HTTP responses in Close's shapes:
 * - 400 validation: `{"errors": [...], "field-errors": {"path": "message"}}`
 * - 400 malformed JSON: `{"error": "The request contains invalid JSON."}`
 * - everything else: `{"error": "..."}`; a 500 never carries internals, only the request id.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
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

function toSluiceError(error: FastifyError): SluiceError | undefined {
  if (error instanceof SluiceError) return error;
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

/** Installs the error and not-found handlers on `app`. */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const known = toSluiceError(error);
    if (known) {
      if (known.status >= 500) request.log.error({ err: error }, 'request failed');
      return reply.status(known.status).send(closeErrorBody(known));
    }
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      return reply.status(error.statusCode).send({ error: error.message });
    }
    request.log.error({ err: error }, 'unhandled error');
    return reply.status(500).send({ error: `Internal server error (request ${request.id}).` });
  });
  app.setNotFoundHandler((request, reply) => {
    reply.status(404).send({ error: 'The requested URL was not found on the server.' });
  });
}
