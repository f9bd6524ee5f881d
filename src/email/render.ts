/**
 * Renders email templates for recipients with Close's tags (design.md "Templates"):
 * `contact.first_name|last_name|name|title|email`, `lead.display_name|name|url|description|status_label`,
 * `user.first_name|last_name|full_name|email`, `organization.name`, custom fields by name (or id)
 * under `lead.custom` / `contact.custom`, and `unsubscribe_url`.
 *
 * `createTemplateRenderer` loads the template, the organization and the senders once, so a bulk
 * batch renders thousands of messages without a query each; `renderMany` sends them to the worker
 * threads in one call (template-pool.ts), and each recipient's render succeeds or fails alone.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { badRequest, notFound } from '../errors.ts';
import { unsubscribeUrl } from '../unsubscribe-links/token.ts';
import type { TemplateLimits } from './liquid-engine.ts';
import { loadCustomFieldNames, type ContactData, type CustomFieldNames, type LeadData } from './recipient-data.ts';
import type { RenderResult, TemplateScope } from './template-engine.ts';
import { renderTemplateSource, type Priority } from './template-pool.ts';

export interface SenderInfo {
  readonly userId: string;
  readonly name?: string | null;
  readonly email?: string | null;
}

/** One recipient: `contact` null renders contact tags empty. */
export interface Recipient {
  readonly lead: LeadData;
  readonly contact: ContactData | null;
  readonly email: string | null;
  readonly sender: SenderInfo;
}

export interface TemplateRenderer {
  readonly templateId: string;
  readonly templateName: string;
  /** Renders for each recipient, in order; a failed render is that recipient's `{ok: false}` only. */
  renderMany(recipients: readonly Recipient[]): Promise<RenderResult[]>;
  /** Renders for one recipient; a failed render is a 400 carrying its reason. */
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

/** Loads a template of the organization once and returns a renderer for many recipients. */
export async function createTemplateRenderer(
  db: Kysely<Database>,
  input: {
    organizationId: string;
    templateId: string;
    /** Renders this text instead of the stored template's (a draft's preview); the template is not read. */
    draft?: { readonly subject: string; readonly body: string };
    publicUrl: string;
    secret: string;
    limits: TemplateLimits;
    /** `interactive` when a person waits for the result (the render endpoint); default background. */
    priority?: Priority;
  },
): Promise<TemplateRenderer> {
  const { organizationId } = input;
  const draft = input.draft;
  const [template, organization, fields] = await Promise.all([
    draft
      ? { id: input.templateId, name: '', subject: draft.subject, body: draft.body }
      : db
          .selectFrom('email_templates')
          .select(['id', 'name', 'subject', 'body'])
          .where('organization_id', '=', organizationId)
          .where('id', '=', input.templateId)
          .executeTakeFirst(),
    db.selectFrom('organizations').select('name').where('id', '=', organizationId).executeTakeFirst(),
    loadCustomFieldNames(db, organizationId),
  ]);
  if (!template) throw notFound('email template');
  const source = { subject: template.subject, body: template.body };
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

  const scopeOf = async ({ lead, contact, email, sender }: Recipient): Promise<TemplateScope> => {
    const user = await userOf(sender.userId);
    const first = user?.first_name ?? '';
    const last = user?.last_name ?? '';
    return {
      contact: contactScope(contact, email, fields),
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
      unsubscribe_url: email ? unsubscribeUrl(input.publicUrl, input.secret, organizationId, email) : '',
    };
  };

  const renderMany = async (recipients: readonly Recipient[]) =>
    recipients.length === 0 ? [] : renderTemplateSource(source, input.limits, await Promise.all(recipients.map(scopeOf)), input.priority);

  return {
    templateId: template.id,
    templateName: template.name,
    renderMany,
    async render(lead, contact, email, sender) {
      const [result] = await renderMany([{ lead, contact, email, sender }]);
      if (!result!.ok) throw badRequest(result!.message);
      return { subject: result!.subject, body: result!.body };
    },
  };
}
