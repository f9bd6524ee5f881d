/**
 * Bulk edit (`/bulk_action/edit/`): set a lead status, set or clear a lead custom field, or set or
 * clear a contact custom field on every contact of each matched lead. Values are validated against
 * the field's type at creation (a bad value is a 400 and nothing is created), and the field or
 * status is re-checked at each batch: if it was deleted meanwhile, the action ends in `error`.
 */
import { Type } from 'typebox';
import { fieldError } from '../../errors.ts';
import { findCustomField, loadCustomFields, normalizeCustomValue, type CustomFieldDef } from '../../custom-fields/values.ts';
import { nullableString } from '../../http/common-schemas.ts';
import type { RequestContext } from '../../http/context.ts';
import { ID_MAX, LABEL_MAX, LIST_MAX } from '../../http/input-limits.ts';
import { BulkActionFatalError, type BulkActionKind, type BulkActionRecord, type ItemOutcome, type Trx } from '../kind.ts';
import { applyEdit, type FieldChange } from './edit-batch.ts';

export const EDIT_TYPES = [
  'set_lead_status',
  'set_custom_field',
  'clear_custom_field',
  'set_contact_custom_field',
  'clear_contact_custom_field',
] as const;
export type EditType = (typeof EDIT_TYPES)[number];
type Operation = 'replace' | 'add' | 'remove';

export interface EditParams {
  readonly type: EditType;
  readonly lead_status_id: string | null;
  readonly custom_field_id: string | null;
  readonly custom_field_name: string | null;
  /** As sent (echoed in responses). */
  readonly custom_field_value: unknown;
  readonly custom_field_values: readonly unknown[] | null;
  readonly custom_field_operation: Operation | null;
  /** The normalised stored form: the value to set, or the list to add/remove. */
  readonly stored: unknown;
}

function fieldObject(type: EditType): 'lead' | 'contact' {
  return type.includes('contact') ? 'contact' : 'lead';
}

async function resolveField(ctx: RequestContext, type: EditType, body: Record<string, unknown>): Promise<CustomFieldDef> {
  const byId = body.custom_field_id;
  const byName = body.custom_field_name;
  const path = typeof byId === 'string' ? 'custom_field_id' : 'custom_field_name';
  const wanted = typeof byId === 'string' ? byId : typeof byName === 'string' ? byName : undefined;
  if (wanted === undefined) throw fieldError('custom_field_id', `Send custom_field_id or custom_field_name for ${type}.`);
  const fields = await loadCustomFields(ctx.db, ctx.organizationId, fieldObject(type));
  const field = typeof byId === 'string' ? fields.find((f) => f.id === byId) : findCustomField(fields, wanted);
  if (!field) throw fieldError(path, `Unknown ${fieldObject(type)} custom field: ${JSON.stringify(wanted)}.`);
  return field;
}

async function validateSetValue(
  ctx: RequestContext,
  field: CustomFieldDef,
  body: Record<string, unknown>,
): Promise<{ stored: unknown; operation: Operation | null }> {
  const rawOp = body.custom_field_operation;
  if (rawOp !== undefined && rawOp !== null && rawOp !== 'replace' && rawOp !== 'add' && rawOp !== 'remove') {
    throw fieldError('custom_field_operation', 'Input should be one of: "replace", "add", "remove".');
  }
  const operation = (rawOp ?? null) as Operation | null;
  if ((operation === 'add' || operation === 'remove') && !field.accepts_multiple_values) {
    throw fieldError('custom_field_operation', `${field.name} accepts a single value; only "replace" applies.`);
  }
  let path: string;
  let raw: unknown;
  if (body.custom_field_values !== undefined && body.custom_field_values !== null) {
    if (!field.accepts_multiple_values) throw fieldError('custom_field_values', `${field.name} accepts a single value; send custom_field_value.`);
    path = 'custom_field_values';
    raw = body.custom_field_values;
  } else if (Object.hasOwn(body, 'custom_field_value')) {
    path = 'custom_field_value';
    raw = body.custom_field_value;
  } else {
    throw fieldError('custom_field_value', 'This field is required for set_custom_field (or send custom_field_values).');
  }
  // A contact-type field names contacts of the same lead; across leads any contact of the org is accepted.
  const stored = await normalizeCustomValue(ctx.db, ctx.organizationId, field, raw, path);
  if ((operation === 'add' || operation === 'remove') && (stored === null || (Array.isArray(stored) && stored.length === 0))) {
    throw fieldError(path, `Send at least one value to ${operation}.`);
  }
  return { stored, operation };
}

