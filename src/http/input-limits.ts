/**
 * Upper bounds on every string, list, map and integer a request may carry, kept in one place so the
 * route schemas (and so the OpenAPI document), the hand-written parsers and the README agree.
 * Close publishes few of its limits: where it does, or was observed to enforce one, Sluice uses
 * Close's number; elsewhere the number is chosen so that real data fits with room to spare while a
 * hostile value is refused with a 400 naming the field, long before it reaches PostgreSQL or a
 * loop. The body as a whole is capped separately by BODY_LIMIT_BYTES (413).
 *
 * test/security/schema-limits.test.ts walks the served OpenAPI document and fails for any string,
 * list or integer of any request body or parameter left without a bound.
 */

/**
 * Object ids (`lead_…`, `cf_…`, `emailacct_…`): Close's and Sluice's are a prefix and 43 base62
 * characters, at most 55. (The router accepts path parameters up to 1,000 characters, for email
 * addresses in paths, so every id a body accepts can also be addressed in a URL.)
 */
export const ID_MAX = 100;

/**
 * Short labels: status labels, custom field names, the `type` or `label` of an email, phone, url or
 * address, phone numbers, time zones, enum-like values read by hand.
 */
export const LABEL_MAX = 200;

/**
 * Names and titles (leads, contacts, organizations, sequences, senders), address lines and custom
 * field choices. Equal to the longest string a search query accepts (`LIMITS.stringLength` in
 * src/search/json-input.ts), so any stored name can be searched for exactly.
 */
export const NAME_MAX = 1_000;

/** An email address: RFC 5321 caps a path at 256 octets with its angle brackets, leaving 254. */
export const EMAIL_MAX = 254;

/** A URL: RFC 9110 §4.1 asks every party to support at least 8,000 octets. */
export const URL_MAX = 8_000;

/** Free text: a lead's description, a text or hidden custom field value (a long pasted note fits). */
export const TEXT_MAX = 100_000;

/** A custom field's description: Close's documented limit. */
export const CUSTOM_FIELD_DESCRIPTION_MAX = 280;

/**
 * Items of a list in a body: contacts of a new lead, its addresses, a contact's emails, phones and
 * urls, the values of a multi-value custom field, an organization's `lead_statuses` (Close
 * documents 1,000 for that one).
 */
export const LIST_MAX = 1_000;

/**
 * Contacts created with one lead (`POST /lead/` with nested `contacts`). Each is written, evented and
 * serialised in the request; 200 keeps the synchronous stretches of that work short (measured in
 * test/security/cost.test.ts), and more can be added with `POST /contact/`.
 */
export const NESTED_CONTACTS_MAX = 200;

/** Lists naming people, roles or time windows (`calls_assigned_to`, `editable_with_roles`, schedule ranges). */
export const SMALL_LIST_MAX = 100;

/** Choices of one custom field. */
export const CHOICES_MAX = 2_000;

/** Steps of one sequence. */
export const SEQUENCE_STEPS_MAX = 200;

/**
 * Keys of a body or map whose keys are free: the `custom.…` keys of a lead or contact (with its
 * declared keys) and the deprecated nested `custom` map.
 */
export const OBJECT_KEYS_MAX = 1_000;

/**
 * One query-string value (`_fields`, `id__in`, a JSON `s_query`). Close accepted a 4,899-character
 * `id__in`; Node refuses a request head over 16 KiB (431) in any case.
 */
export const QUERY_PARAM_MAX = 10_000;

/**
 * `_skip` of the offset lists. Close refuses more than 35,000 on `/lead/` and points deep readers to
 * search cursors and exports. An offset is read and thrown away row by row: 10–20 ms at 35,000,
 * 0.3 s at 1,000,000 (measured on bulk_action_items); without a bound, `_skip=1e20` reached
 * PostgreSQL as an out-of-range bigint (a 500).
 */
export const SKIP_MAX = 35_000;

/**
 * `_skip` of a bulk action's items filtered by `status`, which pages by offset over the
 * (action, status, position) index: 1,000,000 rows cost 0.3 s. Unfiltered items seek by position
 * instead, so there `_skip` only has to fit the integer column (INT4_MAX).
 */
export const FILTERED_ITEMS_SKIP_MAX = 1_000_000;

/** The largest PostgreSQL `integer`: bounds numbers stored in int4 columns (`results_limit`, positions). */
export const INT4_MAX = 2_147_483_647;
