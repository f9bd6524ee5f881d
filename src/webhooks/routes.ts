/**
 * `/webhook/` (close-api-reference.md §5.3): an organization's subscriptions, and (extension)
 * `GET /webhook/{id}/deliveries/`, each delivery with its attempts. The signature key is made here,
 * stored sealed (src/secrets/) and shown once, in the create response. Setting `status` to
 * `active` again after a pause (by the user or by Sluice) delivers the backlog kept over the pause,
 * from its oldest event, and starts the failing clock and the backlog count afresh.
 */
import { sql } from 'kysely';
import { Type } from 'typebox';
import { fieldError, notFound } from '../errors.ts';
import { randomBase62 } from '../ids.ts';
import { FieldsQuery, IdParams } from '../http/common-schemas.ts';
import { envelope, ListQuery, pageOf } from '../http/pagination.ts';
import type { App } from '../http/server.ts';
import { keyringFor } from '../secrets/keyring.ts';
import { sealSecret } from '../secrets/sealed-secret.ts';
import { WEBHOOK_KEY_CONTEXT } from '../secrets/stored-secrets.ts';
import type { Db } from '../db/database.ts';
import { CreateBody, eventSpecsOf, UpdateBody, WEBHOOKS_PER_ORG_MAX } from './schemas.ts';
import { deliveryResponse, webhookResponse, type WebhookRow } from './serialize.ts';
import { newSignatureKey } from './signature.ts';
import { assertWebhookUrlAllowed } from './url-check.ts';
import { enableFanOut } from './fan-out-switch.ts';

/** Close's id prefix for subscriptions. */
export function newWebhookId(): string {
  return `whsub_${randomBase62(43)}`;
}

async function findWebhook(db: Db, organizationId: string, id: string): Promise<WebhookRow | undefined> {
  return db.selectFrom('webhooks').selectAll().where('organization_id', '=', organizationId).where('id', '=', id).executeTakeFirst();
}

/** The newest delivery id of a webhook: deliveries above it are the backlog counted from now on. */
const lastDeliveryId = (id: string) => sql<number>`(SELECT coalesce(max(d.id), 0) FROM webhook_deliveries d WHERE d.webhook_id = ${id})`;
/** The same for its inbox (events not yet turned into deliveries: drain-inbox.ts). */
const lastInboxId = (id: string) => sql<number>`(SELECT coalesce(max(i.id), 0) FROM webhook_inbox i WHERE i.webhook_id = ${id})`;

const DeliveriesQuery = Type.Intersect([
  ListQuery,
  Type.Object({ status: Type.Optional(Type.Union(['pending', 'sending', 'delivered', 'failed', 'filtered', 'expired'].map((s) => Type.Literal(s)))) }),
]);

