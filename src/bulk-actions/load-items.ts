/**
 * `loading`: the matched set is materialised once, in sort order and capped by results_limit, as
 * items, by one `INSERT … SELECT` over the compiled selection (no rows pass through JavaScript).
 * The same transaction sets n_leads and n_objects and moves the action to processing, so the set
 * exists exactly when the action says it does. The action row is locked only at the end, so a pause
 * sent during a long load is not kept waiting; a load that then finds the action paused rolls back
 * and runs again on resume. Items have no foreign key to their action (migration 0028: a check per
 * item row was 40 % of a load): that final locked transition is what fails, rolling the items back,
 * if the action was deleted meanwhile.
 */
import { CompiledQuery } from 'kysely';
import type { Config } from '../config.ts';
import type { Db } from '../db/database.ts';
import type { Clock } from '../time.ts';
import type { AnyBulkActionKind } from './kind.ts';
import { compileSelection } from './selection.ts';
import { actionRecord, type BulkActionRow } from './serialize.ts';
import { transition } from './state-machine.ts';

/** Loads the items of `row` and moves it to processing; returns the updated row. */
export async function loadItems(
  db: Db,
  row: BulkActionRow,
  kind: AnyBulkActionKind,
  workerId: string,
  config: Config,
  clock: Clock,
): Promise<BulkActionRow> {
  return db.transaction().execute(async (trx) => {
    const selection = await compileSelection(trx, {
      organizationId: row.organization_id,
      userId: row.created_by ?? '',
      tzOffsetMinutes: row.tz_offset_minutes,
      now: clock.now(),
      sQuery: row.s_query,
      sort: row.sort,
      resultsLimit: row.results_limit,
    });
    const n = selection.values.length;
    // Idempotent against a leftover set (none should exist: a load commits with its transition).
    await trx.deleteFrom('bulk_action_items').where('organization_id', '=', row.organization_id).where('action_id', '=', row.id).execute();
    const inserted = await trx.executeQuery(
      CompiledQuery.raw(
        `INSERT INTO bulk_action_items (organization_id, action_id, position, lead_id)
         SELECT $${n + 1}::text, $${n + 2}::text, (row_number() OVER (ORDER BY s.ordinal) - 1)::int, s.id
         FROM (${selection.text}) AS s`,
        [...selection.values, row.organization_id, row.id],
      ),
    );
    const nLeads = Number(inserted.numAffectedRows ?? 0n);
    const nObjects = (await kind.onLoaded?.(trx, actionRecord(row, config), nLeads)) ?? nLeads;
    await trx
      .updateTable('bulk_actions')
      .set({ n_leads: nLeads, n_objects: nObjects })
      .where('organization_id', '=', row.organization_id)
      .where('id', '=', row.id)
      .execute();
    return transition(trx, row.organization_id, row.id, 'processing', { by: 'runner', clock, config, userId: row.created_by, workerId });
  });
}
