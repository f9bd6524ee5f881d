/** Lead statuses: add, rename, delete (the API refuses deleting one in use, or the last one). */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../api/client.ts';
import { useStatuses, type Status } from '../api/hooks.ts';
import { Field, fieldError, FormErrors } from '../components/form.tsx';
import { submitHandler } from '../bulk/launcher.tsx';

export function StatusesSettings() {
  const statuses = useStatuses();
  const queryClient = useQueryClient();
  const [label, setLabel] = useState('');
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['statuses'] });
  const create = useMutation({
    mutationFn: () => api<Status>('POST', 'status/lead/', { body: { label: label.trim() } }),
    onSuccess: async () => {
      setLabel('');
      await refresh();
    },
  });
  return (
    <>
      <h2>Lead statuses</h2>
      <FormErrors error={statuses.error} />
      <ul className="plain-list">
        {(statuses.data ?? []).map((s) => (
          <StatusRow key={s.id} status={s} onChanged={refresh} />
        ))}
      </ul>
      <form className="row" onSubmit={submitHandler(() => create.mutate())}>
        <Field label="New status" error={fieldError(create.error, 'label')}>
          {(p) => <input {...p} type="text" value={label} onChange={(e) => setLabel(e.target.value)} />}
        </Field>
        <button type="submit" disabled={label.trim() === '' || create.isPending}>
          Add status
        </button>
      </form>
      <FormErrors error={create.error} shown={['label']} />
    </>
  );
}

function StatusRow({ status, onChanged }: { status: Status; onChanged: () => Promise<unknown> }) {
  const [label, setLabel] = useState(status.label);
  const rename = useMutation({ mutationFn: () => api('PUT', `status/lead/${status.id}/`, { body: { label: label.trim() } }), onSuccess: onChanged });
  const remove = useMutation({ mutationFn: () => api('DELETE', `status/lead/${status.id}/`), onSuccess: onChanged });
  return (
    <li className="row" data-testid="status-row">
      <form className="row" onSubmit={submitHandler(() => rename.mutate())}>
        <Field label={`Label of “${status.label}”`} error={fieldError(rename.error, 'label')}>
          {(p) => <input {...p} type="text" value={label} onChange={(e) => setLabel(e.target.value)} />}
        </Field>
        <button type="submit" className="secondary" disabled={label.trim() === status.label || label.trim() === ''}>
          Rename
        </button>
      </form>
      <button type="button" className="secondary" onClick={() => remove.mutate()} aria-label={`Delete status ${status.label}`}>
        Delete
      </button>
      <FormErrors error={remove.error ?? rename.error} shown={['label']} />
    </li>
  );
}
