/** Lead statuses: add, rename, delete (the API refuses deleting one in use, or the last one). */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../api/client.ts';
import { useMe, useStatuses, type Status } from '../api/hooks.ts';
import { Field, fieldError, FormErrors } from '../components/form.tsx';
import { submitHandler } from '../bulk/launcher.tsx';

export function StatusesSettings() {
  const statuses = useStatuses();
  const me = useMe();
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
  // The order is the organization's (`PUT /organization/{id}/` with `lead_statuses`).
  const reorder = useMutation({
    mutationFn: (ids: string[]) => api('PUT', `organization/${me.data?.organizations[0]?.id}/`, { body: { lead_statuses: ids.map((id) => ({ id })) } }),
    onSettled: refresh,
  });
  const move = (index: number, by: number) => {
    const ids = (statuses.data ?? []).map((x) => x.id);
    const [id] = ids.splice(index, 1);
    ids.splice(index + by, 0, id!);
    reorder.mutate(ids);
  };
  return (
    <>
      <h2>Lead statuses</h2>
      <FormErrors error={reorder.error} />
      <FormErrors error={statuses.error} />
      <ul className="plain-list">
        {(statuses.data ?? []).map((s, i, all) => (
          <StatusRow key={s.id} status={s} onChanged={refresh} onUp={i > 0 ? () => move(i, -1) : undefined} onDown={i < all.length - 1 ? () => move(i, 1) : undefined} />
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

function StatusRow({ status, onChanged, onUp, onDown }: { status: Status; onChanged: () => Promise<unknown>; onUp?: () => void; onDown?: () => void }) {
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
      <button type="button" className="secondary" disabled={!onUp} onClick={onUp} aria-label={`Move ${status.label} up`}>
        Up
      </button>
      <button type="button" className="secondary" disabled={!onDown} onClick={onDown} aria-label={`Move ${status.label} down`}>
        Down
      </button>
      <button type="button" className="secondary" onClick={() => remove.mutate()} aria-label={`Delete status ${status.label}`}>
        Delete
      </button>
      <FormErrors error={remove.error ?? rename.error} shown={['label']} />
    </li>
  );
}