function changeOf(params: EditParams): FieldChange {
  const key = params.custom_field_id ?? '';
  switch (params.type) {
    case 'set_lead_status':
      return { kind: 'status', statusId: params.lead_status_id ?? '' };
    case 'clear_custom_field':
    case 'clear_contact_custom_field':
      return { kind: 'clear', key };
    case 'set_custom_field':
    case 'set_contact_custom_field':
      if (params.custom_field_operation === 'add' || params.custom_field_operation === 'remove') {
        return { kind: params.custom_field_operation, key, values: params.stored as unknown[] };
      }
      return { kind: 'set', key, value: params.stored };
    default: {
      const never: never = params.type;
      throw new Error(`unknown edit type ${String(never)}`);
    }
  }
}

async function prepare(trx: Trx, action: BulkActionRecord<EditParams>): Promise<void> {
  const { params, organizationId } = action;
  if (params.type === 'set_lead_status') {
    const status = await trx
      .selectFrom('lead_statuses')
      .select('id')
      .where('organization_id', '=', organizationId)
      .where('id', '=', params.lead_status_id ?? '')
      .forKeyShare()
      .executeTakeFirst();
    if (!status) throw new BulkActionFatalError(`The lead status ${params.lead_status_id} no longer exists.`);
    return;
  }
  // Key-share lock: deleting the field waits for this batch, so no batch writes a deleted field.
  const field = await trx
    .selectFrom('custom_fields')
    .select('id')
    .where('organization_id', '=', organizationId)
    .where('id', '=', params.custom_field_id ?? '')
    .forKeyShare()
    .executeTakeFirst();
  if (!field) throw new BulkActionFatalError(`The custom field ${params.custom_field_name ?? params.custom_field_id} no longer exists.`);
}

async function processBatch(trx: Trx, action: BulkActionRecord<EditParams>, items: readonly { leadId: string }[]): Promise<ItemOutcome[]> {
  const { params, organizationId } = action;
  const leadIds = items.map((item) => item.leadId);
  const change = changeOf(params);
  const onContacts = fieldObject(params.type) === 'contact';
  const result = await applyEdit(trx, onContacts ? 'contacts' : 'leads', leadIds, change, {
    organizationId,
    userId: action.createdBy,
    bulkActionId: action.id,
  });
  if (!onContacts) {
    const changed = new Set(result.changed.map((row) => row.id));
    return result.seen.map(({ id }) =>
      changed.has(id) ? { leadId: id, status: 'done', nObjects: 1 } : { leadId: id, status: 'skipped', reason: 'unchanged', nObjects: 0 },
    );
  }
  // Contacts: a lead is done when at least one of its contacts changed.
  const existing = await trx
    .selectFrom('leads')
    .select('id')
    .where('organization_id', '=', organizationId)
    .where('id', 'in', leadIds.length > 0 ? leadIds : [''])
    .execute();
  const contactsOf = new Map<string, number>();
  const changedOf = new Map<string, number>();
  for (const row of result.seen) contactsOf.set(row.leadId, (contactsOf.get(row.leadId) ?? 0) + 1);
  for (const row of result.changed) changedOf.set(row.leadId, (changedOf.get(row.leadId) ?? 0) + 1);
  return existing.map(({ id }): ItemOutcome => {
    const n = changedOf.get(id) ?? 0;
    if (n > 0) return { leadId: id, status: 'done', nObjects: n };
    return { leadId: id, status: 'skipped', reason: contactsOf.has(id) ? 'unchanged' : 'no_contacts', nObjects: 0 };
  });
}

