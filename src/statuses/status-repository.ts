/**
 * Lead statuses of an organization, kept in the order of `lead_statuses.position` (the order
 * `GET /organization/{id}/` shows and `PUT /organization/{id}/` rewrites). Writes lock the
 * organization row, so that two concurrent creates cannot take the same position or the same label.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { badRequest, fieldError, notFound } from '../errors.ts';

export interface LeadStatus {
  readonly id: string;
  readonly label: string;
  readonly organization_id: string;
}

type Db = Kysely<Database>;

/** The wire shape of a status: `{id, label, organization_id}`. */
export function statusResponse(row: LeadStatus): LeadStatus {
  return { id: row.id, label: row.label, organization_id: row.organization_id };
}

/** One status of the organization, or undefined (another organization's id included). */
export async function findLeadStatus(db: Db, organizationId: string, id: string): Promise<LeadStatus | undefined> {
  return db
    .selectFrom('lead_statuses')
    .select(['id', 'label', 'organization_id'])
    .where('organization_id', '=', organizationId)
    .where('id', '=', id)
    .executeTakeFirst();
}

/** A status of the organization by label, compared case-insensitively (labels are unique that way). */
export async function findLeadStatusByLabel(db: Db, organizationId: string, label: string): Promise<LeadStatus | undefined> {
  return db
    .selectFrom('lead_statuses')
    .select(['id', 'label', 'organization_id'])
    .where('organization_id', '=', organizationId)
    .where((eb) => eb(eb.fn('lower', ['label']), '=', label.trim().toLowerCase()))
    .orderBy('position')
    .executeTakeFirst();
}

/** A page of the organization's statuses in their order (`limit + 1` rows, for has_more). */
export async function listLeadStatuses(db: Db, organizationId: string, skip: number, limit: number): Promise<LeadStatus[]> {
  return db
    .selectFrom('lead_statuses')
    .select(['id', 'label', 'organization_id'])
    .where('organization_id', '=', organizationId)
    .orderBy('position')
    .orderBy('id')
    .offset(skip)
    .limit(limit)
    .execute();
}

/** Trims `label` and checks it is non-blank and not taken by another status of the organization. */
export async function checkLabel(db: Db, organizationId: string, label: string, exceptId?: string): Promise<string> {
  const trimmed = label.trim();
  if (trimmed === '') throw fieldError('label', 'This field may not be blank.');
  const taken = await findLeadStatusByLabel(db, organizationId, trimmed);
  if (taken && taken.id !== exceptId) throw fieldError('label', `A lead status labelled "${taken.label}" already exists.`);
  return trimmed;
}

/** Serialises status writes of one organization (see the module note). */
export async function lockOrganization(db: Db, organizationId: string): Promise<void> {
  // NO KEY UPDATE, not UPDATE: it serialises these writers without blocking the KEY SHARE locks
  // that every lead or contact insert of the organization takes through its foreign key.
  await db.selectFrom('organizations').select('id').where('id', '=', organizationId).forNoKeyUpdate().executeTakeFirst();
}

/** Inserts a status after the organization's last one. */
export async function insertLeadStatus(db: Db, organizationId: string, id: string, label: string, at: Date): Promise<LeadStatus> {
  const last = await db
    .selectFrom('lead_statuses')
    .select((eb) => eb.fn.max('position').as('max'))
    .where('organization_id', '=', organizationId)
    .executeTakeFirst();
  const position = last?.max === null || last?.max === undefined ? 0 : Number(last.max) + 1;
  await db
    .insertInto('lead_statuses')
    .values({ id, organization_id: organizationId, label, position, date_created: at, date_updated: at })
    .execute();
  return { id, label, organization_id: organizationId };
}

/**
 * Deletes a status no lead uses. A lead inserted concurrently with the check still cannot slip
 * through: the foreign key from leads.status_id makes the delete fail, which is reported the same way.
 */
export async function deleteLeadStatus(db: Db, organizationId: string, id: string): Promise<LeadStatus> {
  const status = await findLeadStatus(db, organizationId, id);
  if (!status) throw notFound('lead status');
  const inUse = await db
    .selectFrom('leads')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('organization_id', '=', organizationId)
    .where('status_id', '=', id)
    .executeTakeFirstOrThrow();
  if (Number(inUse.n) > 0) throw statusInUse(status, Number(inUse.n));
  const remaining = await db
    .selectFrom('lead_statuses')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('organization_id', '=', organizationId)
    .executeTakeFirstOrThrow();
  if (Number(remaining.n) <= 1) throw badRequest('An organization needs at least one lead status; this is the last one.');
  try {
    await db.deleteFrom('lead_statuses').where('organization_id', '=', organizationId).where('id', '=', id).execute();
  } catch (error) {
    if ((error as { code?: string }).code === '23503') throw statusInUse(status);
    throw error;
  }
  return status;
}

function statusInUse(status: LeadStatus, count?: number): Error {
  const leads = count === undefined ? 'leads' : count === 1 ? '1 lead' : `${count} leads`;
  return badRequest(`The lead status "${status.label}" is used by ${leads}; move them to another status before deleting it.`);
}
