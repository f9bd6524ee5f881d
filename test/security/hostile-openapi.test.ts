/**
 * Hostile input against every operation of the served OpenAPI document (issue 9): requests shaped
 * by each operation's own schemas with hostile substitutions (NUL, lone surrogates, megabyte
 * strings, 100,000 items, nesting 10,000 deep, SQL/Liquid/regex metacharacters, numbers out of
 * range, wrong types, unknown and `__proto__` keys) in bodies, query strings and paths, plus fully
 * random ones. Every answer must be 200/201, 400, 404, 413 or 429, never a 5xx, and a 4xx carries
 * Close's error body; a rejected request must change no tenant row; an accepted one must not touch
 * the other organization's rows.
 *
 * Knobs: HOSTILE_RUNS (requests per operation), HOSTILE_SEED (replay a run), HOSTILE_OPS (only
 * operations whose `METHOD path` contains it), HOSTILE_FAST_FAIL=1 (stop an operation at its first
 * failure and let fast-check shrink it), HOSTILE_REPORT=file (every failure as JSON), HOSTILE_TRACE=1
 * (print every request and answer).
 *
 * Failures are collected per operation and reported once per cause, with the smallest request
 * that showed it, rather than stopping at the first: the point is the complete list.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { before, describe, test } from 'node:test';
import fc from 'fast-check';
import { buildWorld, type World } from './fixture-world.ts';
import { createHostileApp, type HostileApp } from './hostile-app.ts';
import { toJson } from './hostile-values.ts';
import { operationsOf, type Operation } from './openapi-operations.ts';
import { describeRequest, requestArbitrary, type HostileRequest } from './request-arbitrary.ts';
import { changed, fingerprint, fingerprintQuery, tenantTables, type Fingerprint } from './tenant-fingerprint.ts';

const RUNS = Number(process.env.HOSTILE_RUNS ?? 25);
const SEED = process.env.HOSTILE_SEED ? Number(process.env.HOSTILE_SEED) : Math.floor(Math.random() * 2 ** 31);
const FAST_FAIL = process.env.HOSTILE_FAST_FAIL === '1';
const ONLY = process.env.HOSTILE_OPS;
const TRACE = process.env.HOSTILE_TRACE === '1';

/** 201 is how POST /sequence_subscription/ says created; the rest is issue 9's list. */
const ALLOWED = new Set([200, 201, 400, 404, 413, 429]);

/**
 * TEMPORARY, keyed by root cause: failures that would otherwise drown the rest. Each entry goes
 * when its fix lands. Empty: failures are collected per cause rather than stopping the run, so
 * none needs hiding today.
 */
const KNOWN_CAUSES: { readonly cause: string; readonly matches: (f: Failure) => boolean }[] = [];

interface Failure {
  readonly operation: string;
  readonly signature: string;
  readonly status: number;
  readonly request: string;
  readonly response: string;
  readonly cause: string;
  readonly size: number;
}

let t: HostileApp;
let world: World;
let operations: Operation[] = [];
let tables: string[] = [];
let query: string;
let last: Fingerprint;
const statusCounts = new Map<string, Map<number, number>>();
const failures: Failure[] = [];
const timing = { requests: 0, fingerprints: 0 };
const slowest = new Map<string, { ms: number; request: string; status: number }>();

/** Ids, numbers and quoted values out of a message, so one cause gives one signature. */
function normalize(message: string): string {
  return message
    .replace(/\b[a-z]{1,12}_[0-9A-Za-z]{20,}/g, '<id>')
    .replace(/"[^"]*"|'[^']*'/g, '<v>')
    .replace(/\d+/g, 'N')
    .slice(0, 200);
}

/** Each operation its own stream (one seed for all would make aliased endpoints collide on names). */
function seedFor(op: Operation): number {
  let h = SEED | 0;
  for (const c of op.key) h = (Math.imul(h, 31) + c.charCodeAt(0)) | 0;
  return h;
}

