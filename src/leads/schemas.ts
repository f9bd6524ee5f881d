/**
 * Request bodies of `/lead/`. Custom values arrive as `custom.…` keys (pattern properties, so Ajv
 * keeps them while dropping unknown and read-only keys such as `id`, `display_name`, `contacts` on
 * PUT).
 */
import { Type, type Static } from 'typebox';
import { CUSTOM_KEYS, NestedContactInput, NestedCustomMap } from '../contacts/schemas.ts';
import { nullableString } from '../http/common-schemas.ts';
import { ID_MAX, LABEL_MAX, LIST_MAX, NAME_MAX, NESTED_CONTACTS_MAX, OBJECT_KEYS_MAX, TEXT_MAX, URL_MAX } from '../http/input-limits.ts';

const NullableLine = nullableString(NAME_MAX);

export const AddressInput = Type.Object(
  {
    label: Type.Optional(nullableString(LABEL_MAX)),
    address_1: Type.Optional(NullableLine),
    address_2: Type.Optional(NullableLine),
    city: Type.Optional(NullableLine),
    state: Type.Optional(NullableLine),
    zipcode: Type.Optional(NullableLine),
    country: Type.Optional(NullableLine),
  },
  { additionalProperties: false },
);

const leadProperties = {
  name: Type.Optional(nullableString(NAME_MAX)),
  description: Type.Optional(nullableString(TEXT_MAX)),
  url: Type.Optional(nullableString(URL_MAX)),
  status_id: Type.Optional(Type.String({ minLength: 1, maxLength: ID_MAX })),
  status: Type.Optional(Type.String({ minLength: 1, maxLength: LABEL_MAX })),
  addresses: Type.Optional(Type.Array(AddressInput, { maxItems: LIST_MAX })),
  custom: Type.Optional(NestedCustomMap),
};

/** `POST /lead/`. */
export const LeadCreateBody = Type.Object(
  { ...leadProperties, contacts: Type.Optional(Type.Array(NestedContactInput, { maxItems: NESTED_CONTACTS_MAX })) },
  { additionalProperties: false, patternProperties: CUSTOM_KEYS, maxProperties: OBJECT_KEYS_MAX },
);

/** `PUT /lead/{id}/`: partial; nested `contacts` are ignored (Close: use the Contact API). */
export const LeadUpdateBody = Type.Object(leadProperties, {
  additionalProperties: false,
  patternProperties: CUSTOM_KEYS,
  maxProperties: OBJECT_KEYS_MAX,
});

export type AddressInput = Static<typeof AddressInput>;
export type LeadCreateBody = Static<typeof LeadCreateBody>;
export type LeadUpdateBody = Static<typeof LeadUpdateBody>;
