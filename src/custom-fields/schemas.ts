/** Request schemas of `/custom_field/{lead|contact}/` (TypeBox; unknown and read-only keys are dropped). */
import { Type, type Static } from 'typebox';
import { CUSTOM_FIELD_TYPES } from './values.ts';

const fields = {
  name: Type.String({ maxLength: 200 }),
  description: Type.Union([Type.String({ maxLength: 280 }), Type.Null()]),
  type: Type.Enum([...CUSTOM_FIELD_TYPES], { description: 'text, number, date, datetime, choices, user, contact or hidden' }),
  choices: Type.Union([Type.Array(Type.String({ maxLength: 500 }), { maxItems: 2000 }), Type.Null()], {
    description: 'The allowed values; required (non-empty) for type choices, null otherwise.',
  }),
  accepts_multiple_values: Type.Boolean({ description: 'Only for choices, user and contact fields.' }),
  editable_with_roles: Type.Array(Type.String({ maxLength: 100 }), { maxItems: 100, description: 'Empty: anyone may edit.' }),
};

export const CreateCustomFieldBody = Type.Object(
  {
    name: fields.name,
    type: fields.type,
    description: Type.Optional(fields.description),
    choices: Type.Optional(fields.choices),
    accepts_multiple_values: Type.Optional(fields.accepts_multiple_values),
    editable_with_roles: Type.Optional(fields.editable_with_roles),
  },
  { additionalProperties: false },
);
export type CreateCustomFieldBody = Static<typeof CreateCustomFieldBody>;

export const UpdateCustomFieldBody = Type.Object(
  {
    name: Type.Optional(fields.name),
    type: Type.Optional(fields.type),
    description: Type.Optional(fields.description),
    choices: Type.Optional(fields.choices),
    accepts_multiple_values: Type.Optional(fields.accepts_multiple_values),
    editable_with_roles: Type.Optional(fields.editable_with_roles),
  },
  { additionalProperties: false },
);
export type UpdateCustomFieldBody = Static<typeof UpdateCustomFieldBody>;

export const CustomFieldParams = Type.Object({ id: Type.String() });
