/**
 * Requests for one OpenAPI operation. Each picks a focus: the body, the query string or a path
 * parameter gets one to three hostile substitutions (mutations.ts) while the rest stays
 * well-formed (schema-values.ts, or a body the fixture world was created with), so the hostile
 * part reaches the code behind validation; some requests are clean (they must succeed often enough
 * to show the suite is not passing vacuously) and some bodies fully random. Nothing here names an
 * endpoint: a new one is covered by being in the document.
 */
import fc from 'fast-check';
import type { World } from './fixture-world.ts';
import { deepArray, deepen, DEPTH, encodeQueryValue, HOSTILE_KEYS, hostileValue, MANY, RawJson, short, withKey } from './hostile-values.ts';
import { applyQuery, bodyMutation, CLASSES, hostilePathValue, mutateBody, queryMutation, type QueryPairs } from './mutations.ts';
import type { JsonSchema, Operation } from './openapi-operations.ts';
import { prefixesFor, searchQuery, unknownIds, valueFor, type Ctx } from './schema-values.ts';

export interface HostileRequest {
  readonly method: string;
  readonly url: string;
  /** The JSON body (may hold RawJson); undefined sends none. */
  readonly body?: unknown;
  readonly org: 'a' | 'b';
}

type Focus = 'body' | 'query' | 'path' | 'clean' | 'random';

function asQueryText(v: unknown): string {
  return typeof v === 'string' ? v : v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
}

function randomBody(schema: JsonSchema | undefined): fc.Arbitrary<unknown> {
  const names = Object.keys(schema?.properties ?? {});
  const key = fc.oneof(fc.constantFrom(...HOSTILE_KEYS), ...(names.length ? [fc.constantFrom(...names)] : []), fc.string({ maxLength: 8 }));
  const val = fc.oneof(hostileValue, fc.jsonValue({ maxDepth: 2 }));
  return fc.oneof(
    { weight: 3, arbitrary: fc.array(fc.tuple(key, val), { maxLength: 6 }).map((entries) => entries.reduce((o, [k, v]) => withKey(o, k, v), {} as Record<string, unknown>)) },
    { weight: 1, arbitrary: hostileValue },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        deepArray(DEPTH), new RawJson('"\\u0000"', 'a JSON string of NUL'), new RawJson('{"a":1,"a":2}', 'duplicate keys'),
        new RawJson('"\\ud800"', 'lone surrogate string'), new RawJson('{"\\u0000":1}', 'NUL key'), new RawJson('{"__proto__":{"x":1}}', '__proto__ key'),
      ),
    },
  );
}

/** A copy of a body the world was made with, with its (unique) name or label made new. */
function renamed(body: unknown, n: number): unknown {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return body;
  const out: Record<string, unknown> = { ...(body as Record<string, unknown>) };
  for (const key of ['name', 'label']) if (typeof out[key] === 'string') out[key] = `${out[key] as string} ${n}`;
  return out;
}

function pathParts(op: Operation, ctx: Ctx) {
  return op.pathParams.map((p) => {
    const collection = op.path.slice(0, op.path.indexOf(`{${p.name}}`));
    const world = ctx.world;
    const listed = (org: 'a' | 'b') => (p.name === 'email' ? world.valuesOf(org, collection, 'email') : world.idsOf(org, collection));
    const own = listed('a');
    const theirs = listed('b');
    const prefixes = [...new Set(own.map((id) => id.split('_')[0]!))];
    const guessPrefixes = prefixesFor(collection.split('/').filter(Boolean).pop() ?? '', world);
    const guessed = guessPrefixes.flatMap((px) => world.idsWithPrefix('a', px));
    const unknown = p.name === 'email' ? ['nobody@nowhere.example', 'NOBODY@hostile-a.example'] : unknownIds(prefixes.length ? prefixes : guessPrefixes.length ? guessPrefixes : ['obj']);
    const real = own.length ? own : guessed.length ? guessed : unknown;
    const wrongKind = world.prefixes().filter((px) => !prefixes.includes(px)).flatMap((px) => world.idsWithPrefix('a', px).slice(0, 1));
    const clean = fc.constantFrom(...real).map(encodeQueryValue);
    const hostile = fc.oneof(
      { weight: 1, arbitrary: fc.constantFrom(...(theirs.length ? theirs : unknown), ...unknown, ...wrongKind).map(encodeQueryValue) },
      { weight: 3, arbitrary: fc.tuple(fc.constantFrom(...CLASSES), fc.nat(), clean).map(([cls, variant, sample]) => hostilePathValue(cls, variant, sample)) },
    );
    return { clean, hostile };
  });
}

