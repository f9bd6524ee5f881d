/**
 * Creating a bulk action: validate the common fields (the selection through the search compiler)
 * and the kind's own, then commit the action in `created` and NOTIFY the workers, all before the
 * POST answers, so an acknowledged action is never lost.
 */
import { sql } from 'kysely';
import { fieldError } from '../errors.ts';
import { recordEvent } from '../events/record-event.ts';
import type { RequestContext } from '../http/context.ts';
import { newId } from '../ids.ts';
import type { AnyBulkActionKind } from './kind.ts';
import { compileSelection } from './selection.ts';
import { serializeAction, type BulkActionRow } from './serialize.ts';
import { BULK_CHANNEL } from './state-machine.ts';

export interface CommonCreateBody {
  readonly s_query?: unknown;
  readonly query?: unknown;
  readonly results_limit?: number | null;
  readonly sort?: unknown;
  readonly send_done_email?: boolean;
}

/** Validates `body` and commits a new action of `kind` in state `created`. */
export async function createBulkAction(
  ctx: RequestContext,
  kind: AnyBulkActionKind,
  body: CommonCreateBody & Record<string, unknown>,
): Promise<BulkActionRow> {
  if (body.s_query === undefined || body.s_query === null) {
    if (body.query !== undefined && body.query !== null) {
      throw fieldError('s_query', 'The legacy string "query" is not supported: send the structured query as "s_query".');
    }
    throw fieldError('s_query', 'This field is required (send {"type": "match_all"} to select all leads).');
  }
  const sort = body.sort ?? [];
  const resultsLimit = body.results_limit ?? null;
  const selection = await compileSelection(ctx.db, {
    organizationId: ctx.organizationId,
    userId: ctx.userId,
    tzOffsetMinutes: ctx.tzOffsetMinutes,
    now: ctx.clock.now(),
    sQuery: body.s_query,
    sort,
    resultsLimit,
  });
  const params = await kind.validateCreate(ctx, body);

  return ctx.db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto('bulk_actions')
      .values({
        id: newId(kind.idPrefix),
        organization_id: ctx.organizationId,
        kind: kind.name,
        status: 'created',
        params: JSON.stringify(params),
        // The validated selection, not the request's JSON (unknown keys of any size stay out).
        s_query: JSON.stringify(selection.sQuery),
        sort: JSON.stringify(selection.sort),
        results_limit: resultsLimit,
        tz_offset_minutes: ctx.tzOffsetMinutes,
        send_done_email: body.send_done_email ?? true,
        n_leads: null,
        n_objects: null,
        date_paused: null,
        error_message: null,
        locked_by: null,
        locked_until: null,
        done_email_state: null,
        done_email_error: null,
        done_email_sent_at: null,
        created_by: ctx.userId,
        updated_by: ctx.userId,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordEvent(trx, {
      organizationId: ctx.organizationId,
      objectType: kind.eventObjectType ?? `bulk_action.${kind.name}`,
      objectId: row.id,
      action: 'created',
      userId: ctx.userId,
      apiKeyId: ctx.apiKeyId,
      requestId: ctx.requestId,
      data: serializeAction(row, ctx.config),
    });
    // Delivered at commit: a worker waiting on LISTEN starts the action at once.
    await sql`SELECT pg_notify(${BULK_CHANNEL}, ${row.id})`.execute(trx);
    return row;
  });
}
