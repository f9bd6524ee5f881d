import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { LIMITS } from '../../../src/search/json-input.ts';
import { ManualClock } from '../../../src/time.ts';
import { createTestApp, type TestApp } from '../../helpers/app.ts';
import { NOW, seedLegacyWorld } from './fixtures.ts';

/** [query, a fragment the message must quote, a fragment of the explanation] */
const REFUSED: readonly (readonly [string, string, string])[] = [
  ['has:calls', 'has:calls', 'has:email'],
  ['foo:bar', 'foo:bar', 'Unknown search field "foo"'],
  ['acme sort:opportunities', 'sort:opportunities', 'Known sort keys'],
  ['sort:status', 'sort:status', 'Known sort keys'],
  ['status:Nope', 'status:Nope', 'No lead status is labelled "Nope"'],
  ['custom.Missing:x', 'custom.Missing:x', 'No lead custom field is named "Missing"'],
  ['custom.:x', 'custom.:x', 'Name the custom field'],
  // Clauses on related objects Sluice does not keep, or that do not apply where they are written.
  ['call( date >= "2024-01-01" )', 'call(', 'Clauses on related objects known here: contact(…).'],
  ['sms(direction:incoming)', 'sms(direction:incoming)', 'contact(…)'],
  ['name:acme -opportunity(value > 100)', 'opportunity(value > 100)', 'contact(…)'],
  ['sequence_subscription(sequence:*)', 'sequence_subscription(sequence:*)', 'write contact(sequence_subscription(…))'],
  ['contact(contact(title:ceo))', 'contact(title:ceo)', 'known here: sequence_subscription(…)'],
  ['contact(sequence_subscription(call(x:y)))', 'call(x:y)', 'A sequence_subscription has no clauses on related objects'],
  ['contact(contacts > 1)', 'contacts > 1', 'Unknown search field "contacts"'],
  ['contact(activities > 1)', 'activities > 1', 'Unknown search field "activities"'],
  ['contact(slice:1/2)', 'slice:1/2', 'put it outside contact(…)'],
  ['contact(sort:name)', 'sort:name', 'top level'],
  ['contact()', 'contact()', 'Empty parentheses'],
  ['contact(title:ceo', 'contact(title:ceo', 'never closed'],
  ['contact(title:ceo))', ')', 'closes no'],
  ['contact(sequence_subscription(sequence:Welcome))', 'sequence:Welcome', 'sequence\'s id (seq_…)'],
  ['contact(sequence_subscription(sequence > seq_x))', 'sequence > seq_x', 'not ">"'],
  ['contact(sequence_subscription(status:done))', 'status:done', 'Expected one of: active, paused, finished, goal, error.'],
  ['contact(sequence_subscription(status > active))', 'status > active', 'not ">"'],
  ['contact(sequence_subscription(welcome))', 'welcome', 'use field terms'],
  ['contact(sequence_subscription(has:email))', 'has:email', 'has: does not apply to a sequence_subscription'],
  ['contact(sequence_subscription(custom.Tier:gold))', 'custom.Tier:gold', 'has no custom fields'],
  ['contact(sequence_subscription(title:ceo))', 'title:ceo', 'Known here: sequence, sequence_id, status, created, date_created.'],
  ['contact(sequence_subscription(sequence:null))', 'sequence:null', '-sequence:*'],
  ['activities > many', 'activities > many', 'Expected a number'],
  ['activities > *', 'activities > *', 'has a value'],
  ['name:foo(bar)', 'name:foo(bar)', 'quote the value'],
  ['(name:acme', '(name:acme', 'never closed'],
  ['name:acme)', ')', 'closes no'],
  ['name:"acme', '"acme', 'never closed'],
  ['()', '()', 'Empty parentheses'],
  ['name > acme', 'name > acme', 'not ">"'],
  ['email < x', 'email < x', 'not "<"'],
  ['status > Potential', 'status > Potential', 'not ">"'],
  ['custom.Tier > gold', 'custom.Tier > gold', 'not ">"'],
  ['created:"2 hours ago"', 'created:"2 hours ago"', 'instant'],
  ['created:2026-02-30', 'created:2026-02-30', 'Expected a date'],
  ['created > "999999 days ago"', 'created > "999999 days ago"', 'Expected a date'],
  ['updated < soon', 'updated < soon', 'Expected a date'],
  ['contacts > many', 'contacts > many', 'Expected a number'],
  ['custom.Score:1e3', 'custom.Score:1e3', 'Expected a number'],
  ['slice:0/3', 'slice:0/3', 'slice:N/M'],
  ['slice:4/3', 'slice:4/3', 'slice:N/M'],
  ['slice:1/0', 'slice:1/0', 'slice:N/M'],
  ['slice:1/2/3', 'slice:1/2/3', 'slice:N/M'],
  ['slice:a/b', 'slice:a/b', 'slice:N/M'],
  ['slice > 1', 'slice > 1', 'slice:N/M'],
  [`slice:1/${LIMITS.totalSlices + 1}`, 'slice:1/', 'slice:N/M'],
  ['not sort:created', 'sort:created', 'top level'],
  ['acme or sort:created', 'sort:created', 'top level'],
  ['(acme sort:created) wayne', 'sort:created', 'top level'],
  ['sort:-', 'sort:-', 'sort:KEY'],
  ['sort:a sort:b sort:c sort:d sort:e sort:created', 'sort:created', 'At most 5'],
  ['not', 'not', 'Expected a term to negate'],
  ['acme or', 'acme or', 'after "or"'],
  ['acme and', 'acme and', 'after "and"'],
  ['and acme', 'and', 'needs a term on each side'],
  ['- ', '-', 'at least one word'],
  ['acme - corp', '-', 'at least one word'],
  ['"*"', '*', 'at least one word'],
  ['!!!', '!!!', 'at least one word'],
  ['name:""', 'name:""', 'at least one word'],
  ['name:', 'name:', 'needs a value'],
  ['name: )', 'name:', 'needs a value'],
  [':acme', ':acme', 'needs a field name'],
  ['>= 3', '>= 3', 'needs a field name'],
  ['contacts > *', 'contacts > *', 'has a value'],
  ['has > email', 'has > email', 'has:email'],
  ['custom."Lead Source":null', 'custom."Lead Source":null', '-custom.Lead Source:*'],
  ['name:NULL', 'name:NULL', 'quote it'],
  [`name:"${Array.from({ length: LIMITS.textWords + 1 }, (_, i) => `w${i}`).join(' ')}"`, 'name:"w0', `At most ${LIMITS.textWords} different words`],
  [`name:"${'x'.repeat(LIMITS.stringLength + 1)}"`, 'name:"xxx', `at most ${LIMITS.stringLength} characters`],
];

