/**
 * Request bodies of `/lead/`. Custom values arrive as `custom.…` keys (pattern properties, so Ajv
 * keeps them while dropping unknown and read-only keys such as `id`, `display_name`, `contacts` on
 * PUT).
 */
import { Type, type Static } from 'typebox';
import { CUSTOM_KEYS, NestedContactInput } from '../contacts/schemas.ts';

const NullableString = Type.Union([Type.String(), Type.Null()]);

export const AddressInput = Type.Object(
  {
    label: Type.Optional(NullableString),
    address_1: Type.Optional(NullableString),
    address_2: Type.Optional(NullableString),
    city: Type.Optional(NullableString),
    state: Type.Optional(NullableString),
    zipcode: Type.Optional(NullableString),
    country: Type.Optional(NullableString),
  },
  { additionalProperties: false },
);

const leadProperties = {
  name: Type.Optional(NullableString),
  description: Type.Optional(NullableString),
  url: Type.Optional(NullableString),
  status_id: Type.Optional(Type.String({ minLength: 1 })),
  status: Type.Optional(Type.String({ minLength: 1 })),
  addresses: Type.Optional(Type.Array(AddressInput)),
  /** Deprecated nested form `{"custom": {"Field name or cf_id": value}}`. */
  custom: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
};

/** `POST /lead/`. */
export const LeadCreateBody = Type.Object(
  { ...leadProperties, contacts: Type.Optional(Type.Array(NestedContactInput)) },
  { additionalProperties: false, patternProperties: CUSTOM_KEYS },
);

/** `PUT /lead/{id}/`: partial; nested `contacts` are ignored (Close: use the Contact API). */
export const LeadUpdateBody = Type.Object(leadProperties, { additionalProperties: false, patternProperties: CUSTOM_KEYS });

export type AddressInput = Static<typeof AddressInput>;
export type LeadCreateBody = Static<typeof LeadCreateBody>;
export type LeadUpdateBody = Static<typeof LeadUpdateBody>;
