import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { before, describe, test } from 'node:test';
import pino from 'pino';
import { createMetricsRegistry } from '../../src/metrics/registry.ts';
import { runSchedulerOnce } from '../../src/sequences/scheduler.ts';
import { createAccount, createLead, createTemplate } from '../sequences/fixtures.ts';
import { createSequenceHarness, type SequenceHarness } from '../sequences/harness.ts';
import { parseExposition, valueOf } from './exposition.ts';

describe('sequence steps in metrics and logs', () => {
  let h: SequenceHarness;
  before(async () => {
    // The steps-due gauge counts with the database's clock: start the harness's clock at real time.
    h = await createSequenceHarness(new Date());
  });

  test('a due step shows in sluice_sequence_steps_due, then counts by result and is logged with its subscription id', async () => {
    const account = await createAccount(h.t, h.t.orgA, 'sam@a.example', h.smtp.port);
    const template = await createTemplate(h.t, h.t.orgA, 'Hi {{ contact.first_name }}', '<p>Hello</p>');
    const seq = await h.t.call('POST', '/api/v1/sequence/', { body: { name: 'Now', steps: [{ step_type: 'email', delay: 0, email_template_id: template }] } });
    assert.equal(seq.status, 200, JSON.stringify(seq.body));
    const lead = await createLead(h.t, h.t.orgA, 'Acme', [{ name: 'Ann Able', emails: ['ann@acme.example'] }]);
    const contact = lead.contacts[0];
    const sub = await h.t.call('POST', '/api/v1/sequence_subscription/', {
      body: { sequence_id: seq.body.id, contact_id: contact.id, contact_email: contact.emails[0].email, sender_account_id: account, sender_name: 'Sam', sender_email: 'sam@a.example' },
    });
    assert.equal(sub.status, 201, JSON.stringify(sub.body));

    // A fresh registry per read: the database gauges are cached for a few seconds per registry.
    const scrape = async () => parseExposition(await createMetricsRegistry({ db: h.t.db, pools: { worker: h.t.pool } }).metrics());
    const before = await scrape();
    assert.equal(valueOf(before, 'sluice_sequence_steps_due'), 1);
    const sent = valueOf(before, 'sluice_sequence_steps_total', { result: 'sent' }) ?? 0;

    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split('\n')) if (line !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    assert.equal(await runSchedulerOnce({ db: h.t.db, config: h.t.config, clock: h.clock, log: pino({ level: 'debug' }, sink) }), 1);
    const after = await scrape();
    assert.equal(valueOf(after, 'sluice_sequence_steps_due'), 0);
    assert.equal(valueOf(after, 'sluice_sequence_steps_total', { result: 'sent' }), sent + 1);
    const line = lines.find((l) => l.msg === 'sequence steps run');
    assert.deepEqual(line?.subscriptions, { [sub.body.id]: 'sent' });
  });
});
