/**
 * Random legacy search strings for the property test: every kind of term (with values drawn from
 * the vocabulary of test/search/world.ts, so they often match), clauses on related objects
 * (`contact(…)` on leads, `sequence_subscription(…)` on contacts), joined by spaces, `and`, `or`,
 * `not`, `-` and parentheses, with `sort:` at the top level, plus some terms Sluice refuses and
 * some plain noise.
 */
import fc from 'fast-check';
import { CHOICES, DATES, QUERY_SEQUENCE_IDS, SUBSCRIPTION_STATUSES, WORDS } from '../world.ts';

export interface StringUniverse {
  readonly userIds: readonly string[];
  /** Custom field names by type, of the result object and (for contacts) of their leads. */
  readonly customNames: readonly { name: string; type: string }[];
}

const word = fc.constantFrom(...WORDS, 'nomatch');
const phrase = fc.array(word, { minLength: 1, maxLength: 3 }).map((ws) => `"${ws.join(' ')}"`);
const textValue = fc.oneof(word, phrase);
const op = fc.constantFrom(':', ' > ', '>=', ' < ', '<=', ' = ');
const dateValue = fc.constantFrom('today', 'yesterday', 'tomorrow', '"2 days ago"', '"in 1 week"', '"3 hours ago"', 'now', ...DATES);
const quoteKey = (key: string) => fc.constantFrom(`"${key}"`, key.includes(' ') ? `custom."${key.slice(7)}"` : key);

function textTerm(keys: readonly string[]): fc.Arbitrary<string> {
  return fc.tuple(fc.constantFrom(...keys), fc.constantFrom(':', ':', '=', ' = '), fc.oneof(textValue, fc.constant('*'))).map(([k, o, v]) => `${k}${o}${v}`);
}

function customTerm(u: StringUniverse): fc.Arbitrary<string> {
  return fc.constantFrom(...u.customNames).chain(({ name, type }) => {
    const key = quoteKey(`custom.${name}`);
    let value: fc.Arbitrary<string>;
    switch (type) {
      case 'number':
        return fc.tuple(key, op, fc.constantFrom('0', '1', '2.5', '10', '-3')).map(([k, o, v]) => `${k}${o}${v}`);
      case 'date':
      case 'datetime':
        return fc.tuple(key, op, dateValue).map(([k, o, v]) => `${k}${o}${v}`);
      case 'choices':
        value = fc.constantFrom(...CHOICES, 'red', 'Purple');
        break;
      case 'user':
        value = fc.constantFrom(...u.userIds, 'user_nobody');
        break;
      default:
        value = textValue;
    }
    return fc.tuple(key, fc.constantFrom(':', '='), fc.oneof({ weight: 4, arbitrary: value }, { weight: 1, arbitrary: fc.constant('*') })).map(([k, o, v]) => `${k}${o}${v}`);
  });
}

/** A term of a `sequence_subscription(…)` clause (a few refused: an unknown status, a name). */
const subscriptionTerm: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('sequence:*', 'sequence_id:*', ...QUERY_SEQUENCE_IDS.map((id) => `sequence:${id}`), 'sequence:Welcome'),
  fc.tuple(fc.constantFrom('status:', 'status = ', '-status:'), fc.constantFrom(...SUBSCRIPTION_STATUSES, 'PAUSED', 'done')).map(([k, v]) => `${k}${v}`),
  fc.tuple(fc.constantFrom('created', 'date_created'), fc.constantFrom(':', ' > ', '<='), fc.constantFrom(...DATES, 'today')).map(([k, o, v]) => `${k}${o}${v}`),
);

/** `sequence_subscription(…)` with one to three terms side by side or joined by `or`. */
const subscriptionClause = fc
  .tuple(fc.array(subscriptionTerm, { minLength: 1, maxLength: 3 }), fc.constantFrom(' ', ' or '))
  .map(([terms, joint]) => `sequence_subscription(${terms.join(joint)})`);

