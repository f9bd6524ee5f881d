/**
 * `/unsubscribe/email/`: addresses unsubscribed from bulk and workflow email in an organization.
 * Stored lower-cased, so the `is_unsubscribed` flag on contact emails (see contacts/serialize.ts)
 * matches regardless of case. Each change records an `unsubscribed_email.*` event.
 */
import { Type } from 'typebox';
import { notFound } from '../errors.ts';
import { recordEvent } from '../events/record-event.ts';
import { EMAIL_MAX } from '../http/input-limits.ts';
import { envelope, ListQuery, pageOf } from '../http/pagination.ts';
import type { App } from '../http/server.ts';
import { eventBase, actorOf } from '../leads/actor.ts';
import { formatTimestamp } from '../time.ts';

const Body = Type.Object({ email: Type.String({ format: 'email', maxLength: EMAIL_MAX }) }, { additionalProperties: false });

function unsubscribeResponse(row: { organization_id: string; email: string; date_created: Date }) {
  return { email: row.email, organization_id: row.organization_id, date_created: formatTimestamp(row.date_created) };
}

export async function registerUnsubscribeRoutes(app: App): Promise<void> {
  app.get(
    '/unsubscribe/email/',
    { schema: { tags: ['unsubscribes'], summary: 'List unsubscribed email addresses', querystring: ListQuery } },
    async (request) => {
      const { db, organizationId } = request.ctx;
      const page = pageOf(request.query);
      const rows = await db
        .selectFrom('unsubscribed_emails')
        .selectAll()
        .where('organization_id', '=', organizationId)
        .orderBy('date_created')
        .orderBy('email')
        .offset(page.skip)
        .limit(page.limit + 1)
        .execute();
      return envelope(rows.map(unsubscribeResponse), page);
    },
  );

  app.post(
    '/unsubscribe/email/',
    { schema: { tags: ['unsubscribes'], summary: 'Unsubscribe an email address', body: Body } },
    async (request) => {
      const ctx = request.ctx;
      const actor = actorOf(ctx);
      const email = request.body.email.trim().toLowerCase();
      return ctx.db.transaction().execute(async (trx) => {
        const inserted = await trx
          .insertInto('unsubscribed_emails')
          .values({ organization_id: ctx.organizationId, email, date_created: actor.now })
          .onConflict((oc) => oc.columns(['organization_id', 'email']).doNothing())
          .returningAll()
          .executeTakeFirst();
        if (inserted) {
          await recordEvent(trx, {
            ...eventBase(actor),
            objectType: 'unsubscribed_email',
            objectId: email,
            action: 'created',
            data: unsubscribeResponse(inserted),
          });
          return unsubscribeResponse(inserted);
        }
        // Unsubscribing twice is not an error: the address simply stays unsubscribed.
        const existing = await trx
          .selectFrom('unsubscribed_emails')
          .selectAll()
          .where('organization_id', '=', ctx.organizationId)
          .where('email', '=', email)
          .executeTakeFirstOrThrow();
        return unsubscribeResponse(existing);
      });
    },
  );

  app.delete(
    '/unsubscribe/email/:email/',
    { schema: { tags: ['unsubscribes'], summary: 'Resubscribe an email address', params: Type.Object({ email: Type.String({ maxLength: EMAIL_MAX }) }) } },
    async (request) => {
      const ctx = request.ctx;
      const actor = actorOf(ctx);
      const email = request.params.email.trim().toLowerCase();
      await ctx.db.transaction().execute(async (trx) => {
        const deleted = await trx
          .deleteFrom('unsubscribed_emails')
          .where('organization_id', '=', ctx.organizationId)
          .where('email', '=', email)
          .returningAll()
          .executeTakeFirst();
        if (!deleted) throw notFound('unsubscribed email');
        await recordEvent(trx, {
          ...eventBase(actor),
          objectType: 'unsubscribed_email',
          objectId: email,
          action: 'deleted',
          previousData: unsubscribeResponse(deleted),
        });
      });
      return {};
    },
  );
}
