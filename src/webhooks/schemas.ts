/**
 * Request bodies of `/webhook/` (close-api-reference.md §5.3). `extra_filter` is checked by
 * extra-filter.ts, which names the bad node's path; the rest by TypeBox.
 */
import { Type, type Static } from 'typebox';
import { LABEL_MAX, SMALL_LIST_MAX, URL_MAX } from '../http/input-limits.ts';
import type { WebhookEventSpec } from '../db/schema.ts';
import { parseExtraFilter } from './extra-filter.ts';

/** Close's limit of subscriptions per organization. */
export const WEBHOOKS_PER_ORG_MAX = 40;

const EventSpec = Type.Object(
  {
    object_type: Type.String({ minLength: 1, maxLength: LABEL_MAX }),
    action: Type.String({ minLength: 1, maxLength: LABEL_MAX }),
    extra_filter: Type.Optional(Type.Unknown()),
  },
  { additionalProperties: false },
);

const fields = {
  url: Type.String({ minLength: 1, maxLength: URL_MAX }),
  events: Type.Array(EventSpec, { minItems: 1, maxItems: SMALL_LIST_MAX }),
  verify_ssl: Type.Boolean(),
  status: Type.Union([Type.Literal('active'), Type.Literal('paused')]),
};

export const CreateBody = Type.Object(
  { url: fields.url, events: fields.events, verify_ssl: Type.Optional(fields.verify_ssl), status: Type.Optional(fields.status) },
  { additionalProperties: false },
);
export type CreateBody = Static<typeof CreateBody>;

export const UpdateBody = Type.Object(
  { url: Type.Optional(fields.url), events: Type.Optional(fields.events), verify_ssl: Type.Optional(fields.verify_ssl), status: Type.Optional(fields.status) },
  { additionalProperties: false },
);
export type UpdateBody = Static<typeof UpdateBody>;

/** The events list as stored: filters parsed (a 400 on `events[i].extra_filter…`), a null filter left out. */
export function eventSpecsOf(events: Static<typeof fields.events>): WebhookEventSpec[] {
  return events.map((event, i) => {
    const spec: WebhookEventSpec = { object_type: event.object_type, action: event.action };
    if (event.extra_filter === undefined || event.extra_filter === null) return spec;
    return { ...spec, extra_filter: parseExtraFilter(event.extra_filter, `events[${i}].extra_filter`) };
  });
}
