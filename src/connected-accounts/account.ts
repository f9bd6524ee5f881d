/**
 * Sender accounts as stored, and the lookups other domains use: one account of an organization,
 * a user's default account (their oldest), and which addresses and names it may send as.
 */
import type { Kysely, Selectable } from 'kysely';
import type { ConnectedAccountsTable, Database } from '../db/schema.ts';

export type AccountRow = Selectable<ConnectedAccountsTable>;

export interface Identity {
  readonly email: string;
  readonly name: string | null;
}

/** The account `id` of the organization, or undefined (another organization's counts as unknown). */
export async function findAccount(db: Kysely<Database>, organizationId: string, id: string): Promise<AccountRow | undefined> {
  return db.selectFrom('connected_accounts').selectAll().where('organization_id', '=', organizationId).where('id', '=', id).executeTakeFirst();
}

/** A user's default sender account: the first they connected. */
export async function defaultAccountOf(db: Kysely<Database>, organizationId: string, userId: string): Promise<AccountRow | undefined> {
  return db
    .selectFrom('connected_accounts')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .where('user_id', '=', userId)
    .orderBy('date_created')
    .orderBy('id')
    .limit(1)
    .executeTakeFirst();
}

/** The identities an account may send as: its declared identities, else its own address. */
export function identitiesOf(account: Pick<AccountRow, 'email' | 'identities'>): Identity[] {
  const declared = (account.identities ?? []).map((i) => ({ email: i.email, name: i.name ?? null }));
  return declared.length > 0 ? declared : [{ email: account.email, name: null }];
}

/** The identity of `account` for `email` (case-insensitive), or undefined if it may not send as it. */
export function identityFor(account: Pick<AccountRow, 'email' | 'identities'>, email: string): Identity | undefined {
  const wanted = email.trim().toLowerCase();
  const found = identitiesOf(account).find((i) => i.email.toLowerCase() === wanted);
  if (found) return found;
  return account.email.toLowerCase() === wanted ? { email: account.email, name: null } : undefined;
}
