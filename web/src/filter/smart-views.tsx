/** Smart Views (`/saved_search/`): open one into the builder, save the current filter, rename, delete. */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api } from '../api/client.ts';
import { useSavedSearches, type SavedSearch } from '../api/hooks.ts';
import { Field, fieldError, FormErrors } from '../components/form.tsx';
import type { SortSpec } from '../pages/leads.tsx';

export function SmartViews({ query, sort, onOpen }: { query: unknown; sort: SortSpec; onOpen: (view: SavedSearch) => void }) {
  const views = useSavedSearches();
  const queryClient = useQueryClient();
  const [selected, setSelected] = useState('');
  const [openId, setOpenId] = useState<string | null>(null);
  const [newName, setNewName] = useState('');
  const [rename, setRename] = useState('');
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [notice, setNotice] = useState('');
  const open = views.data?.find((v) => v.id === openId);
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['saved_searches'] });

  const save = useMutation({
    mutationFn: (name: string) => api<SavedSearch>('POST', 'saved_search/', { body: { name, type: 'lead', s_query: { query, sort } } }),
    onSuccess: async (view) => {
      await refresh();
      setOpenId(view.id);
      setSelected(view.id);
      setRename(view.name);
      setNewName('');
      setNotice(`Saved Smart View “${view.name}”.`);
    },
  });
  const update = useMutation({
    mutationFn: (body: Record<string, unknown>) => api<SavedSearch>('PUT', `saved_search/${openId}/`, { body }),
    onSuccess: async (view) => {
      await refresh();
      setNotice(`Updated Smart View “${view.name}”.`);
    },
  });
  const remove = useMutation({
    mutationFn: () => api('DELETE', `saved_search/${openId}/`),
    onSuccess: async () => {
      setNotice(`Deleted Smart View “${open?.name ?? ''}”.`);
      setOpenId(null);
      setSelected('');
      setConfirmDelete(false);
      await refresh();
    },
  });

  const openSelected = () => {
    const view = views.data?.find((v) => v.id === selected);
    if (!view) return;
    setOpenId(view.id);
    setRename(view.name);
    setNotice(`Opened Smart View “${view.name}”.`);
    onOpen(view);
  };

  return (
    <section className="panel" aria-labelledby="views-heading">
      <h2 id="views-heading">Smart Views</h2>
      <div className="row">
        <Field label="Smart View">
          {(p) => (
            <select {...p} value={selected} onChange={(e) => setSelected(e.target.value)}>
              <option value="">Choose a Smart View…</option>
              {(views.data ?? []).map((v) => (
                <option key={v.id} value={v.id}>
                  {v.name}
                </option>
              ))}
            </select>
          )}
        </Field>
        <button type="button" disabled={selected === ''} onClick={openSelected}>
          Open
        </button>
        <form
          className="row"
          onSubmit={(e: FormEvent) => {
            e.preventDefault();
            save.mutate(newName.trim());
          }}
        >
          <Field label="New Smart View name" error={fieldError(save.error, 'name')}>
            {(p) => <input {...p} type="text" value={newName} onChange={(e) => setNewName(e.target.value)} />}
          </Field>
          <button type="submit" disabled={newName.trim() === '' || save.isPending}>
            Save filter as Smart View
          </button>
        </form>
      </div>
      <FormErrors error={save.error} shown={['name']} />
      {open ? (
        <div className="row" data-testid="open-view">
          <p>
            Open: <strong>{open.name}</strong>
          </p>
          <button type="button" className="secondary" onClick={() => update.mutate({ s_query: { query, sort } })}>
            Save current filter into it
          </button>
          <form
            className="row"
            onSubmit={(e: FormEvent) => {
              e.preventDefault();
              update.mutate({ name: rename.trim() });
            }}
          >
            <Field label="Rename to" error={fieldError(update.error, 'name')}>
              {(p) => <input {...p} type="text" value={rename} onChange={(e) => setRename(e.target.value)} />}
            </Field>
            <button type="submit" className="secondary" disabled={rename.trim() === '' || rename.trim() === open.name}>
              Rename
            </button>
          </form>
          {confirmDelete ? (
            <span className="row">
              <span>Delete “{open.name}”?</span>
              <button type="button" className="danger" onClick={() => remove.mutate()}>
                Yes, delete it
              </button>
              <button type="button" className="secondary" onClick={() => setConfirmDelete(false)}>
                Keep it
              </button>
            </span>
          ) : (
            <button type="button" className="secondary" onClick={() => setConfirmDelete(true)}>
              Delete Smart View
            </button>
          )}
        </div>
      ) : null}
      <FormErrors error={update.error ?? remove.error} shown={['name']} />
      <p role="status" className="muted">
        {notice}
      </p>
    </section>
  );
}
