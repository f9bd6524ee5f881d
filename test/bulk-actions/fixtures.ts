/**
 * Fixtures for bulk-action tests: leads (with contacts) inserted straight into PostgreSQL in two
 * organizations, a worker running in-process, and small waits. The neighbour organization always
 * gets leads whose names match the same queries, so isolation is tested by every test.
 */
import { sql } from 'kysely';
import pino from 'pino';
import type { Db } from '../../src/db/database.ts';
import { newId } from '../../src/ids.ts';
import { createBulkActionWorker, type BulkWorkerOptions } from '../../src/bulk-actions/worker.ts';
import type { BackgroundWorker } from '../../src/worker/registry.ts';
import type { TestApp } from '../helpers/app.ts';
import { onTestFileEnd } from '../helpers/db.ts';

/** Leads whose name holds the whole word `word`. */
export function nameWordQuery(word: string) {
  return {
    type: 'and',
    queries: [
      { type: 'object_type', object_type: 'lead' },
      {
        type: 'field_condition',
        field: { type: 'regular_field', object_type: 'lead', field_name: 'name' },
        condition: { type: 'text', mode: 'full_words', value: word },
      },
    ],
  };
}

export const TARGET_QUERY = nameWordQuery('Target');

export const SORT_BY_NAME_DESC = [{ direction: 'desc', field: { type: 'regular_field', object_type: 'lead', field_name: 'name' } }];
export const SORT_BY_NAME_ASC = [{ direction: 'asc', field: { type: 'regular_field', object_type: 'lead', field_name: 'name' } }];

/** The first lead status of `organizationId` by position (Potential). */
export async function statuses(db: Db, organizationId: string): Promise<{ id: string; label: string }[]> {
  return db.selectFrom('lead_statuses').select(['id', 'label']).where('organization_id', '=', organizationId).orderBy('position').execute();
}

/**
 * Inserts `n` leads named `${prefix} lead NNNN` with `contactsPerLead` contacts each; returns their ids
 * in name order.
 */
export async function insertLeads(
  db: Db,
  organizationId: string,
  n: number,
  options: { prefix?: string; contactsPerLead?: number; custom?: Record<string, unknown>; contactCustom?: Record<string, unknown> } = {},
): Promise<string[]> {
  const [first] = await statuses(db, organizationId);
  const prefix = options.prefix ?? 'Target';
  const ids: string[] = [];
  const rows = [];
  const contacts = [];
  for (let i = 0; i < n; i++) {
    const id = newId('lead');
    ids.push(id);
    rows.push({
      id,
      organization_id: organizationId,
      name: `${prefix} lead ${String(i).padStart(4, '0')}`,
      status_id: first!.id,
      custom: JSON.stringify(options.custom ?? {}),
    });
    for (let c = 0; c < (options.contactsPerLead ?? 0); c++) {
      contacts.push({
        id: newId('cont'),
        organization_id: organizationId,
        lead_id: id,
        name: `Contact ${c} of ${i}`,
        custom: JSON.stringify(options.contactCustom ?? {}),
      });
    }
  }
  for (let i = 0; i < rows.length; i += 1000) await db.insertInto('leads').values(rows.slice(i, i + 1000)).execute();
  for (let i = 0; i < contacts.length; i += 1000) await db.insertInto('contacts').values(contacts.slice(i, i + 1000)).execute();
  return ids;
}

/** Creates a custom field and returns its id. */
export async function insertCustomField(
  db: Db,
  organizationId: string,
  field: { name: string; type: string; objectType?: 'lead' | 'contact'; choices?: string[]; multiple?: boolean },
): Promise<string> {
  const id = newId('cf');
  await db
    .insertInto('custom_fields')
    .values({
      id,
      organization_id: organizationId,
      object_type: field.objectType ?? 'lead',
      name: field.name,
      type: field.type,
      description: null,
      choices: field.choices ? JSON.stringify(field.choices) : null,
      accepts_multiple_values: field.multiple ?? false,
      editable_with_roles: JSON.stringify([]),
      created_by: null,
      updated_by: null,
    })
    .execute();
  return id;
}

/** Starts an in-process worker on the test app's database; stopped at the end of the file. */
export async function startWorker(t: TestApp, options: BulkWorkerOptions = {}): Promise<BackgroundWorker> {
  const worker = createBulkActionWorker(
    { db: t.db, pool: t.pool, config: t.config, clock: t.clock, log: pino({ level: 'silent' }), connectionString: t.connectionString },
    { pollMs: 200, ...options },
  );
  await worker.start();
  onTestFileEnd(() => worker.stop());
  return worker;
}

/** Polls `fn` until it returns a truthy value or `timeoutMs` passes. */
export async function waitFor<T>(fn: () => Promise<T>, timeoutMs = 20_000, what = 'condition'): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Waits until the action reaches one of `statuses` and returns its row. */
export async function waitForStatus(db: Db, id: string, wanted: readonly string[], timeoutMs = 20_000) {
  return waitFor(
    () => db.selectFrom('bulk_actions').selectAll().where('id', '=', id).where('status', 'in', wanted as never).executeTakeFirst(),
    timeoutMs,
    `${id} to be ${wanted.join('|')}`,
  );
}

/** lead.updated / lead.deleted / contact.updated events of an action, per object id. */
export async function eventsOf(db: Db, organizationId: string, actionId: string, objectType: string, action: string): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom('events')
    .select(['object_id', sql<number>`count(*)::int`.as('n')])
    .where('organization_id', '=', organizationId)
    .where(sql<boolean>`meta->>'bulk_action_id' = ${actionId}`)
    .where('object_type', '=', objectType)
    .where('action', '=', action)
    .groupBy('object_id')
    .execute();
  return new Map(rows.map((row) => [row.object_id, row.n]));
}