export async function registerWebhookRoutes(app: App): Promise<void> {
  const tags = ['webhooks'];

  app.get('/webhook/', { schema: { tags, summary: 'List webhook subscriptions', querystring: ListQuery } }, async (request) => {
    const { db, organizationId } = request.ctx;
    const page = pageOf(request.query);
    const rows = await db
      .selectFrom('webhooks')
      .selectAll()
      .where('organization_id', '=', organizationId)
      .orderBy('date_created')
      .orderBy('id')
      .offset(page.skip)
      .limit(page.limit + 1)
      .execute();
    return envelope(rows.map(webhookResponse), page);
  });

  app.post('/webhook/', { schema: { tags, summary: 'Create a webhook subscription (the response holds signature_key, shown once)', body: CreateBody, querystring: FieldsQuery } }, async (request) => {
    const { db, organizationId, userId, clock, config } = request.ctx;
    const body = request.body;
    const events = eventSpecsOf(body.events);
    const url = await assertWebhookUrlAllowed(config, body.url);
    const key = newSignatureKey();
    const now = clock.now();
    const row = await db.transaction().execute(async (trx) => {
      // The organization's row serialises concurrent creates, so the limit holds.
      await trx.selectFrom('organizations').select('id').where('id', '=', organizationId).forUpdate().execute();
      const { n } = await trx.selectFrom('webhooks').select(sql<number>`count(*)::int`.as('n')).where('organization_id', '=', organizationId).executeTakeFirstOrThrow();
      if (n >= WEBHOOKS_PER_ORG_MAX) throw fieldError('url', `An organization may have at most ${WEBHOOKS_PER_ORG_MAX} webhook subscriptions.`);
      const created = await trx
        .insertInto('webhooks')
        .values({
          id: newWebhookId(),
          organization_id: organizationId,
          url,
          events: JSON.stringify(events),
          verify_ssl: body.verify_ssl ?? true,
          status: body.status ?? 'active',
          date_paused: body.status === 'paused' ? now : null,
          status_reason: null,
          signature_key: sealSecret(keyringFor(config), key, WEBHOOK_KEY_CONTEXT),
          created_by: userId,
          updated_by: userId,
          date_created: now,
          date_updated: now,
          failing_since: null,
          last_error: null,
          claimed_by: null,
          lease_expires_at: null,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      await enableFanOut(trx);
      return created;
    });
    return { ...webhookResponse(row), signature_key: key };
  });

  app.get('/webhook/:id/', { schema: { tags, summary: 'Get a webhook subscription', params: IdParams, querystring: FieldsQuery } }, async (request) => {
    const row = await findWebhook(request.ctx.db, request.ctx.organizationId, request.params.id);
    if (!row) throw notFound('webhook subscription');
    return webhookResponse(row);
  });

  app.put('/webhook/:id/', { schema: { tags, summary: 'Update a webhook subscription (url, events, status, verify_ssl)', params: IdParams, body: UpdateBody, querystring: FieldsQuery } }, async (request) => {
    const { db, organizationId, userId, clock, config } = request.ctx;
    const body = request.body ?? {};
    const existing = await findWebhook(db, organizationId, request.params.id);
    if (!existing) throw notFound('webhook subscription');
    const changes: Record<string, unknown> = { updated_by: userId, date_updated: clock.now() };
    if (body.events !== undefined) changes.events = JSON.stringify(eventSpecsOf(body.events));
    if (body.url !== undefined) changes.url = await assertWebhookUrlAllowed(config, body.url);
    if (body.verify_ssl !== undefined) changes.verify_ssl = body.verify_ssl;
    if (body.status === 'paused' && existing.status === 'active') Object.assign(changes, { status: 'paused', date_paused: clock.now(), status_reason: null });
    const activating = body.status === 'active' && existing.status === 'paused';
    if (activating) {
      Object.assign(changes, {
        status: 'active',
        date_paused: null,
        status_reason: null,
        failing_since: null,
        backlog_from: lastDeliveryId(existing.id),
        inbox_backlog_from: lastInboxId(existing.id),
      });
    }
    const row = await db
      .updateTable('webhooks')
      .set(changes)
      .where('organization_id', '=', organizationId)
      .where('id', '=', existing.id)
      .returningAll()
      .executeTakeFirst();
    if (!row) throw notFound('webhook subscription');
    if (activating) await sql`SELECT pg_notify('sluice_webhooks', '')`.execute(db);
    return webhookResponse(row);
  });

  app.delete('/webhook/:id/', { schema: { tags, summary: 'Delete a webhook subscription and its deliveries', params: IdParams } }, async (request) => {
    const { db, organizationId } = request.ctx;
    await db.transaction().execute(async (trx) => {
      const deleted = await trx.deleteFrom('webhooks').where('organization_id', '=', organizationId).where('id', '=', request.params.id).executeTakeFirst();
      if (Number(deleted.numDeletedRows) === 0) throw notFound('webhook subscription');
      await trx.deleteFrom('webhook_deliveries').where('webhook_id', '=', request.params.id).execute();
      await trx.deleteFrom('webhook_inbox').where('webhook_id', '=', request.params.id).execute();
    });
    return {};
  });

  app.get(
    '/webhook/:id/deliveries/',
    { schema: { tags, summary: 'Deliveries of a webhook subscription, newest first, with each attempt (extension)', params: IdParams, querystring: DeliveriesQuery } },
    async (request) => {
      const { db, organizationId } = request.ctx;
      const webhook = await findWebhook(db, organizationId, request.params.id);
      if (!webhook) throw notFound('webhook subscription');
      const page = pageOf(request.query);
      // Events still in the inbox (drain-inbox.ts) are not listed until the worker has made them
      // deliveries: reading the inbox here would mean expanding its arrays on every page and
      // inventing ids and statuses for rows that do not exist yet.
      let query = db.selectFrom('webhook_deliveries').selectAll().where('webhook_id', '=', webhook.id).where('organization_id', '=', organizationId);
      if (request.query.status) query = query.where('status', '=', request.query.status as 'pending');
      const rows = await query.orderBy('id', 'desc').offset(page.skip).limit(page.limit + 1).execute();
      return envelope(rows.map(deliveryResponse), page);
    },
  );
}
