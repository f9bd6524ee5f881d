/**
 * The rules a custom field definition must meet, checked on create and on the merged result of an
 * update: a non-blank name; several values only for choices, user and contact; a non-empty list of
 * distinct, non-blank choices for (and only for) type choices.
 */
import { fieldErrors } from '../errors.ts';
import { MULTI_VALUE_TYPES, type CustomFieldType } from './values.ts';

export interface FieldDefinition {
  readonly name: string;
  readonly description: string | null;
  readonly type: CustomFieldType;
  readonly choices: readonly string[] | null;
  readonly accepts_multiple_values: boolean;
  readonly editable_with_roles: readonly string[];
}

/** Validates `input` and returns it normalised (trimmed name, choices null unless type choices). */
export function checkDefinition(input: FieldDefinition): FieldDefinition {
  const errors: Record<string, string> = {};
  const name = input.name.trim();
  if (name === '') errors.name = 'This field may not be blank.';

  if (input.accepts_multiple_values && !MULTI_VALUE_TYPES.includes(input.type)) {
    errors.accepts_multiple_values = `Fields of type ${input.type} cannot accept multiple values; only choices, user and contact fields can.`;
  }

  let choices: string[] | null = null;
  if (input.type === 'choices') {
    if (!input.choices || input.choices.length === 0) {
      errors.choices = 'A choices field needs a non-empty list of choices.';
    } else if (input.choices.some((choice) => choice.trim() === '')) {
      errors.choices = 'Choices may not be blank.';
    } else if (new Set(input.choices).size !== input.choices.length) {
      errors.choices = 'Each choice may appear only once.';
    } else {
      choices = [...input.choices];
    }
  } else if (input.choices && input.choices.length > 0) {
    errors.choices = `Only fields of type choices have choices, not ${input.type}.`;
  }

  if (Object.keys(errors).length > 0) throw fieldErrors(errors);
  return {
    name,
    description: input.description,
    type: input.type,
    choices,
    accepts_multiple_values: input.accepts_multiple_values,
    editable_with_roles: [...new Set(input.editable_with_roles)],
  };
}
