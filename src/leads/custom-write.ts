/**
 * Applies custom field operations as single UPDATE statements, each touching one key of the
 * `custom` jsonb column through an expression over the row's current value (jsonb_set, `-`, array
 * union or difference in SQL). Never a read-modify-write of the whole map in JavaScript: two
 * requests that change different fields of one lead both land, because each UPDATE re-reads the
 * latest row version under its row lock.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { CustomOp } from './custom-input.ts';

/** The current value of key `k` as a JSON array (a stray scalar becomes a one-item list). */
const currentList = (k: string) => sql`(CASE
  WHEN custom -> ${k}::text IS NULL OR jsonb_typeof(custom -> ${k}::text) = 'null' THEN '[]'::jsonb
  WHEN jsonb_typeof(custom -> ${k}::text) = 'array' THEN custom -> ${k}::text
  ELSE jsonb_build_array(custom -> ${k}::text) END)`;

function expressionFor(op: CustomOp) {
  const k = op.fieldId;
  switch (op.kind) {
    case 'set':
      return op.value === null
        ? sql`custom - ${k}::text`
        : sql`jsonb_set(custom, ARRAY[${k}::text], ${JSON.stringify(op.value)}::jsonb)`;
    case 'add':
      // Union keeping first-seen order; duplicates collapse onto their first position.
      return sql`jsonb_set(custom, ARRAY[${k}::text], (
        SELECT jsonb_agg(v ORDER BY o) FROM (
          SELECT v, min(o) AS o FROM jsonb_array_elements(${currentList(k)} || ${JSON.stringify(op.values)}::jsonb)
            WITH ORDINALITY AS e(v, o) GROUP BY v) AS u))`;
    case 'remove':
      // An emptied list removes the key: a field without values has no `custom.cf_…` key.
      return sql`(custom - ${k}::text) || coalesce((
        SELECT jsonb_build_object(${k}::text, jsonb_agg(v ORDER BY o))
        FROM jsonb_array_elements(${currentList(k)}) WITH ORDINALITY AS e(v, o)
        WHERE NOT ${JSON.stringify(op.values)}::jsonb @> jsonb_build_array(v)
        HAVING count(*) > 0), '{}'::jsonb)`;
    default: {
      const never: never = op;
      throw new Error(`unknown custom op ${JSON.stringify(never)}`);
    }
  }
}

/** Applies `ops` to the rows `ids` of `table` (leads or contacts) in `organizationId`, one statement per op. */
export async function applyCustomOps(
  trx: Kysely<Database>,
  table: 'leads' | 'contacts',
  organizationId: string,
  ids: readonly string[],
  ops: readonly CustomOp[],
): Promise<void> {
  if (ids.length === 0) return;
  for (const op of ops) {
    if (op.kind !== 'set' && op.values.length === 0) continue;
    await sql`UPDATE ${sql.table(table)} SET custom = ${expressionFor(op)}
      WHERE organization_id = ${organizationId} AND id = ANY(${ids}::text[])`.execute(trx);
  }
}
