/**
 * `has_related` relations: how an object of one type reaches its related objects. The compiler wraps
 * each in `EXISTS (SELECT 1 FROM <related table> r WHERE r.organization_id = $1 AND <join> AND <query>)`;
 * a new related type (email activities, sequence subscriptions) registers its object type in
 * `fields.ts` and a relation here, and needs nothing else.
 */

export interface Relation {
  readonly from: string;
  readonly to: string;
  /** The join condition between the outer row (`outer`) and a related row (`inner`). */
  readonly join: (outer: string, inner: string) => string;
}

const relations = new Map<string, Relation>();

/** Adds a relation from one object type to another. */
export function registerRelation(relation: Relation): void {
  relations.set(`${relation.from}->${relation.to}`, relation);
}

/** The relation from `from` to `to`, if any. */
export function relationBetween(from: string, to: string): Relation | undefined {
  return relations.get(`${from}->${to}`);
}

/** The related types reachable from `from`. */
export function relatedTypesOf(from: string): string[] {
  return [...relations.values()].filter((r) => r.from === from).map((r) => r.to);
}

/**
 * A two-step relation `from → via → to` that the `to` rows can answer alone, because they carry the
 * `from` key (contact emails, phones and URLs keep their lead's id). `has_related` chains that pass
 * through `via` without a condition of their own are compiled with it, skipping the `via` table.
 */
export interface Shortcut {
  readonly from: string;
  readonly via: string;
  readonly to: string;
  readonly join: (outer: string, inner: string) => string;
}

const shortcuts = new Map<string, Shortcut>();

/** Adds a shortcut relation. */
export function registerShortcut(shortcut: Shortcut): void {
  shortcuts.set(`${shortcut.from}->${shortcut.via}->${shortcut.to}`, shortcut);
}

/** The shortcut from `from` through `via` to `to`, if any. */
export function shortcutBetween(from: string, via: string, to: string): Shortcut | undefined {
  return shortcuts.get(`${from}->${via}->${to}`);
}

const byLead = (outer: string, inner: string) => `${inner}.lead_id = ${outer}.id`;
const byContact = (outer: string, inner: string) => `${inner}.contact_id = ${outer}.id`;

registerRelation({ from: 'lead', to: 'contact', join: byLead });
registerRelation({ from: 'contact', to: 'lead', join: (outer, inner) => `${inner}.id = ${outer}.lead_id` });
registerRelation({ from: 'lead', to: 'address', join: byLead });
registerRelation({ from: 'contact', to: 'contact_email', join: byContact });
registerRelation({ from: 'contact', to: 'contact_phone', join: byContact });
registerRelation({ from: 'contact', to: 'contact_url', join: byContact });
// DELETE /sequence_subscription/ hides a subscription but keeps its row (bulk subscribe must still
// see it): a hidden one is no subscription here either.
registerRelation({ from: 'contact', to: 'sequence_subscription', join: (outer, inner) => `${byContact(outer, inner)} AND ${inner}.date_deleted IS NULL` });
for (const child of ['contact_email', 'contact_phone', 'contact_url']) {
  registerShortcut({ from: 'lead', via: 'contact', to: child, join: byLead });
}
// No lead → contact → sequence_subscription shortcut: a subscription's lead_id is its contact's lead
// at subscription time and stays there when the contact moves to another lead (channels move).