/** A term of a `resultType` query (a few of them refused: unknown statuses, has:calls, noise). */
export function termArb(resultType: 'lead' | 'contact', u: StringUniverse): fc.Arbitrary<string> {
  const lead = resultType === 'lead';
  const counts = lead ? ['contacts', 'num_contacts', 'addresses', 'addresses_count', 'emails', 'num_emails', 'phones', 'urls', 'activities', 'num_activities'] : ['emails', 'emails_count', 'phones', 'urls'];
  // A lead's contact(…) holds contact terms, its own sequence_subscription(…) clauses included.
  const clause = lead
    ? fc.tuple(fc.array(termArb('contact', u), { minLength: 1, maxLength: 3 }), fc.constantFrom(' ', ' or ', ' -')).map(([terms, joint]) => `contact(${terms.join(joint)})`)
    : subscriptionClause;
  const has = lead ? ['email', 'phone', 'address', 'url', 'contacts'] : ['email', 'phone', 'url'];
  return fc.oneof(
    { weight: 3, arbitrary: textValue },
    { weight: 4, arbitrary: textTerm(lead ? ['name', 'company', 'description', 'url', 'title', 'email', 'email_address', 'phone'] : ['name', 'title', 'company', 'email', 'phone', 'url']) },
    { weight: 2, arbitrary: fc.constantFrom('status:potential', 'lead_status:"bad fit"', 'status:Qualified', 'status:CUSTOMER', 'status:nope') },
    { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...counts), op, fc.constantFrom('0', '1', '2', '3')).map(([k, o, v]) => `${k}${o}${v}`) },
    { weight: 2, arbitrary: fc.tuple(fc.constantFrom('created', 'updated', 'date_created'), op, dateValue).map(([k, o, v]) => `${k}${o}${v}`) },
    { weight: 3, arbitrary: customTerm(u) },
    { weight: 2, arbitrary: fc.constantFrom(...has, 'calls').map((h) => `has:${h}`) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 3 }).chain((m) => fc.integer({ min: 1, max: m }).map((n) => `slice:${n}/${m}`)) },
    { weight: 1, arbitrary: fc.constant('*') },
    { weight: 1, arbitrary: fc.string({ maxLength: 8 }) },
    { weight: 3, arbitrary: clause },
    { weight: 1, arbitrary: fc.constantFrom('call(direction:incoming)', lead ? 'sequence_subscription(sequence:*)' : 'contact(title:ceo)') },
  );
}

/** A whole query string: an expression, and perhaps `sort:` keys around it. */
export function queryStringArb(resultType: 'lead' | 'contact', u: StringUniverse): fc.Arbitrary<string> {
  const term = termArb(resultType, u);
  const { expr } = fc.letrec<{ expr: string; not: string; group: string; binary: string }>((tie) => ({
    expr: fc.oneof({ maxDepth: 3, depthIdentifier: 'legacy' }, term, term, tie('not'), tie('group'), tie('binary')),
    not: fc.tuple(fc.constantFrom('not ', 'NOT ', '-'), tie('expr')).map(([n, e]) => `${n}${e}`),
    group: fc.array(tie('expr'), { minLength: 1, maxLength: 3 }).map((es) => `(${es.join(' ')})`),
    binary: fc.tuple(tie('expr'), fc.constantFrom(' ', ' and ', ' AND ', ' or ', ' OR '), tie('expr')).map(([a, j, b]) => `${a}${j}${b}`),
  }));
  const sortKeys = resultType === 'lead' ? ['created', 'date_created', 'updated', 'name', 'display_name', 'contacts', 'emails', 'url', 'activities'] : ['created', 'updated', 'name', 'title', 'emails', 'display_name'];
  const sorts = fc.array(fc.tuple(fc.constantFrom('', '-'), fc.constantFrom(...sortKeys)).map(([d, k]) => `sort:${d}${k}`), { maxLength: 2 });
  return fc.tuple(expr, sorts, fc.boolean()).map(([e, s, before]) => {
    if (s.length === 0) return e;
    return before ? `${s.join(' ')} (${e})` : `(${e}) ${s.join(' ')}`;
  });
}
