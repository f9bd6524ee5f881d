/**
 * A small world for the legacy search tests: organization A's leads cover every term (names,
 * statuses, channels, counts, email activities, sequence subscriptions, dates around "now", custom
 * fields of every type), and organization B holds look-alikes (same names, words, status labels,
 * custom field and sequence names) that no query of A may ever return.
 */
import type { Db } from '../../../src/db/database.ts';
import { newId } from '../../../src/ids.ts';
import { insertLead, statusIds, type LeadSpec } from '../fixtures.ts';
import { emailActivityRow, SUBSCRIPTION_STATUSES } from '../world.ts';

/** The clock of these tests: "today" is 2026-03-10 in UTC. */
export const NOW = '2026-03-10T12:00:00.000Z';

export const LEAD_FIELDS = [
  ['Lead Source', 'text'],
  ['Tier', 'choices'],
  ['Score', 'number'],
  ['Renewal', 'date'],
  ['Signed At', 'datetime'],
  ['Owner', 'user'],
] as const;
export const CONTACT_FIELDS = [['Nickname', 'text']] as const;

export interface LegacyWorld {
  /** Custom field ids by name (`Lead Source`, …, `Nickname`). */
  readonly cf: Readonly<Record<string, string>>;
  /** Status ids by label. */
  readonly status: Readonly<Record<string, string>>;
  /** Lead ids by key (`acme`, `road`, …). */
  readonly lead: Readonly<Record<string, string>>;
  /** Contact ids by key (`wile`, `beep`, …). */
  readonly contact: Readonly<Record<string, string>>;
  /** Sequence ids by name (`Welcome`, `Renewal`). */
  readonly sequence: Readonly<Record<string, string>>;
}

/** Inserts `n` email activities of lead `leadId`, in organization `organizationId`. */
export async function insertActivities(db: Db, organizationId: string, leadId: string, n: number): Promise<void> {
  if (n === 0) return;
  await db.insertInto('email_activities').values(Array.from({ length: n }, () => emailActivityRow(organizationId, leadId, newId('acti')))).execute();
}

type SubscriptionSpec = readonly [contact: string, sequence: 'Welcome' | 'Renewal', status: (typeof SUBSCRIPTION_STATUSES)[number], subscribed: string, deleted?: 'deleted'];

/**
 * Subscriptions as POST /sequence_subscription/ and the scheduler leave them (see
 * test/sequences/fixtures.ts for the API way): one per (sequence, contact); a deleted one keeps its
 * row with `date_deleted` set.
 */
const SUBSCRIPTIONS: readonly SubscriptionSpec[] = [
  ['wile', 'Welcome', 'active', '2026-03-10T08:30:00Z'],
  ['beep', 'Welcome', 'paused', '2026-03-09T11:00:00Z'],
  ['beep', 'Renewal', 'finished', '2026-03-01T00:00:00Z'],
  ['other', 'Renewal', 'active', '2026-03-09T12:00:00Z'],
  ['bruce', 'Renewal', 'active', '2026-03-02T00:00:00Z', 'deleted'],
];

/** Email activities per lead key. */
const ACTIVITIES: Readonly<Record<string, number>> = { acme: 1, road: 3, wayne: 2 };

async function customFields(db: Db, organizationId: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [objectType, fields] of [['lead', LEAD_FIELDS], ['contact', CONTACT_FIELDS]] as const) {
    for (const [name, type] of fields) {
      const id = newId('cf');
      await db
        .insertInto('custom_fields')
        .values({
          id,
          organization_id: organizationId,
          object_type: objectType,
          name,
          type,
          accepts_multiple_values: type === 'choices',
          editable_with_roles: '[]',
          choices: type === 'choices' ? JSON.stringify(['Gold', 'Silver']) : null,
        })
        .execute();
      out[name] = id;
    }
  }
  return out;
}

