/**
 * Who a bulk email goes to (design.md "Bulk email"): by `contact_preference`, `lead` = the first
 * email of the lead's first contact that has one; `contact` = the first email of each contact;
 * `all` = every email of every contact. The same rule twice: in JavaScript over loaded leads (what
 * a batch sends) and in SQL over the whole matched set (`n_objects`, counted once at loading).
 */
import { sql } from 'kysely';
import type { ContactData, LeadData } from '../../email/recipient-data.ts';
import type { Trx } from '../kind.ts';

export type ContactPreference = 'lead' | 'contact' | 'all';

export interface Recipient {
  readonly contact: ContactData;
  readonly email: string;
  /** Trimmed, lower-cased: the unit of "once per action" and of unsubscribes. */
  readonly key: string;
}

const EMAIL = /^[^@\s]+@[^@\s]+$/;

/** Whether `email` looks like an address mail can be sent to. */
export function isSendable(email: string): boolean {
  return EMAIL.test(email.trim());
}

/** The recipients of one lead, in contact order, before unsubscribes and duplicates are removed. */
export function recipientsOf(lead: LeadData, preference: ContactPreference): Recipient[] {
  const out: Recipient[] = [];
  for (const contact of lead.contacts) {
    const emails = contact.emails.filter((e) => e.trim() !== '');
    if (emails.length === 0) continue;
    for (const email of preference === 'all' ? emails : emails.slice(0, 1)) out.push({ contact, email: email.trim(), key: email.trim().toLowerCase() });
    if (preference === 'lead') break;
  }
  return out;
}

/** How many distinct, sendable, subscribed addresses the action's matched leads have. */
export async function countRecipients(trx: Trx, organizationId: string, actionId: string, preference: ContactPreference): Promise<number> {
  const rank = preference === 'lead' ? sql`lead_rank = 1` : preference === 'contact' ? sql`contact_rank = 1` : sql`true`;
  const { rows } = await sql<{ n: number }>`
    WITH r AS (
      SELECT lower(trim(ce.email)) AS key,
             row_number() OVER (PARTITION BY ce.lead_id ORDER BY c.date_created, c.id, ce.position) AS lead_rank,
             row_number() OVER (PARTITION BY c.id ORDER BY ce.position) AS contact_rank
      FROM bulk_action_items i
      JOIN contact_emails ce ON ce.organization_id = i.organization_id AND ce.lead_id = i.lead_id AND trim(ce.email) <> ''
      JOIN contacts c ON c.organization_id = ce.organization_id AND c.id = ce.contact_id
      WHERE i.organization_id = ${organizationId} AND i.action_id = ${actionId}
    )
    SELECT count(DISTINCT r.key)::int AS n FROM r
    WHERE ${rank} AND r.key ~ '^[^@[:space:]]+@[^@[:space:]]+$'
      AND NOT EXISTS (SELECT 1 FROM unsubscribed_emails u WHERE u.organization_id = ${organizationId} AND u.email = r.key)`.execute(trx);
  return rows[0]?.n ?? 0;
}
