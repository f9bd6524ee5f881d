/**
 * GET /lead/{id}/ in one statement: the lead and its contacts built as JSON by PostgreSQL
 * (lead-object-sql.ts), where loadLeadObjects sends eleven statements in three rounds. The one read
 * of the API that every integration makes per lead, so its round trips are most of its cost
 * (BENCHMARKS.md, bench:load). Phones' `phone_formatted` is libphonenumber's, set here.
 */
import { sql, type CompiledQuery, type Kysely } from 'kysely';
import type pg from 'pg';
import { formatPhone } from '../contacts/channels.ts';
import type { Database } from '../db/schema.ts';
import { leadObjectCtes } from './lead-object-sql.ts';

interface Phone { phone: string; phone_formatted: string }

// The statement is compiled once, with these stand-ins where the organization, the lead and the
// public URL go, and each request only puts its values in their places: compiling it through Kysely
// took about 4% of a GET's time in the server's profile.
const ORGANIZATION = '\u0000organization';
const LEAD = '\u0000lead';
const PUBLIC_URL = '\u0000public_url';
let compiled: CompiledQuery | undefined;

/** The name the statement is prepared under on each connection. */
export const GET_LEAD_STATEMENT_NAME = 'sluice_get_lead';

/** The statement for one lead; its text is the same for every lead, so it can be prepared once. */
export function getLeadStatement(db: Kysely<Database>, organizationId: string, id: string, publicUrl: string): { sql: string; parameters: unknown[] } {
  compiled ??= sql`
    WITH ${leadObjectCtes({ organizationId: ORGANIZATION, ids: sql`ARRAY[${LEAD}::text]`, phonesFormatted: null, publicUrl: PUBLIC_URL })}
    SELECT lo.obj || jsonb_build_object('contacts',
             coalesce((SELECT jsonb_agg(c.obj ORDER BY c.date_created, c.id) FROM c), '[]'::jsonb)) AS obj
    FROM lo`.compile(db);
  const values = new Map<unknown, unknown>([[ORGANIZATION, organizationId], [LEAD, id], [PUBLIC_URL, publicUrl]]);
  return { sql: compiled.sql, parameters: compiled.parameters.map((p) => (values.has(p) ? values.get(p) : p)) };
}

/** The lead `id` of `organizationId` as the API shows it, or undefined when there is none. */
export async function getLead(db: Kysely<Database>, pool: pg.Pool, organizationId: string, id: string, publicUrl: string): Promise<Record<string, unknown> | undefined> {
  const statement = getLeadStatement(db, organizationId, id, publicUrl);
  // Named: prepared once per connection. Planning this statement costs about twice its execution
  // (1.2 ms against 0.6 ms for a lead with four contacts), so a prepared one is about 4x cheaper.
  const { rows } = await pool.query<{ obj: Record<string, unknown> }>({ name: GET_LEAD_STATEMENT_NAME, text: statement.sql, values: statement.parameters });
  const lead = rows[0]?.obj;
  if (!lead) return undefined;
  for (const contact of lead.contacts as { phones: Phone[] }[]) {
    for (const phone of contact.phones) phone.phone_formatted = formatPhone(phone.phone);
  }
  const primary = lead.primary_phone as Phone | null;
  if (primary) primary.phone_formatted = formatPhone(primary.phone);
  return lead;
}
