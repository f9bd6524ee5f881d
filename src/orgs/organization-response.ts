/** The organization object as Close's `GET /organization/{id}/` shows it. */
import { customFieldResponse } from '../custom-fields/field-repository.ts';
import type { Db } from '../db/database.ts';
import { notFound } from '../errors.ts';
import { formatTimestamp } from '../time.ts';

/**
 * What every Sluice user may do (Sluice has one role, admin), as a membership's
 * `permissions_granted`; `/me/` shows the same list.
 */
export const MEMBER_PERMISSIONS: readonly string[] = ['bulk_edit', 'bulk_delete', 'bulk_email', 'bulk_sequence_subscriptions', 'export', 'manage_organization'];

/**
 * A membership's settings Close shows and Sluice has no feature for: calls are never recorded
 * (Close's tri-state `unset` = the organization default) and email opens are not tracked.
 */
export const MEMBERSHIP_SETTINGS = { auto_record_calls: 'unset', track_email_opens: false } as const;

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

/**
 * Reads organization `id` with its ordered lead statuses, memberships and custom fields
 * (`lead_custom_fields` / `contact_custom_fields`: the objects `/custom_field/{type}/` lists, oldest
 * first, which Close's scripts read to map field names to ids).
 */
export async function organizationResponse(db: Db, id: string): Promise<Record<string, unknown>> {
  const org = await db.selectFrom('organizations').selectAll().where('id', '=', id).executeTakeFirst();
  if (!org) throw notFound('organization');
  const fields = await db
    .selectFrom('custom_fields')
    .selectAll()
    .where('organization_id', '=', id)
    .orderBy('date_created')
    .orderBy('id')
    .execute();
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
      user_first_name: u.first_name,
      user_last_name: u.last_name,
      // Sluice keeps no phone numbers for users.
      user_phone: null,
      role_id: 'admin',
      permissions_granted: [...MEMBER_PERMISSIONS],
      ...MEMBERSHIP_SETTINGS,
    })),
    inactive_memberships: [],
    lead_custom_fields: fields.filter((f) => f.object_type === 'lead').map(customFieldResponse),
    contact_custom_fields: fields.filter((f) => f.object_type === 'contact').map(customFieldResponse),
    // Close's legacy billing plan; a self-hosted Sluice has none.
    plan_type: null,
    created_by: org.created_by,
    updated_by: org.updated_by,
    date_created: formatTimestamp(org.date_created),
    date_updated: formatTimestamp(org.date_updated),
  };
}