const optional = (maxLength: number) => Type.Optional(nullableString(maxLength));

export const editKind: BulkActionKind<EditParams> = {
  name: 'edit',
  idPrefix: 'bulkedit',
  concurrentBatches: true,
  bodyProperties: {
    type: Type.Optional(Type.String({ maxLength: LABEL_MAX })),
    lead_status_id: optional(ID_MAX),
    custom_field_id: optional(ID_MAX),
    custom_field_name: optional(LABEL_MAX),
    // Checked against the field's type, length included, by normalizeCustomValue.
    custom_field_value: Type.Optional(Type.Unknown()),
    custom_field_values: Type.Optional(Type.Union([Type.Array(Type.Unknown(), { maxItems: LIST_MAX }), Type.Null()])),
    custom_field_operation: optional(LABEL_MAX),
  },

  async validateCreate(ctx, body) {
    const type = body.type;
    if (type === undefined || type === null) throw fieldError('type', 'This field is required.');
    if (!EDIT_TYPES.includes(type as EditType)) {
      throw fieldError('type', `Input should be one of: ${EDIT_TYPES.map((t) => JSON.stringify(t)).join(', ')}.`);
    }
    const editType = type as EditType;
    const none = { lead_status_id: null, custom_field_id: null, custom_field_name: null, custom_field_value: null, custom_field_values: null, custom_field_operation: null, stored: null };
    if (editType === 'set_lead_status') {
      const statusId = body.lead_status_id;
      if (typeof statusId !== 'string') throw fieldError('lead_status_id', 'This field is required for set_lead_status.');
      const status = await ctx.db
        .selectFrom('lead_statuses')
        .select('id')
        .where('organization_id', '=', ctx.organizationId)
        .where('id', '=', statusId)
        .executeTakeFirst();
      if (!status) throw fieldError('lead_status_id', `Unknown lead status: ${JSON.stringify(statusId)}.`);
      return { ...none, type: editType, lead_status_id: statusId };
    }
    const field = await resolveField(ctx, editType, body);
    const base = { ...none, type: editType, custom_field_id: field.id, custom_field_name: field.name };
    if (editType === 'clear_custom_field' || editType === 'clear_contact_custom_field') return base;
    const { stored, operation } = await validateSetValue(ctx, field, body);
    return {
      ...base,
      custom_field_value: body.custom_field_value ?? null,
      custom_field_values: (body.custom_field_values as unknown[] | undefined) ?? null,
      custom_field_operation: operation,
      stored,
    };
  },

  serialize(params) {
    return {
      type: params.type,
      lead_status_id: params.lead_status_id,
      custom_field_id: params.custom_field_id,
      custom_field_name: params.custom_field_name,
      custom_field_value: params.custom_field_value ?? null,
      custom_field_values: params.custom_field_values,
      custom_field_operation: params.custom_field_operation,
    };
  },

  // Contact edits act on contacts: n_objects is the number of contacts of the matched leads.
  async onLoaded(trx, action) {
    if (fieldObject(action.params.type) !== 'contact') return;
    const row = await trx
      .selectFrom('contacts')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('organization_id', '=', action.organizationId)
      .where('lead_id', 'in', (eb) =>
        eb.selectFrom('bulk_action_items').select('lead_id').where('organization_id', '=', action.organizationId).where('action_id', '=', action.id),
      )
      .executeTakeFirstOrThrow();
    return Number(row.n);
  },

  prepare,
  processBatch,

  describe(params) {
    switch (params.type) {
      case 'set_lead_status':
        return `Set the lead status to ${params.lead_status_id}.`;
      case 'set_custom_field':
      case 'set_contact_custom_field':
        return `Set ${params.custom_field_name} to ${JSON.stringify(params.custom_field_values ?? params.custom_field_value)}${params.custom_field_operation && params.custom_field_operation !== 'replace' ? ` (${params.custom_field_operation})` : ''}.`;
      default:
        return `Cleared ${params.custom_field_name}.`;
    }
  },
};
