/**
 * The lifecycle of a bulk action (every kind), and the one function every status change goes
 * through.
 *
 * ```
 * created ──▶ loading ──▶ processing ──▶ done
 *    │           │            │    └────▶ error
 *    └───────────┴────────────┴──▶ paused ──▶ resuming ──▶ processing (or loading, if it never loaded)
 *                                   │  (only while less than BULK_RESUME_WINDOW_SECONDS since date_paused)
 * any non-terminal state ──▶ cancelled        (extension)
 * ```
 *
 * Who moves what:
 * - the API (`PUT /bulk_action/{kind}/{id}/`): → `paused` from created, loading, processing,
 *   resuming; → `resuming` from paused within the window; → `cancelled` from any non-terminal
 *   state. Anything else is a 400 `{"errors": [], "field-errors": {"status": "<why>"}}` and changes
 *   nothing.
 * - the runner: created → loading (claim), loading → processing (items materialised),
 *   resuming → processing | loading (claim), processing → done (every item has an outcome),
 *   loading | processing | resuming → error (the action as a whole cannot go on, `error_message`).
 *
 * Terminal: done, error, cancelled. Paused is not terminal but is never claimed.
 * Side effects of entering a state, applied here and only here:
 * - paused: `date_paused` = clock now; the worker's lease is dropped, so its next batch
 *   transaction (which re-reads status and lease under FOR UPDATE) does not start.
 * - resuming: `date_paused` cleared; a NOTIFY wakes a worker.
 * - done / error / cancelled: lease dropped; done and error mark the done email `pending` in the
 *   same transaction (see done-email.ts), unless send_done_email is false.
 * Every change records a `bulk_action.{kind}` event (a kind may name its own object type: exports
 * record `export`): `paused`, `completed` (done, error) or `updated`.
 */
import { sql } from 'kysely';
import type { Config } from '../config.ts';
import type { BulkActionsTable } from '../db/schema.ts';
import { notFound, SluiceError } from '../errors.ts';
import { recordEvent } from '../events/record-event.ts';
import type { Clock } from '../time.ts';
import type { Trx } from './kind.ts';
import { findKind } from './kinds.ts';
import { serializeAction, type BulkActionRow } from './serialize.ts';

export type BulkStatus = BulkActionsTable['status'];

const TERMINAL: readonly BulkStatus[] = ['done', 'error', 'cancelled'];

/** Legal moves, by who asks. */
const API_MOVES: Readonly<Record<string, readonly BulkStatus[]>> = {
  paused: ['created', 'loading', 'processing', 'resuming'],
  resuming: ['paused'],
  cancelled: ['created', 'loading', 'processing', 'resuming', 'paused'],
};
const RUNNER_MOVES: Readonly<Record<string, readonly BulkStatus[]>> = {
  loading: ['created', 'resuming'],
  processing: ['loading', 'resuming'],
  done: ['processing'],
  error: ['created', 'loading', 'processing', 'resuming'],
};

export interface TransitionRules {
  readonly now: Date;
  readonly resumeWindowSeconds: number;
}

function statusError(message: string): SluiceError {
  return new SluiceError('validation', message, { fieldErrors: { status: message }, errors: [] });
}

function windowText(seconds: number): string {
  if (seconds % 86_400 === 0) return `${seconds / 86_400} day${seconds === 86_400 ? '' : 's'}`;
  return `${seconds} seconds`;
}

/** The instant after which a paused action can no longer be resumed. */
export function resumableUntil(datePaused: Date, resumeWindowSeconds: number): Date {
  return new Date(datePaused.getTime() + resumeWindowSeconds * 1000);
}

/**
 * Throws the 400 (naming `status`) if moving `row` to `to` is not allowed for `by`.
 * Pure: the rules and the clock come in, nothing is read.
 */
