/**
 * The operations of the served OpenAPI document, reduced to what a request generator needs: the
 * method, the path template, its parameters and the JSON body schema.
 */

export type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  enum?: unknown[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  nullable?: boolean;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  minimum?: number;
  maximum?: number;
  pattern?: string;
  format?: string;
  description?: string;
  default?: unknown;
};

export interface Parameter {
  readonly name: string;
  readonly in: 'query' | 'path';
  readonly required: boolean;
  readonly schema: JsonSchema;
}

export interface Operation {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';
  readonly path: string;
  readonly key: string;
  readonly pathParams: readonly Parameter[];
  readonly queryParams: readonly Parameter[];
  /** Undefined when the operation takes no body. */
  readonly body: JsonSchema | undefined;
}

interface OpenApiDocument {
  paths: Record<string, Record<string, { parameters?: { name: string; in: string; required?: boolean; schema?: JsonSchema }[]; requestBody?: { content?: Record<string, { schema?: JsonSchema }> } }>>;
}

/**
 * A body documented only as `{a, b, c}` in its description (the search endpoint's body is checked
 * by hand, not by a schema) is read as an object with those optional keys, so that the property
 * names still steer the generator.
 */
function bodySchema(schema: JsonSchema | undefined): JsonSchema | undefined {
  if (!schema) return undefined;
  if (!schema.type && !schema.properties && !schema.anyOf) {
    const keys = /^\{([\w\s,]+)\}$/.exec(schema.description ?? '')?.[1];
    if (keys) {
      const properties: Record<string, JsonSchema> = {};
      for (const k of keys.split(',').map((s) => s.trim()).filter(Boolean)) properties[k] = {};
      return { type: 'object', properties };
    }
  }
  return schema;
}

export function operationsOf(document: unknown): Operation[] {
  const out: Operation[] = [];
  for (const [path, methods] of Object.entries((document as OpenApiDocument).paths)) {
    if (!path.startsWith('/api/v1/')) continue;
    for (const [method, op] of Object.entries(methods)) {
      const upper = method.toUpperCase() as Operation['method'];
      if (!['GET', 'POST', 'PUT', 'DELETE', 'PATCH'].includes(upper)) continue;
      const params = (op.parameters ?? []).map((p) => ({
        name: p.name,
        in: p.in as 'query' | 'path',
        required: p.required === true || p.in === 'path',
        schema: p.schema ?? {},
      }));
      out.push({
        method: upper,
        path,
        key: `${upper} ${path}`,
        pathParams: params.filter((p) => p.in === 'path'),
        queryParams: params.filter((p) => p.in === 'query'),
        body: bodySchema(op.requestBody?.content?.['application/json']?.schema),
      });
    }
  }
  return out;
}
