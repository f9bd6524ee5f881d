/**
 * Connected (sender) accounts. The SMTP password is write-only: never shown, never prefilled; left
 * empty on an edit, the stored one is kept (the API keeps it when none is sent).
 */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../api/client.ts';
import { useAccounts, type ConnectedAccount } from '../api/hooks.ts';
import { submitHandler } from '../bulk/launcher.tsx';
import { Field, fieldError, FormErrors } from '../components/form.tsx';

interface Draft {
  email: string;
  name: string;
  host: string;
  port: string;
  useSsl: boolean;
  requireTls: boolean;
  username: string;
  password: string;
}

function draftOf(a?: ConnectedAccount): Draft {
  const smtp = (a?.smtp ?? null) as { host?: string; port?: number; use_ssl?: boolean; require_tls?: boolean; username?: string | null } | null;
  return {
    email: a?.email ?? '',
    name: a?.identities?.[0]?.name ?? '',
    host: smtp?.host ?? '',
    port: smtp?.port ? String(smtp.port) : '587',
    useSsl: smtp?.use_ssl ?? false,
    requireTls: smtp?.require_tls ?? true,
    username: smtp?.username ?? '',
    password: '',
  };
}

function bodyOf(d: Draft): Record<string, unknown> {
  const smtp: Record<string, unknown> = { host: d.host.trim(), port: Number(d.port), use_ssl: d.useSsl, require_tls: d.requireTls, username: d.username || null };
  if (d.password !== '') smtp.password = d.password;
  return { email: d.email.trim(), identities: [{ email: d.email.trim(), name: d.name || null }], smtp: d.host.trim() === '' ? null : smtp };
}

const SHOWN = ['email', 'smtp.host', 'smtp.port', 'smtp.username', 'smtp.password', 'smtp'];

function AccountForm({ draft, setDraft, error, existing }: { draft: Draft; setDraft: (d: Draft) => void; error: unknown; existing: boolean }) {
  const err = (p: string) => fieldError(error, p);
  const text = (label: string, key: 'email' | 'name' | 'host' | 'port' | 'username', type = 'text', path = key as string) => (
    <Field label={label} error={err(path)}>
      {(p) => <input {...p} type={type} value={draft[key]} onChange={(e) => setDraft({ ...draft, [key]: e.target.value })} />}
    </Field>
  );
  return (
    <div className="row">
      {text('Email address', 'email', 'email')}
      {text('Sender name', 'name', 'text', 'identities')}
      {text('SMTP host', 'host', 'text', 'smtp.host')}
      {text('SMTP port', 'port', 'number', 'smtp.port')}
      {text('SMTP user name', 'username', 'text', 'smtp.username')}
      <Field label="SMTP password" error={err('smtp.password')} hint={existing ? 'Write-only: leave empty to keep the stored password.' : 'Write-only: stored encrypted, never shown again.'}>
        {(p) => <input {...p} type="password" autoComplete="new-password" value={draft.password} onChange={(e) => setDraft({ ...draft, password: e.target.value })} />}
      </Field>
      <label className="checkbox">
        <input type="checkbox" checked={draft.useSsl} onChange={(e) => setDraft({ ...draft, useSsl: e.target.checked })} />
        TLS from the start (port 465)
      </label>
      <label className="checkbox">
        <input type="checkbox" checked={draft.requireTls} onChange={(e) => setDraft({ ...draft, requireTls: e.target.checked })} />
        Require STARTTLS
      </label>
    </div>
  );
}

export function AccountsSettings() {
  const accounts = useAccounts();
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState<Draft>(draftOf());
  const refresh = async () => {
    await queryClient.invalidateQueries({ queryKey: ['accounts'] });
    await queryClient.invalidateQueries({ queryKey: ['me'] });
  };
  const create = useMutation({
    mutationFn: () => api('POST', 'connected_account/', { body: bodyOf(draft) }),
    onSuccess: async () => {
      setDraft(draftOf());
      await refresh();
    },
  });
  return (
    <>
      <h2>Connected accounts</h2>
      <FormErrors error={accounts.error} />
      {(accounts.data ?? []).map((a) => (
        <AccountRow key={a.id} account={a} onChanged={refresh} />
      ))}
      <form className="panel" onSubmit={submitHandler(() => create.mutate())} aria-labelledby="new-account-heading">
        <h3 id="new-account-heading">Connect an SMTP account</h3>
        <AccountForm draft={draft} setDraft={setDraft} error={create.error} existing={false} />
        <FormErrors error={create.error} shown={SHOWN} />
        <button type="submit" disabled={create.isPending}>
          Connect account
        </button>
      </form>
    </>
  );
}

function AccountRow({ account, onChanged }: { account: ConnectedAccount; onChanged: () => Promise<void> }) {
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState<Draft>(draftOf(account));
  const save = useMutation({
    mutationFn: () => api('PUT', `connected_account/${account.id}/`, { body: bodyOf(draft) }),
    onSuccess: async () => {
      setEditing(false);
      setDraft({ ...draft, password: '' });
      await onChanged();
    },
  });
  const remove = useMutation({ mutationFn: () => api('DELETE', `connected_account/${account.id}/`), onSuccess: onChanged });
  const smtp = account.smtp as { host?: string; port?: number } | null;
  return (
    <div className="panel" data-testid="account-row">
      <p>
        <strong>{account.email}</strong> · {smtp ? `${smtp.host}:${smtp.port}` : 'local outbox'} · sending: {String(account.send_status ?? '')}
        {account.latest_send_error ? <span className="field-error"> {String(account.latest_send_error)}</span> : null}
      </p>
      {editing ? (
        <form onSubmit={submitHandler(() => save.mutate())}>
          <AccountForm draft={draft} setDraft={setDraft} error={save.error} existing />
          <FormErrors error={save.error} shown={SHOWN} />
          <div className="toolbar">
            <button type="submit">Save account</button>
            <button type="button" className="secondary" onClick={() => setEditing(false)}>
              Cancel editing
            </button>
          </div>
        </form>
      ) : (
        <div className="toolbar">
          <button type="button" className="secondary" onClick={() => setEditing(true)} aria-label={`Edit account ${account.email}`}>
            Edit
          </button>
          <button type="button" className="secondary" onClick={() => remove.mutate()} aria-label={`Delete account ${account.email}`}>
            Delete
          </button>
        </div>
      )}
      <FormErrors error={remove.error} />
    </div>
  );
}