export function checkTransition(
  row: Pick<BulkActionRow, 'status' | 'date_paused'>,
  to: string,
  by: 'api' | 'runner',
  rules: TransitionRules,
): asserts to is BulkStatus {
  const from = row.status;
  const moves = by === 'api' ? API_MOVES : RUNNER_MOVES;
  const allowedFrom = Object.hasOwn(moves, to) ? moves[to] : undefined;
  if (!allowedFrom) {
    throw statusError(
      by === 'api'
        ? `Status can only be changed to "paused", "resuming" or "cancelled", not ${JSON.stringify(to)}.`
        : `The runner cannot move an action to ${JSON.stringify(to)}.`,
    );
  }
  if (TERMINAL.includes(from)) throw statusError(`The action is ${from}; its status can no longer change.`);
  if (!allowedFrom.includes(from)) {
    if (to === from) throw statusError(`The action is already ${from}.`);
    if (to === 'resuming') throw statusError(`Only a paused action can be resumed; this one is ${from}.`);
    throw statusError(`An action that is ${from} cannot become ${to}.`);
  }
  if (to === 'resuming') {
    const paused = row.date_paused;
    const until = paused ? resumableUntil(paused, rules.resumeWindowSeconds) : undefined;
    if (!until || rules.now.getTime() >= until.getTime()) {
      throw statusError(
        `This action was paused more than ${windowText(rules.resumeWindowSeconds)} ago and can no longer be resumed.`,
      );
    }
  }
}

export interface TransitionOptions {
  readonly by: 'api' | 'runner';
  readonly clock: Clock;
  readonly config: Config;
  /** Who asked (the API caller, or the action's creator for runner moves). */
  readonly userId: string | null;
  readonly apiKeyId?: string | null;
  readonly requestId?: string | null;
  /** For runner moves: the worker must still hold the lease, else LeaseLostError. */
  readonly workerId?: string;
  readonly errorMessage?: string;
}

/** The options of a transition asked for by an API request (PUT of a bulk action or an export). */
export function byApi(ctx: { readonly clock: Clock; readonly config: Config; readonly userId: string | null; readonly apiKeyId?: string | null; readonly requestId?: string | null }): TransitionOptions {
  return { by: 'api', clock: ctx.clock, config: ctx.config, userId: ctx.userId, apiKeyId: ctx.apiKeyId, requestId: ctx.requestId };
}

/** The worker no longer holds the action (paused, cancelled, or its lease lapsed and was taken). */
export class LeaseLostError extends Error {
  constructor(actionId: string) {
    super(`lease on ${actionId} lost`);
    this.name = 'LeaseLostError';
  }
}

function eventAction(to: BulkStatus): string {
  if (to === 'paused') return 'paused';
  if (to === 'done' || to === 'error') return 'completed';
  return 'updated';
}

/**
 * Moves the action to `to` inside `trx` (which it locks FOR UPDATE), after `checkTransition`.
 * Returns the updated row. A 404 if the action is not the organization's.
 */
export async function transition(
  trx: Trx,
  organizationId: string,
  id: string,
  to: string,
  options: TransitionOptions,
): Promise<BulkActionRow> {
  const row = await trx
    .selectFrom('bulk_actions')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst();
  if (!row) throw notFound('bulk action');
  if (options.workerId !== undefined && row.locked_by !== options.workerId) throw new LeaseLostError(id);
  const now = options.clock.now();
  checkTransition(row, to, options.by, { now, resumeWindowSeconds: options.config.bulk.resumeWindowSeconds });

  const releases = to === 'paused' || TERMINAL.includes(to);
  const updated = await trx
    .updateTable('bulk_actions')
    .set({
      status: to,
      date_updated: sql`now()`,
      updated_by: options.by === 'api' ? options.userId : row.updated_by,
      ...(to === 'paused' ? { date_paused: now } : {}),
      ...(to === 'resuming' ? { date_paused: null } : {}),
      ...(releases ? { locked_by: null, locked_until: null } : {}),
      ...(to === 'error' ? { error_message: options.errorMessage ?? 'The action could not be completed.' } : {}),
      ...((to === 'done' || to === 'error') && row.send_done_email ? { done_email_state: 'pending' as const } : {}),
    })
    .where('organization_id', '=', organizationId)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();

  await recordEvent(trx, {
    organizationId,
    objectType: findKind(row.kind)?.eventObjectType ?? `bulk_action.${row.kind}`,
    objectId: id,
    action: eventAction(to),
    userId: options.userId,
    apiKeyId: options.apiKeyId ?? null,
    requestId: options.requestId ?? null,
    changedFields: ['status'],
    data: serializeAction(updated, options.config),
    previousData: { status: row.status },
  });
  if (to === 'resuming') await sql`SELECT pg_notify(${BULK_CHANNEL}, ${id})`.execute(trx);
  return updated;
}

/** The LISTEN/NOTIFY channel that wakes idle bulk-action workers; the payload is the action id. */
export const BULK_CHANNEL = 'sluice_bulk';
