import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { runSchedulerOnce } from '../../src/sequences/scheduler.ts';
import { ManualClock } from '../../src/time.ts';
import { createTestApp } from '../helpers/app.ts';
import { createAccount, createTemplate } from './fixtures.ts';

const N = 1000;

test(`${N} due steps in one pass: each sent once, each subscription moved to its next step (prints steps/s)`, async (ctx) => {
  const clock = new ManualClock('2026-01-05T12:00:00Z');
  const t = await createTestApp({ clock });
  const org = t.orgA.organization_id;
  const account = await createAccount(t, t.orgA, 'sam@a.example');
  const tmpl = await createTemplate(t, t.orgA, 'Hi {{ contact.first_name }}', '<p>Hello {{ contact.name }} of {{ lead.name }}</p>');
  const seq = (await t.call('POST', '/api/v1/sequence/', {
    body: { name: 'Volume', steps: [{ step_type: 'email', delay: 0, email_template_id: tmpl }, { step_type: 'email', delay: 86400, email_template_id: tmpl }] },
  })).body;
  const status = (await t.db.selectFrom('lead_statuses').select('id').where('organization_id', '=', org).executeTakeFirstOrThrow()).id;
  await sql`INSERT INTO leads (id, organization_id, name, status_id) SELECT 'lead_v' || g, ${org}, 'Lead ' || g, ${status} FROM generate_series(1, ${N}) g`.execute(t.db);
  await sql`INSERT INTO contacts (id, organization_id, lead_id, name) SELECT 'cont_v' || g, ${org}, 'lead_v' || g, 'Con ' || g FROM generate_series(1, ${N}) g`.execute(t.db);
  await sql`INSERT INTO contact_emails (organization_id, contact_id, lead_id, position, email) SELECT ${org}, 'cont_v' || g, 'lead_v' || g, 0, 'c' || g || '@v.example' FROM generate_series(1, ${N}) g`.execute(t.db);
  await sql`INSERT INTO sequence_subscriptions (id, organization_id, sequence_id, contact_id, lead_id, contact_email, sender_account_id, sender_name, sender_email, status, start_date, next_step_at)
    SELECT 'sub_v' || g, ${org}, ${seq.id}, 'cont_v' || g, 'lead_v' || g, 'c' || g || '@v.example', ${account}, 'Sam', 'sam@a.example', 'active', ${clock.now()}::timestamptz, ${clock.now()}::timestamptz
      FROM generate_series(1, ${N}) g`.execute(t.db);

  const started = performance.now();
  const handled = await runSchedulerOnce({ db: t.db, config: t.config, clock }, { limit: 10 * N });
  const seconds = (performance.now() - started) / 1000;
  ctx.diagnostic(`${N} email steps in ${seconds.toFixed(2)} s: ${(N / seconds).toFixed(0)} steps/s`);

  assert.equal(handled, N);
  const perSub = await sql<{ n: number; subjects: number }>`
    SELECT count(*)::int AS n, count(DISTINCT sequence_subscription_id)::int AS subjects FROM email_activities WHERE sequence_id = ${seq.id}`.execute(t.db);
  assert.deepEqual(perSub.rows[0], { n: N, subjects: N });
  const c7 = await t.db.selectFrom('email_activities').select(['subject', 'body_html']).where('sequence_subscription_id', '=', 'sub_v7').executeTakeFirstOrThrow();
  assert.equal(c7.subject, 'Hi Con');
  assert.match(c7.body_html, /Hello Con 7 of Lead 7/);
  const next = await sql<{ at: Date; n: number }>`
    SELECT next_step_at AS at, count(*)::int AS n FROM sequence_subscriptions WHERE sequence_id = ${seq.id} AND status = 'active' GROUP BY 1`.execute(t.db);
  assert.deepEqual(next.rows.map((r) => [r.at.toISOString(), r.n]), [['2026-01-06T12:00:00.000Z', N]]);
  assert.equal(await runSchedulerOnce({ db: t.db, config: t.config, clock }), 0, 'nothing is due twice');
});
