/**
 * Every supported legacy term, with the Advanced Filtering JSON it stands for and the objects of the
 * fixture world (fixtures.ts) it must select, in order. terms.test.ts runs each through
 * `GET /lead/?query=` (or `/contact/`) and the JSON through `POST /data/search/`.
 */
import type { LegacyWorld } from './fixtures.ts';

type Json = Record<string, unknown>;

export interface LegacyCase {
  readonly q: string;
  /** The translated query (without the contact object_type clause, added by the test). */
  readonly query: (w: LegacyWorld) => Json;
  /** The translated sort; default: the list order (date_created ascending). */
  readonly sort?: (w: LegacyWorld) => Json[];
  /** Keys of the objects selected, in list order unless `ordered` (then exactly as given). */
  readonly expect?: readonly string[];
  readonly ordered?: boolean;
  /**
   * X-TZ-Offset header, in hours. `USER` in `q` and the JSON stands for organization A's user,
   * `SEQ_Welcome` and `SEQ_Renewal` in `q` for its sequences.
   */
  readonly tz?: string;
}

const field = (objectType: string, name: string) => ({ type: 'regular_field', object_type: objectType, field_name: name });
const lf = (name: string) => field('lead', name);
const cond = (f: Json, condition: Json) => ({ type: 'field_condition', field: f, condition });
const rel = (from: string, to: string, q: Json) => ({ type: 'has_related', this_object_type: from, related_object_type: to, related_query: q });
const words = (value: string) => ({ type: 'text', mode: 'full_words', value });
const phrase = (value: string) => ({ type: 'text', mode: 'phrase', value });
const exact = (value: string) => ({ type: 'text', mode: 'exact_value', value });
const exists = { type: 'exists' };
const all = { type: 'match_all' };
const and = (...queries: Json[]) => ({ type: 'and', queries });
const or = (...queries: Json[]) => ({ type: 'or', queries });
const not = (q: Json) => ({ ...q, negate: true });
const custom = (w: LegacyWorld, name: string) => ({ type: 'custom_field', custom_field_id: w.cf[name] });
const range = (on_or_after: Json | null, before: Json | null) => ({ type: 'moment_range', on_or_after, before });
const day = (value: string, which: 'start' | 'end') => ({ type: 'fixed_local_date', value, which });
const ZERO = { years: 0, months: 0, weeks: 0, days: 0, hours: 0, minutes: 0, seconds: 0 };
const ago = (amounts: Partial<typeof ZERO>, which: 'start' | 'end' | null, direction = 'past') => ({
  type: 'offset', direction, moment: { type: 'now' }, offset: { ...ZERO, ...amounts }, which_day_end: which,
});
const nr = (bounds: Json) => ({ type: 'number_range', ...bounds });
const statusIs = (w: LegacyWorld, label: string) => ({ type: 'reference', reference_type: 'status.lead', object_ids: [w.status[label]] });
const sortBy = (direction: string, f: Json) => ({ direction, field: f });
const leadEmail = (q: Json) => rel('lead', 'contact', rel('contact', 'contact_email', q));
const ct = (name: string) => field('contact', name);
const sub = (name: string) => field('sequence_subscription', name);
/** A lead's contact with a (live) subscription matching `q`. */
const leadSub = (q: Json) => rel('lead', 'contact', rel('contact', 'sequence_subscription', q));
const seqIs = (w: LegacyWorld, name: string) => ({ type: 'reference', reference_type: 'sequence', object_ids: [w.sequence[name]] });
const term = (...values: string[]) => ({ type: 'term', values });

const EVERY = ['nameless', 'or', 'tie1', 'tie2', 'wayne', 'road', 'acme', 'holdings'];

