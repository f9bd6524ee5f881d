/**
 * `GET /email_template/{id}/render/` (close-api-reference §2.6): the template rendered for one
 * recipient, named either directly (`lead_id`, optionally `contact_id`) or as the `entry`-th
 * recipient of an `s_query` (`mode=lead`: the first contact with an email of each matched lead;
 * `mode=contact`: every contact with an email). Past the last recipient the answer is `{}`.
 *
 * `POST /email_template/render/` (extension) renders template text that is not saved, for a lead:
 * the console's live preview, and any client's.
 */
import { Type } from 'typebox';
import { defaultAccountOf, findAccount, identityFor } from '../connected-accounts/account.ts';
import { createTemplateRenderer } from '../email/render.ts';
import { loadLeadData, type ContactData, type LeadData } from '../email/recipient-data.ts';
import { fieldError, notFound } from '../errors.ts';
import { FieldsParam, IdParams, IdString } from '../http/common-schemas.ts';
import type { RequestContext } from '../http/context.ts';
import { EMAIL_MAX, INT4_MAX, LABEL_MAX, QUERY_PARAM_MAX } from '../http/input-limits.ts';
import type { App } from '../http/server.ts';
import { signingSecret } from '../unsubscribe-links/secret.ts';

const Query = Type.Object({
  lead_id: Type.Optional(IdString),
  contact_id: Type.Optional(IdString),
  // JSON, parsed and then bounded again by the search compiler's LIMITS.
  query: Type.Optional(Type.String({ maxLength: QUERY_PARAM_MAX })),
  s_query: Type.Optional(Type.String({ maxLength: QUERY_PARAM_MAX })),
  sort: Type.Optional(Type.String({ maxLength: QUERY_PARAM_MAX })),
  results_limit: Type.Optional(Type.Integer({ minimum: 0, maximum: INT4_MAX })),
  entry: Type.Optional(Type.Integer({ minimum: 0, maximum: 100, default: 0 })),
  mode: Type.Optional(Type.Union([Type.Literal('lead'), Type.Literal('contact')])),
  email_account_id: Type.Optional(IdString),
  sender: Type.Optional(Type.String({ maxLength: EMAIL_MAX })),
  contact_preference: Type.Optional(Type.String({ maxLength: LABEL_MAX })),
  bulk_object_type: Type.Optional(Type.String({ maxLength: LABEL_MAX })),
  limit: Type.Optional(Type.Integer({ minimum: 0, maximum: INT4_MAX })),
  _fields: Type.Optional(FieldsParam),
});

interface Recipient {
  readonly lead: LeadData;
  readonly contact: ContactData | null;
  readonly email: string | null;
}

function parseJsonParam(raw: string, name: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    throw fieldError(name, 'Input should be a JSON object.');
  }
}

/** Walks the matched leads in order until the `entry`-th recipient of `mode` is found. */
async function nthRecipient(ctx: RequestContext, selection: { text: string; values: unknown[] }, entry: number, mode: 'lead' | 'contact'): Promise<Recipient | undefined> {
  let seen = 0;
  const chunk = 200;
  for (let offset = 0; ; offset += chunk) {
    // The compiled selection carries its own $n parameters; ours follow them.
    const params = [...selection.values, chunk, offset];
    const text = `SELECT s.id FROM (${selection.text}) s ORDER BY s.ordinal LIMIT $${selection.values.length + 1} OFFSET $${selection.values.length + 2}`;
    const result = await ctx.pool.query<{ id: string }>(text, params);
    if (result.rows.length === 0) return undefined;
    const leads = await loadLeadData(ctx.db, ctx.organizationId, result.rows.map((r) => r.id));
    for (const { id } of result.rows) {
      const lead = leads.get(id);
      if (!lead) continue;
      const withEmail = lead.contacts.filter((c) => c.emails.length > 0);
      const candidates = mode === 'lead' ? withEmail.slice(0, 1) : withEmail;
      for (const contact of candidates) {
        if (seen === entry) return { lead, contact, email: contact.emails[0] ?? null };
        seen += 1;
      }
    }
    if (result.rows.length < chunk) return undefined;
  }
}

async function senderFor(ctx: RequestContext, query: { email_account_id?: string; sender?: string }): Promise<{ name: string | null; email: string | null }> {
  const account = query.email_account_id
    ? await findAccount(ctx.db, ctx.organizationId, query.email_account_id)
    : await defaultAccountOf(ctx.db, ctx.organizationId, ctx.userId);
  if (query.email_account_id && !account) throw fieldError('email_account_id', 'Unknown email account.');
  if (query.sender) {
    const identity = account ? identityFor(account, query.sender) : undefined;
    return { name: identity?.name ?? null, email: query.sender };
  }
  if (!account) return { name: null, email: null };
  const identity = identityFor(account, account.email);
  return { name: identity?.name ?? null, email: account.email };
}

