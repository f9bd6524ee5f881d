/**
 * The event log partitioned by day (migration 0029): an existing log becomes the legacy partition
 * with its rows and indexes as they were; day partitions are made ahead by the retention worker's
 * pass and dropped whole once they end before the retention cutoff, never while a transaction
 * holds the log longer than the lock timeout (the rows then go by DELETE).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { migrate } from '../../src/db/migrate.ts';
import { ensureEventPartitions } from '../../src/events/event-partitions.ts';
import { PARTITION_LOCK_TIMEOUT_MS, pruneEvents } from '../../src/events/prune-events.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';

const DAY = 86_400_000;

/** The partitions of events with their bounds as PostgreSQL states them. */
async function partitions(t: TestApp): Promise<{ name: string; bound: string }[]> {
  const { rows } = await t.pool.query<{ name: string; bound: string }>(
    `SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound
     FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'events'::regclass ORDER BY 1`,
  );
  return rows;
}

/** Where each event of `ids` is stored. */
async function storedIn(t: TestApp, ids: string[]): Promise<Map<string, string>> {
  const { rows } = await t.pool.query<{ id: string; part: string }>(
    'SELECT id, tableoid::regclass::text AS part FROM events WHERE id = ANY($1)',
    [ids],
  );
  return new Map(rows.map((row) => [row.id, row.part]));
}

/** Inserts one event of `t.orgA` dated `at`; returns its id. */
async function insertAt(t: TestApp, id: string, at: Date): Promise<string> {
  await t.pool.query(
    `INSERT INTO events (id, organization_id, object_type, object_id, action, date_created, date_updated)
     VALUES ($1, $2, 'lead', 'lead_x', 'updated', $3, $3)`,
    [id, t.orgA.organization_id, at],
  );
  return id;
}

