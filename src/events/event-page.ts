/**
 * One response of `GET /event/`: `{data, cursor_next, cursor_previous}`, newest first whichever way
 * the client pages.
 *
 * - Without `_cursor`: the newest `_limit` events. With a `next` cursor: the `_limit` events just
 *   older than its position; with a `previous` cursor, the `_limit` events just newer (shown newest
 *   first like every page).
 * - `cursor_next` is null when no older event exists at the time of reading, so a client looping
 *   "while cursor_next" (every Close script) stops at the oldest event.
 * - `cursor_previous` is given with every page that has events, also the first: it reads what is
 *   newer than the page, now or later, so a client can poll for new events from wherever it stopped.
 *   A page with nothing newer (yet) is empty with both cursors null; the client keeps its cursor.
 *
 * - `has_more` (Sluice's list convention, which Close's event log does not send) is true exactly when
 *   `cursor_next` is given, so a generic "while has_more" pager follows cursor_next to the oldest event.
 *
 * Consistency: positions are keysets, so a walk never repeats an event, whatever is written
 * meanwhile. The first page and every cursor_previous page stop at the visibility horizon
 * (visibility-horizon.ts): below it every event that will ever exist has committed, so walking
 * down from a page is complete, and cursor_previous picks up everything newer, including events of
 * transactions that were stamped before the page and committed after it (two bulk batches at once).
 */
import type { Db } from '../db/database.ts';
import type { DateBounds } from './date-filter.ts';
import { encodeEventCursor, type EventCursor, type EventPosition } from './event-cursor.ts';
import { readEvents, type EventFilters } from './list-events.ts';
import { eventHorizon } from './visibility-horizon.ts';
import { eventResponse, type EventLogRow } from './serialize.ts';

export interface EventPage {
  readonly data: Record<string, unknown>[];
  readonly cursor_next: string | null;
  readonly cursor_previous: string | null;
  readonly has_more: boolean;
}

const positionOf = (row: EventLogRow): EventPosition => ({ at: row.updated_at, id: row.id });

/** Reads the page `cursor` (or the first page) asks for. */
export async function eventPage(
  db: Db,
  organizationId: string,
  filters: EventFilters,
  limit: number,
  cursor: EventCursor | undefined,
): Promise<EventPage> {
  const direction = cursor?.direction ?? 'next';
  // Reads that start from the newest events stop at the horizon; a read down from a cursor needs
  // none, since its position is below the horizon it was read under.
  const horizon = direction === 'previous' || !cursor ? await eventHorizon(db) : undefined;
  const rows = await readEvents(db, { organizationId, filters, direction, after: cursor?.position, horizon, limit: limit + 1 });
  const more = rows.length > limit;
  const page = rows.slice(0, limit);
  if (direction === 'previous') page.reverse();
  const newest = page[0];
  const oldest = page.at(-1);
  const bounds: DateBounds = filters.dates;
  const make = (dir: EventCursor['direction'], row: EventLogRow) => encodeEventCursor({ direction: dir, position: positionOf(row), bounds });
  const olderExists = async (row: EventLogRow) =>
    (await readEvents(db, { organizationId, filters, direction: 'next', after: positionOf(row), limit: 1 })).length > 0;

  let next: string | null = null;
  let previous: string | null = null;
  if (newest && oldest) {
    previous = make('previous', newest);
    // Reading down, the extra row says whether older events exist; reading up, one more row is read.
    if (direction === 'next' ? more : await olderExists(oldest)) next = make('next', oldest);
  }
  return { data: page.map(eventResponse), cursor_next: next, cursor_previous: previous, has_more: next !== null };
}
