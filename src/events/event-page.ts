/**
 * One response of `GET /event/`: `{data, cursor_next, cursor_previous}`, newest first whichever way
 * the client pages.
 *
 * - Without `_cursor`: the newest `_limit` events. `cursor_next` when older ones exist;
 *   `cursor_previous` null (nothing was newer when the page was read).
 * - With a `next` cursor: the `_limit` events just older than its position; with a `previous`
 *   cursor, the `_limit` events just newer (then shown newest first like every page).
 * - `cursor_next` / `cursor_previous` are null when no event lies beyond the page that way at the
 *   time of reading, so a client looping "while cursor_next" stops at the oldest event. A page
 *   reached through a cursor checks the other side with a one-row read; an empty page has no
 *   cursors (a client polling for newer events keeps the cursor it has).
 */
import type { Db } from '../db/database.ts';
import type { DateBounds } from './date-filter.ts';
import { encodeEventCursor, type EventCursor, type EventPosition } from './event-cursor.ts';
import { readEvents, type EventFilters } from './list-events.ts';
import { eventResponse, type EventLogRow } from './serialize.ts';

export interface EventPage {
  readonly data: Record<string, unknown>[];
  readonly cursor_next: string | null;
  readonly cursor_previous: string | null;
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
  const rows = await readEvents(db, { organizationId, filters, direction, after: cursor?.position, limit: limit + 1 });
  const more = rows.length > limit;
  const page = rows.slice(0, limit);
  if (direction === 'previous') page.reverse();
  const newest = page[0];
  const oldest = page.at(-1);
  const bounds: DateBounds = filters.dates;
  const make = (dir: EventCursor['direction'], row: EventLogRow) => encodeEventCursor({ direction: dir, position: positionOf(row), bounds });
  const beyond = async (dir: EventCursor['direction'], row: EventLogRow) =>
    (await readEvents(db, { organizationId, filters, direction: dir, after: positionOf(row), limit: 1 })).length > 0;

  let next: string | null = null;
  let previous: string | null = null;
  if (newest && oldest) {
    if (direction === 'next') {
      if (more) next = make('next', oldest);
      if (cursor && (await beyond('previous', newest))) previous = make('previous', newest);
    } else {
      if (more) previous = make('previous', newest);
      if (await beyond('next', oldest)) next = make('next', oldest);
    }
  }
  return { data: page.map(eventResponse), cursor_next: next, cursor_previous: previous };
}
