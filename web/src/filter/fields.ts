/**
 * The fields the filter builder offers, and the conditions each accepts: the same table as the
 * server's `CONDITIONS_BY_KIND` (src/search/fields.ts), so the builder never offers a condition the
 * API refuses.
 */
import type { Condition, ConditionType, FieldRef, Via } from './model.ts';

export type FieldKind = 'text' | 'number' | 'date' | 'datetime' | 'choices' | 'user' | 'status' | 'reference' | 'boolean';

export interface CustomFieldDef {
  readonly id: string;
  readonly name: string;
  readonly type: string;
  readonly choices?: readonly string[] | null;
  readonly accepts_multiple_values?: boolean;
}

export interface FieldOption {
  /** Stable key for a <select>: `via:regular:name` or `via:custom:id`. */
  readonly key: string;
  readonly label: string;
  readonly group: string;
  readonly via: Via;
  readonly field: FieldRef;
  readonly kind: FieldKind;
  readonly choices?: readonly string[];
}

export const CONDITIONS_BY_KIND: Readonly<Record<FieldKind, readonly ConditionType[]>> = {
  text: ['text', 'exists'],
  number: ['number_range', 'exists'],
  date: ['moment_range', 'exists'],
  datetime: ['moment_range', 'exists'],
  choices: ['term', 'exists'],
  user: ['reference', 'current_user', 'exists'],
  status: ['reference'],
  reference: ['exists'],
  boolean: ['boolean'],
};

export const CONDITION_LABELS: Readonly<Record<ConditionType, string>> = {
  text: 'matches text',
  term: 'is one of',
  reference: 'is one of',
  number_range: 'is between',
  moment_range: 'is in range',
  exists: 'has a value',
  current_user: 'is me',
  boolean: 'is',
};

export function fieldKey(via: Via, field: FieldRef): string {
  return field.type === 'regular_field' ? `${via}:regular:${field.field_name}` : `${via}:custom:${field.custom_field_id}`;
}

function customKind(type: string): FieldKind {
  switch (type) {
    case 'number':
      return 'number';
    case 'date':
      return 'date';
    case 'datetime':
      return 'datetime';
    case 'choices':
      return 'choices';
    case 'user':
      return 'user';
    case 'contact':
      return 'reference';
    default:
      return 'text';
  }
}

const regular = (via: Via, group: string, field_name: string, label: string, kind: FieldKind): FieldOption => ({
  key: fieldKey(via, { type: 'regular_field', field_name }),
  label,
  group,
  via,
  field: { type: 'regular_field', field_name },
  kind,
});

const custom = (via: Via, group: string, cf: CustomFieldDef): FieldOption => ({
  key: fieldKey(via, { type: 'custom_field', custom_field_id: cf.id }),
  label: cf.name,
  group,
  via,
  field: { type: 'custom_field', custom_field_id: cf.id },
  kind: customKind(cf.type),
  choices: cf.choices ?? undefined,
});

/** Every field the builder offers, grouped for an <optgroup>. */
export function fieldOptions(leadFields: readonly CustomFieldDef[], contactFields: readonly CustomFieldDef[]): FieldOption[] {
  return [
    regular('lead', 'Lead', 'status_id', 'Status', 'status'),
    regular('lead', 'Lead', 'name', 'Name', 'text'),
    regular('lead', 'Lead', 'description', 'Description', 'text'),
    regular('lead', 'Lead', 'url', 'URL', 'text'),
    regular('lead', 'Lead', 'date_created', 'Date created', 'datetime'),
    regular('lead', 'Lead', 'date_updated', 'Date updated', 'datetime'),
    regular('lead', 'Lead', 'num_contacts', 'Number of contacts', 'number'),
    regular('lead', 'Lead', 'num_emails', 'Number of emails', 'number'),
    ...leadFields.map((cf) => custom('lead', 'Lead custom fields', cf)),
    regular('contact', 'Contact', 'name', 'Contact name', 'text'),
    regular('contact', 'Contact', 'title', 'Contact title', 'text'),
    regular('contact_email', 'Contact', 'email', 'Contact email', 'text'),
    regular('contact_phone', 'Contact', 'phone', 'Contact phone', 'text'),
    ...contactFields.map((cf) => custom('contact', 'Contact custom fields', cf)),
  ];
}

/** A condition of `type` with empty values, to start editing from (`kind` names a reference's type). */
export function defaultCondition(type: ConditionType, kind?: FieldKind): Condition {
  switch (type) {
    case 'text':
      return { type, mode: 'beginning_of_words', value: '' };
    case 'term':
      return { type, values: [] };
    case 'reference':
      return { type, reference_type: kind === 'user' ? 'user' : 'status.lead', object_ids: [] };
    case 'number_range':
      return { type, bounds: { gte: null, lte: null } };
    case 'moment_range':
      return { type, on_or_after: null, before: null };
    case 'exists':
    case 'current_user':
      return { type };
    case 'boolean':
      return { type, value: true };
  }
}
