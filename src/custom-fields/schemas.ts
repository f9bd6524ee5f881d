/** Request schemas of `/custom_field/{lead|contact}/` (TypeBox; unknown and read-only keys are dropped). */
import { Type, type Static } from 'typebox';
import { IdParams } from '../http/common-schemas.ts';
import { CHOICES_MAX, CUSTOM_FIELD_DESCRIPTION_MAX, ID_MAX, LABEL_MAX, NAME_MAX, SMALL_LIST_MAX } from '../http/input-limits.ts';
import { CUSTOM_FIELD_TYPES } from './values.ts';

const fields = {
  name: Type.String({ maxLength: LABEL_MAX }),
  description: Type.Union([Type.String({ maxLength: CUSTOM_FIELD_DESCRIPTION_MAX }), Type.Null()]),
  type: Type.Enum([...CUSTOM_FIELD_TYPES], { description: 'text, number, date, datetime, choices, user, contact or hidden' }),
  choices: Type.Union([Type.Array(Type.String({ maxLength: NAME_MAX }), { maxItems: CHOICES_MAX }), Type.Null()], {
    description: 'The allowed values; required (non-empty) for type choices, null otherwise.',
  }),
  accepts_multiple_values: Type.Boolean({ description: 'Only for choices, user and contact fields.' }),
  editable_with_roles: Type.Array(Type.String({ maxLength: ID_MAX }), { maxItems: SMALL_LIST_MAX, description: 'Empty: anyone may edit.' }),
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

export const CustomFieldParams = IdParams;