async function exercise(op: Operation, req: HostileRequest): Promise<Failure[]> {
  const org = t[req.org === 'a' ? 'orgA' : 'orgB'];
  const other = t[req.org === 'a' ? 'orgB' : 'orgA'];
  const rawBody = req.body === undefined ? undefined : toJson(req.body);
  const before = last;
  const started = Date.now();
  const res = await t.call(req.method, req.url, { key: org.api_key, rawBody });
  const took = Date.now() - started;
  last = await fingerprint(t.pool, query);
  timing.requests += took;
  timing.fingerprints += Date.now() - started - took;
  const slow = slowest.get(op.key);
  if (!slow || took > slow.ms) slowest.set(op.key, { ms: took, request: describeRequest(req).slice(0, 300), status: res.status });
  if (res.status < 300 && req.method === 'POST') world.learn(req.org, op.path, res.body);
  if (TRACE) console.log(`${res.status} ${took} ms ${describeRequest(req).slice(0, 400)}\n    → ${res.text.slice(0, 300)}`);
  const counts = statusCounts.get(op.key)!;
  counts.set(res.status, (counts.get(res.status) ?? 0) + 1);

  const found: { signature: string; cause: string }[] = [];
  const requestId = String(res.headers['x-request-id'] ?? '');
  if (!ALLOWED.has(res.status)) {
    const logged = t.errorsOf(requestId);
    if (logged.length > 0) {
      const cause = logged.map((e) => `${e.type ?? 'Error'}${e.code ? ` [${e.code}]` : ''}: ${e.message ?? ''}`).join(' / ');
      const where = logged[0]?.stack?.split('\n').find((l) => l.includes('/src/'))?.trim() ?? '';
      found.push({ signature: `${res.status} ${normalize(cause)}`, cause: `${cause}${where ? ` (${where})` : ''}` });
    } else {
      // Answered without reaching the error handler's log (a framework default): its code is the cause.
      const body = res.body as { code?: unknown; error?: unknown } | undefined;
      const code = typeof body?.code === 'string' ? body.code : normalize(JSON.stringify(body?.error ?? res.text.slice(0, 80)));
      found.push({ signature: `${res.status} ${code}`, cause: res.text.slice(0, 300) });
    }
  }
  if (res.status >= 400) {
    const diff = changed(before, last);
    if (diff.length) found.push({ signature: `rejected (${res.status}) yet changed ${diff.join(', ')}`, cause: `changed ${diff.join(', ')}` });
    const body = res.body as Record<string, unknown> | undefined;
    if (res.status < 500 && (typeof body !== 'object' || body === null || !('error' in body || 'field-errors' in body))) {
      found.push({ signature: `${res.status} without Close's error shape`, cause: res.text.slice(0, 200) });
    }
  } else {
    const diff = changed(before, last, [other.organization_id]);
    if (diff.length) found.push({ signature: `accepted (${res.status}) yet changed the other organization's ${diff.join(', ')}`, cause: diff.join(', ') });
  }
  const request = describeRequest(req);
  return found.map((f) => ({
    operation: op.key,
    signature: f.signature,
    status: res.status,
    request,
    response: res.text.slice(0, 300),
    cause: f.cause,
    size: (rawBody?.length ?? 0) + req.url.length,
  }));
}

