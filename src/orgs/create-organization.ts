/**
 * Creating a tenant: an organization with Close's default lead statuses, its first user and an API
 * key, in one transaction.
 */
import { sql } from 'kysely';
import { createApiKey } from '../auth/api-keys.ts';
import type { Db } from '../db/database.ts';
import { recordEvents } from '../events/record-event.ts';
import { newId } from '../ids.ts';

/** Close's default lead statuses for a new organization, in order. */
export const DEFAULT_LEAD_STATUSES = ['Potential', 'Bad Fit', 'Qualified', 'Customer'] as const;

export interface CreatedOrganization {
  readonly organization_id: string;
  readonly user_id: string;
  readonly api_key: string;
}

function namesFromEmail(email: string): { first: string; last: string } {
  const local = email.split('@')[0] ?? email;
  const [first = local, ...rest] = local.split(/[._-]+/).filter(Boolean);
  const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
  return { first: cap(first), last: rest.map(cap).join(' ') };
}

type OrganizationInput = { name: string; userEmail: string; apiKey?: string; firstName?: string; lastName?: string };

async function insertOrganization(trx: Db, input: OrganizationInput): Promise<CreatedOrganization> {
  const organizationId = newId('orga');
  const userId = newId('user');
  const names = namesFromEmail(input.userEmail);
  await trx
    .insertInto('organizations')
    .values({ id: organizationId, name: input.name, created_by: userId, updated_by: userId })
    .execute();
  await trx
    .insertInto('users')
    .values({
      id: userId,
      organization_id: organizationId,
      email: input.userEmail,
      first_name: input.firstName ?? names.first,
      last_name: input.lastName ?? names.last,
    })
    .execute();
  const statuses = DEFAULT_LEAD_STATUSES.map((label, position) => ({ id: newId('stat'), organization_id: organizationId, label, position }));
  await trx.insertInto('lead_statuses').values(statuses).execute();
  // As a status created through the API: `status.lead` `created` (no user: the operator made it).
  await recordEvents(
    trx,
    statuses.map(({ id, label }) => ({
      organizationId,
      objectType: 'status.lead',
      objectId: id,
      action: 'created',
      data: { id, label, organization_id: organizationId },
    })),
  );
  const key = await createApiKey(trx, organizationId, userId, input.apiKey);
  return { organization_id: organizationId, user_id: userId, api_key: key.key };
}

/** Creates an organization, a user and an API key (`apiKey` if given, else a random one). */
export async function createOrganization(db: Db, input: OrganizationInput): Promise<CreatedOrganization> {
  return db.transaction().execute((trx) => insertOrganization(trx, input));
}

/** Arbitrary constant naming the bootstrap lock among advisory locks. */
const BOOTSTRAP_LOCK_KEY = 0x5c1ce0b0;

/**
 * Creates the first organization of an empty database, or nothing (undefined) when one exists.
 * Several processes starting at once on an empty database create exactly one: the check and the
 * insert run under one transaction-scoped advisory lock.
 */
export async function createBootstrapOrganization(db: Db, input: OrganizationInput): Promise<CreatedOrganization | undefined> {
  return db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(${BOOTSTRAP_LOCK_KEY})`.execute(trx);
    if (!(await isEmptyDatabase(trx))) return undefined;
    return insertOrganization(trx, input);
  });
}

/** True when no organization exists yet (a fresh database). */
export async function isEmptyDatabase(db: Db): Promise<boolean> {
  const row = await db.selectFrom('organizations').select('id').limit(1).executeTakeFirst();
  return row === undefined;
}