export const LEAD_CASES: readonly LegacyCase[] = [
  // Words and phrases: the `text` query.
  { q: 'acme', query: () => words('acme'), expect: ['acme', 'holdings'] },
  { q: '"road runner"', query: () => phrase('road runner'), expect: ['road'] },
  { q: 'acme corp', query: () => and(words('acme'), words('corp')), expect: ['acme'] },
  { q: '*', query: () => all, expect: EVERY },
  { q: '', query: () => all, expect: EVERY },
  // Text fields.
  { q: 'name:acme', query: () => cond(lf('name'), words('acme')), expect: ['acme', 'holdings'] },
  { q: 'company:"Road Runner"', query: () => cond(lf('name'), phrase('Road Runner')), expect: ['road'] },
  { q: 'lead_name:wayne', query: () => cond(lf('name'), words('wayne')), expect: ['wayne'] },
  { q: 'name = "ACME holdings"', query: () => cond(lf('name'), exact('ACME holdings')), expect: ['holdings'] },
  { q: 'name:*', query: () => cond(lf('name'), exists), expect: EVERY.filter((k) => k !== 'nameless') },
  { q: 'description:anvils', query: () => cond(lf('description'), words('anvils')), expect: ['acme'] },
  { q: 'url:holdings', query: () => cond(lf('url'), words('holdings')), expect: ['holdings'] },
  { q: 'title:ceo', query: () => rel('lead', 'contact', cond(field('contact', 'title'), words('ceo'))), expect: ['wayne', 'road'] },
  // Statuses, by label ignoring case.
  { q: 'status:potential', query: (w) => cond(lf('status_id'), statusIs(w, 'Potential')), expect: ['or', 'acme', 'holdings'] },
  { q: 'lead_status:"Bad Fit"', query: (w) => cond(lf('status_id'), statusIs(w, 'Bad Fit')), expect: ['nameless'] },
  // Emails and phones of the lead's contacts.
  { q: 'email:WILE@acme.example', query: () => leadEmail(cond(field('contact_email', 'email'), exact('WILE@acme.example'))), expect: ['acme'] },
  { q: 'email_address:"beep2@road.example"', query: () => leadEmail(cond(field('contact_email', 'email'), exact('beep2@road.example'))), expect: ['road'] },
  { q: 'email:acme', query: () => leadEmail(cond(field('contact_email', 'email'), words('acme'))), expect: ['acme', 'holdings'] },
  { q: 'email:*', query: () => leadEmail(cond(field('contact_email', 'email'), exists)), expect: ['road', 'acme', 'holdings'] },
  {
    q: 'phone:"+1 (555) 000-1001"',
    query: () => rel('lead', 'contact', rel('contact', 'contact_phone', cond(field('contact_phone', 'phone'), exact('+15550001001')))),
    expect: ['acme'],
  },
  {
    q: 'phone_number:5550002002',
    query: () => rel('lead', 'contact', rel('contact', 'contact_phone', cond(field('contact_phone', 'phone'), exact('+15550002002')))),
    expect: ['wayne'],
  },
  // Custom fields by name, in each of Close's forms.
  { q: 'custom."Lead Source":"Web"', query: (w) => cond(custom(w, 'Lead Source'), phrase('Web')), expect: ['wayne', 'acme', 'holdings'] },
  { q: '"custom.Lead Source":"web form"', query: (w) => cond(custom(w, 'Lead Source'), phrase('web form')), expect: ['acme', 'holdings'] },
  { q: 'custom."lead source":referral', query: (w) => cond(custom(w, 'Lead Source'), words('referral')), expect: ['road', 'holdings'] },
  { q: 'custom.Tier:gold', query: (w) => cond(custom(w, 'Tier'), { type: 'term', values: ['Gold'] }), expect: ['acme', 'holdings'] },
  { q: 'custom.Score > 2', query: (w) => cond(custom(w, 'Score'), nr({ gt: 2 })), expect: ['road', 'acme'] },
  { q: 'custom.Score:0', query: (w) => cond(custom(w, 'Score'), nr({ gte: 0, lte: 0 })), expect: ['wayne'] },
  { q: 'custom.Score <= 3', query: (w) => cond(custom(w, 'Score'), nr({ lte: 3 })), expect: ['wayne', 'road'] },
  { q: 'custom.Renewal >= 2026-03-15', query: (w) => cond(custom(w, 'Renewal'), range(day('2026-03-15', 'start'), null)), expect: ['acme'] },
  { q: '"custom.Signed At" < today', query: (w) => cond(custom(w, 'Signed At'), range(null, ago({}, 'start'))), expect: ['acme'] },
  // Ten hours west of UTC, today began at 10:00 UTC: both signatures were before it.
  { q: '"custom.Signed At" < today', query: (w) => cond(custom(w, 'Signed At'), range(null, ago({}, 'start'))), expect: ['wayne', 'acme'], tz: '-10' },
  { q: 'custom.Owner:USER', query: (w) => cond(custom(w, 'Owner'), { type: 'reference', reference_type: 'user_or_group', object_ids: ['USER'] }), expect: ['acme'] },
  { q: '"custom.Lead Source":*', query: (w) => cond(custom(w, 'Lead Source'), exists), expect: ['wayne', 'road', 'acme', 'holdings'] },
  { q: 'not "custom.Tier":*', query: (w) => not(cond(custom(w, 'Tier'), exists)), expect: ['nameless', 'or', 'tie1', 'tie2', 'wayne'] },
  // Counts.
  { q: 'contacts > 1', query: () => cond(lf('num_contacts'), nr({ gt: 1 })), expect: ['road'] },
  { q: 'contacts = 0', query: () => cond(lf('num_contacts'), nr({ gte: 0, lte: 0 })), expect: ['nameless', 'or', 'tie1', 'tie2'] },
  { q: 'num_contacts>0', query: () => cond(lf('num_contacts'), nr({ gt: 0 })), expect: ['wayne', 'road', 'acme', 'holdings'] },
  { q: 'addresses >= 1', query: () => cond(lf('addresses_count'), nr({ gte: 1 })), expect: ['wayne', 'road', 'acme', 'holdings'] },
  { q: 'addresses_count:1', query: () => cond(lf('addresses_count'), nr({ gte: 1, lte: 1 })), expect: ['wayne'] },
  { q: 'emails:2', query: () => cond(lf('num_emails'), nr({ gte: 2, lte: 2 })), expect: ['road'] },
  { q: 'phones < 1', query: () => cond(lf('num_phones'), nr({ lt: 1 })), expect: ['nameless', 'or', 'tie1', 'tie2', 'road', 'holdings'] },
  { q: 'urls > 0', query: () => cond(lf('all_urls_count'), nr({ gt: 0 })), expect: ['acme', 'holdings'] },
  { q: 'all_urls_count > 1', query: () => cond(lf('all_urls_count'), nr({ gt: 1 })), expect: ['acme'] },
  // Email activities (acme 1, road 3, wayne 2; B's activity on A's holdings never counts).
  { q: 'activities > 0', query: () => cond(lf('num_activities'), nr({ gt: 0 })), expect: ['wayne', 'road', 'acme'] },
  { q: 'activities:2', query: () => cond(lf('num_activities'), nr({ gte: 2, lte: 2 })), expect: ['wayne'] },
  { q: 'num_activities <= 1', query: () => cond(lf('num_activities'), nr({ lte: 1 })), expect: ['nameless', 'or', 'tie1', 'tie2', 'acme', 'holdings'] },
  { q: 'activities >= 3', query: () => cond(lf('num_activities'), nr({ gte: 3 })), expect: ['road'] },
  { q: 'activities < 1', query: () => cond(lf('num_activities'), nr({ lt: 1 })), expect: ['nameless', 'or', 'tie1', 'tie2', 'holdings'] },
  { q: 'activities = 1', query: () => cond(lf('num_activities'), nr({ gte: 1, lte: 1 })), expect: ['acme'] },
  { q: 'activities:*', query: () => cond(lf('num_activities'), exists), expect: ['wayne', 'road', 'acme'] },
  // Close's delete_secondary_addresses.py: the leads with several addresses, fewest activities first.
  {
    q: 'addresses > 1 sort:activities',
    query: () => cond(lf('addresses_count'), nr({ gt: 1 })),
    sort: () => [sortBy('asc', lf('num_activities'))],
    expect: ['holdings', 'acme', 'road'],
    ordered: true,
  },
  {
    q: 'sort:-activities addresses > 1',
    query: () => cond(lf('addresses_count'), nr({ gt: 1 })),
    sort: () => [sortBy('desc', lf('num_activities'))],
    expect: ['road', 'acme', 'holdings'],
    ordered: true,
  },
  { q: 'not activities > 0 sort:num_activities', query: () => not(cond(lf('num_activities'), nr({ gt: 0 }))), sort: () => [sortBy('asc', lf('num_activities'))], expect: ['nameless', 'or', 'tie1', 'tie2', 'holdings'] },
  // contact(…): one contact of the lead matches the whole inner query, in GET /contact/'s terms.
  { q: 'contact(title:"CEO")', query: () => rel('lead', 'contact', cond(ct('title'), phrase('CEO'))), expect: ['wayne', 'road'] },
  { q: 'contact(title:ceo has:email)', query: () => rel('lead', 'contact', and(cond(ct('title'), words('ceo')), rel('contact', 'contact_email', all))), expect: ['road'] },
  // One contact must match both; two contacts of a lead may match one each.
  { q: 'contact(name:other has:email)', query: () => rel('lead', 'contact', and(cond(ct('name'), words('other')), rel('contact', 'contact_email', all))), expect: [] },
  {
    q: 'contact(name:other) contact(has:email)',
    query: () => and(rel('lead', 'contact', cond(ct('name'), words('other'))), rel('lead', 'contact', rel('contact', 'contact_email', all))),
    expect: ['road'],
  },
  { q: 'contact(acme)', query: () => rel('lead', 'contact', words('acme')), expect: ['acme', 'holdings'] },
  { q: 'contact(custom.Nickname:coyote)', query: (w) => rel('lead', 'contact', cond(custom(w, 'Nickname'), words('coyote'))), expect: ['acme'] },
  { q: 'contact(-has:email)', query: () => rel('lead', 'contact', not(rel('contact', 'contact_email', all))), expect: ['wayne', 'road'] },
  { q: 'not contact(title:ceo)', query: () => not(rel('lead', 'contact', cond(ct('title'), words('ceo')))), expect: ['nameless', 'or', 'tie1', 'tie2', 'acme', 'holdings'] },
  { q: 'contact(title:ceo or name:anvil)', query: () => rel('lead', 'contact', or(cond(ct('title'), words('ceo')), cond(ct('name'), words('anvil')))), expect: ['wayne', 'road', 'holdings'] },
  // sequence_subscription(…) inside contact(…): Close's export_sequence_subscriptions_public.py.
  { q: 'contact(sequence_subscription(sequence:*)) ', query: () => leadSub(cond(sub('sequence_id'), exists)), expect: ['road', 'acme'] },
  // Bruce's Renewal subscription was deleted: Wayne is not subscribed.
  { q: 'contact(sequence_subscription(sequence:SEQ_Renewal))', query: (w) => leadSub(cond(sub('sequence_id'), seqIs(w, 'Renewal'))), expect: ['road'] },
  { q: 'contact(sequence_subscription(sequence_id = SEQ_Welcome))', query: (w) => leadSub(cond(sub('sequence_id'), seqIs(w, 'Welcome'))), expect: ['road', 'acme'] },
  {
    q: 'contact(sequence_subscription(sequence:SEQ_Welcome status:paused))',
    query: (w) => leadSub(and(cond(sub('sequence_id'), seqIs(w, 'Welcome')), cond(sub('status'), term('paused')))),
    expect: ['road'],
  },
  { q: 'contact(sequence_subscription(status:active))', query: () => leadSub(cond(sub('status'), term('active'))), expect: ['road', 'acme'] },
  { q: 'contact(sequence_subscription(status = FINISHED))', query: () => leadSub(cond(sub('status'), term('finished'))), expect: ['road'] },
  { q: 'contact(sequence_subscription(status:goal))', query: () => leadSub(cond(sub('status'), term('goal'))), expect: [] },
  { q: 'contact(sequence_subscription(created >= 2026-03-09))', query: () => leadSub(cond(sub('date_created'), range(day('2026-03-09', 'start'), null))), expect: ['road', 'acme'] },
  {
    q: '-contact(sequence_subscription(sequence:*))',
    query: () => not(leadSub(cond(sub('sequence_id'), exists))),
    expect: ['nameless', 'or', 'tie1', 'tie2', 'wayne', 'holdings'],
  },
  // A contact without a (live) subscription: Bruce (deleted) and the anvil buyer.
  { q: 'contact(-sequence_subscription(sequence:*))', query: () => rel('lead', 'contact', not(rel('contact', 'sequence_subscription', cond(sub('sequence_id'), exists)))), expect: ['wayne', 'holdings'] },
  {
    q: 'contact(sequence_subscription(sequence:*) -title:ceo) or name:wayne',
    query: () => or(rel('lead', 'contact', and(rel('contact', 'sequence_subscription', cond(sub('sequence_id'), exists)), not(cond(ct('title'), words('ceo'))))), cond(lf('name'), words('wayne'))),
    expect: ['wayne', 'road', 'acme'],
  },
  {
    q: 'has:email contact(sequence_subscription(sequence:SEQ_Welcome)) or activities >= 2',
    query: (w) => or(and(leadEmail(all), leadSub(cond(sub('sequence_id'), seqIs(w, 'Welcome')))), cond(lf('num_activities'), nr({ gte: 2 }))),
    expect: ['wayne', 'road', 'acme'],
  },
  {
    q: 'contact(sequence_subscription(not status:active)) sort:-activities',
    query: () => leadSub(not(cond(sub('status'), term('active')))),
    sort: () => [sortBy('desc', lf('num_activities'))],
    expect: ['road'],
    ordered: true,
  },
  {
    q: 'sort:created slice:1/1 contact(sequence_subscription(sequence:*))',
    query: () => and({ type: 'slice', slice: 1, total_slices: 1 }, leadSub(cond(sub('sequence_id'), exists))),
    sort: () => [sortBy('asc', lf('date_created'))],
    expect: ['road', 'acme'],
    ordered: true,
  },
  // Dates, absolute and relative, in the request's time zone.
  { q: 'created:today', query: () => cond(lf('date_created'), range(ago({}, 'start'), ago({}, 'end'))), expect: ['acme', 'holdings'] },
  { q: 'created:yesterday', query: () => cond(lf('date_created'), range(ago({ days: 1 }, 'start'), ago({ days: 1 }, 'end'))), expect: ['road'] },
  { q: 'created >= "30 days ago"', query: () => cond(lf('date_created'), range(ago({ days: 30 }, 'start'), null)), expect: ['road', 'acme', 'holdings'] },
  { q: 'created > "1 week ago"', query: () => cond(lf('date_created'), range(ago({ weeks: 1 }, 'end'), null)), expect: ['road', 'acme', 'holdings'] },
  { q: 'created < 2026-01-01', query: () => cond(lf('date_created'), range(null, day('2026-01-01', 'start'))), expect: ['nameless'] },
  { q: 'created <= 2026-01-20', query: () => cond(lf('date_created'), range(null, day('2026-01-20', 'end'))), expect: ['nameless', 'or', 'tie1', 'tie2'] },
  { q: 'created > "2 hours ago"', query: () => cond(lf('date_created'), range(ago({ hours: 2 }, null), null)), expect: ['holdings'] },
  { q: 'created < "in 3 months"', query: () => cond(lf('date_created'), range(null, ago({ months: 3 }, 'start', 'future'))), expect: EVERY },
  { q: 'updated > 2026-02-15', query: () => cond(lf('date_updated'), range(day('2026-02-15', 'end'), null)), expect: ['wayne', 'road', 'acme', 'holdings'] },
  { q: 'date_created:2026-02-01', query: () => cond(lf('date_created'), range(day('2026-02-01', 'start'), day('2026-02-01', 'end'))), expect: ['wayne'] },
  { q: 'created:2026-01-01', query: () => cond(lf('date_created'), range(day('2026-01-01', 'start'), day('2026-01-01', 'end'))), expect: [] },
  // An hour east, the lead created at 23:30 UTC on Dec 31 was created on Jan 1.
  { q: 'created:2026-01-01', query: () => cond(lf('date_created'), range(day('2026-01-01', 'start'), day('2026-01-01', 'end'))), expect: ['nameless'], tz: '1' },
  // has:
  { q: 'has:email', query: () => leadEmail(all), expect: ['road', 'acme', 'holdings'] },
  { q: 'has:phone', query: () => rel('lead', 'contact', rel('contact', 'contact_phone', all)), expect: ['wayne', 'acme'] },
  { q: 'has:address', query: () => rel('lead', 'address', all), expect: ['wayne', 'road', 'acme', 'holdings'] },
  { q: 'has:url', query: () => cond(lf('all_urls_count'), exists), expect: ['acme', 'holdings'] },
  { q: 'has:contacts', query: () => rel('lead', 'contact', all), expect: ['wayne', 'road', 'acme', 'holdings'] },
  { q: '-has:email', query: () => not(leadEmail(all)), expect: ['nameless', 'or', 'tie1', 'tie2', 'wayne'] },
  // not, -, and, or, parentheses.
  { q: 'not name:acme', query: () => not(cond(lf('name'), words('acme'))), expect: ['nameless', 'or', 'tie1', 'tie2', 'wayne', 'road'] },
  { q: 'status:potential -name:acme', query: (w) => and(cond(lf('status_id'), statusIs(w, 'Potential')), not(cond(lf('name'), words('acme')))), expect: ['or'] },
  { q: 'name:acme or name:wayne', query: () => or(cond(lf('name'), words('acme')), cond(lf('name'), words('wayne'))), expect: ['wayne', 'acme', 'holdings'] },
  {
    q: '(name:acme OR status:customer) has:email',
    query: (w) => and(or(cond(lf('name'), words('acme')), cond(lf('status_id'), statusIs(w, 'Customer'))), leadEmail(all)),
    expect: ['acme', 'holdings'],
  },
  {
    q: 'name:acme and not title:ceo',
    query: () => and(cond(lf('name'), words('acme')), not(rel('lead', 'contact', cond(field('contact', 'title'), words('ceo'))))),
    expect: ['acme', 'holdings'],
  },
  { q: '"or" OR "tie"', query: () => or(phrase('or'), phrase('tie')), expect: ['or', 'tie1', 'tie2'] },
  {
    q: 'NOT has:email AND NOT has:phone',
    query: () => and(not(leadEmail(all)), not(rel('lead', 'contact', rel('contact', 'contact_phone', all)))),
    expect: ['nameless', 'or', 'tie1', 'tie2'],
  },
  { q: '-(name:acme or name:wayne)', query: () => not(or(cond(lf('name'), words('acme')), cond(lf('name'), words('wayne')))), expect: ['nameless', 'or', 'tie1', 'tie2', 'road'] },
  // sort:
  { q: '* sort:created', query: () => all, sort: () => [sortBy('asc', lf('date_created'))], expect: EVERY },
  { q: 'sort:-created', query: () => all, sort: () => [sortBy('desc', lf('date_created'))] },
  { q: 'sort:date_created name:acme', query: () => cond(lf('name'), words('acme')), sort: () => [sortBy('asc', lf('date_created'))], expect: ['acme', 'holdings'] },
  { q: 'sort:-updated', query: () => all, sort: () => [sortBy('desc', lf('date_updated'))] },
  { q: 'sort:name', query: () => all, sort: () => [sortBy('asc', lf('name'))] },
  { q: 'name:* sort:-contacts sort:name', query: () => cond(lf('name'), exists), sort: () => [sortBy('desc', lf('num_contacts')), sortBy('asc', lf('name'))] },
  { q: 'sort:custom.Score', query: () => all, sort: (w) => [sortBy('asc', custom(w, 'Score'))] },
  { q: 'sort:-custom."Lead Source"', query: () => all, sort: (w) => [sortBy('desc', custom(w, 'Lead Source'))] },
  { q: 'sort:display_name', query: () => all, sort: () => [sortBy('asc', lf('display_name'))] },
  // slice:
  { q: 'slice:1/2', query: () => ({ type: 'slice', slice: 1, total_slices: 2 }) },
  { q: '(acme) slice:1/1', query: () => and(words('acme'), { type: 'slice', slice: 1, total_slices: 1 }), expect: ['acme', 'holdings'] },
  {
    q: 'sort:created slice:2/3 contacts > 0',
    query: () => and({ type: 'slice', slice: 2, total_slices: 3 }, cond(lf('num_contacts'), nr({ gt: 0 }))),
    sort: () => [sortBy('asc', lf('date_created'))],
  },
];

