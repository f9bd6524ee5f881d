/**
 * A fingerprint of every tenant table (each public table with an `organization_id`, and `events`),
 * per table and organization, in one statement.
 *
 * A row's identity is its physical version (`ctid`) and the transaction that wrote it (`xmin`), not
 * its text: every committed INSERT, UPDATE (even one writing equal values) and DELETE changes it,
 * rolled-back writes do not, and it costs the same for a row holding a megabyte as for a small one
 * (the suite stores many of those, and fingerprints after every request).
 */
import type pg from 'pg';

export type Fingerprint = Map<string, string>;

export async function tenantTables(pool: pg.Pool): Promise<string[]> {
  const { rows } = await pool.query<{ table_name: string }>(
    `SELECT DISTINCT c.table_name FROM information_schema.columns c
       JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
      WHERE c.table_schema = 'public' AND (c.column_name = 'organization_id' OR c.table_name = 'events')
      ORDER BY 1`,
  );
  return rows.map((r) => r.table_name);
}

export function fingerprintQuery(tables: readonly string[]): string {
  return tables
    .map(
      (t) =>
        `SELECT ${`'${t}'`} AS tbl, organization_id::text AS org, count(*)::text || ':' || md5(string_agg(xmin::text || '@' || ctid::text, ',' ORDER BY ctid)) AS h FROM "${t}" GROUP BY organization_id`,
    )
    .join(' UNION ALL ');
}

export async function fingerprint(pool: pg.Pool, query: string): Promise<Fingerprint> {
  const { rows } = await pool.query<{ tbl: string; org: string | null; h: string }>(query);
  return new Map(rows.map((r) => [`${r.tbl}|${r.org ?? 'null'}`, r.h]));
}

/** `table (organization)` entries that differ, limited to `organizations` when given. */
export function changed(before: Fingerprint, after: Fingerprint, organizations?: readonly string[]): string[] {
  const keys = new Set([...before.keys(), ...after.keys()]);
  const out: string[] = [];
  for (const key of keys) {
    const [table, org] = key.split('|') as [string, string];
    if (organizations && !organizations.includes(org)) continue;
    if (before.get(key) !== after.get(key)) out.push(`${table} (${org})`);
  }
  return out.sort();
}
