/**
 * Request validation with two Ajv instances: bodies are checked strictly (a number sent for a
 * string is a 400, as Close answers), while query strings and path parameters are coerced from
 * text. Both drop keys a schema does not declare, which is how unknown and read-only keys in a body
 * are ignored rather than refused.
 */
import { Ajv, type ErrorObject, type Options } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

// ajv-formats is CommonJS; under NodeNext its callable default arrives as `.default`.
const addFormats = addFormatsModule.default;

const common: Options = {
  removeAdditional: true,
  useDefaults: true,
  allErrors: true,
  strict: false,
};

const bodyAjv = new Ajv({ ...common, coerceTypes: false });
const queryAjv = new Ajv({ ...common, coerceTypes: 'array' });
addFormats(bodyAjv);
addFormats(queryAjv);

/** Fastify's validator compiler: strict for bodies, coercing elsewhere. */
export const validatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) => {
  const ajv = httpPart === 'body' ? bodyAjv : queryAjv;
  return ajv.compile(schema as object);
};

/** `/contacts/0/emails/1/email` → `contacts[0].emails[1].email`. */
export function jsonPointerToPath(pointer: string): string {
  let out = '';
  for (const raw of pointer.split('/').slice(1)) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    out += /^\d+$/.test(part) ? `[${part}]` : out === '' ? part : `.${part}`;
  }
  return out;
}

function messageFor(error: ErrorObject): string {
  const p = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return 'This field is required.';
    case 'type':
      return `Input should be of type ${String(p.type).replace(',', ' or ')}.`;
    case 'enum':
      return `Input should be one of: ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}.`;
    case 'const':
      return `Input should be ${JSON.stringify(p.allowedValue)}.`;
    case 'maximum':
      return `Input should be less than or equal to ${String(p.limit)}`;
    case 'minimum':
      return `Input should be greater than or equal to ${String(p.limit)}`;
    case 'minLength':
      return Number(p.limit) === 1 ? 'This field may not be blank.' : `Input should have at least ${String(p.limit)} characters.`;
    case 'maxLength':
      return `Input should have at most ${String(p.limit)} characters.`;
    case 'maxItems':
      return `Input should have at most ${String(p.limit)} items.`;
    case 'minItems':
      return `Input should have at least ${String(p.limit)} items.`;
    case 'format':
      return `Input should be a valid ${String(p.format)}.`;
    case 'pattern':
      return 'Input has an invalid format.';
    default:
      return error.message ?? 'Invalid value.';
  }
}

/** Turns Ajv errors into Close's `field-errors` map (first message per path wins). */
export function ajvErrorsToFieldErrors(errors: readonly ErrorObject[], prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const error of errors) {
    if (error.keyword === 'anyOf' || error.keyword === 'oneOf' || error.keyword === 'if') continue;
    let path = jsonPointerToPath(error.instancePath);
    if (error.keyword === 'required') {
      const missing = String((error.params as { missingProperty: string }).missingProperty);
      path = path === '' ? missing : `${path}.${missing}`;
    }
    if (prefix) path = path === '' ? prefix : `${prefix}.${path}`;
    if (path === '') path = '__all__';
    out[path] ??= messageFor(error);
  }
  if (Object.keys(out).length === 0 && errors.length > 0) {
    const first = errors[0]!;
    out[jsonPointerToPath(first.instancePath) || prefix || '__all__'] = messageFor(first);
  }
  return out;
}
