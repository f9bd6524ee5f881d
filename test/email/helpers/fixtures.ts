/**
 * Rows the email tests need, inserted directly: leads with contacts and emails, sender accounts
 * and templates, so the email tests do not depend on other domains' routes.
 */
import type { Db } from '../../../src/db/database.ts';
import { newId } from '../../../src/ids.ts';

export interface ContactSpec {
  readonly name: string;
  readonly emails: readonly string[];
  readonly title?: string;
}

/** Inserts a lead with contacts (created in order, one millisecond apart); returns ids. */
export async function insertLead(db: Db, organizationId: string, name: string, contacts: readonly ContactSpec[], custom: Record<string, unknown> = {}) {
  const status = await db.selectFrom('lead_statuses').select('id').where('organization_id', '=', organizationId).orderBy('position').executeTakeFirstOrThrow();
  const leadId = newId('lead');
  const base = Date.now();
  await db.insertInto('leads').values({ id: leadId, organization_id: organizationId, name, status_id: status.id, custom: JSON.stringify(custom) }).execute();
  const contactIds: string[] = [];
  for (const [i, spec] of contacts.entries()) {
    const contactId = newId('cont');
    contactIds.push(contactId);
    await db
      .insertInto('contacts')
      .values({ id: contactId, organization_id: organizationId, lead_id: leadId, name: spec.name, title: spec.title ?? null, custom: '{}', date_created: new Date(base + i) })
      .execute();
    for (const [position, email] of spec.emails.entries()) {
      await db.insertInto('contact_emails').values({ organization_id: organizationId, contact_id: contactId, lead_id: leadId, position, email, type: 'office' }).execute();
    }
  }
  return { leadId, contactIds };
}

/**
 * Inserts a sender account; `smtpPort` undefined means the local outbox. STARTTLS is not required
 * unless `requireTls` (the test sink offers none); 127.0.0.1 must be in OUTBOUND_ALLOW_HOSTS.
 */
export async function insertAccount(
  db: Db,
  organizationId: string,
  userId: string,
  options: { email?: string; name?: string; smtpPort?: number; hourly?: number; daily?: number; minDelaySeconds?: number; requireTls?: boolean } = {},
): Promise<string> {
  const id = newId('emailacct');
  const email = options.email ?? `sender-${id.slice(-6).toLowerCase()}@sender.example`;
  await db
    .insertInto('connected_accounts')
    .values({
      id,
      organization_id: organizationId,
      user_id: userId,
      email,
      identities: JSON.stringify([{ email, name: options.name ?? 'Sam Sender' }]),
      smtp_host: options.smtpPort ? '127.0.0.1' : null,
      smtp_port: options.smtpPort ?? null,
      smtp_require_tls: options.requireTls ?? false,
      hourly_limit: options.hourly ?? null,
      daily_limit: options.daily ?? null,
      min_delay_seconds: options.minDelaySeconds ?? 0,
    })
    .execute();
  return id;
}

/** Inserts a template. */
export async function insertTemplate(db: Db, organizationId: string, subject: string, body: string, name = 'T'): Promise<string> {
  const id = newId('tmpl');
  await db.insertInto('email_templates').values({ id, organization_id: organizationId, name, subject, body }).execute();
  return id;
}
