/**
 * Request bodies for contacts, shared by `/contact/` and the nested `contacts` of `POST /lead/`.
 * `custom.…` keys are declared as pattern properties so that Ajv keeps them while it drops every
 * other unknown or read-only key (`is_unsubscribed`, `phone_formatted` sent back by a client).
 */
import { Type, type Static } from 'typebox';

const NullableString = Type.Union([Type.String(), Type.Null()]);

export const CUSTOM_KEYS = { '^custom\\.': {} } as const;

export const EmailInput = Type.Object(
  { email: Type.String({ format: 'email' }), type: Type.Optional(Type.String({ minLength: 1 })) },
  { additionalProperties: false },
);
export const PhoneInput = Type.Object(
  { phone: Type.String({ minLength: 1 }), type: Type.Optional(Type.String({ minLength: 1 })) },
  { additionalProperties: false },
);
export const UrlInput = Type.Object(
  { url: Type.String({ minLength: 1 }), type: Type.Optional(Type.String({ minLength: 1 })) },
  { additionalProperties: false },
);

const contactProperties = {
  name: Type.Optional(NullableString),
  title: Type.Optional(NullableString),
  emails: Type.Optional(Type.Array(EmailInput)),
  phones: Type.Optional(Type.Array(PhoneInput)),
  urls: Type.Optional(Type.Array(UrlInput)),
  /** Deprecated nested form `{"custom": {"Field name or cf_id": value}}`, still accepted by Close. */
  custom: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
};

/** A contact nested in a lead create (its lead is the new lead). */
export const NestedContactInput = Type.Object(contactProperties, {
  additionalProperties: false,
  patternProperties: CUSTOM_KEYS,
});

/** `POST /contact/`. */
export const ContactCreateBody = Type.Object(
  { ...contactProperties, lead_id: Type.Optional(Type.String({ minLength: 1 })) },
  { additionalProperties: false, patternProperties: CUSTOM_KEYS },
);

/** `PUT /contact/{id}/`: every key optional; lists given replace the stored ones. */
export const ContactUpdateBody = ContactCreateBody;

export type EmailInput = Static<typeof EmailInput>;
export type PhoneInput = Static<typeof PhoneInput>;
export type UrlInput = Static<typeof UrlInput>;
export type NestedContactInput = Static<typeof NestedContactInput>;
export type ContactCreateBody = Static<typeof ContactCreateBody>;
