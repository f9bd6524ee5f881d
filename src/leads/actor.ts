/**
 * Who makes a lead or contact change, and when: what the write functions need from a request, so
 * that they can equally be called from workers and tests.
 */
import type { RequestContext } from '../http/context.ts';

export interface Actor {
  readonly organizationId: string;
  readonly userId: string | null;
  readonly apiKeyId: string | null;
  readonly requestId: string | null;
  readonly now: Date;
  readonly publicUrl: string;
}

/** The actor of an HTTP request. */
export function actorOf(ctx: RequestContext): Actor {
  return {
    organizationId: ctx.organizationId,
    userId: ctx.userId,
    apiKeyId: ctx.apiKeyId,
    requestId: ctx.requestId,
    now: ctx.clock.now(),
    publicUrl: ctx.config.publicUrl,
  };
}

/** The event fields every event of this actor carries. */
export function eventBase(actor: Actor) {
  return {
    organizationId: actor.organizationId,
    userId: actor.userId,
    apiKeyId: actor.apiKeyId,
    requestId: actor.requestId,
    at: actor.now,
  };
}

/** Keys whose change is bookkeeping, not a change a client made. */
const BOOKKEEPING = new Set(['date_updated', 'updated_by', 'updated_by_name']);

/**
 * Compares two API objects: the keys whose values differ, with the previous values of those keys.
 * `significant` is false when only bookkeeping keys moved.
 */
export function diffObjects(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
): { changedFields: string[]; previous: Record<string, unknown>; significant: boolean } {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  const changedFields: string[] = [];
  const previous: Record<string, unknown> = {};
  for (const key of keys) {
    // The deprecated `custom` dict repeats the `custom.cf_…` values by name: those keys already
    // name the change (and renaming a field is no change to the object).
    if (key === 'custom') continue;
    if (JSON.stringify(before[key]) === JSON.stringify(after[key])) continue;
    changedFields.push(key);
    previous[key] = before[key] ?? null;
  }
  return { changedFields, previous, significant: changedFields.some((k) => !BOOKKEEPING.has(k)) };
}
