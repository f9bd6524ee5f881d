/**
 * Renders email templates for recipients with Close's tags (design.md "Templates"):
 * `contact.first_name|last_name|name|title|email`, `lead.display_name|name|url|description|status_label`,
 * `user.first_name|last_name|full_name|email`, `organization.name`, custom fields by name (or id)
 * under `lead.custom` / `contact.custom`, and `unsubscribe_url`.
 *
 * `createTemplateRenderer` parses the template once and loads the organization and senders once, so
 * a bulk batch renders thousands of messages without a query each; `renderTemplate` is the
 * one-recipient form the sequences and the render endpoint use.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { notFound } from '../errors.ts';
import { unsubscribeUrl } from '../unsubscribe-links/token.ts';
import { loadCustomFieldNames, loadLeadData, type ContactData, type CustomFieldNames, type LeadData } from './recipient-data.ts';
import { compileTemplate, renderCompiled, type CompiledTemplate, type TemplateScope } from './template-engine.ts';

export interface SenderInfo {
  readonly userId: string;
  readonly name?: string | null;
  readonly email?: string | null;
}

export interface TemplateRenderer {
  readonly templateId: string;
  readonly templateName: string;
  /** Renders for one recipient; `contact` null renders contact tags empty. */
  render(lead: LeadData, contact: ContactData | null, recipientEmail: string | null, sender: SenderInfo): Promise<{ subject: string; body: string }>;
}

interface UserRow {
  readonly first_name: string | null;
  readonly last_name: string | null;
  readonly email: string;
}

function displayValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => String(v)).join(', ');
  return value;
}

/** `custom` keyed by field name (what templates use) and by field id. */
function customScope(stored: Readonly<Record<string, unknown>>, fields: CustomFieldNames['lead']): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of fields) {
    const value = stored[field.id];
    if (value === undefined || value === null) continue;
    out[field.id] = displayValue(value);
    out[field.name] = displayValue(value);
  }
  return out;
}

function splitName(name: string | null): { first: string; last: string } {
  const parts = (name ?? '').trim().split(/\s+/).filter(Boolean);
  return { first: parts[0] ?? '', last: parts.slice(1).join(' ') };
}

function contactScope(contact: ContactData | null, email: string | null, fields: CustomFieldNames): Record<string, unknown> {
  if (!contact) return { email: email ?? '' };
  const { first, last } = splitName(contact.name);
  return {
    id: contact.id,
    name: contact.name ?? '',
    display_name: contact.name ?? '',
    first_name: first,
    last_name: last,
    title: contact.title ?? '',
    email: email ?? contact.emails[0] ?? '',
    custom: customScope(contact.custom, fields.contact),
  };
}

function leadScope(lead: LeadData, fields: CustomFieldNames): Record<string, unknown> {
  return {
    id: lead.id,
    name: lead.name ?? '',
    display_name: lead.name ?? '',
    url: lead.url ?? '',
    description: lead.description ?? '',
    status_label: lead.statusLabel ?? '',
    custom: customScope(lead.custom, fields.lead),
  };
}

/** Parses a template of the organization once and returns a renderer for many recipients. */
export async function createTemplateRenderer(
  db: Kysely<Database>,
  input: { organizationId: string; templateId: string; publicUrl: string; secret: string },
): Promise<TemplateRenderer> {
  const { organizationId } = input;
  const [template, organization, fields] = await Promise.all([
    db
      .selectFrom('email_templates')
      .select(['id', 'name', 'subject', 'body'])
      .where('organization_id', '=', organizationId)
      .where('id', '=', input.templateId)
      .executeTakeFirst(),
    db.selectFrom('organizations').select('name').where('id', '=', organizationId).executeTakeFirst(),
    loadCustomFieldNames(db, organizationId),
  ]);
  if (!template) throw notFound('email template');
  const compiled: CompiledTemplate = compileTemplate(template);
  const users = new Map<string, Promise<UserRow | undefined>>();
  const userOf = (userId: string) => {
    let pending = users.get(userId);
    if (!pending) {
      pending = db
        .selectFrom('users')
        .select(['first_name', 'last_name', 'email'])
        .where('organization_id', '=', organizationId)
        .where('id', '=', userId)
        .executeTakeFirst();
      users.set(userId, pending);
    }
    return pending;
  };

  return {
    templateId: template.id,
    templateName: template.name,
    async render(lead, contact, recipientEmail, sender) {
      const user = await userOf(sender.userId);
      const first = user?.first_name ?? '';
      const last = user?.last_name ?? '';
      const scope: TemplateScope = {
        contact: contactScope(contact, recipientEmail, fields),
        lead: leadScope(lead, fields),
        user: {
          id: sender.userId,
          first_name: first,
          last_name: last,
          full_name: [first, last].filter(Boolean).join(' '),
          email: sender.email ?? user?.email ?? '',
        },
        sender: { name: sender.name ?? [first, last].filter(Boolean).join(' '), email: sender.email ?? user?.email ?? '' },
        organization: { id: organizationId, name: organization?.name ?? '' },
        unsubscribe_url: recipientEmail ? unsubscribeUrl(input.publicUrl, input.secret, organizationId, recipientEmail) : '',
      };
      return renderCompiled(compiled, scope);
    },
  };
}

/** Renders a template (subject and body) for one recipient with Close's Liquid tags (design.md "Templates"). */
export async function renderTemplate(
  db: Kysely<Database>,
  input: {
    organizationId: string;
    templateId: string;
    leadId: string;
    contactId: string | null;
    recipientEmail: string | null;
    senderUserId: string;
    senderName?: string | null;
    senderEmail?: string | null;
    publicUrl: string;
    secret: string;
  },
): Promise<{ subject: string; body: string }> {
  const renderer = await createTemplateRenderer(db, input);
  const lead = (await loadLeadData(db, input.organizationId, [input.leadId])).get(input.leadId);
  if (!lead) throw notFound('lead');
  let contact: ContactData | null = null;
  if (input.contactId !== null) {
    contact = lead.contacts.find((c) => c.id === input.contactId) ?? null;
    if (!contact) throw notFound('contact');
  }
  return renderer.render(lead, contact, input.recipientEmail, {
    userId: input.senderUserId,
    name: input.senderName ?? null,
    email: input.senderEmail ?? null,
  });
}
