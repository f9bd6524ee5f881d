/**
 * CSV as RFC 4180 writes it (CRLF line ends, fields quoted when they hold a quote, comma, CR or LF,
 * quotes doubled), one row per lead or contact. Close says nothing of how nested values appear in
 * its CSV files; Sluice writes every value without loss: strings as they are, numbers and booleans
 * as JSON writes them, null and absent as an empty field, lists and objects (contacts, addresses,
 * multi-value custom fields) as JSON text. Values are written as stored: a cell that begins with
 * `=` is not altered, so open a file of untrusted data in a spreadsheet with care.
 *
 * `date_format` (Close's option, CSV only) rewrites the top-level timestamp columns
 * (`date_created`, `date_updated`, datetime custom fields); values nested in JSON cells stay ISO 8601.
 */
import type { CsvColumn } from './fields.ts';

export const DATE_FORMATS = ['original', 'iso8601', 'excel'] as const;
export type DateFormat = (typeof DATE_FORMATS)[number];

// Fixed-width fields, one optional fraction: matched in one linear pass.
const TIMESTAMP = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/**
 * `value` (an ISO 8601 timestamp as the API writes it) in `format`:
 * - `original`: `2013-02-20 05:24:11.123000+00:00` (microseconds and offset, Close's default);
 * - `iso8601`: `2013-02-20T05:24:11+00:00`;
 * - `excel`: `2013-02-20 05:24:11 AM`, in UTC, 12-hour clock.
 * Anything else (a date without time, text) is returned unchanged.
 */
export function formatDate(value: string, format: DateFormat): string {
  const m = TIMESTAMP.exec(value);
  if (!m) return value;
  const [, day, hh, mm, ss, fraction, zone] = m as unknown as [string, string, string, string, string, string | undefined, string];
  const offset = zone === 'Z' ? '+00:00' : zone;
  if (format === 'iso8601') return `${day}T${hh}:${mm}:${ss}${offset}`;
  if (format === 'original') return `${day} ${hh}:${mm}:${ss}.${(fraction ?? '.').slice(1).padEnd(6, '0').slice(0, 6)}${offset}`;
  // excel: in UTC, without offset or fraction.
  const utc = new Date(`${day}T${hh}:${mm}:${ss}${offset}`);
  if (Number.isNaN(utc.getTime())) return value;
  const iso = utc.toISOString();
  const hour = utc.getUTCHours();
  const twelve = String(hour % 12 === 0 ? 12 : hour % 12).padStart(2, '0');
  return `${iso.slice(0, 10)} ${twelve}:${iso.slice(14, 19)} ${hour < 12 ? 'AM' : 'PM'}`;
}

function needsQuotes(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 || c === 0x2c || c === 0x0a || c === 0x0d) return true;
  }
  return false;
}

/** One field of a row. */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return needsQuotes(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The header line. */
export function csvHeader(columns: readonly CsvColumn[]): string {
  return `${columns.map((c) => csvField(c.key)).join(',')}\r\n`;
}

/** One object as a line. */
export function csvRow(object: Record<string, unknown>, columns: readonly CsvColumn[], dateFormat: DateFormat): string {
  const cells = columns.map((column) => {
    const value = object[column.key];
    return csvField(column.timestamp && typeof value === 'string' ? formatDate(value, dateFormat) : value);
  });
  return `${cells.join(',')}\r\n`;
}
