/** The lead table's columns: built-in fields, status and custom fields; which of them sort. */
import type { CustomFieldDef } from './fields.ts';

export interface Column {
  readonly key: string;
  readonly label: string;
  /** The `_fields` name to read. */
  readonly field: string;
  /** The `sort` field, when the column sorts (text, number and date fields). */
  readonly sortField?: Record<string, unknown>;
  readonly format?: 'date';
}

const regularSort = (field_name: string) => ({ type: 'regular_field', object_type: 'lead', field_name });

export const BUILT_IN_COLUMNS: readonly Column[] = [
  { key: 'display_name', label: 'Name', field: 'display_name', sortField: regularSort('display_name') },
  { key: 'status_label', label: 'Status', field: 'status_label' },
  { key: 'date_created', label: 'Created', field: 'date_created', sortField: regularSort('date_created'), format: 'date' },
  { key: 'date_updated', label: 'Updated', field: 'date_updated', sortField: regularSort('date_updated'), format: 'date' },
  { key: 'description', label: 'Description', field: 'description', sortField: regularSort('description') },
  { key: 'url', label: 'URL', field: 'url', sortField: regularSort('url') },
];

export const DEFAULT_COLUMNS = ['display_name', 'status_label', 'date_created'];

const SORTABLE_CUSTOM = ['text', 'number', 'date', 'datetime'];

export function customColumns(fields: readonly CustomFieldDef[]): Column[] {
  return fields.map((cf) => ({
    key: `custom.${cf.id}`,
    label: cf.name,
    field: `custom.${cf.id}`,
    sortField: SORTABLE_CUSTOM.includes(cf.type) && !cf.accepts_multiple_values ? { type: 'custom_field', custom_field_id: cf.id } : undefined,
    format: cf.type === 'datetime' ? 'date' : undefined,
  }));
}

export function formatCell(value: unknown, column: Column): string {
  if (value === null || value === undefined) return '';
  if (column.format === 'date' && typeof value === 'string') {
    const d = new Date(value);
    return Number.isNaN(d.getTime()) ? value : d.toLocaleString();
  }
  if (Array.isArray(value)) return value.join(', ');
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}
