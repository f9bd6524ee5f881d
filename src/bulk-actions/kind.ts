/**
 * The contract between the bulk-action engine and each kind of bulk action (edit, delete, email,
 * sequence subscription). The engine owns everything the kinds share: the HTTP endpoints, the
 * common fields (`s_query`, `results_limit`, `sort`, `send_done_email`), the lifecycle, loading the
 * matched leads into items, batching, leases, counters, events for the action itself and the done
 * email. A kind only says what its extra request fields are, what they mean, and what to do to one
 * batch of leads.
 *
 * A new kind implements `BulkActionKind` in `src/bulk-actions/kinds/NAME.ts` and adds one line to
 * `src/bulk-actions/kinds.ts`; its endpoints (`/bulk_action/NAME/…`) then exist.
 */
import type { Config } from '../config.ts';
import type { TSchema } from 'typebox';
import type { Kysely, Selectable } from 'kysely';
import type { BulkActionsTable, Database } from '../db/schema.ts';
import type { RequestContext } from '../http/context.ts';
import type { IdPrefix } from '../ids.ts';

/**
 * The URL segment of each kind: `/bulk_action/{name}/`. `export` is the one kind the engine runs
 * without mounting it there: exports have Close's own endpoints (`/export/…`, src/exports/).
 */
export type BulkKindName = 'edit' | 'delete' | 'email' | 'sequence_subscription' | 'export';

/** Kind-specific parameters as stored in `bulk_actions.params` (jsonb): a plain JSON object. */
export type BulkParams = object;

/** What a kind sees of an action while it works on it. */
export interface BulkActionRecord<P extends BulkParams = BulkParams> {
  readonly id: string;
  readonly organizationId: string;
  readonly kind: BulkKindName;
  readonly params: P;
  /** The user who created the action; edits and events are attributed to them. */
  readonly createdBy: string;
  readonly sendDoneEmail: boolean;
  readonly dateCreated: Date;
  /** The worker's configuration (template limits, secrets). */
  readonly config: Config;
}

/** One lead of the matched set, in `sort` order (`position` starts at 0). */
export interface BulkItem {
  readonly position: number;
  readonly leadId: string;
}

/**
 * What happened to one lead. `nObjects` is how many objects the kind acted on for it (emails
 * queued, subscriptions changed; 1 for a lead edited or deleted, 0 when skipped); the engine adds
 * it to `n_objects_processed`.
 */
export interface ItemOutcome {
  readonly leadId: string;
  readonly status: 'done' | 'skipped' | 'failed';
  /** Short machine-readable reason for skipped/failed (`lead_deleted`, `no_email`, `unsubscribed`, …). */
  readonly reason?: string | null;
  readonly nObjects: number;
}

/** The transaction (or database) a kind's batch work runs in; use it for every statement. */
export type Trx = Kysely<Database>;

/**
 * What the engine offers a kind inside a batch transaction.
 *
 * `lockAction()` locks the action row FOR UPDATE and checks that this worker still holds an
 * unexpired lease on a `processing` action; if not, the batch is rolled back (nothing committed).
 * A kind whose batch has an effect outside the database (an export appends to a file) calls it
 * before that effect: while the lock is held no other worker can claim the action or commit a
 * batch of it, so two workers that both believe they hold the action never interleave their
 * effects. Kinds that only write rows need not call it: the engine takes the same lock just
 * before commit anyway (run-batch.ts), and a PUT then never waits for a batch in flight.
 */
export interface BatchContext {
  lockAction(): Promise<void>;
}

/** What the worker sending a done email offers the kind writing it. */
export interface DoneEmailContext {
  readonly config: Config;
  readonly now: Date;
}

/**
 * Throw from `prepare` or `processBatch` when the action as a whole cannot go on (its template,
 * status or custom field was deleted…): the batch is rolled back, the action moves to `error`
 * with `message` as `error_message`, and the done email reports it.
 */
export class BulkActionFatalError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BulkActionFatalError';
  }
}

