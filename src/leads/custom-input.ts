/**
 * Reads the custom field values of a lead or contact body: `"custom.cf_…": v`, `"custom.FIELD
 * NAME": v`, the deprecated nested `"custom": {"name or id": v}`, and on updates
 * `"custom.cf_….add"` / `"custom.cf_….remove"` for multi-value fields. Every value is validated
 * against its field before anything is written; the result is a list of per-field operations.
 */
import type { Kysely } from 'kysely';
import {
  checkCustomValueSize,
  findCustomField,
  loadCustomFields,
  normalizeCustomValue,
  type CustomFieldDef,
} from '../custom-fields/values.ts';
import type { Database } from '../db/schema.ts';
import { fieldError } from '../errors.ts';
import { ID_MAX, LABEL_MAX } from '../http/input-limits.ts';

/** A key names a field by id or by name (at most LABEL_MAX), perhaps with `.add` / `.remove`. */
const KEY_MAX = Math.max(ID_MAX, LABEL_MAX) + '.remove'.length;

export type CustomOp =
  | { readonly kind: 'set'; readonly fieldId: string; readonly value: unknown }
  | { readonly kind: 'add' | 'remove'; readonly fieldId: string; readonly values: readonly unknown[] };

interface RawEntry {
  readonly key: string;
  readonly path: string;
  readonly value: unknown;
}

function rawEntries(body: Record<string, unknown>, pathPrefix: string): RawEntry[] {
  const prefix = pathPrefix === '' ? '' : `${pathPrefix}.`;
  const entries: RawEntry[] = [];
  const nested = body.custom;
  if (nested !== null && typeof nested === 'object' && !Array.isArray(nested)) {
    for (const [key, value] of Object.entries(nested)) entries.push({ key, path: `${prefix}custom.${key}`, value });
  }
  for (const [name, value] of Object.entries(body)) {
    if (name.startsWith('custom.')) entries.push({ key: name.slice('custom.'.length), path: `${prefix}${name}`, value });
  }
  return entries;
}

/** True when `body` names any custom field (so callers can skip loading definitions). */
export function hasCustomInput(body: Record<string, unknown>): boolean {
  return rawEntries(body, '').length > 0;
}

function resolve(
  fields: readonly CustomFieldDef[],
  entry: RawEntry,
  allowAddRemove: boolean,
): { field: CustomFieldDef; kind: 'set' | 'add' | 'remove' } {
  // A field name may itself end in ".add"; an exact match wins over the operator reading.
  const exact = findCustomField(fields, entry.key);
  if (exact) return { field: exact, kind: 'set' };
  const operator = /^(.*)\.(add|remove)$/.exec(entry.key);
  if (operator) {
    const field = findCustomField(fields, operator[1]!);
    if (field) {
      if (!allowAddRemove) throw fieldError(entry.path, `.${operator[2]} is only accepted when updating.`);
      if (!field.accepts_multiple_values) throw fieldError(entry.path, `${field.name} does not accept multiple values.`);
      return { field, kind: operator[2] as 'add' | 'remove' };
    }
  }
  throw fieldError(entry.path, 'Unknown custom field.');
}

/**
 * Validates the custom input of `body` for `objectType` and returns the operations to apply.
 * `leadId` scopes `contact` fields to the contacts of that lead.
 */
export async function parseCustomInput(
  db: Kysely<Database>,
  organizationId: string,
  objectType: 'lead' | 'contact',
  body: Record<string, unknown>,
  opts: { pathPrefix?: string; leadId?: string; allowAddRemove?: boolean; fields?: readonly CustomFieldDef[] } = {},
): Promise<CustomOp[]> {
  const entries = rawEntries(body, opts.pathPrefix ?? '');
  if (entries.length === 0) return [];
  const fields = opts.fields ?? (await loadCustomFields(db, organizationId, objectType));
  const ops: CustomOp[] = [];
  for (const entry of entries) {
    if (entry.key.length > KEY_MAX) {
      // Named by its start: echoing a megabyte-long key as the field path would make the answer as big as the request.
      const path = `${entry.path.slice(0, entry.path.length - entry.key.length)}${entry.key.slice(0, 40)}…`;
      throw fieldError(path, `Custom field keys have at most ${KEY_MAX} characters.`);
    }
    const { field, kind } = resolve(fields, entry, opts.allowAddRemove ?? false);
    const normalizeOpts = opts.leadId === undefined ? {} : { leadId: opts.leadId };
    if (kind === 'set') {
      const value = await normalizeCustomValue(db, organizationId, field, entry.value, entry.path, normalizeOpts);
      ops.push({ kind, fieldId: field.id, value });
      continue;
    }
    if (entry.value === null || entry.value === undefined) throw fieldError(entry.path, 'Enter a value.');
    const list = Array.isArray(entry.value) ? entry.value : [entry.value];
    // Before the try: an oversized removal must not fall back to its raw values.
    checkCustomValueSize(field, list, entry.path);
    let values: unknown;
    try {
      values = await normalizeCustomValue(db, organizationId, field, list, entry.path, normalizeOpts);
    } catch (error) {
      // Removing a value that is no longer valid (a choice since dropped, a deleted contact) must
      // still be possible, so removal falls back to the raw values.
      if (kind === 'add') throw error;
      values = list;
    }
    ops.push({ kind, fieldId: field.id, values: Array.isArray(values) ? values : [] });
  }
  return ops;
}

/** The `custom` map of a new object: the set operations, in order, without cleared keys. */
export function customMapFromOps(ops: readonly CustomOp[]): Record<string, unknown> {
  const map: Record<string, unknown> = {};
  for (const op of ops) {
    if (op.kind === 'set') {
      if (op.value === null) delete map[op.fieldId];
      else map[op.fieldId] = op.value;
    } else if (op.kind === 'add') {
      const current = Array.isArray(map[op.fieldId]) ? (map[op.fieldId] as unknown[]) : [];
      map[op.fieldId] = [...current, ...op.values.filter((v) => !current.includes(v))];
    }
  }
  return map;
}
