/**
 * `/connected_account/` (design.md "Sender accounts", an extension: Close connects mailboxes in its
 * web app). `custom_email` accounts with SMTP settings, or none (the local outbox); the password
 * is write-only: a PUT that leaves it out keeps the stored one.
 */
import { Type, type Static } from 'typebox';
import { fieldError, notFound } from '../errors.ts';
import { newId } from '../ids.ts';
import { FieldsQuery, IdParams, IdString } from '../http/common-schemas.ts';
import { EMAIL_MAX, INT4_MAX, LABEL_MAX, NAME_MAX } from '../http/input-limits.ts';
import { envelope, ListQuery, pageOf } from '../http/pagination.ts';
import type { App } from '../http/server.ts';
import { findAccount } from './account.ts';
import { keyringFor, type Keyring } from '../secrets/keyring.ts';
import { sealSecret } from '../secrets/sealed-secret.ts';
import { SMTP_PASSWORD_CONTEXT } from '../secrets/stored-secrets.ts';
import { accountResponse } from './serialize.ts';
import { assertSmtpHostAllowed } from './smtp-host-check.ts';

const Email = Type.String({ pattern: '^[^@\\s]+@[^@\\s]+$', maxLength: EMAIL_MAX });
/** SMTP user names and passwords: far above any real one, far below what costs anything. */
const CREDENTIAL_MAX = 1_000;
const Nullable = <T extends Parameters<typeof Type.Optional>[0]>(schema: T) => Type.Optional(Type.Union([schema, Type.Null()]));
const Smtp = Type.Object(
  {
    // 253: the longest DNS name.
    host: Type.Optional(Type.String({ minLength: 1, maxLength: 253 })),
    port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
    use_ssl: Type.Optional(Type.Boolean()),
    // STARTTLS before anything else (the password above all); false only by the owner's choice.
    require_tls: Type.Optional(Type.Boolean()),
    username: Nullable(Type.String({ maxLength: CREDENTIAL_MAX })),
    password: Nullable(Type.String({ maxLength: CREDENTIAL_MAX })),
  },
  { additionalProperties: false },
);
const Limits = Type.Object(
  {
    hourly: Nullable(Type.Integer({ minimum: 1, maximum: INT4_MAX })),
    daily: Nullable(Type.Integer({ minimum: 1, maximum: INT4_MAX })),
    min_delay_seconds: Nullable(Type.Integer({ minimum: 0, maximum: 86400 })),
  },
  { additionalProperties: false },
);
const Body = Type.Object(
  {
    _type: Type.Optional(Type.String({ maxLength: LABEL_MAX })),
    email: Type.Optional(Email),
    identities: Type.Optional(Type.Array(Type.Object({ email: Email, name: Nullable(Type.String({ maxLength: NAME_MAX })) }, { additionalProperties: false }), { maxItems: 100 })),
    smtp: Nullable(Smtp),
    sending_limits: Nullable(Limits),
  },
  { additionalProperties: false },
);
type Body = Static<typeof Body>;

/**
 * Column values for the fields present in `body`; the stored password is kept when none is sent,
 * and a new one is stored encrypted with `keyring` (src/secrets/).
 */
