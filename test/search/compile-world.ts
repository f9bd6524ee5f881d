/**
 * A small named world for the compiler tests: three leads of organization A, and in organization B
 * a look-alike of A's first lead (same words, A's custom field keys, A's status and user ids) and an
 * unsubscribe of A's address, none of which may ever show in A's results.
 */
import type { TestApp } from '../helpers/app.ts';
import { insertCustomField, insertLead, statusIds } from './fixtures.ts';

export const CF = {
  text: 'cf_text', number: 'cf_number', date: 'cf_date', datetime: 'cf_datetime', choices: 'cf_choices', user: 'cf_user', contactText: 'cf_contact_text',
} as const;

export async function buildCompileWorld(t: TestApp): Promise<{ statuses: string[] }> {
  const org = t.orgA.organization_id;
  const user = t.orgA.user_id;
  const statuses = await statusIds(t.db, org);
  for (const [key, type] of [['text', 'text'], ['number', 'number'], ['date', 'date'], ['datetime', 'datetime'], ['choices', 'choices'], ['user', 'user']] as const) {
    await insertCustomField(t.db, org, 'lead', type, type === 'choices', CF[key]);
  }
  await insertCustomField(t.db, org, 'contact', 'text', false, CF.contactText);
  const acme = {
    name: 'Acme Corp',
    description: 'Rockets, anvils and traps',
    url: 'https://acme.example',
    status_id: statuses[1],
    created_by: user,
    date_created: '2026-01-01T10:00:00Z',
    custom: { [CF.text]: 'Blue whale', [CF.number]: 10, [CF.date]: '2026-01-04', [CF.datetime]: '2026-01-05T10:00:00+00:00', [CF.choices]: ['Red', 'Green'], [CF.user]: user },
    addresses: [{ label: 'business', address_1: '1 Desert Rd', city: 'Phoenix', state: 'AZ', country: 'US' }],
  };
  await insertLead(t.db, org, {
    ...acme,
    id: 'lead_acme',
    contacts: [
      { id: 'cont_wile', name: 'Wile E. Coyote', title: 'Chief Executive Officer', custom: { [CF.contactText]: 'genius' }, emails: [{ email: 'wile@acme.example' }], phones: [{ phone: '+15550001', type: 'mobile' }], date_created: '2026-01-01T10:00:00Z' },
      { id: 'cont_road', name: 'Road Runner', title: 'Speed tester', urls: [{ url: 'https://road.example/beep' }], date_created: '2026-01-01T11:00:00Z' },
    ],
  });
  await insertLead(t.db, org, {
    id: 'lead_wayne',
    name: 'Wayne Enterprises',
    description: 'Dark knight gear',
    status_id: statuses[2],
    date_created: '2026-01-03T10:00:00Z',
    custom: { [CF.number]: 25.5, [CF.choices]: 'Blue', [CF.date]: '2026-01-06' },
    contacts: [{ id: 'cont_bruce', name: 'Bruce Wayne', title: 'CEO', emails: [{ email: 'Bruce@Wayne.example', type: 'home' }] }],
  });
  await insertLead(t.db, org, { id: 'lead_empty', status_id: statuses[1], date_created: '2026-01-05T11:00:00Z' });
  await t.db.insertInto('unsubscribed_emails').values({ organization_id: org, email: 'bruce@wayne.example' }).execute();

  const orgB = t.orgB.organization_id;
  await insertLead(t.db, orgB, {
    ...acme,
    id: 'lead_b_acme',
    contacts: [
      { id: 'cont_b_wile', name: 'Wile E. Coyote', title: 'CEO Chief Executive Officer', emails: [{ email: 'wile@acme.example' }], phones: [{ phone: '+15550001' }] },
    ],
  });
  await t.db.insertInto('unsubscribed_emails').values({ organization_id: orgB, email: 'wile@acme.example' }).execute();
  return { statuses };
}
