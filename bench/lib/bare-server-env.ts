/**
 * The environment of bench/lib/bare-server.ts: the organization, and the read GET /lead/{id}/ sends
 * with its authentication, on its own (getLeadStatement, src/leads/get-lead.ts), for it to run
 * prepared, with the places of the lead id, the only parameter that changes from lead to lead.
 */
import { getLeadStatement } from '../../src/leads/get-lead.ts';

/** BARE_ORGANIZATION_ID and BARE_LEAD_STATEMENT for `organizationId`, `sampleLeadId` one of its leads. */
export function bareServerEnv(organizationId: string, sampleLeadId: string): Record<string, string> {
  const lead = getLeadStatement(organizationId, sampleLeadId, 'http://127.0.0.1');
  const idIndexes = lead.values.flatMap((value, i) => (value === sampleLeadId ? [i] : []));
  if (idIndexes.length === 0) throw new Error('GET /lead/{id}/: no parameter holds the lead id');
  const statement = { ...lead, idIndexes };
  return { BARE_ORGANIZATION_ID: organizationId, BARE_LEAD_STATEMENT: JSON.stringify(statement) };
}
