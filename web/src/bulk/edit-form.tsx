/** Bulk edit: every edit type, with the chosen field's own input (choices, numbers, dates, multi-value). */
import { useState } from 'react';
import { useCustomFields, useStatuses, useUsers, userName } from '../api/hooks.ts';
import { Field, fieldError } from '../components/form.tsx';
import type { CustomFieldDef } from '../filter/fields.ts';
import { LaunchFooter, submitHandler, useStartBulk, type LaunchProps } from './launcher.tsx';

const EDIT_TYPES = [
  ['set_lead_status', 'Set lead status'],
  ['set_custom_field', 'Set a lead custom field'],
  ['clear_custom_field', 'Clear a lead custom field'],
  ['set_contact_custom_field', 'Set a custom field on every contact'],
  ['clear_contact_custom_field', 'Clear a custom field on every contact'],
] as const;
type EditType = (typeof EDIT_TYPES)[number][0];

const SHOWN = ['type', 'lead_status_id', 'custom_field_id', 'custom_field_value', 'custom_field_values', 'custom_field_operation'];

export function EditForm(props: LaunchProps) {
  const start = useStartBulk('edit', props);
  const statuses = useStatuses();
  const leadFields = useCustomFields('lead');
  const contactFields = useCustomFields('contact');
  const [type, setType] = useState<EditType>('set_lead_status');
  const [statusId, setStatusId] = useState('');
  const [fieldId, setFieldId] = useState('');
  const [value, setValue] = useState('');
  const [values, setValues] = useState<string[]>([]);
  const [operation, setOperation] = useState('replace');
  const [sendDone, setSendDone] = useState(true);

  const onContacts = type.includes('contact');
  const fields = (onContacts ? contactFields.data : leadFields.data) ?? [];
  const field = fields.find((f) => f.id === fieldId);
  const err = (path: string) => fieldError(start.error, path);

  const submit = () => {
    const body: Record<string, unknown> = { type, send_done_email: sendDone };
    if (type === 'set_lead_status') {
      if (statusId) body.lead_status_id = statusId;
    }
    else {
      if (fieldId) body.custom_field_id = fieldId;
      if (type.startsWith('set') && field) {
        if (field.accepts_multiple_values) {
          body.custom_field_values = values;
          body.custom_field_operation = operation;
        } else body.custom_field_value = convertValue(field, value);
      }
    }
    start.mutate(body);
  };

  return (
    <form onSubmit={submitHandler(submit)}>
      <p>Applies to the {props.count ?? '…'} leads the current filter matches.</p>
      <Field label="Edit" error={err('type')}>
        {(p) => (
          <select {...p} value={type} onChange={(e) => setType(e.target.value as EditType)}>
            {EDIT_TYPES.map(([v, l]) => (
              <option key={v} value={v}>
                {l}
              </option>
            ))}
          </select>
        )}
      </Field>
      {type === 'set_lead_status' ? (
        <Field label="New status" error={err('lead_status_id')}>
          {(p) => (
            <select {...p} value={statusId} onChange={(e) => setStatusId(e.target.value)}>
              <option value="">Choose a status…</option>
              {(statuses.data ?? []).map((s) => (
                <option key={s.id} value={s.id}>
                  {s.label}
                </option>
              ))}
            </select>
          )}
        </Field>
      ) : (
        <Field label={onContacts ? 'Contact custom field' : 'Lead custom field'} error={err('custom_field_id') ?? err('custom_field_name')}>
          {(p) => (
            <select
              {...p}
              value={fieldId}
              onChange={(e) => {
                setFieldId(e.target.value);
                setValue('');
                setValues([]);
              }}
            >
              <option value="">Choose a field…</option>
              {fields.map((f) => (
                <option key={f.id} value={f.id}>
                  {f.name} ({f.type}
                  {f.accepts_multiple_values ? ', multiple' : ''})
                </option>
              ))}
            </select>
          )}
        </Field>
      )}
      {type.startsWith('set_') && type !== 'set_lead_status' && field ? (
        field.accepts_multiple_values ? (
          <>
            <Field label="Operation" error={err('custom_field_operation')}>
              {(p) => (
                <select {...p} value={operation} onChange={(e) => setOperation(e.target.value)}>
                  <option value="replace">replace the values with these</option>
                  <option value="add">add these values</option>
                  <option value="remove">remove these values</option>
                </select>
              )}
            </Field>
            <MultiValueInput field={field} values={values} onChange={setValues} error={err('custom_field_values')} />
          </>
        ) : (
          <ValueInput field={field} value={value} onChange={setValue} error={err('custom_field_value')} />
        )
      ) : null}
      <LaunchFooter error={start.error} shown={SHOWN} pending={start.isPending} label="Start bulk edit" sendDone={sendDone} onSendDone={setSendDone} />
    </form>
  );
}

/** The typed value as the API wants it: numbers as numbers, datetimes as ISO instants. */
function convertValue(field: CustomFieldDef, value: string): unknown {
  if (value === '') return null;
  if (field.type === 'number') return Number.isFinite(Number(value)) ? Number(value) : value;
  if (field.type === 'datetime') {
    const d = new Date(value);
    return Number.isNaN(d.getTime()) ? value : d.toISOString();
  }
  return value;
}

function ValueInput({ field, value, onChange, error }: { field: CustomFieldDef; value: string; onChange: (v: string) => void; error?: string }) {
  const users = useUsers();
  return (
    <Field label="New value" error={error}>
      {(p) =>
        field.type === 'user' ? (
          <select {...p} value={value} onChange={(e) => onChange(e.target.value)}>
            <option value="">Choose a user…</option>
            {(users.data ?? []).map((u) => (
              <option key={u.id} value={u.id}>
                {userName(u)}
              </option>
            ))}
          </select>
        ) : field.type === 'choices' ? (
          <select {...p} value={value} onChange={(e) => onChange(e.target.value)}>
            <option value="">Choose…</option>
            {(field.choices ?? []).map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        ) : (
          <input
            {...p}
            type={field.type === 'number' ? 'number' : field.type === 'date' ? 'date' : field.type === 'datetime' ? 'datetime-local' : 'text'}
            step={field.type === 'number' ? 'any' : undefined}
            value={value}
            onChange={(e) => onChange(e.target.value)}
          />
        )
      }
    </Field>
  );
}

function MultiValueInput({ field, values, onChange, error }: { field: CustomFieldDef; values: string[]; onChange: (v: string[]) => void; error?: string }) {
  if (field.type === 'choices') {
    return (
      <fieldset aria-describedby={error ? 'multi-error' : undefined}>
        <legend>Values</legend>
        {(field.choices ?? []).map((c) => (
          <label key={c} className="checkbox">
            <input type="checkbox" checked={values.includes(c)} onChange={(e) => onChange(e.target.checked ? [...values, c] : values.filter((v) => v !== c))} />
            {c}
          </label>
        ))}
        {error ? (
          <div className="field-error" id="multi-error" role="alert">
            {error}
          </div>
        ) : null}
      </fieldset>
    );
  }
  return <ListValues values={values} onChange={onChange} error={error} />;
}

function ListValues({ values, onChange, error }: { values: string[]; onChange: (v: string[]) => void; error?: string }) {
  const [text, setText] = useState(values.join(', '));
  return (
    <Field label="Values (comma-separated)" error={error}>
      {(p) => (
        <input
          {...p}
          type="text"
          value={text}
          onChange={(e) => {
            setText(e.target.value);
            onChange(e.target.value.split(',').map((s) => s.trim()).filter((s) => s !== ''));
          }}
        />
      )}
    </Field>
  );
}
