/**
 * `field_condition` → SQL. Every expression is two-valued (never NULL): a missing value makes the
 * condition false, so `negate` (SQL NOT) selects exactly the objects the condition does not.
 */
import { assertNever, type Condition, type Field, type MomentRangeCondition } from './ast.ts';
import { fieldSql } from './field-sql.ts';
import { describeField } from './fields.ts';
import { firstLocalDayFrom, momentInstant, type MomentClock } from './moments.ts';
import type { SqlBuilder } from './sql-builder.ts';
import { wordPatterns } from './text-match.ts';

export interface CompileContext {
  readonly b: SqlBuilder;
  readonly userId: string;
  readonly clock: MomentClock;
}

/** `test` where `value` may be NULL: false then (a test on NULL would be NULL, and NOT NULL is not true). */
const guard = (value: string, test: string, nullable = true) => (nullable ? `(${value} IS NOT NULL AND ${test})` : `(${test})`);

/**
 * As `guard`, for any field: custom values use COALESCE instead, since their expression (a CASE over
 * `custom -> $key`) costs more than the test and no index serves it anyway; columns keep the
 * `IS NOT NULL AND` form that their indexes match.
 */
function twoValued(field: Field, value: string, test: string): string {
  return field.type === 'custom_field' ? `COALESCE(${test}, false)` : guard(value, test, describeField(field).nullable);
}

/**
 * `custom` holds `value` as the field's value, or as one of its values (multi-value fields). The
 * containments let a GIN index find rare values; the `?|` test in front says the same for string
 * and list values in one cheap operator, so scans that filter row by row (first pages of common
 * values, counts) pay for one test instead of two per value.
 */
function customContains(alias: string, fieldId: string, values: readonly string[], b: SqlBuilder): string {
  if (values.length === 0) return 'FALSE';
  const tests = values.flatMap((v) => [
    `${alias}.custom @> ${b.param(JSON.stringify({ [fieldId]: v }))}::jsonb`,
    `${alias}.custom @> ${b.param(JSON.stringify({ [fieldId]: [v] }))}::jsonb`,
  ]);
  return `(COALESCE(${alias}.custom -> ${b.param(fieldId)} ?| ${b.param(values)}::text[], false) AND (${tests.join(' OR ')}))`;
}

function oneOf(field: Field, alias: string, values: readonly string[], b: SqlBuilder): string {
  // Custom values are matched by jsonb containment (GIN-indexed), which also covers list values.
  if (field.type === 'custom_field') return customContains(alias, field.custom_field_id, values, b);
  if (values.length === 0) return 'FALSE';
  const v = fieldSql(field, alias, b).value;
  return guard(v, `${v} = ANY(${b.param(values)}::text[])`, describeField(field).nullable);
}

function momentRange(field: Field, value: string, condition: MomentRangeCondition, ctx: CompileContext): string {
  const { b, clock } = ctx;
  const tests: string[] = [];
  const isDate = describeField(field).kind === 'date';
  for (const [moment, op] of [[condition.on_or_after, '>='], [condition.before, '<']] as const) {
    if (moment === null) continue;
    const instant = momentInstant(moment, clock);
    tests.push(
      isDate
        ? `${value} COLLATE "C" ${op} ${b.param(firstLocalDayFrom(instant, clock.tzOffsetMinutes))}`
        : `${value} ${op} ${b.param(new Date(instant).toISOString())}::timestamptz`,
    );
  }
  return tests.length === 0 ? `(${value} IS NOT NULL)` : twoValued(field, value, tests.join(' AND '));
}

/** Compiles a condition on `field` of the row aliased `alias`. */
export function compileCondition(field: Field, condition: Condition, alias: string, ctx: CompileContext): string {
  const { b } = ctx;
  switch (condition.type) {
    case 'term':
      return oneOf(field, alias, condition.values, b);
    case 'reference':
      return oneOf(field, alias, condition.object_ids, b);
    case 'current_user':
      return oneOf(field, alias, [ctx.userId], b);
  }
  // Built only now: a parameter the statement never uses would make PostgreSQL refuse it.
  const f = fieldSql(field, alias, b);
  const v = f.value;
  const { kind, nullable } = describeField(field);
  switch (condition.type) {
    case 'text': {
      if (condition.mode === 'exact_value') return twoValued(field, v, `lower(${v}) = lower(${b.param(condition.value)})`);
      const tests = wordPatterns(condition.mode, condition.value).map((p) => `${v} ~* ${b.param(p)}`);
      return twoValued(field, v, tests.join(' AND '));
    }
    case 'number_range': {
      const tests: string[] = [];
      for (const [bound, op] of [['gt', '>'], ['gte', '>='], ['lt', '<'], ['lte', '<=']] as const) {
        const n = condition[bound];
        if (n !== null) tests.push(`${v} ${op} ${b.param(String(n))}::numeric`);
      }
      return tests.length === 0 ? `(${v} IS NOT NULL)` : twoValued(field, v, tests.join(' AND '));
    }
    case 'boolean':
      return `((${v}) = ${b.param(condition.value)}::boolean)`;
    case 'exists':
      if (f.custom) return `(${f.custom.raw} IS NOT NULL AND ${f.custom.raw} NOT IN ('null'::jsonb, '""'::jsonb, '[]'::jsonb))`;
      if (kind === 'count') return `(${v} > 0)`;
      if (kind === 'text') return guard(v, `${v} <> ''`, nullable);
      return `(${v} IS NOT NULL)`;
    case 'moment_range':
      return momentRange(field, v, condition, ctx);
    default:
      return assertNever(condition);
  }
}