const cf = (name: string) => field('contact', name);
const CONTACTS = ['bruce', 'beep', 'other', 'wile', 'anvil'];

export const CONTACT_CASES: readonly LegacyCase[] = [
  { q: 'ceo', query: () => words('ceo'), expect: ['bruce', 'beep'] },
  { q: '*', query: () => all, expect: CONTACTS },
  { q: 'name:beep', query: () => cond(cf('name'), words('beep')), expect: ['beep'] },
  { q: 'title:"chief genius"', query: () => cond(cf('title'), phrase('chief genius')), expect: ['wile'] },
  { q: 'company:acme', query: () => rel('contact', 'lead', cond(lf('name'), words('acme'))), expect: ['wile', 'anvil'] },
  { q: 'description:anvils', query: () => rel('contact', 'lead', cond(lf('description'), words('anvils'))), expect: ['wile'] },
  { q: 'status:qualified', query: (w) => rel('contact', 'lead', cond(lf('status_id'), statusIs(w, 'Qualified'))), expect: ['beep', 'other'] },
  { q: 'email:beep@road.example', query: () => rel('contact', 'contact_email', cond(field('contact_email', 'email'), exact('beep@road.example'))), expect: ['beep'] },
  { q: 'phone:+15550002002', query: () => rel('contact', 'contact_phone', cond(field('contact_phone', 'phone'), exact('+15550002002'))), expect: ['bruce'] },
  { q: 'url:wile', query: () => rel('contact', 'contact_url', cond(field('contact_url', 'url'), words('wile'))), expect: ['wile'] },
  { q: 'emails > 1', query: () => cond(cf('emails_count'), nr({ gt: 1 })), expect: ['beep'] },
  { q: 'phones:0', query: () => cond(cf('phones_count'), nr({ gte: 0, lte: 0 })), expect: ['beep', 'other', 'anvil'] },
  { q: 'urls_count >= 1', query: () => cond(cf('urls_count'), nr({ gte: 1 })), expect: ['wile'] },
  { q: 'has:phone', query: () => rel('contact', 'contact_phone', all), expect: ['bruce', 'wile'] },
  { q: 'has:url', query: () => rel('contact', 'contact_url', all), expect: ['wile'] },
  { q: '-has:email', query: () => not(rel('contact', 'contact_email', all)), expect: ['bruce', 'other'] },
  { q: 'custom.Nickname:coyote', query: (w) => cond(custom(w, 'Nickname'), words('coyote')), expect: ['wile'] },
  // A lead custom field, through the contact's lead.
  { q: 'custom."Lead Source":referral', query: (w) => rel('contact', 'lead', cond(custom(w, 'Lead Source'), words('referral'))), expect: ['beep', 'other', 'anvil'] },
  { q: 'created:today', query: () => cond(cf('date_created'), range(ago({}, 'start'), ago({}, 'end'))), expect: ['wile', 'anvil'] },
  { q: 'sort:-name', query: () => all, sort: () => [sortBy('desc', cf('name'))], expect: ['wile', 'other', 'bruce', 'beep', 'anvil'], ordered: true },
  { q: 'sort:-emails title:*', query: () => cond(cf('title'), exists), sort: () => [sortBy('desc', cf('emails_count'))] },
  { q: 'slice:2/2', query: () => ({ type: 'slice', slice: 2, total_slices: 2 }) },
  { q: 'sequence_subscription(sequence:*)', query: () => rel('contact', 'sequence_subscription', cond(sub('sequence_id'), exists)), expect: ['wile', 'beep', 'other'] },
  { q: 'sequence_subscription(status:paused)', query: () => rel('contact', 'sequence_subscription', cond(sub('status'), term('paused'))), expect: ['beep'] },
  { q: '-sequence_subscription(sequence:*)', query: () => not(rel('contact', 'sequence_subscription', cond(sub('sequence_id'), exists))), expect: ['bruce', 'anvil'] },
  {
    q: 'sequence_subscription(sequence:SEQ_Renewal) title:ceo',
    query: (w) => and(rel('contact', 'sequence_subscription', cond(sub('sequence_id'), seqIs(w, 'Renewal'))), cond(cf('title'), words('ceo'))),
    expect: ['beep'],
  },
];
