/**
 * GET /lead/{id}/ in one statement: the lead and its contacts built as JSON by PostgreSQL
 * (lead-object-sql.ts), where loadLeadObjects sends eleven statements in three rounds. The one read
 * of the API that every integration makes per lead, so its round trips are most of its cost
 * (BENCHMARKS.md, bench:load): the route sends it inside the statement that authenticates the
 * request (GET_LEAD_RIDING, rate-limit.ts), one round trip in all, and answers the object as
 * PostgreSQL built it (phones' `phone_formatted` is stored with them).
 */
import { sql, type RawBuilder } from 'kysely';
import { StatementTemplate, slot, type PreparedQuery } from '../db/statement-template.ts';
import type { RidingQuery } from '../http/rate-limit.ts';
import { leadObjectCtes } from './lead-object-sql.ts';

const leadCtes = (organization: RawBuilder<unknown> | string) =>
  leadObjectCtes({ organizationId: organization, ids: sql`ARRAY[${slot('lead')}::text]`, publicUrl: slot('public_url') });
const leadObject = sql`lo.obj || jsonb_build_object('contacts', coalesce((SELECT jsonb_agg(c.obj ORDER BY c.date_created, c.id) FROM c), '[]'::jsonb))`;

/** The lead (`lead`, its id) as the API shows it, or null: for authenticateWith. */
export const GET_LEAD_RIDING: RidingQuery = {
  name: 'sluice_authenticate_get_lead',
  ctes: leadCtes,
  result: sql`(SELECT ${leadObject} FROM lo)`,
};

const GET_LEAD = new StatementTemplate('sluice_get_lead', () => sql`WITH ${leadCtes(slot('organization'))} SELECT ${leadObject} AS obj FROM lo`);

/**
 * The same read on its own, given the organization: one row, none when there is no such lead.
 * (The baseline that bench:load measures the route against.)
 */
export function getLeadStatement(organizationId: string, id: string, publicUrl: string): PreparedQuery {
  return GET_LEAD.with({ organization: organizationId, lead: id, public_url: publicUrl });
}
