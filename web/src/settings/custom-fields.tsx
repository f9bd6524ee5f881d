/** Lead or contact custom fields: every type, choices, multiple values; edit and delete. */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../api/client.ts';
import { useCustomFields } from '../api/hooks.ts';
import { submitHandler } from '../bulk/launcher.tsx';
import { Field, fieldError, FormErrors } from '../components/form.tsx';
import type { CustomFieldDef } from '../filter/fields.ts';

const TYPES = ['text', 'number', 'date', 'datetime', 'choices', 'user', 'contact', 'hidden'];
const MULTI_TYPES = ['choices', 'user', 'contact'];

interface Draft {
  name: string;
  type: string;
  description: string;
  choices: string;
  multiple: boolean;
}

const draftOf = (f?: CustomFieldDef & { description?: string | null }): Draft => ({
  name: f?.name ?? '',
  type: f?.type ?? 'text',
  description: f?.description ?? '',
  choices: (f?.choices ?? []).join('\n'),
  multiple: f?.accepts_multiple_values ?? false,
});

function bodyOf(d: Draft): Record<string, unknown> {
  return {
    name: d.name.trim(),
    type: d.type,
    description: d.description,
    ...(d.type === 'choices' ? { choices: d.choices.split('\n').map((c) => c.trim()).filter((c) => c !== '') } : {}),
    ...(MULTI_TYPES.includes(d.type) ? { accepts_multiple_values: d.multiple } : {}),
  };
}

function FieldForm({ draft, setDraft, error }: { draft: Draft; setDraft: (d: Draft) => void; error: unknown }) {
  const err = (p: string) => fieldError(error, p);
  return (
    <div className="row">
      <Field label="Name" error={err('name')}>
        {(p) => <input {...p} type="text" value={draft.name} onChange={(e) => setDraft({ ...draft, name: e.target.value })} />}
      </Field>
      <Field label="Type" error={err('type')}>
        {(p) => (
          <select {...p} value={draft.type} onChange={(e) => setDraft({ ...draft, type: e.target.value })}>
            {TYPES.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        )}
      </Field>
      {draft.type === 'choices' ? (
        <Field label="Choices (one per line)" error={err('choices')}>
          {(p) => <textarea {...p} rows={4} value={draft.choices} onChange={(e) => setDraft({ ...draft, choices: e.target.value })} />}
        </Field>
      ) : null}
      {MULTI_TYPES.includes(draft.type) ? (
        <label className="checkbox">
          <input type="checkbox" checked={draft.multiple} onChange={(e) => setDraft({ ...draft, multiple: e.target.checked })} />
          Accepts multiple values
        </label>
      ) : null}
      <Field label="Description" error={err('description')}>
        {(p) => <input {...p} type="text" value={draft.description} onChange={(e) => setDraft({ ...draft, description: e.target.value })} />}
      </Field>
    </div>
  );
}

export function CustomFieldsSettings({ objectType }: { objectType: 'lead' | 'contact' }) {
  const fields = useCustomFields(objectType);
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState<Draft>(draftOf());
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['custom_fields', objectType] });
  const create = useMutation({
    mutationFn: () => api('POST', `custom_field/${objectType}/`, { body: bodyOf(draft) }),
    onSuccess: async () => {
      setDraft(draftOf());
      await refresh();
    },
  });
  return (
    <>
      <h2>{objectType === 'lead' ? 'Lead' : 'Contact'} custom fields</h2>
      <FormErrors error={fields.error} />
      <div className="table-wrap">
        <table className="stack">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Type</th>
              <th scope="col">Choices</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {(fields.data ?? []).map((f) => (
              <FieldRow key={f.id} field={f} objectType={objectType} onChanged={refresh} />
            ))}
          </tbody>
        </table>
      </div>
      <form className="panel" onSubmit={submitHandler(() => create.mutate())} aria-labelledby="new-field-heading">
        <h3 id="new-field-heading">New {objectType} custom field</h3>
        <FieldForm draft={draft} setDraft={setDraft} error={create.error} />
        <FormErrors error={create.error} shown={['name', 'type', 'choices', 'description']} />
        <button type="submit" disabled={draft.name.trim() === '' || create.isPending}>
          Add field
        </button>
      </form>
    </>
  );
}

function FieldRow({ field, objectType, onChanged }: { field: CustomFieldDef; objectType: string; onChanged: () => Promise<unknown> }) {
  const [editing, setEditing] = useState(false);
  const [confirm, setConfirm] = useState(false);
  const [draft, setDraft] = useState<Draft>(draftOf(field));
  const save = useMutation({
    mutationFn: () => api('PUT', `custom_field/${objectType}/${field.id}/`, { body: bodyOf(draft) }),
    onSuccess: async () => {
      setEditing(false);
      await onChanged();
    },
  });
  const remove = useMutation({ mutationFn: () => api('DELETE', `custom_field/${objectType}/${field.id}/`), onSuccess: onChanged });
  return (
    <tr data-testid="field-row">
      <td data-label="Name">{field.name}</td>
      <td data-label="Type">
        {field.type}
        {field.accepts_multiple_values ? ' (multiple)' : ''}
      </td>
      <td data-label="Choices">{(field.choices ?? []).join(', ')}</td>
      <td data-label="Actions">
        {editing ? (
          <form onSubmit={submitHandler(() => save.mutate())}>
            <p className="hint">Changing the type, choices or multiplicity converts stored values and drops those that no longer fit.</p>
            <FieldForm draft={draft} setDraft={setDraft} error={save.error} />
            <FormErrors error={save.error} shown={['name', 'type', 'choices', 'description']} />
            <div className="toolbar">
              <button type="submit">Save field</button>
              <button type="button" className="secondary" onClick={() => setEditing(false)}>
                Cancel editing
              </button>
            </div>
          </form>
        ) : (
          <div className="toolbar">
            <button type="button" className="secondary" onClick={() => setEditing(true)} aria-label={`Edit field ${field.name}`}>
              Edit
            </button>
            {confirm ? (
              <>
                <button type="button" className="danger" onClick={() => remove.mutate()}>
                  Delete “{field.name}” and its values
                </button>
                <button type="button" className="secondary" onClick={() => setConfirm(false)}>
                  Keep
                </button>
              </>
            ) : (
              <button type="button" className="secondary" onClick={() => setConfirm(true)} aria-label={`Delete field ${field.name}`}>
                Delete
              </button>
            )}
          </div>
        )}
        <FormErrors error={remove.error} />
      </td>
    </tr>
  );
}
