/**
 * Close's `_fields` query parameter: a comma list of top-level keys to return. `custom` stands for
 * every `custom.cf_…` key and for the deprecated `custom` dict (keyed by field name) that leads and
 * contacts carry; `custom.cf_…` picks one value.
 */

/** Parses `_fields` into a list of names, or undefined when absent, empty or `_all`. */
export function parseFieldsParam(raw: unknown): string[] | undefined {
  if (typeof raw !== 'string') return undefined;
  const names = raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
  // Close's `_all` asks for every field (smart fields included), i.e. no restriction here.
  if (names.includes('_all')) return undefined;
  return names.length > 0 ? names : undefined;
}

/** Returns `object` restricted to `fields`. */
export function pickFields(object: Record<string, unknown>, fields: readonly string[] | ReadonlySet<string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  // A set: `_fields` may name thousands of keys (QUERY_PARAM_MAX), looked up for every key of every item.
  const wanted: ReadonlySet<string> = Array.isArray(fields) ? new Set(fields) : (fields as ReadonlySet<string>);
  const allCustom = wanted.has('custom');
  for (const [key, value] of Object.entries(object)) {
    if (wanted.has(key) || (allCustom && key.startsWith('custom.'))) out[key] = value;
  }
  return out;
}

/** Applies `_fields` to a response payload: a list envelope's items, or a single object. */
export function applyFields(payload: unknown, fields: readonly string[]): unknown {
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) return payload;
  const record = payload as Record<string, unknown>;
  const wanted = new Set(fields);
  // Offset lists (`has_more`) and the event log's cursor pages (`cursor_next`).
  if (Array.isArray(record.data) && ('has_more' in record || 'cursor_next' in record)) {
    return {
      ...record,
      data: record.data.map((item) =>
        item !== null && typeof item === 'object' ? pickFields(item as Record<string, unknown>, wanted) : item,
      ),
    };
  }
  return pickFields(record, wanted);
}