describe('GET /lead/?query= refuses what it does not understand, quoting the term', () => {
  let t: TestApp;

  before(async () => {
    t = await createTestApp({ clock: new ManualClock(NOW), env: { RATE_LIMIT_PER_KEY: '0' } });
    await seedLegacyWorld(t.db, t.orgA.organization_id, t.orgA.user_id);
  });

  const get = (q: string, path = 'lead') => t.call('GET', `/api/v1/${path}/?query=${encodeURIComponent(q)}`);

  for (const [q, quoted, explanation] of REFUSED) {
    test(`400: ${q.length > 60 ? `${q.slice(0, 60)}…` : q}`, async () => {
      const res = await get(q);
      assert.equal(res.status, 400, res.text);
      assert.deepEqual(Object.keys(res.body), ['errors', 'field-errors']);
      assert.deepEqual(res.body.errors, []);
      assert.deepEqual(Object.keys(res.body['field-errors']), ['query']);
      const message: string = res.body['field-errors'].query;
      assert.ok(message.includes(quoted), `${message} quotes ${quoted}`);
      assert.ok(message.includes(explanation), `${message} says ${explanation}`);
    });
  }

  test('a contact query refuses lead-only terms and unknown custom fields of both objects', async () => {
    for (const [q, fragment] of [
      ['has:address', 'has:email'],
      ['custom.Missing:x', 'No contact or lead custom field'],
      ['contacts > 1', 'Unknown search field "contacts"'],
      ['activities > 1', 'Unknown search field "activities"'],
      ['sort:activities', 'Known sort keys'],
      ['contact(title:ceo)', 'Clauses on related objects known here: sequence_subscription'],
    ]) {
      const res = await get(q!, 'contact');
      assert.equal(res.status, 400, res.text);
      assert.match(res.body['field-errors'].query, new RegExp(fragment!));
    }
  });

  test('limits of the whole query: nesting, terms, words', async () => {
    const deep = `${'('.repeat(LIMITS.depth + 1)}acme${')'.repeat(LIMITS.depth + 1)}`;
    assert.match((await get(deep)).body['field-errors'].query, /at most 32 levels/);
    const negations = `${'not '.repeat(LIMITS.depth + 1)}acme`;
    assert.match((await get(negations)).body['field-errors'].query, /at most 32 levels/);
    // A clause on related objects is one level (of the same limit, whatever the names).
    const clauses = `${'contact('.repeat(LIMITS.depth + 1)}acme${')'.repeat(LIMITS.depth + 1)}`;
    assert.match((await get(clauses)).body['field-errors'].query, /at most 32 levels/);
    const terms = Array.from({ length: LIMITS.nodes + 1 }, () => 'a').join(' ');
    assert.match((await get(terms)).body['field-errors'].query, /at most 1000 terms/);
    const words = Array.from({ length: LIMITS.queryWords + 1 }, (_, i) => `w${i}`).join(' ');
    assert.match((await get(words)).body['field-errors'].query, /at most 100 words/);
    // Within the limits, the deepest nesting is fine.
    const ok = await get(`${'('.repeat(LIMITS.depth - 4)}acme${')'.repeat(LIMITS.depth - 4)}`);
    assert.equal(ok.status, 200, ok.text);
  });

  test('the longest query the schema allows is parsed in one pass; one character more is refused by the schema', async () => {
    const longest = `name:"${'ab '.repeat(3_330)}"`.slice(0, 10_000);
    const started = Date.now();
    const res = await get(longest.endsWith('"') ? longest : `${longest.slice(0, 9_999)}"`);
    assert.ok([200, 400].includes(res.status), res.text);
    assert.ok(Date.now() - started < 2_000);
    const over = await get('a'.repeat(10_001));
    assert.equal(over.status, 400);
    assert.deepEqual(Object.keys(over.body['field-errors']), ['query']);
  });

  test('a repeated query parameter is a 400, not a 500', async () => {
    const res = await t.call('GET', '/api/v1/lead/?query=acme&query=wayne');
    assert.equal(res.status, 400, res.text);
  });
});
