/**
 * AST → the WHERE predicate of one parametrised statement. The predicate reads the row aliased
 * `alias` of the object type being evaluated; related objects are reached with EXISTS subqueries
 * confined to the organization ($1). Identifiers come only from `fields.ts` and `related.ts`; every
 * value is a parameter. Each node compiles to a two-valued expression, so `negate` is plain NOT.
 */
import { assertNever, type Query, type ResultObjectType, type TextQuery } from './ast.ts';
import { compileCondition, type CompileContext } from './compile-condition.ts';
import { objectTypeDef } from './fields.ts';
import { relationBetween, shortcutBetween } from './related.ts';
import { compileLeadWordsText, leadWordsApply } from './lead-words.ts';
import { wordPatterns } from './text-match.ts';

export type { CompileContext } from './compile-condition.ts';

/** Where the top-level `text` query looks: the object's own text and its children's. */
const TEXT_SOURCES: Readonly<Record<ResultObjectType, readonly { table: string; key: string; columns: readonly string[] }[]>> = {
  lead: [
    { table: 'leads', key: 'id', columns: ['name', 'description', 'url'] },
    { table: 'contacts', key: 'lead_id', columns: ['name', 'title'] },
    { table: 'contact_emails', key: 'lead_id', columns: ['email'] },
    { table: 'contact_phones', key: 'lead_id', columns: ['phone'] },
  ],
  contact: [
    { table: 'contacts', key: 'id', columns: ['name', 'title'] },
    { table: 'contact_emails', key: 'contact_id', columns: ['email'] },
    { table: 'contact_phones', key: 'contact_id', columns: ['phone'] },
  ],
};

/**
 * The ids of objects with some text source satisfying `test`, as one UNION ALL: each branch can use
 * its own trigram index, and the planner hashes the union once instead of probing per row.
 */
function textMatchIds(objectType: ResultObjectType, test: (column: string) => string, ctx: CompileContext): string {
  return TEXT_SOURCES[objectType]
    .map((source) => {
      const x = ctx.b.alias('t');
      const tests = source.columns.map((c) => test(`${x}.${c}`)).join(' OR ');
      return `SELECT ${x}.${source.key} FROM ${source.table} ${x} WHERE ${x}.organization_id = ${ctx.b.org} AND (${tests})`;
    })
    .join(' UNION ALL ');
}

/**
 * `text` over an object's text: with full_words/beginning_of_words each word must occur somewhere in
 * the object's text (words may be in different fields); a phrase or an exact value must be within
 * one field. On leads, full_words and phrase go through the per-lead word sets (lead-words.ts).
 */
function compileTextQuery(q: TextQuery, objectType: ResultObjectType, alias: string, ctx: CompileContext): string {
  const { b } = ctx;
  if (objectType === 'lead' && leadWordsApply(q.mode, q.value)) return compileLeadWordsText(q.mode, q.value, alias, ctx);
  if (q.mode === 'exact_value') {
    const p = b.param(q.value);
    return `(${alias}.id IN (${textMatchIds(objectType, (c) => `lower(${c}) = lower(${p})`, ctx)}))`;
  }
  // One id set per word, intersected before touching the result table: two common words can each
  // match thousands of objects while both match a few, and only those few are then looked up.
  const sets = wordPatterns(q.mode, q.value).map((pattern) => {
    const p = b.param(pattern);
    return `(${textMatchIds(objectType, (c) => `${c} ~* ${p}`, ctx)})`;
  });
  return `(${alias}.id IN (${sets.join(' INTERSECT ')}))`;
}

/** Compiles `q`, evaluated on `objectType` rows aliased `alias`, to a boolean SQL expression. */
export function compileQuery(q: Query, objectType: string, alias: string, ctx: CompileContext): string {
  const inner = compileNode(q, objectType, alias, ctx);
  return q.negate ? `(NOT ${inner})` : inner;
}

function compileNode(q: Query, objectType: string, alias: string, ctx: CompileContext): string {
  switch (q.type) {
    case 'and':
      return q.queries.length === 0 ? 'TRUE' : `(${q.queries.map((s) => compileQuery(s, objectType, alias, ctx)).join(' AND ')})`;
    case 'or':
      return q.queries.length === 0 ? 'FALSE' : `(${q.queries.map((s) => compileQuery(s, objectType, alias, ctx)).join(' OR ')})`;
    case 'object_type':
      return q.object_type === objectType ? 'TRUE' : 'FALSE';
    case 'id':
      return `(${alias}.id = ${ctx.b.param(q.value)})`;
    case 'text':
      if (objectType !== 'lead' && objectType !== 'contact') throw new Error(`text query on ${objectType}`);
      return compileTextQuery(q, objectType, alias, ctx);
    case 'field_condition':
      return compileCondition(q.field, q.condition, alias, ctx);
    case 'has_related': {
      const inner = q.related_query;
      const shortcut = inner.type === 'has_related' && !inner.negate ? shortcutBetween(objectType, q.related_object_type, inner.related_object_type) : undefined;
      if (shortcut && inner.type === 'has_related') {
        // lead → contact → contact_email with nothing asked of the contact: one EXISTS on the emails.
        return relatedExists(inner.related_object_type, shortcut.join, alias, inner.related_query, ctx);
      }
      const relation = relationBetween(objectType, q.related_object_type);
      if (!relation) throw new Error(`no relation ${objectType} -> ${q.related_object_type}`);
      return relatedExists(q.related_object_type, relation.join, alias, q.related_query, ctx);
    }
    case 'match_all':
      return 'TRUE';
    case 'slice':
      return `(${sliceOf(alias, q.total_slices, ctx)} = ${ctx.b.param(q.slice)}::bigint)`;
    case 'saved_search':
      return compileQuery(q.query, objectType, alias, ctx);
    default:
      return assertNever(q);
  }
}

/**
 * The 1-based part of `total` that the row's id falls in: the first 32 bits of md5(id), modulo
 * `total`. md5 is documented and the same in every PostgreSQL version (hashtext is neither), and
 * any other program can compute the same parts.
 */
function sliceOf(alias: string, total: number, ctx: CompileContext): string {
  return `((('x' || substr(md5(${alias}.id), 1, 8))::bit(32)::bigint % ${ctx.b.param(total)}::bigint) + 1)`;
}

/** `EXISTS` a `relatedType` row joined to the outer row by `join` and matching `query`. */
function relatedExists(relatedType: string, join: (outer: string, inner: string) => string, alias: string, query: Query, ctx: CompileContext): string {
  const related = objectTypeDef(relatedType);
  if (!related) throw new Error(`unknown object type ${relatedType}`);
  const r = ctx.b.alias('r');
  const where = [`${r}.organization_id = ${ctx.b.org}`, join(alias, r), compileQuery(query, related.name, r, ctx)];
  return `EXISTS (SELECT 1 FROM ${related.table} ${r} WHERE ${where.join(' AND ')})`;
}
