import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { before, describe, test } from 'node:test';
import { loadContactObjects } from '../../src/contacts/serialize.ts';
import { csvField, formatDate } from '../../src/exports/csv.ts';
import { CONTACT_FIELDS, LEAD_FIELDS } from '../../src/exports/fields.ts';
import { advance, EMPTY_STREAM, finalSegment, middleSegment, type StreamState } from '../../src/exports/gzip-segments.ts';
import { loadLeadObjects } from '../../src/leads/serialize.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';

describe('export fields are the serializers\' keys', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });

  test('LEAD_FIELDS and CONTACT_FIELDS list exactly what the API serializes (update them with the serializers)', async () => {
    const res = await t.call('POST', '/api/v1/lead/', { body: { name: 'Keys', contacts: [{ name: 'Kay', emails: [{ email: 'kay@x.example' }] }] } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const lead = (await loadLeadObjects(t.db, t.orgA.organization_id, [res.body.id])).get(res.body.id)!;
    const contact = (await loadContactObjects(t.db, t.orgA.organization_id, [res.body.contacts[0].id])).get(res.body.contacts[0].id)!;
    const top = (object: Record<string, unknown>) => Object.keys(object).filter((k) => !k.startsWith('custom.'));
    assert.deepEqual(top(lead), [...LEAD_FIELDS]);
    assert.deepEqual(top(contact), [...CONTACT_FIELDS]);
  });
});

describe('export file pieces', () => {
  test('segments deflated apart form one gzip member, whatever the cuts', async () => {
    const text = Array.from({ length: 2000 }, (_, i) => `{"id":"lead_${i}","name":"Ünïcode ${i} ${'x'.repeat(i % 50)}"}`).join(',\n');
    const raw = Buffer.from(text);
    for (const cuts of [[], [1], [10, 5000, 5001, 60_000], [raw.length - 1]]) {
      const bounds = [0, ...cuts, raw.length];
      const parts: Buffer[] = [];
      let state: StreamState = EMPTY_STREAM;
      for (let i = 0; i + 1 < bounds.length; i++) {
        const piece = raw.subarray(bounds[i], bounds[i + 1]);
        parts.push(await middleSegment(piece, i === 0));
        state = advance(state, piece);
      }
      parts.push(await finalSegment(Buffer.from('\n]\n'), state, false));
      const file = Buffer.concat(parts);
      assert.equal(zlib.gunzipSync(file).toString(), `${text}\n]\n`);
      assert.equal(zlib.inflateRawSync(file.subarray(10, -8)).toString(), `${text}\n]\n`, 'one deflate stream');
    }
    const empty = await finalSegment(Buffer.from('[]\n'), EMPTY_STREAM, true);
    assert.equal(zlib.gunzipSync(empty).toString(), '[]\n');
  });

  test('date formats (Close: original, iso8601, excel) and CSV quoting', () => {
    const at = '2013-02-20T17:24:11.123000+00:00';
    assert.equal(formatDate(at, 'original'), '2013-02-20 17:24:11.123000+00:00');
    assert.equal(formatDate(at, 'iso8601'), '2013-02-20T17:24:11+00:00');
    assert.equal(formatDate(at, 'excel'), '2013-02-20 05:24:11 PM');
    assert.equal(formatDate('2013-02-20T00:05:00+02:00', 'excel'), '2013-02-19 10:05:00 PM');
    assert.equal(formatDate('2013-02-20T12:00:00Z', 'excel'), '2013-02-20 12:00:00 PM');
    assert.equal(formatDate('2013-02-20T00:00:00Z', 'original'), '2013-02-20 00:00:00.000000+00:00');
    assert.equal(formatDate('2013-02-20', 'excel'), '2013-02-20', 'a date alone stays');
    assert.equal(formatDate('not a date', 'iso8601'), 'not a date');
    assert.equal(csvField('plain'), 'plain');
    assert.equal(csvField('a,b'), '"a,b"');
    assert.equal(csvField('say "hi"'), '"say ""hi"""');
    assert.equal(csvField('two\r\nlines'), '"two\r\nlines"');
    assert.equal(csvField(null), '');
    assert.equal(csvField(3.5), '3.5');
    assert.equal(csvField(['a', 'b']), '"[""a"",""b""]"');
  });
});
