/**
 * Which lead status a create or update names: `status_id`, or `status` (a label, matched without
 * regard to case), never both. On create with neither, the organization's first status.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { fieldError } from '../errors.ts';

/** The status id the body asks for; undefined when it names none and `defaultFirst` is false. */
export async function resolveStatus(
  db: Kysely<Database>,
  organizationId: string,
  body: { status_id?: string; status?: string },
  defaultFirst: boolean,
): Promise<string | undefined> {
  if (body.status_id !== undefined && body.status !== undefined) {
    throw fieldError('status', 'Send either status or status_id, not both.');
  }
  const base = db.selectFrom('lead_statuses').select('id').where('organization_id', '=', organizationId);
  if (body.status_id !== undefined) {
    const row = await base.where('id', '=', body.status_id).executeTakeFirst();
    if (!row) throw fieldError('status_id', 'Unknown lead status.');
    return row.id;
  }
  if (body.status !== undefined) {
    const label = body.status.trim().toLowerCase();
    const row = await base.where((eb) => eb(eb.fn('lower', ['label']), '=', label)).orderBy('position').orderBy('id').executeTakeFirst();
    if (!row) throw fieldError('status', 'Unknown lead status.');
    return row.id;
  }
  if (!defaultFirst) return undefined;
  const first = await base.orderBy('position').orderBy('id').executeTakeFirst();
  if (!first) throw fieldError('status_id', 'The organization has no lead status; create one first.');
  return first.id;
}