/** The recipient `lead_id` names: `contact_id`, else its first contact with an email, else its first contact. */
async function recipientOfLead(ctx: RequestContext, leadId: string, contactId: string | undefined): Promise<Recipient> {
  const lead = (await loadLeadData(ctx.db, ctx.organizationId, [leadId])).get(leadId);
  if (!lead) throw notFound('lead');
  const contact = contactId ? lead.contacts.find((c) => c.id === contactId) : lead.contacts.find((c) => c.emails.length > 0) ?? lead.contacts[0];
  if (contactId && !contact) throw notFound('contact');
  return { lead, contact: contact ?? null, email: contact?.emails[0] ?? null };
}

/** Renders the template `templateId` (or `draft`, not stored) for `recipient`, in the shape both routes answer. */
async function renderFor(
  ctx: RequestContext,
  recipient: Recipient,
  senderQuery: { email_account_id?: string; sender?: string },
  templateId: string,
  draft?: { subject: string; body: string },
): Promise<Record<string, unknown>> {
  const sender = await senderFor(ctx, senderQuery);
  const renderer = await createTemplateRenderer(ctx.db, {
    organizationId: ctx.organizationId,
    templateId,
    draft,
    publicUrl: ctx.config.publicUrl,
    secret: await signingSecret(ctx.config),
    limits: ctx.config.templates,
    priority: 'interactive',
  });
  const rendered = await renderer.render(recipient.lead, recipient.contact, recipient.email, { userId: ctx.userId, ...sender });
  return {
    subject: rendered.subject,
    body: rendered.body,
    email: recipient.email,
    contact_id: recipient.contact?.id ?? null,
    contact_display_name: recipient.contact?.name ?? null,
    lead_id: recipient.lead.id,
    lead_display_name: recipient.lead.name ?? '',
  };
}

/** A draft to render: the text of a template not saved yet (extension), with the recipient and sender as in the GET. */
const DraftBody = Type.Object({
  subject: Type.String({ maxLength: 10000 }),
  body: Type.String({ maxLength: 1000000 }),
  lead_id: IdString,
  contact_id: Type.Optional(IdString),
  email_account_id: Type.Optional(IdString),
  sender: Type.Optional(Type.String({ maxLength: EMAIL_MAX })),
});

export async function registerTemplateRenderRoute(app: App): Promise<void> {
  // Extension: what an editor previews while the user types, before anything is saved. The same
  // limits and file-free engine as a saved template (a draft is parsed and rendered on the
  // template threads like any other), so it reads nothing a saved template could not.
  app.post(
    '/email_template/render/',
    { schema: { tags: ['email templates'], summary: 'Render template text that is not saved, for a lead (extension)', body: DraftBody } },
    async (request) => {
      const ctx = request.ctx;
      const b = request.body;
      const recipient = await recipientOfLead(ctx, b.lead_id, b.contact_id);
      return renderFor(ctx, recipient, b, 'draft', { subject: b.subject, body: b.body });
    },
  );

  app.get(
    '/email_template/:id/render/',
    { schema: { tags: ['email templates'], summary: 'Render a template for a lead/contact or a search entry', params: IdParams, querystring: Query } },
    async (request) => {
      const ctx = request.ctx;
      const q = request.query;
      let recipient: Recipient | undefined;
      if (q.lead_id) {
        recipient = await recipientOfLead(ctx, q.lead_id, q.contact_id);
      } else if (q.s_query !== undefined || q.query !== undefined) {
        const name = q.s_query !== undefined ? 's_query' : 'query';
        // Loaded on demand: the search compiler is a large module only this branch needs.
        const { compileSelection } = await import('../bulk-actions/selection.ts');
        const selection = await compileSelection(ctx.db, {
          organizationId: ctx.organizationId,
          userId: ctx.userId,
          tzOffsetMinutes: ctx.tzOffsetMinutes,
          now: ctx.clock.now(),
          sQuery: parseJsonParam((q.s_query ?? q.query)!, name),
          sort: q.sort !== undefined ? parseJsonParam(q.sort, 'sort') : [],
          resultsLimit: q.results_limit ?? null,
        });
        recipient = await nthRecipient(ctx, selection, q.entry ?? 0, q.mode ?? 'lead');
        if (!recipient) return {};
      } else {
        throw fieldError('lead_id', 'Send lead_id (and optionally contact_id), or s_query with entry and mode.');
      }
      return renderFor(ctx, recipient, q, request.params.id);
    },
  );
}
