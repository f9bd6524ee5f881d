/**
 * Bulk email (`/bulk_action/email/`, §2.6): sends an email template to the recipients of every
 * matched lead (email-recipients.ts). Each message is rendered for its own contact, lead, sender
 * and organization and enqueued as an outbox email activity inside the batch transaction, so a
 * batch's items and its messages commit together: at most one message per (action, address),
 * which a unique index backs. Delivery is the outbox's job; pausing stops new enqueues while mail
 * already queued is still delivered.
 *
 * Addresses are skipped when unsubscribed (`unsubscribed`), already sent by this action
 * (`duplicate`), not addresses (`invalid_email`), or absent (`no_email`). A lead with no message
 * is `skipped` with those reasons; a lead with some messages is `done`, its reason listing what
 * was skipped. `n_objects` counts the messages the action will send.
 *
 * Sender (design.md): `email_account_id` + `sender`, or `sender_account_id` / `sender_name` /
 * `sender_email`, else the creating user's default account; the address must be one of the
 * account's identities. Links (`{{ unsubscribe_url }}`) use the PUBLIC_URL of the API that
 * accepted the action (kept in params) and the signing secret (SECRET_KEY, else the database's).
 */
import { Type } from 'typebox';
import { defaultAccountOf, findAccount, identityFor } from '../../connected-accounts/account.ts';
import { enqueueEmails, type EnqueueEmailInput } from '../../email/enqueue.ts';
import { loadLeadData } from '../../email/recipient-data.ts';
import { createTemplateRenderer } from '../../email/render.ts';
import { fieldError, fieldErrors } from '../../errors.ts';
import { nullableString } from '../../http/common-schemas.ts';
import { EMAIL_MAX, ID_MAX, LABEL_MAX, NAME_MAX } from '../../http/input-limits.ts';
import { signingSecret } from '../../unsubscribe-links/secret.ts';
import { BulkActionFatalError, type BulkActionKind, type ItemOutcome } from '../kind.ts';
import { countRecipients, isSendable, recipientsOf, type ContactPreference } from './email-recipients.ts';
import { parseSender } from './email-sender.ts';

export interface EmailParams {
  readonly template_id: string;
  readonly contact_preference: ContactPreference;
  readonly email_account_id: string;
  readonly sender_name: string | null;
  readonly sender_email: string;
  readonly public_url: string;
}

const PREFERENCES: readonly ContactPreference[] = ['lead', 'contact', 'all'];
const optional = (maxLength: number) => Type.Optional(nullableString(maxLength));

// Kinds get no configuration; the process's own (SECRET_KEY, or the key file in DATA_DIR) is the one.

