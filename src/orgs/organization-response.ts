/** The organization object as Close's `GET /organization/{id}/` shows it. */
import type { Db } from '../db/database.ts';
import { notFound } from '../errors.ts';
import { formatTimestamp } from '../time.ts';

const CURRENCIES = new Set(Intl.supportedValuesOf('currency'));

/** True for an ISO 4217 code the runtime knows (`USD`, `EUR`, …). */
export function isKnownCurrency(code: string): boolean {
  return CURRENCIES.has(code);
}

/** The symbol Close shows next to amounts: `$` for USD, `€` for EUR, the code when there is none. */
export function currencySymbol(code: string): string {
  try {
    const parts = new Intl.NumberFormat('en-US', { style: 'currency', currency: code }).formatToParts(0);
    return parts.find((p) => p.type === 'currency')?.value ?? code;
  } catch {
    return code;
  }
}

/** Reads organization `id` with its ordered lead statuses and memberships. */
export async function organizationResponse(db: Db, id: string): Promise<Record<string, unknown>> {
  const org = await db.selectFrom('organizations').selectAll().where('id', '=', id).executeTakeFirst();
  if (!org) throw notFound('organization');
  const statuses = await db
    .selectFrom('lead_statuses')
    .select(['id', 'label'])
    .where('organization_id', '=', id)
    .orderBy('position')
    .orderBy('id')
    .execute();
  const users = await db
    .selectFrom('users')
    .select(['id', 'email', 'first_name', 'last_name'])
    .where('organization_id', '=', id)
    .orderBy('date_created')
    .execute();
  return {
    id: org.id,
    name: org.name,
    currency: org.currency,
    currency_symbol: currencySymbol(org.currency),
    lead_statuses: statuses,
    pipelines: [],
    memberships: users.map((u) => ({
      id: `memb_${u.id.slice(5)}`,
      user_id: u.id,
      user_email: u.email,
      user_full_name: [u.first_name, u.last_name].filter(Boolean).join(' '),
      role_id: 'admin',
    })),
    inactive_memberships: [],
    created_by: org.created_by,
    updated_by: org.updated_by,
    date_created: formatTimestamp(org.date_created),
    date_updated: formatTimestamp(org.date_updated),
  };
}