/** Requests for `op`, shaped by its schemas and the world's objects, with hostile substitutions. */
export function requestArbitrary(op: Operation, world: World): fc.Arbitrary<HostileRequest> {
  const ctx: Ctx = { world, path: op.path, object: /\/contact\//.test(op.path) ? 'contact' : 'lead', parent: '' };
  const withBody = op.body !== undefined && (op.method === 'POST' || op.method === 'PUT' || op.method === 'PATCH');
  const collection = op.path.replace(/\{\w+\}\/.*$/, '');
  const good = world.goodBodies(collection);
  const wellFormedBody = withBody
    ? good.length
      ? fc.oneof(valueFor(op.body!, '', ctx), fc.tuple(fc.constantFrom(...good), fc.nat(1e9)).map(([b, n]) => renamed(b, n)))
      : valueFor(op.body!, '', ctx)
    : fc.constant(undefined);

  const shape: Record<string, fc.Arbitrary<unknown>> = {};
  for (const p of op.queryParams) shape[p.name] = valueFor(p.schema, p.name, ctx);
  const cleanQuery = fc
    .record(shape, { requiredKeys: op.queryParams.filter((p) => p.required).map((p) => p.name) })
    .map((r) => Object.entries(r).map(([k, v]): [string, string] => [k, encodeQueryValue(asQueryText(v))]));
  const queryNames = [...new Set([...op.queryParams.map((p) => p.name), '_skip', '_limit', '_fields'])];
  const leadId = world.idsWithPrefix('a', 'lead')[0]!;
  const hostileQuery = fc.tuple(cleanQuery, fc.array(queryMutation, { minLength: 1, maxLength: 2 }), searchQuery(world)).map(([pairs, ms, sq]) => {
    const out: QueryPairs = pairs.map(([k, v]) => [k, v]);
    const extras = { ids: () => Array.from({ length: MANY }, () => leadId).join(','), deepSearch: () => encodeURIComponent(deepen(sq, DEPTH).text) };
    for (const m of ms) applyQuery(out, queryNames, m, extras);
    return out;
  });

  const parts = pathParts(op, ctx);
  const focuses: Focus[] = withBody
    ? ['body', 'body', 'body', 'body', 'body', 'query', 'query', 'clean', 'clean', 'random', ...(parts.length ? (['path', 'path'] as const) : [])]
    : ['query', 'query', 'query', 'query', 'clean', 'clean', ...(parts.length ? (['path', 'path', 'path'] as const) : [])];

  return fc.constantFrom(...focuses).chain((focus) => {
    const body =
      focus === 'body' ? fc.tuple(wellFormedBody, fc.array(bodyMutation, { minLength: 1, maxLength: 3 })).map(([v, ms]) => mutateBody(v, ms))
      : focus === 'random' ? randomBody(op.body)
      : wellFormedBody;
    const query = focus === 'query' ? hostileQuery : cleanQuery;
    // One parameter hostile at a time, so the others still name real objects.
    const path = fc.tuple(fc.nat(), ...parts.map((p) => fc.tuple(p.clean, p.hostile))).map(([which, ...values]) => {
      let i = 0;
      const target = which % Math.max(values.length, 1);
      return op.path.replace(/\{\w+\}/g, () => {
        const index = i++;
        const [clean, hostile] = values[index]!;
        return focus === 'path' && index === target ? hostile : clean;
      });
    });
    return fc.record({
      path,
      query,
      body: withBody ? body : fc.constant(undefined),
      org: fc.constantFrom<'a' | 'b'>('a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'b'),
    });
  }).map(({ path, query, body, org }) => {
    const qs = query.map(([k, v]) => `${k}=${v}`).join('&');
    const request: HostileRequest = { method: op.method, url: qs ? `${path}?${qs}` : path, body, org };
    // fast-check prints counterexamples with this: a megabyte body would otherwise be printed whole.
    Object.defineProperty(request, fc.toStringMethod, { value: () => describeRequest(request) });
    return request;
  });
}

/** The request in a line or two: long URLs, strings and lists shortened, invisible characters escaped. */
export function describeRequest(req: HostileRequest): string {
  const url = req.url.length > 400 ? `${req.url.slice(0, 300)}…(${req.url.length} chars)` : req.url;
  const key = req.org === 'a' ? '' : ' [org B key]';
  return `${req.method} ${url}${key}${req.body === undefined ? '' : ` body=${short(req.body, 900)}`}`;
}