export const emailKind: BulkActionKind<EmailParams> = {
  name: 'email',
  idPrefix: 'bulkemail',
  bodyProperties: {
    template_id: optional(ID_MAX),
    contact_preference: optional(LABEL_MAX),
    email_account_id: optional(ID_MAX),
    // `"Name" <address>`: a name, an address and the five characters around them.
    sender: optional(NAME_MAX + EMAIL_MAX + 5),
    sender_account_id: optional(ID_MAX),
    sender_name: optional(NAME_MAX),
    sender_email: optional(EMAIL_MAX),
  },
  listFilterParams: ['template_id'],

  async validateCreate(ctx, body) {
    const str = (key: string) => (typeof body[key] === 'string' && (body[key] as string).trim() !== '' ? (body[key] as string).trim() : null);
    const errors: Record<string, string> = {};
    const templateId = str('template_id');
    if (!templateId) errors.template_id = 'This field is required.';
    else {
      const template = await ctx.db.selectFrom('email_templates').select('id').where('organization_id', '=', ctx.organizationId).where('id', '=', templateId).executeTakeFirst();
      if (!template) errors.template_id = `Unknown email template: ${templateId}.`;
    }
    const preference = str('contact_preference');
    if (!preference) errors.contact_preference = 'This field is required.';
    else if (!PREFERENCES.includes(preference as ContactPreference)) errors.contact_preference = 'Input should be one of: "lead", "contact", "all".';

    const accountField = str('email_account_id') ? 'email_account_id' : str('sender_account_id') ? 'sender_account_id' : null;
    const senderField = accountField === 'sender_account_id' ? 'sender_email' : 'sender';
    const requested = str('sender') ? parseSender(str('sender')!) : str('sender_email') ? { name: null, email: str('sender_email')! } : undefined;
    const account = accountField
      ? await findAccount(ctx.db, ctx.organizationId, str(accountField)!)
      : await defaultAccountOf(ctx.db, ctx.organizationId, ctx.userId);
    if (!account) {
      if (accountField) errors[accountField] = `Unknown email account: ${str(accountField)}.`;
      else errors.email_account_id = 'No sender account: send email_account_id, or connect one for this user with POST /connected_account/.';
    }
    let senderEmail = account?.email ?? '';
    let senderName: string | null = str('sender_name') ?? requested?.name ?? null;
    if (account) {
      const identity = identityFor(account, requested?.email ?? account.email);
      if (!identity) errors[senderField] = `${requested?.email} is not an address of account ${account.id}.`;
      else {
        senderEmail = identity.email;
        senderName ??= identity.name;
      }
    }
    if (Object.keys(errors).length > 0) throw fieldErrors(errors);
    if (senderName === null) {
      const user = await ctx.db.selectFrom('users').select(['first_name', 'last_name']).where('organization_id', '=', ctx.organizationId).where('id', '=', ctx.userId).executeTakeFirst();
      senderName = [user?.first_name, user?.last_name].filter(Boolean).join(' ') || null;
    }
    if (!senderEmail) throw fieldError('email_account_id', 'The sender account has no address.');
    return {
      template_id: templateId!,
      contact_preference: preference as ContactPreference,
      email_account_id: account!.id,
      sender_name: senderName,
      sender_email: senderEmail,
      public_url: ctx.config.publicUrl,
    };
  },

  serialize(params) {
    return {
      template_id: params.template_id,
      contact_preference: params.contact_preference,
      email_account_id: params.email_account_id,
      sender: params.sender_email,
      sender_name: params.sender_name,
    };
  },

  async onLoaded(trx, action) {
    return countRecipients(trx, action.organizationId, action.id, action.params.contact_preference);
  },

  async prepare(trx, action) {
    const p = action.params;
    const template = await trx.selectFrom('email_templates').select('id').where('organization_id', '=', action.organizationId).where('id', '=', p.template_id).executeTakeFirst();
    if (!template) throw new BulkActionFatalError(`The email template ${p.template_id} was deleted.`);
    if (!(await findAccount(trx, action.organizationId, p.email_account_id))) {
      throw new BulkActionFatalError(`The sender account ${p.email_account_id} was deleted.`);
    }
  },

  async processBatch(trx, action, items) {
    const p = action.params;
    const org = action.organizationId;
    const leads = await loadLeadData(trx, org, items.map((i) => i.leadId));
    const planned = items.flatMap((item) => {
      const lead = leads.get(item.leadId);
      return lead ? recipientsOf(lead, p.contact_preference).map((r) => ({ lead, ...r })) : [];
    });
    const keys = [...new Set(planned.map((r) => r.key))];
    const blocked = new Set<string>();
    const alreadySent = new Set<string>();
    if (keys.length > 0) {
      for (const row of await trx.selectFrom('unsubscribed_emails').select('email').where('organization_id', '=', org).where('email', 'in', keys).execute()) blocked.add(row.email);
      const sent = await trx
        .selectFrom('email_activities')
        .select('recipient_email')
        .where('organization_id', '=', org)
        .where('bulk_email_action_id', '=', action.id)
        .where('recipient_email', 'in', keys)
        .execute();
      for (const row of sent) alreadySent.add(row.recipient_email);
    }

    const renderer = await createTemplateRenderer(trx, {
      organizationId: org,
      templateId: p.template_id,
      publicUrl: p.public_url,
      secret: await signingSecret(action.config),
      limits: action.config.templates,
    });
    const sender = { userId: action.createdBy, name: p.sender_name, email: p.sender_email };
    const inputs: EnqueueEmailInput[] = [];
    const perLead = new Map<string, { sent: number; skipped: Set<string> }>();
    for (const item of items) if (leads.has(item.leadId)) perLead.set(item.leadId, { sent: 0, skipped: new Set() });
    const sendable = planned.filter((r) => {
      const skip = !isSendable(r.email) ? 'invalid_email' : blocked.has(r.key) ? 'unsubscribed' : alreadySent.has(r.key) ? 'duplicate' : null;
      if (skip) perLead.get(r.lead.id)!.skipped.add(skip);
      else alreadySent.add(r.key);
      return skip === null;
    });
    // Rendered together on the template worker threads; a recipient whose render fails (a limit
    // its data breaks, a runtime error) is `render_failed` and the others are sent.
    const rendered = await renderer.renderMany(sendable.map((r) => ({ lead: r.lead, contact: r.contact, email: r.email, sender })));
    for (const [i, r] of sendable.entries()) {
      const tally = perLead.get(r.lead.id)!;
      const result = rendered[i]!;
      if (!result.ok) {
        tally.skipped.add('render_failed');
        continue;
      }
      inputs.push({
        organizationId: org,
        userId: action.createdBy,
        leadId: r.lead.id,
        contactId: r.contact.id,
        emailAccountId: p.email_account_id,
        senderName: p.sender_name,
        senderEmail: p.sender_email,
        to: [r.email],
        subject: result.subject,
        bodyHtml: result.body,
        templateId: p.template_id,
        bulkEmailActionId: action.id,
      });
      tally.sent += 1;
    }
    await enqueueEmails(trx, inputs);

    const outcomes: ItemOutcome[] = [];
    for (const [leadId, tally] of perLead) {
      const reasons = tally.skipped.size > 0 ? [...tally.skipped].sort().join(',') : null;
      if (tally.sent > 0) outcomes.push({ leadId, status: 'done', reason: reasons, nObjects: tally.sent });
      else if (tally.skipped.has('render_failed')) outcomes.push({ leadId, status: 'failed', reason: 'render_failed', nObjects: 0 });
      else outcomes.push({ leadId, status: 'skipped', reason: reasons ?? 'no_email', nObjects: 0 });
    }
    return outcomes;
  },

  describe(params) {
    return `Sent email template ${params.template_id} from ${params.sender_email}.`;
  },
};
