/**
 * Bulk email: template, sender account, contact preference, and a preview of the first recipients'
 * emails as `/email_template/{id}/render/` renders them for this filter (entry 0, 1, 2 …).
 */
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../api/client.ts';
import { useAccounts, useTemplates } from '../api/hooks.ts';
import { Field, fieldError, FormErrors } from '../components/form.tsx';
import { EmailPreview, type Rendered } from '../components/email-preview.tsx';
import { LaunchFooter, submitHandler, useStartBulk, type LaunchProps } from './launcher.tsx';

const PREVIEWS = 3;
const SHOWN = ['template_id', 'contact_preference', 'email_account_id', 'sender'];

export function EmailForm(props: LaunchProps) {
  const start = useStartBulk('email', props);
  const templates = useTemplates();
  const accounts = useAccounts();
  const [templateId, setTemplateId] = useState('');
  const [accountId, setAccountId] = useState('');
  const [preference, setPreference] = useState('lead');
  const [sendDone, setSendDone] = useState(true);
  const err = (path: string) => fieldError(start.error, path);
  const account = accountId || accounts.data?.[0]?.id || '';

  const preview = useQuery({
    queryKey: ['render-preview', templateId, account, preference, JSON.stringify(props.query), JSON.stringify(props.sort)],
    enabled: templateId !== '',
    queryFn: async () => {
      const out: Rendered[] = [];
      for (let entry = 0; entry < PREVIEWS; entry++) {
        const params = new URLSearchParams({
          s_query: JSON.stringify(props.query),
          sort: JSON.stringify(props.sort),
          entry: String(entry),
          // The render route walks leads (first contact with an email) or contacts.
          mode: preference === 'lead' ? 'lead' : 'contact',
        });
        if (account) params.set('email_account_id', account);
        const rendered = await api<Partial<Rendered>>('GET', `email_template/${templateId}/render/?${params.toString()}`);
        if (!rendered.subject && rendered.subject !== '') break;
        out.push(rendered as Rendered);
      }
      return out;
    },
  });

  // Leads that will be skipped for want of an address: the filter and no contact email at all.
  const noEmail = useQuery({
    queryKey: ['no-email-count', JSON.stringify(props.query)],
    queryFn: async () => {
      const query = {
        type: 'and',
        queries: [props.query, {
            type: 'has_related',
            this_object_type: 'lead',
            related_object_type: 'contact',
            related_query: { type: 'has_related', this_object_type: 'contact', related_object_type: 'contact_email', related_query: { type: 'match_all' } },
            negate: true,
          }],
      };
      const res = await api<{ count: { total: number } }>('POST', 'data/search/', { body: { query, include_counts: true, _limit: 1, _fields: { lead: ['id'] } } });
      return res.count.total;
    },
  });

  return (
    <form onSubmit={submitHandler(() => start.mutate({ template_id: templateId, email_account_id: account || undefined, contact_preference: preference, send_done_email: sendDone }))}>
      <p>Sends to the {props.count ?? '…'} leads the current filter matches.</p>
      <p data-testid="skip-estimate">
        {noEmail.data === undefined
          ? 'Counting leads without an email address…'
          : `${noEmail.data} of them ha${noEmail.data === 1 ? 's' : 've'} no contact with an email address and will be skipped (no_email).`}{' '}
        Unsubscribed addresses and, per lead, repeated addresses are skipped as well; the action's items name each reason.
      </p>
      <Field label="Template" error={err('template_id')}>
        {(p) => (
          <select {...p} value={templateId} onChange={(e) => setTemplateId(e.target.value)}>
            <option value="">Choose a template…</option>
            {(templates.data ?? []).map((t) => (
              <option key={t.id} value={t.id}>
                {t.name}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label="Send from (connected account)" error={err('email_account_id') ?? err('sender')}>
        {(p) => (
          <select {...p} value={account} onChange={(e) => setAccountId(e.target.value)}>
            {(accounts.data ?? []).length === 0 ? <option value="">No connected account</option> : null}
            {(accounts.data ?? []).map((a) => (
              <option key={a.id} value={a.id}>
                {a.email}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label="Recipients (contact_preference)" error={err('contact_preference')}>
        {(p) => (
          <select {...p} value={preference} onChange={(e) => setPreference(e.target.value)}>
            <option value="lead">the first contact with an email of each lead</option>
            <option value="contact">the first email of every contact</option>
            <option value="all">every email of every contact</option>
          </select>
        )}
      </Field>
      {templateId ? (
        <section aria-labelledby="preview-heading" aria-live="polite">
          <h3 id="preview-heading">Preview of the first recipients</h3>
          {preview.isPending ? <p>Rendering…</p> : null}
          <FormErrors error={preview.error} />
          {preview.data?.length === 0 ? <p>No lead of this filter has a contact with an email address.</p> : null}
          {preview.data?.map((r, i) => <EmailPreview key={i} rendered={r} />)}
        </section>
      ) : null}
      <LaunchFooter error={start.error} shown={SHOWN} pending={start.isPending} label="Start bulk email" sendDone={sendDone} onSendDone={setSendDone} />
    </form>
  );
}