/** Builds the world of one organization; `userId` is the value of the `Owner` user field. */
export async function seedLegacyWorld(db: Db, organizationId: string, userId: string): Promise<LegacyWorld> {
  const cf = await customFields(db, organizationId);
  const ids = await statusIds(db, organizationId);
  const labels = ['Potential', 'Bad Fit', 'Qualified', 'Customer'];
  const status = Object.fromEntries(labels.map((label, i) => [label, ids[i]!]));
  const c = (name: string) => cf[name]!;
  const specs: Record<string, LeadSpec> = {
    acme: {
      name: 'Acme Corp',
      description: 'Rocket skates and anvils',
      url: 'https://acme.example',
      status_id: status.Potential,
      date_created: '2026-03-10T08:00:00Z',
      date_updated: '2026-03-10T09:00:00Z',
      custom: { [c('Lead Source')]: 'Web form', [c('Tier')]: ['Gold'], [c('Score')]: 10, [c('Renewal')]: '2026-04-01', [c('Signed At')]: '2026-03-09T23:00:00+00:00', [c('Owner')]: userId },
      addresses: [{ city: 'Phoenix', country: 'US' }, { city: 'Tucson', country: 'US' }],
      contacts: [
        {
          id: 'wile',
          name: 'Wile E. Coyote',
          title: 'Chief Genius',
          emails: [{ email: 'wile@acme.example' }],
          phones: [{ phone: '+15550001001' }],
          urls: [{ url: 'http://wile.example/blog' }],
          custom: { [cf.Nickname!]: 'coyote' },
          date_created: '2026-03-10T08:00:00Z',
        },
      ],
    },
    road: {
      name: 'Road Runner Inc',
      status_id: status.Qualified,
      addresses: [{ city: 'Albuquerque' }, { city: 'Santa Fe' }],
      date_created: '2026-03-09T10:00:00Z',
      date_updated: '2026-03-09T10:00:00Z',
      custom: { [c('Lead Source')]: 'Referral', [c('Tier')]: 'Silver', [c('Score')]: 3, [c('Renewal')]: '2026-03-01' },
      contacts: [
        { id: 'beep', name: 'Beep Beep', title: 'CEO', emails: [{ email: 'beep@road.example' }, { email: 'BEEP2@road.example' }], date_created: '2026-03-09T10:00:00Z' },
        { id: 'other', name: 'Other Bird', date_created: '2026-03-09T10:00:01Z' },
      ],
    },
    wayne: {
      name: 'Wayne Enterprises',
      status_id: status.Customer,
      date_created: '2026-02-01T15:00:00Z',
      date_updated: '2026-03-01T00:00:00Z',
      custom: { [c('Lead Source')]: 'Web', [c('Score')]: 0, [c('Signed At')]: '2026-03-10T06:00:00+00:00' },
      addresses: [{ city: 'Gotham' }],
      contacts: [{ id: 'bruce', name: 'Bruce Wayne', title: 'CEO', phones: [{ phone: '+15550002002' }], date_created: '2026-02-01T15:00:00Z' }],
    },
    nameless: { name: null, status_id: status['Bad Fit'], date_created: '2025-12-31T23:30:00Z', date_updated: '2025-12-31T23:30:00Z' },
    holdings: {
      name: 'acme holdings',
      url: 'http://holdings.example',
      status_id: status.Potential,
      date_created: '2026-03-10T11:00:00Z',
      date_updated: '2026-03-10T11:00:00Z',
      custom: { [c('Lead Source')]: 'Web form referral', [c('Tier')]: ['Gold', 'Silver'] },
      addresses: [{ city: 'Austin' }, { city: 'Dallas' }, { city: 'Houston' }],
      contacts: [{ id: 'anvil', name: 'Anvil Buyer', title: 'Chief Financial Officer', emails: [{ email: 'anvil@acme.example' }], date_created: '2026-03-10T11:00:00Z' }],
    },
    or: { name: 'Or', status_id: status.Potential, date_created: '2026-01-15T00:00:00Z', date_updated: '2026-01-15T00:00:00Z' },
    // Two leads created at the same instant: the order between them is by id.
    tie1: { name: 'Tie', status_id: status.Qualified, date_created: '2026-01-20T00:00:00Z', date_updated: '2026-01-20T00:00:00Z' },
    tie2: { name: 'Tie', status_id: status.Qualified, date_created: '2026-01-20T00:00:00Z', date_updated: '2026-01-20T00:00:00Z' },
  };
  const lead: Record<string, string> = {};
  const contact: Record<string, string> = {};
  for (const [key, spec] of Object.entries(specs)) {
    const contacts = (spec.contacts ?? []).map((ct) => ({ ...ct, id: newId('cont') }));
    const { id, contactIds } = await insertLead(db, organizationId, { ...spec, contacts });
    lead[key] = id;
    (spec.contacts ?? []).forEach((ct, i) => (contact[ct.id!] = contactIds[i]!));
    await insertActivities(db, organizationId, id, ACTIVITIES[key] ?? 0);
  }
  const sequence: Record<string, string> = {};
  for (const name of ['Welcome', 'Renewal']) {
    sequence[name] = newId('seq');
    await db.insertInto('sequences').values({ id: sequence[name], organization_id: organizationId, name, status: 'active', timezone: 'UTC' }).execute();
  }
  for (const [key, name, subStatus, subscribed, deleted] of SUBSCRIPTIONS) {
    const contactId = contact[key]!;
    const { lead_id } = await db.selectFrom('contacts').select('lead_id').where('id', '=', contactId).executeTakeFirstOrThrow();
    await db
      .insertInto('sequence_subscriptions')
      .values({
        id: newId('sub'), organization_id: organizationId, sequence_id: sequence[name]!, contact_id: contactId, lead_id, contact_email: `${key}@example.com`,
        sender_account_id: 'emailacct_x', sender_name: 'Sam', sender_email: 'sam@example.com', status: subStatus, status_reason: subStatus === 'paused' ? 'manual' : null,
        start_date: subscribed, date_created: subscribed, date_deleted: deleted ? NOW : null,
      })
      .execute();
  }
  return { cf, status, lead, contact, sequence };
}
