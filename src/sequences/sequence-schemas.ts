/**
 * Request bodies of `/sequence/` (§4.5). Steps carry an optional `id`: on update, a step with an id
 * is changed, one without is created, and an existing step left out is deleted.
 */
import { Type, type Static } from 'typebox';
import { IdString } from '../http/common-schemas.ts';
import { LABEL_MAX, NAME_MAX, SEQUENCE_STEPS_MAX, SMALL_LIST_MAX } from '../http/input-limits.ts';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);

export const SequenceStatus = Type.Union([Type.Literal('active'), Type.Literal('paused'), Type.Literal('draft')]);

export const ScheduleBody = Type.Object(
  {
    ranges: Type.Array(
      Type.Object(
        // ISO weekday (Monday = 1) and "HH:MM"; schedule.ts names the broken ones more precisely.
        { weekday: Type.Integer({ minimum: 1, maximum: 7 }), start: Type.String({ maxLength: 5 }), end: Type.String({ maxLength: 5 }) },
        { additionalProperties: false },
      ),
      { maxItems: SMALL_LIST_MAX },
    ),
  },
  { additionalProperties: false },
);

export const StepBody = Type.Object(
  {
    id: Type.Optional(IdString),
    step_type: Type.Optional(Type.Union([Type.Literal('email'), Type.Literal('call')])),
    delay: Type.Optional(Type.Integer({ minimum: 0, maximum: 10 * 365 * 86400 })),
    email_template_id: Type.Optional(Nullable(IdString)),
    threading: Type.Optional(Nullable(Type.Union([Type.Literal('old_thread'), Type.Literal('new_thread')]))),
    required: Type.Optional(Type.Boolean()),
    step_allowed_delay: Type.Optional(Nullable(Type.Integer({ minimum: 0, maximum: 10 * 365 * 86400 }))),
  },
  { additionalProperties: false },
);
export type StepBody = Static<typeof StepBody>;

const fields = {
  name: Type.String({ minLength: 1, maxLength: NAME_MAX }),
  status: SequenceStatus,
  timezone: Type.String({ maxLength: LABEL_MAX }),
  schedule: Nullable(ScheduleBody),
  steps: Type.Array(StepBody, { maxItems: SEQUENCE_STEPS_MAX }),
};

export const CreateSequenceBody = Type.Object(
  {
    name: fields.name,
    status: Type.Optional(fields.status),
    timezone: Type.Optional(fields.timezone),
    schedule: Type.Optional(fields.schedule),
    steps: Type.Optional(fields.steps),
  },
  { additionalProperties: false },
);
export type CreateSequenceBody = Static<typeof CreateSequenceBody>;

export const UpdateSequenceBody = Type.Object(
  {
    name: Type.Optional(fields.name),
    status: Type.Optional(fields.status),
    timezone: Type.Optional(fields.timezone),
    schedule: Type.Optional(fields.schedule),
    steps: Type.Optional(fields.steps),
  },
  { additionalProperties: false },
);
export type UpdateSequenceBody = Static<typeof UpdateSequenceBody>;