describe('event log partitions', () => {
  test('migration 0029 turns an existing log into the legacy partition: rows, indexes and the fan-out trigger kept', async () => {
    const t = await createTestApp();
    const lead = (await t.call('POST', '/api/v1/lead/', { body: { name: 'Acme', contacts: [{ name: 'Ann' }] } })).body;
    await t.call('PUT', `/api/v1/lead/${lead.id}/`, { body: { name: 'Acme Inc' } });
    const before = (await t.call('GET', `/api/v1/event/?lead_id=${lead.id}`)).body.data as { id: string }[];
    assert.equal(before.length, 3);

    // The log as it was before 0029: one plain table, its primary key and six indexes, a
    // subscription's fan-out trigger on it.
    await t.pool.query(`
      CREATE TEMP TABLE kept AS SELECT * FROM events;
      DROP TABLE events;
      DROP FUNCTION events_ensure_partitions(integer);
      DROP FUNCTION events_partition_ends();
      DELETE FROM schema_migrations WHERE version = 29;
      CREATE TABLE events (
        id text COLLATE "C" NOT NULL CONSTRAINT events_pkey PRIMARY KEY,
        organization_id text COLLATE "C" NOT NULL, object_type text COLLATE "C" NOT NULL,
        object_id text COLLATE "C" NOT NULL, lead_id text COLLATE "C", action text COLLATE "C" NOT NULL,
        user_id text COLLATE "C", api_key_id text COLLATE "C", request_id text COLLATE "C",
        changed_fields jsonb NOT NULL DEFAULT '[]', data jsonb, previous_data jsonb, meta jsonb NOT NULL DEFAULT '{}',
        date_created timestamptz NOT NULL DEFAULT now(), date_updated timestamptz NOT NULL DEFAULT now()
      ) WITH (toast_tuple_target = 8160);
      CREATE INDEX events_org_date_idx ON events (organization_id, date_updated, id);
      CREATE INDEX events_org_type_action_idx ON events (organization_id, object_type, action, date_updated, id);
      CREATE INDEX events_org_user_idx ON events (organization_id, user_id, date_updated, id) WHERE user_id IS NOT NULL;
      CREATE INDEX events_org_request_idx ON events (organization_id, request_id, date_updated, id) WHERE request_id IS NOT NULL;
      CREATE INDEX events_object_key_idx ON events (hashtextextended(object_id, 0), date_updated);
      CREATE INDEX events_lead_key_idx ON events (hashtextextended(lead_id, 0), date_updated)
        WHERE lead_id IS NOT NULL AND object_type <> 'lead';
      INSERT INTO events SELECT * FROM kept;
      CREATE TRIGGER events_webhook_fan_out AFTER INSERT ON events
        REFERENCING NEW TABLE AS new_events FOR EACH STATEMENT EXECUTE FUNCTION webhook_fan_out();`);
    const legacyOrgDate = (await t.pool.query<{ oid: number }>(`SELECT 'events_org_date_idx'::regclass::oid AS oid`)).rows[0]!.oid;
    assert.deepEqual(await migrate(t.pool), ['0029_events_partitioned_by_day']);

    assert.deepEqual((await t.call('GET', `/api/v1/event/?lead_id=${lead.id}`)).body.data, before);
    const stored = await storedIn(t, before.map((e) => e.id));
    assert.deepEqual([...new Set(stored.values())], ['events_legacy']);
    // The old index is legacy's part of the parent's index, not a rebuilt copy.
    const { rows: attached } = await t.pool.query<{ parent: string }>(
      'SELECT inhparent::regclass::text AS parent FROM pg_inherits WHERE inhrelid = $1',
      [legacyOrgDate],
    );
    assert.deepEqual(attached, [{ parent: 'events_org_date_idx' }]);
    const { rows: constraints } = await t.pool.query(`SELECT conname FROM pg_constraint WHERE conrelid = 'events_legacy'::regclass AND contype = 'p'`);
    assert.deepEqual(constraints, []);
    const { rows: triggers } = await t.pool.query<{ rel: string; tgenabled: string }>(
      `SELECT tgrelid::regclass::text AS rel, tgenabled FROM pg_trigger WHERE tgname = 'events_webhook_fan_out'`,
    );
    assert.deepEqual(triggers, [{ rel: 'events', tgenabled: 'O' }]);

    // A new event goes into today's partition (UTC), which legacy's range ends in.
    await t.call('PUT', `/api/v1/lead/${lead.id}/`, { body: { name: 'Acme Corp' } });
    const after = (await t.call('GET', `/api/v1/event/?lead_id=${lead.id}`)).body.data as { id: string }[];
    assert.equal(after.length, 4);
    const today = new Date().toISOString().slice(0, 10).replaceAll('-', '');
    assert.equal((await storedIn(t, [after[0]!.id])).get(after[0]!.id), `events_p${today}`);
    // Every index of the parent has a part on each of the six partitions (legacy, four days, overflow).
    const names = await partitions(t);
    assert.equal(names.length, 6, JSON.stringify(names));
    const { rows: parts } = await t.pool.query<{ parent: string; n: number }>(
      `SELECT inhparent::regclass::text AS parent, count(*)::int AS n FROM pg_inherits
       WHERE inhparent IN (SELECT indexrelid FROM pg_index WHERE indrelid = 'events'::regclass) GROUP BY 1 ORDER BY 1`,
    );
    assert.deepEqual(parts.map((p) => p.n), [6, 6, 6, 6, 6, 6, 6]);
  });

  test('day partitions are made ahead, contiguous, each to a midnight UTC; a second call makes none; overflow rows move in', async () => {
    const t = await createTestApp();
    const made = await ensureEventPartitions(t.db, 6);
    assert.ok(made !== undefined && made >= 2 && made <= 4, `made ${made}`);
    assert.equal(await ensureEventPartitions(t.db, 6), 0);
    const { rows } = await t.pool.query<{ name: string; ends: Date }>('SELECT name, ends FROM events_partition_ends() ORDER BY ends');
    const days = rows.filter((row) => row.name !== 'events_legacy');
    assert.ok(days.at(-1)!.ends.getTime() >= Date.now() + 6 * DAY);
    for (const day of days) {
      assert.equal(day.ends.toISOString().slice(11), '00:00:00.000Z', day.name);
      assert.equal(day.name, `events_p${new Date(day.ends.getTime() - DAY).toISOString().slice(0, 10).replaceAll('-', '')}`);
    }
    // Contiguous: each day starts where the one before it ends.
    const bounds = new Map((await partitions(t)).map((p) => [p.name, p.bound]));
    for (let i = 1; i < days.length; i++) {
      const from = /FROM \('([^']+)'\)/.exec(bounds.get(days[i]!.name)!)![1]!;
      assert.equal(new Date(from).getTime(), days[i - 1]!.ends.getTime(), days[i]!.name);
    }
    // An event beyond every range lands in the default partition, and moves into its day's
    // partition when that is made.
    const farAt = new Date(Date.now() + 60 * DAY);
    const far = await insertAt(t, 'ev_far', farAt);
    assert.equal((await storedIn(t, [far])).get(far), 'events_overflow');
    assert.ok((await ensureEventPartitions(t.db, 61))! >= 54);
    assert.equal((await storedIn(t, [far])).get(far), `events_p${farAt.toISOString().slice(0, 10).replaceAll('-', '')}`);
    const { rows: overflow } = await t.pool.query('SELECT id FROM events_overflow');
    assert.deepEqual(overflow, []);
  });

  test('making a partition waits at most the lock timeout for a reader of the log, then gives up until the next call', async () => {
    const t = await createTestApp();
    const reader = await t.pool.connect();
    try {
      await reader.query('BEGIN');
      await reader.query('SELECT count(*) FROM events');
      const started = Date.now();
      const attempt = assert.rejects(ensureEventPartitions(t.db, 6), (error: { code?: string }) => error.code === '55P03');
      // Writers are not held meanwhile: a lead and its event are recorded while the attach waits.
      await new Promise((resolve) => setTimeout(resolve, 300));
      const lead = await t.call('POST', '/api/v1/lead/', { body: { name: 'During' } });
      assert.equal(lead.status, 200);
      assert.ok(Date.now() - started < PARTITION_LOCK_TIMEOUT_MS - 500, 'recorded before the attach gave up');
      await attempt;
      const waited = Date.now() - started;
      assert.ok(waited >= PARTITION_LOCK_TIMEOUT_MS - 100 && waited < PARTITION_LOCK_TIMEOUT_MS + 3_000, `waited ${waited} ms`);
    } finally {
      await reader.query('COMMIT');
      reader.release();
    }
    assert.ok((await ensureEventPartitions(t.db, 6))! >= 2);
  });

  test('retention drops the partitions that end before the cutoff and deletes the older rows of the rest', async () => {
    const t = await createTestApp();
    const now = Date.now();
    const { rows: ends } = await t.pool.query<{ name: string; ends: Date }>('SELECT name, ends FROM events_partition_ends() ORDER BY ends');
    const legacyEnd = ends[0]!.ends.getTime();
    const old = await insertAt(t, 'ev_legacy', new Date(legacyEnd - DAY));
    const today = await insertAt(t, 'ev_today', new Date(now + 60_000));
    const later = await insertAt(t, 'ev_later', new Date(now + 2 * DAY + 3_600_000));
    const cutoff = new Date(now + 2 * DAY);
    const expired = ends.filter((row) => row.ends.getTime() <= cutoff.getTime()).map((row) => row.name);
    assert.ok(expired.includes('events_legacy') && expired.length >= 2, expired.join());

    const result = await pruneEvents(t.db, { cutoff, pauseMs: 0 });
    assert.equal(result.partitions, expired.length);
    const left = (await partitions(t)).map((p) => p.name);
    for (const name of expired) assert.ok(!left.includes(name), name);
    assert.ok(left.includes('events_overflow'));
    const stored = await storedIn(t, [old, today, later]);
    assert.equal(stored.get(old), undefined);
    assert.equal(stored.get(today), undefined);
    assert.ok(stored.get(later)?.startsWith('events_p'));

    // A date no partition covers any more lands in overflow; the next pass deletes it by DELETE.
    const stray = await insertAt(t, 'ev_stray', new Date(now - 40 * DAY));
    assert.equal((await storedIn(t, [stray])).get(stray), 'events_overflow');
    const shown = await t.call('GET', '/api/v1/event/?object_id=lead_x');
    assert.deepEqual(shown.body.data.map((e: { id: string }) => e.id), ['ev_stray'], 'ev_later is dated after the visibility horizon');
    const second = await pruneEvents(t.db, { cutoff, pauseMs: 0 });
    assert.deepEqual({ deleted: second.deleted, partitions: second.partitions }, { deleted: 1, partitions: 0 });
    assert.equal((await storedIn(t, [stray, later])).size, 1);
  });

  test('a drop waits at most the lock timeout for open transactions; their rows go by DELETE meanwhile', async () => {
    const t = await createTestApp();
    const { rows: ends } = await t.pool.query<{ name: string; ends: Date }>('SELECT name, ends FROM events_partition_ends() ORDER BY ends');
    const old = await insertAt(t, 'ev_old', new Date(ends[0]!.ends.getTime() - DAY));
    const cutoff = new Date(ends[0]!.ends.getTime() + 1); // the end has microseconds; a Date has not
    const reader = await t.pool.connect();
    try {
      await reader.query('BEGIN');
      await reader.query('SELECT count(*) FROM events');
      const started = Date.now();
      const held = await pruneEvents(t.db, { cutoff, pauseMs: 0 });
      const waited = Date.now() - started;
      assert.deepEqual({ deleted: held.deleted, partitions: held.partitions }, { deleted: 1, partitions: 0 });
      assert.ok(waited >= PARTITION_LOCK_TIMEOUT_MS - 100 && waited < PARTITION_LOCK_TIMEOUT_MS + 3_000, `waited ${waited} ms`);
      assert.equal((await storedIn(t, [old])).size, 0);
      assert.ok((await partitions(t)).some((p) => p.name === 'events_legacy'));
    } finally {
      await reader.query('COMMIT');
      reader.release();
    }
    const free = await pruneEvents(t.db, { cutoff, pauseMs: 0 });
    assert.equal(free.partitions, 1);
    assert.ok(!(await partitions(t)).some((p) => p.name === 'events_legacy'));
    // Events are still written and read after their oldest partitions went.
    const lead = (await t.call('POST', '/api/v1/lead/', { body: { name: 'Later' } })).body;
    const res = await t.call('GET', `/api/v1/event/?object_id=${lead.id}`);
    assert.equal(res.body.data.length, 1);
  });
});
