/**
 * Ordering and keyset paging. Results are ordered by the sort keys (ASC puts NULLs last, DESC first,
 * PostgreSQL's defaults, so plain indexes serve them), then by id in the direction of the last key;
 * with no `sort`, newest first (`date_created DESC, id DESC`, served by the organization/date index).
 * A page after a cursor is "rows strictly after the cursor's row in that order", so pages never
 * repeat or skip a row however many share a sort value.
 */
import type { FieldKind, SortDirection, SortKey } from './ast.ts';
import { fieldSql } from './field-sql.ts';
import { describeField } from './fields.ts';
import type { SqlBuilder } from './sql-builder.ts';

export interface SortSql {
  readonly expr: string;
  readonly direction: SortDirection;
  readonly kind: FieldKind;
  readonly nullable: boolean;
}

/** The default order when a request gives no `sort`. */
export const DEFAULT_SORT = (objectType: string): SortKey[] => [
  { direction: 'desc', field: { type: 'regular_field', object_type: objectType, field_name: 'date_created' } },
];

/** SQL of each sort key on the row aliased `alias`. */
export function sortSql(keys: readonly SortKey[], alias: string, b: SqlBuilder): SortSql[] {
  return keys.map((key) => {
    const info = describeField(key.field);
    return { expr: fieldSql(key.field, alias, b).value, direction: key.direction, kind: info.kind, nullable: info.nullable };
  });
}

/** The direction of the id tie-breaker. */
export function idDirection(sorts: readonly SortSql[]): SortDirection {
  return sorts.at(-1)?.direction ?? 'asc';
}

/** `ORDER BY` body: the keys, then id. */
export function orderBy(sorts: readonly SortSql[], alias: string): string {
  const keys = sorts.map((s) => `${s.expr} ${s.direction === 'asc' ? 'ASC NULLS LAST' : 'DESC NULLS FIRST'}`);
  return [...keys, `${alias}.id ${idDirection(sorts) === 'asc' ? 'ASC' : 'DESC'}`].join(', ');
}

/** The key as text in the cursor; timestamps as UTC with microseconds, which round-trips exactly. */
export function cursorValueSql(s: SortSql): string {
  if (s.kind === 'datetime') return `to_char((${s.expr}) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US')`;
  return `(${s.expr})::text`;
}

function castParam(s: SortSql, placeholder: string): string {
  switch (s.kind) {
    case 'datetime':
      return `(${placeholder}::timestamp AT TIME ZONE 'UTC')`;
    case 'number':
    case 'count':
      return `${placeholder}::numeric`;
    default:
      return `${placeholder}::text`;
  }
}

/** Rows strictly after (`values`, `id`) in the order of `sorts`. */
export function keysetAfter(
  sorts: readonly SortSql[],
  values: readonly (string | null)[],
  id: string,
  alias: string,
  b: SqlBuilder,
): string {
  const idOp = idDirection(sorts) === 'asc' ? '>' : '<';
  const idParam = b.param(id);
  const sameDirection = sorts.every((s) => s.direction === sorts[0]?.direction);
  if (sameDirection && sorts.every((s, i) => !s.nullable && values[i] !== null)) {
    // A row comparison lets PostgreSQL start an index scan right at the cursor.
    const params = sorts.map((s, i) => castParam(s, b.param(values[i])));
    return `((${[...sorts.map((s) => s.expr), `${alias}.id`].join(', ')}) ${idOp} (${[...params, idParam].join(', ')}))`;
  }
  const equal: string[] = [];
  const branches: string[] = [];
  sorts.forEach((s, i) => {
    const v = values[i] ?? null;
    const p = v === null ? '' : castParam(s, b.param(v));
    let after: string | null;
    if (s.direction === 'asc') after = v === null ? null : `(${s.expr} > ${p} OR ${s.expr} IS NULL)`;
    else after = v === null ? `${s.expr} IS NOT NULL` : `${s.expr} < ${p}`;
    if (after !== null) branches.push([...equal, after].join(' AND '));
    equal.push(v === null ? `${s.expr} IS NULL` : `${s.expr} = ${p}`);
  });
  branches.push([...equal, `${alias}.id ${idOp} ${idParam}`].join(' AND '));
  return `(${branches.map((br) => `(${br})`).join(' OR ')})`;
}
