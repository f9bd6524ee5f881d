/**
 * Email templates: list, create, edit, with a rendered preview for a chosen lead.
 *
 * The preview is `POST /email_template/render/` (Sluice's extension) of the text being typed, a
 * moment after typing stops: it follows every keystroke before anything is saved, also for a
 * template not created yet.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { api } from '../api/client.ts';
import { useTemplates, type Template } from '../api/hooks.ts';
import { submitHandler } from '../bulk/launcher.tsx';
import { EmailPreview, type Rendered } from '../components/email-preview.tsx';
import { Field, fieldError, FormErrors } from '../components/form.tsx';
import { useDebounced } from '../components/use-debounced.ts';

const NEW = '__new__';

export function TemplatesSettings() {
  const templates = useTemplates();
  const [selected, setSelected] = useState<string>('');
  // Kept here: saving a new template swaps its editor for the stored one's.
  const [notice, setNotice] = useState('');
  const current = templates.data?.find((t) => t.id === selected);
  return (
    <>
      <h2>Email templates</h2>
      <FormErrors error={templates.error} />
      <div className="row">
        <Field label="Template">
          {(p) => (
            <select {...p} value={selected} onChange={(e) => setSelected(e.target.value)}>
              <option value="">Choose a template…</option>
              {(templates.data ?? []).map((t) => (
                <option key={t.id} value={t.id}>
                  {t.name}
                </option>
              ))}
            </select>
          )}
        </Field>
        <button type="button" className="secondary" onClick={() => setSelected(NEW)}>
          New template
        </button>
      </div>
      <p role="status" className="muted">
        {notice}
      </p>
      {selected === NEW ? (
        <TemplateEditor
          key={NEW}
          onSaved={(t) => {
            setNotice(`Saved “${t.name}”.`);
            setSelected(t.id);
          }}
        />
      ) : null}
      {current ? (
        <>
          <TemplateEditor key={current.id} template={current} onSaved={(t) => setNotice(`Saved “${t.name}”.`)} />
          <DeleteTemplate
            key={`delete-${current.id}`}
            id={current.id}
            name={current.name}
            onDeleted={() => {
              setNotice(`Deleted “${current.name}”.`);
              setSelected('');
            }}
          />
        </>
      ) : null}
    </>
  );
}

function TemplateEditor({ template, onSaved }: { template?: Template; onSaved: (t: Template) => void }) {
  const queryClient = useQueryClient();
  const [name, setName] = useState(template?.name ?? '');
  const [subject, setSubject] = useState(template?.subject ?? '');
  const [body, setBody] = useState(template?.body ?? '');
  const [leadId, setLeadId] = useState('');
  const save = useMutation({
    mutationFn: () =>
      template
        ? api<Template>('PUT', `email_template/${template.id}/`, { body: { name, subject, body } })
        : api<Template>('POST', 'email_template/', { body: { name, subject, body } }),
    onSuccess: async (t) => {
      await queryClient.invalidateQueries({ queryKey: ['templates'] });
      onSaved(t);
    },
  });
  const leads = useQuery({
    queryKey: ['preview-leads'],
    queryFn: () => api<{ data: { id: string; display_name: string }[] }>('GET', 'lead/?_limit=50&_fields=id,display_name'),
  });
  useEffect(() => {
    if (!leadId && leads.data?.data[0]) setLeadId(leads.data.data[0].id);
  }, [leads.data, leadId]);
  const draft = { subject: useDebounced(subject), body: useDebounced(body) };
  const preview = useQuery({
    queryKey: ['template-preview', draft.subject, draft.body, leadId],
    enabled: Boolean(leadId),
    queryFn: () => api<Rendered>('POST', 'email_template/render/', { body: { subject: draft.subject, body: draft.body, lead_id: leadId } }),
  });
  const err = (p: string) => fieldError(save.error, p);
  return (
    <div className="grid-2">
      <form onSubmit={submitHandler(() => save.mutate())} aria-label={template ? `Edit template ${template.name}` : 'New template'}>
        <Field label="Name" error={err('name')}>
          {(p) => <input {...p} type="text" value={name} onChange={(e) => setName(e.target.value)} />}
        </Field>
        <Field label="Subject" error={err('subject')} hint="Liquid: {{ contact.first_name }}, {{ lead.display_name }}, {{ user.first_name }} …">
          {(p) => <input {...p} type="text" value={subject} onChange={(e) => setSubject(e.target.value)} />}
        </Field>
        <Field label="Body (HTML)" error={err('body')}>
          {(p) => <textarea {...p} className="code" rows={12} value={body} onChange={(e) => setBody(e.target.value)} />}
        </Field>
        <FormErrors error={save.error} shown={['name', 'subject', 'body']} />
        <button type="submit" disabled={save.isPending}>
          {template ? 'Save template' : 'Create template'}
        </button>
      </form>
      <section aria-labelledby="tpl-preview-heading">
        <h3 id="tpl-preview-heading">Preview</h3>
        {leadId ? (
          <>
            <Field label="Preview for lead">
              {(p) => (
                <select {...p} value={leadId} onChange={(e) => setLeadId(e.target.value)}>
                  {(leads.data?.data ?? []).map((l) => (
                    <option key={l.id} value={l.id}>
                      {l.display_name || l.id}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <p className="hint">Shows what is typed above, saved or not.</p>
            <FormErrors error={preview.error} />
            {preview.data ? <EmailPreview rendered={preview.data} /> : null}
          </>
        ) : (
          <p className="muted">Add a lead to preview the template against it.</p>
        )}
      </section>
    </div>
  );
}

/** Deletes the template after a second, explicit click. */
function DeleteTemplate({ id, name, onDeleted }: { id: string; name: string; onDeleted: () => void }) {
  const queryClient = useQueryClient();
  const [confirm, setConfirm] = useState(false);
  const remove = useMutation({
    mutationFn: () => api('DELETE', `email_template/${id}/`),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ['templates'] });
      onDeleted();
    },
  });
  return (
    <div className="toolbar">
      {confirm ? (
        <>
          <button type="button" className="danger" onClick={() => remove.mutate()}>
            Yes, delete “{name}”
          </button>
          <button type="button" className="secondary" onClick={() => setConfirm(false)}>
            Keep it
          </button>
        </>
      ) : (
        <button type="button" className="secondary" onClick={() => setConfirm(true)}>
          Delete template
        </button>
      )}
      <FormErrors error={remove.error} />
    </div>
  );
}
