/**
 * The environment of bench/lib/bare-server.ts: the organization, and GET /lead/{id}/'s one
 * statement (src/leads/get-lead.ts) for it to run as Sluice does (prepared under the same name),
 * with the places of the lead id, the only parameter that changes from lead to lead.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../src/db/schema.ts';
import { GET_LEAD_STATEMENT_NAME, getLeadStatement } from '../../src/leads/get-lead.ts';

/** BARE_ORGANIZATION_ID and BARE_LEAD_STATEMENT for `organizationId`, `sampleLeadId` one of its leads. */
export function bareServerEnv(db: Kysely<Database>, organizationId: string, sampleLeadId: string): Record<string, string> {
  const lead = getLeadStatement(db, organizationId, sampleLeadId, 'http://127.0.0.1');
  const idIndexes = lead.parameters.flatMap((value, i) => (value === sampleLeadId ? [i] : []));
  if (idIndexes.length === 0) throw new Error('GET /lead/{id}/: no parameter holds the lead id');
  const statement = { name: GET_LEAD_STATEMENT_NAME, text: lead.sql, values: lead.parameters, idIndexes };
  return { BARE_ORGANIZATION_ID: organizationId, BARE_LEAD_STATEMENT: JSON.stringify(statement) };
}