function columnsOf(body: Body, existing: { smtp_host: string | null; smtp_password: string | null } | undefined, keyring: Keyring): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (body._type !== undefined && body._type !== 'custom_email') {
    throw fieldError('_type', 'Only "custom_email" accounts can be connected through the API.');
  }
  if (body.email !== undefined) out.email = body.email.trim();
  if (body.identities !== undefined) {
    out.identities = JSON.stringify(body.identities.map((i) => ({ email: i.email.trim(), name: i.name ?? null })));
  }
  if (body.smtp === null) {
    Object.assign(out, { smtp_host: null, smtp_port: null, smtp_use_ssl: false, smtp_username: null, smtp_password: null });
    out.smtp_require_tls = true;
  } else if (body.smtp !== undefined) {
    const smtp = body.smtp;
    if (!smtp.host && !existing?.smtp_host) throw fieldError('smtp.host', 'This field is required.');
    if (smtp.host !== undefined) out.smtp_host = smtp.host;
    if (smtp.port !== undefined || !existing?.smtp_host) out.smtp_port = smtp.port ?? (smtp.use_ssl ? 465 : 587);
    if (smtp.use_ssl !== undefined) out.smtp_use_ssl = smtp.use_ssl;
    if (smtp.require_tls !== undefined) out.smtp_require_tls = smtp.require_tls;
    if (smtp.username !== undefined) out.smtp_username = smtp.username;
    if (smtp.password !== undefined) out.smtp_password = smtp.password === null ? null : sealSecret(keyring, smtp.password, SMTP_PASSWORD_CONTEXT);
  }
  if (body.sending_limits === null) {
    Object.assign(out, { hourly_limit: null, daily_limit: null, min_delay_seconds: 0 });
  } else if (body.sending_limits !== undefined) {
    const limits = body.sending_limits;
    if (limits.hourly !== undefined) out.hourly_limit = limits.hourly;
    if (limits.daily !== undefined) out.daily_limit = limits.daily;
    if (limits.min_delay_seconds !== undefined) out.min_delay_seconds = limits.min_delay_seconds ?? 0;
  }
  // Limits changed: let the account claim again at once; the next claim recomputes its window.
  if (body.sending_limits !== undefined) out.send_ready_at = '-infinity';
  return out;
}

export async function registerConnectedAccountRoutes(app: App): Promise<void> {
  const tags = ['connected accounts'];

  app.get(
    '/connected_account/',
    { schema: { tags, summary: 'List sender accounts', querystring: Type.Intersect([ListQuery, Type.Object({ user_id: Type.Optional(IdString) })]) } },
    async (request) => {
      const { db, organizationId } = request.ctx;
      const page = pageOf(request.query);
      let query = db.selectFrom('connected_accounts').selectAll().where('organization_id', '=', organizationId);
      if (request.query.user_id) query = query.where('user_id', '=', request.query.user_id);
      const rows = await query.orderBy('date_created').orderBy('id').offset(page.skip).limit(page.limit + 1).execute();
      return envelope(rows.map(accountResponse), page);
    },
  );

  app.post('/connected_account/', { schema: { tags, summary: 'Connect a sender account (custom_email)', body: Body, querystring: FieldsQuery } }, async (request) => {
    const { db, organizationId, userId, clock } = request.ctx;
    const body = request.body ?? {};
    if (!body.email) throw fieldError('email', 'This field is required.');
    await assertSmtpHostAllowed(request.ctx.config, body.smtp?.host);
    const now = clock.now();
    const row = await db
      .insertInto('connected_accounts')
      .values({ id: newId('emailacct'), organization_id: organizationId, user_id: userId, email: body.email, ...columnsOf(body, undefined, keyringFor(request.ctx.config)), date_created: now, date_updated: now })
      .returningAll()
      .executeTakeFirstOrThrow();
    return accountResponse(row);
  });

  app.get('/connected_account/:id/', { schema: { tags, summary: 'Get a sender account', params: IdParams, querystring: FieldsQuery } }, async (request) => {
    const row = await findAccount(request.ctx.db, request.ctx.organizationId, request.params.id);
    if (!row) throw notFound('connected account');
    return accountResponse(row);
  });

  app.put('/connected_account/:id/', { schema: { tags, summary: 'Update a sender account', params: IdParams, body: Body, querystring: FieldsQuery } }, async (request) => {
    const { db, organizationId, clock } = request.ctx;
    const existing = await findAccount(db, organizationId, request.params.id);
    if (!existing) throw notFound('connected account');
    await assertSmtpHostAllowed(request.ctx.config, request.body?.smtp?.host);
    const row = await db
      .updateTable('connected_accounts')
      .set({ ...columnsOf(request.body ?? {}, existing, keyringFor(request.ctx.config)), date_updated: clock.now() })
      .where('organization_id', '=', organizationId)
      .where('id', '=', existing.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    return accountResponse(row);
  });

  app.delete('/connected_account/:id/', { schema: { tags, summary: 'Disconnect a sender account', params: IdParams } }, async (request) => {
    const { db, organizationId } = request.ctx;
    const deleted = await db.deleteFrom('connected_accounts').where('organization_id', '=', organizationId).where('id', '=', request.params.id).executeTakeFirst();
    if (Number(deleted.numDeletedRows) === 0) throw notFound('connected account');
    return {};
  });
}
