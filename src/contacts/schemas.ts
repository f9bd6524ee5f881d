/**
 * Request bodies for contacts, shared by `/contact/` and the nested `contacts` of `POST /lead/`.
 * `custom.…` keys are declared as pattern properties so that Ajv keeps them while it drops every
 * other unknown or read-only key (`is_unsubscribed`, `phone_formatted` sent back by a client).
 */
import { Type, type Static } from 'typebox';
import { EMAIL_MAX, ID_MAX, LABEL_MAX, LIST_MAX, NAME_MAX, OBJECT_KEYS_MAX, URL_MAX } from '../http/input-limits.ts';

const NullableName = Type.Union([Type.String({ maxLength: NAME_MAX }), Type.Null()]);
const Label = Type.String({ minLength: 1, maxLength: LABEL_MAX });

export const CUSTOM_KEYS = { '^custom\\.': {} } as const;

/** The deprecated nested form `{"custom": {"Field name or cf_id": value}}`, still accepted by Close. */
export const NestedCustomMap = Type.Record(Type.String(), Type.Unknown(), { maxProperties: OBJECT_KEYS_MAX });

export const EmailInput = Type.Object(
  { email: Type.String({ format: 'email', maxLength: EMAIL_MAX }), type: Type.Optional(Label) },
  { additionalProperties: false },
);
export const PhoneInput = Type.Object(
  { phone: Label, type: Type.Optional(Label) },
  { additionalProperties: false },
);
export const UrlInput = Type.Object(
  { url: Type.String({ minLength: 1, maxLength: URL_MAX }), type: Type.Optional(Label) },
  { additionalProperties: false },
);

const contactProperties = {
  name: Type.Optional(NullableName),
  title: Type.Optional(NullableName),
  emails: Type.Optional(Type.Array(EmailInput, { maxItems: LIST_MAX })),
  phones: Type.Optional(Type.Array(PhoneInput, { maxItems: LIST_MAX })),
  urls: Type.Optional(Type.Array(UrlInput, { maxItems: LIST_MAX })),
  custom: Type.Optional(NestedCustomMap),
};

/** A contact nested in a lead create (its lead is the new lead). */
export const NestedContactInput = Type.Object(contactProperties, {
  additionalProperties: false,
  patternProperties: CUSTOM_KEYS,
  maxProperties: OBJECT_KEYS_MAX,
});

/** `POST /contact/`. */
export const ContactCreateBody = Type.Object(
  { ...contactProperties, lead_id: Type.Optional(Type.String({ minLength: 1, maxLength: ID_MAX })) },
  { additionalProperties: false, patternProperties: CUSTOM_KEYS, maxProperties: OBJECT_KEYS_MAX },
);

/** `PUT /contact/{id}/`: every key optional; lists given replace the stored ones. */
export const ContactUpdateBody = ContactCreateBody;

export type EmailInput = Static<typeof EmailInput>;
export type PhoneInput = Static<typeof PhoneInput>;
export type UrlInput = Static<typeof UrlInput>;
export type NestedContactInput = Static<typeof NestedContactInput>;
export type ContactCreateBody = Static<typeof ContactCreateBody>;