describe('hostile input to every operation in the OpenAPI document', () => {
  before(async () => {
    // Rate limits off: thousands of requests back to back would otherwise meet a (correct) 429.
    t = await createHostileApp({ RATE_LIMIT_PER_KEY: '0', AUTH_FAILURES_PER_MINUTE: '0' });
    const spec = await t.call('GET', '/api/v1/openapi.json', { key: null });
    assert.equal(spec.status, 200);
    operations = operationsOf(spec.body);
    world = await buildWorld(t, operations);
    tables = await tenantTables(t.pool);
    query = fingerprintQuery(tables);
    last = await fingerprint(t.pool, query);
  });

  test('the fingerprint sees writes, and nothing writes between requests', async () => {
    assert.ok(operations.length > 50, `only ${operations.length} operations in the document`);
    for (const table of ['leads', 'contacts', 'events', 'bulk_actions', 'email_templates', 'saved_searches']) assert.ok(tables.includes(table), `${table} is not fingerprinted`);
    assert.deepEqual(changed(last, await fingerprint(t.pool, query)), []);
    const res = await t.call('POST', '/api/v1/status/lead/', { body: { label: 'Fingerprint probe' } });
    assert.equal(res.status, 200, res.text);
    const after = await fingerprint(t.pool, query);
    assert.ok(changed(last, after, [t.orgA.organization_id]).some((c) => c.startsWith('lead_statuses')), 'a new status went unseen');
    assert.deepEqual(changed(last, after, [t.orgB.organization_id]), []);
    last = after;
  });

  test(`every operation answers ${[...ALLOWED].join(', ')} and rejected requests change nothing (seed ${SEED})`, async (tc) => {
    // Deletes last, so the objects they remove were there for everything else, and in reverse
    // order of the document, which tends to remove dependents (subscriptions) before what they
    // depend on (sequences), so that both get deleted rather than cascaded away.
    const ordered = [...operations.filter((o) => o.method !== 'DELETE'), ...operations.filter((o) => o.method === 'DELETE').reverse()].filter(
      (o) => !ONLY || o.key.includes(ONLY),
    );
    for (const op of ordered) {
      statusCounts.set(op.key, new Map());
      await tc.test(op.key, async () => {
        const started = Date.now();
        const mine = new Map<string, Failure>();
        await fc.assert(
          fc.asyncProperty(requestArbitrary(op, world), async (req) => {
            let found = await exercise(op, req);
            found = found.filter((f) => !KNOWN_CAUSES.some((k) => k.matches(f)));
            for (const f of found) {
              const seen = mine.get(f.signature);
              if (!seen || f.size < seen.size) mine.set(f.signature, f);
            }
            return !(FAST_FAIL && found.length > 0);
          }),
          { numRuns: RUNS, seed: seedFor(op) },
        );
        failures.push(...mine.values());
        const counts = Object.fromEntries(statusCounts.get(op.key)!);
        const slow = slowest.get(op.key);
        tc.diagnostic(`${op.key}: ${JSON.stringify(counts)} in ${Date.now() - started} ms${slow && slow.ms > 1000 ? `; slowest ${slow.ms} ms (${slow.status}): ${slow.request}` : ''}`);
        assert.deepEqual(
          [...mine.values()].map((f) => `${f.signature}\n    cause: ${f.cause}\n    request: ${f.request}\n    response: ${f.response}`),
          [],
          `HOSTILE_SEED=${SEED} HOSTILE_OPS='${op.key}'`,
        );
      });
    }
  });

  test('every operation was exercised, with both accepted and rejected answers', () => {
    if (process.env.HOSTILE_REPORT) fs.writeFileSync(process.env.HOSTILE_REPORT, JSON.stringify({ seed: SEED, failures, slowest: Object.fromEntries(slowest), counts: Object.fromEntries([...statusCounts].map(([k, v]) => [k, Object.fromEntries(v)])) }, null, 1));
    const thin: string[] = [];
    const neverAccepted: string[] = [];
    const neverRejected: string[] = [];
    let accepted = 0;
    let total = 0;
    const sum: Record<number, number> = {};
    for (const [key, counts] of statusCounts) {
      const op = operations.find((o) => o.key === key)!;
      const calls = [...counts.values()].reduce((a, b) => a + b, 0);
      total += calls;
      for (const [status, n] of counts) sum[status] = (sum[status] ?? 0) + n;
      accepted += [...counts].filter(([s]) => s < 300).reduce((a, [, n]) => a + n, 0);
      if (calls < RUNS) thin.push(`${key}: ${calls}`);
      if (![...counts.keys()].some((s) => s < 300)) neverAccepted.push(key);
      // A list without required parameters may rightly accept any query string; nothing else may.
      const lenient = op.body === undefined && op.pathParams.length === 0 && !op.queryParams.some((p) => p.required);
      if (!lenient && ![...counts.keys()].some((s) => s >= 400 && s < 500)) neverRejected.push(key);
    }
    console.log(`${total} requests: ${timing.requests} ms answering, ${timing.fingerprints} ms fingerprinting; statuses ${JSON.stringify(sum)}`);
    // Across operations, once per cause: the list to fix.
    const causes = new Map<string, Failure[]>();
    for (const f of failures) causes.set(f.signature, [...(causes.get(f.signature) ?? []), f]);
    for (const [signature, list] of causes) {
      const smallest = list.reduce((a, b) => (b.size < a.size ? b : a));
      console.log(`cause: ${signature.slice(0, 200)} (${list.length} operations)\n  e.g. ${smallest.request.slice(0, 500)}\n  ${smallest.cause.slice(0, 300)}`);
    }
    if (neverAccepted.length) console.log(`never accepted with this seed: ${neverAccepted.join(', ')}`);

    assert.deepEqual(thin, [], 'operations called fewer times than HOSTILE_RUNS');
    assert.deepEqual(neverRejected, [], 'operations that never answered a 4xx (the hostile values never reached them)');
    // Some operations rarely succeed by chance (a render needs a lead with a contact and an email,
    // a bulk action's state allows few transitions), so acceptance is asked of most, not all.
    assert.ok((sum[200] ?? 0) > 0 && (sum[400] ?? 0) > 0, `statuses ${JSON.stringify(sum)}: the property would pass vacuously`);
    assert.ok(accepted >= total * 0.1, `only ${accepted} of ${total} requests were accepted`);
    assert.ok(neverAccepted.length <= statusCounts.size * 0.2, `too many operations never accepted a request: ${neverAccepted.join(', ')}`);
  });
});