export interface BulkActionKind<P extends BulkParams = BulkParams> {
  readonly name: BulkKindName;
  readonly idPrefix: Extract<IdPrefix, 'bulkedit' | 'bulkdelete' | 'bulkemail' | 'bulkseqsub' | 'expo'>;
  /** The event log's `object_type` for the action's own events (default `bulk_action.{name}`). */
  readonly eventObjectType?: string;
  /**
   * TypeBox schemas of the kind's own request fields, merged with the common ones into the POST
   * body schema (so unknown keys are dropped and types are checked before `validateCreate`).
   * Leave fields optional here and report missing ones from `validateCreate` with the field name.
   */
  readonly bodyProperties: Record<string, TSchema>;
  /**
   * Query-string keys of `GET /bulk_action/{name}/` that filter by equality on a param
   * (e.g. `template_id` for email: `?template_id=tmpl_…` keeps actions whose params.template_id matches).
   */
  readonly listFilterParams?: readonly string[];
  /**
   * Largest batch this kind can take (default: no limit beyond BULK_BATCH_SIZE), e.g. when its
   * per-batch statements carry parameters per lead and PostgreSQL allows 65,535 per statement.
   */
  readonly maxBatchSize?: number;
  /**
   * True when batches of one action may run at once (up to BULK_BATCH_CONCURRENCY, each in its
   * own transaction): when a batch touches only its own leads and decides nothing from what
   * another batch of the action wrote. Edit and delete do; email and sequence subscription do not
   * (an address is sent or subscribed once per action, decided across batches), nor export (its
   * file is written in order).
   */
  readonly concurrentBatches?: boolean;

  /**
   * Checks the kind's fields of a create body against the organization (ids exist, values fit
   * their field type) and returns the params to store. Throws `fieldError(name, …)`
   * (src/errors.ts) on anything wrong; nothing is created then.
   */
  validateCreate(ctx: RequestContext, body: Record<string, unknown>): Promise<P>;

  /** The kind's response fields (Close's names, `null` for unset) from the stored params. */
  serialize(params: P): Record<string, unknown>;

  /**
   * Optional: runs in the transaction that ends `loading`, after the items exist. Returns the
   * action's `n_objects` (default: `n_leads`), e.g. the number of emails a bulk email will queue.
   */
  onLoaded?(trx: Trx, action: BulkActionRecord<P>, nLeads: number): Promise<number | void>;

  /**
   * Optional: runs at the start of each batch transaction, before `processBatch`. The place to
   * re-check that what the action refers to still exists (throw BulkActionFatalError if not).
   */
  prepare?(trx: Trx, action: BulkActionRecord<P>): Promise<void>;

  /**
   * Applies the action to one batch of leads, inside the batch transaction (the engine commits
   * the outcomes and the counters in the same transaction, so this never runs twice for an item
   * that committed). Must be set-based (one statement per step for the whole batch, not one per
   * lead) and must confine every statement to `action.organizationId`. Returns one outcome per
   * lead acted on; items it returns no outcome for are recorded as `skipped` / `lead_deleted`.
   */
  processBatch(trx: Trx, action: BulkActionRecord<P>, items: readonly BulkItem[], batch: BatchContext): Promise<ItemOutcome[]>;

  /**
   * Optional: runs in the transaction that moves the action to `done` (every item has an outcome),
   * before the transition; throwing BulkActionFatalError ends the action in `error` instead. An
   * export writes the end of its file here.
   */
  finish?(trx: Trx, action: BulkActionRecord<P>, batch: BatchContext): Promise<void>;

  /**
   * Optional: the API object of an action of this kind, for the events the engine records about it
   * (default: the bulk-action object of serialize.ts). For kinds with their own endpoints.
   */
  present?(row: Selectable<BulkActionsTable>, config: Config): Record<string, unknown>;

  /**
   * Optional: the done email's subject and text (default: done-email.ts's counts and `describe`).
   * `worker` is absent when the email is built outside a worker (tests).
   */
  doneEmail?(row: Selectable<BulkActionsTable>, worker: DoneEmailContext | undefined): { subject: string; text: string };

  /** Optional: a line for the done email describing what the action did (`Set lead status to "Won"`). */
  describe?(params: P): string;
}

/**
 * A kind of unknown params, as the registry holds them. Method parameters are bivariant, so a
 * `BulkActionKind<EditParams>` is assignable to it without a cast.
 */
export type AnyBulkActionKind = BulkActionKind<BulkParams>;
